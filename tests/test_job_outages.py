"""The service when a part of it is down: the queue's storage unreachable, the login counters'
Redis unreachable, a worker stopped in the middle of a job, an upload gone from the jobs folder.
Nothing here needs a Redis server: "down" is a port where nothing listens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from huey.signals import SIGNAL_INTERRUPTED
from sqlalchemy import select

from conftest import make_app, new_browser
from fieldapp import clock
from fieldapp.extensions import huey
from fieldapp.jobs import runtime
from fieldapp.jobs.models import Job
from fieldapp.subjects.models import Subject
from job_files import real_queue_config, subject_file_with_rejects, upload_subjects

NOBODY_LISTENS = "redis://127.0.0.1:9/0"


@pytest.fixture
def app_config(tmp_path):
    return real_queue_config(tmp_path)


@pytest.fixture
def queue_back(_schema, tmp_path):
    """Call to bring the queue back (a SQLite queue file); the test settings again afterwards."""
    yield lambda: make_app(_schema, **real_queue_config(tmp_path))
    make_app(_schema)


def _run_queued_messages() -> int:
    """What a worker does with the messages on the queue (in this process)."""
    ran = 0
    while (task := huey.dequeue()) is not None:
        huey.execute(task)
        ran += 1
    return ran


def test_an_import_uploaded_while_the_queue_is_down_waits_and_starts_once_it_is_back(
    _schema, app, db, client_request, tmp_path, queue_back
):
    path, valid, _ = subject_file_with_rejects(tmp_path / "s.csv", 300)
    make_app(_schema, JOBS_ROOT=str(tmp_path / "jobs"), HUEY_IMMEDIATE=False, REDIS_URL=NOBODY_LISTENS)
    client_request.login("admin", "admin", "city")
    response = upload_subjects(client_request, path)  # was a 500: the job row committed, its message lost
    job = db.session.scalar(select(Job))
    assert response.location == client_request.url_for("jobs.detail", job_id=job.id)
    assert (job.status, job.stage) == ("queued", runtime.QUEUE_UNREACHABLE)
    page = client_request.get("jobs.detail", job_id=job.id)
    note = page.select_one("[data-waiting=queue-unreachable]")
    assert note is not None and "队列恢复后将自动开始" in note.get_text()
    assert page.select_one("#job-progress").get("hx-get")  # still polled: it will move
    # The queue is back: the worker's next recovery queues it at once (not JOB_STALE_SECONDS later).
    queue_back()
    assert runtime.requeue_stalled() == [job.id]
    assert _run_queued_messages() == 1
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status == "done" and job.stage == "finished" and job.attempt == 1
    assert set(db.session.scalars(select(Subject.ident))) == valid


def test_a_retry_asked_while_the_queue_is_down_is_kept(_schema, app, db, auth, client_request, queue_back):
    owner = client_request.login(auth.create("admin", "admin", "city"), "admin", "city")
    job = Job(kind="publication.export", owner=owner, params={}, status="failed", created_at=clock.now())
    db.session.add(job)
    db.session.commit()
    make_app(_schema, HUEY_IMMEDIATE=False, REDIS_URL=NOBODY_LISTENS)
    client_request.post("jobs.retry", job_id=job.id)  # was a 500
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert (job.status, job.stage) == ("queued", runtime.QUEUE_UNREACHABLE)
    queue_back()
    assert runtime.requeue_stalled() == [job.id] and huey.pending_count() == 1


def test_a_worker_stopped_mid_job_gives_it_back_at_once(app, db, auth, client_request, tmp_path):
    """SIGTERM (systemd's stop, an upgrade): Huey tells each running task it was interrupted; the job is
    queued again at once for the next worker, not left "running" until JOB_STALE_SECONDS pass."""
    owner = client_request.login(auth.create("admin", "admin", "city"), "admin", "city")
    job = Job(kind="subjects.import", owner=owner, params={}, created_at=clock.now())
    db.session.add(job)
    db.session.commit()
    cut_off = runtime.JobRun(runtime.claim(job.id), 1)
    cut_off.progress(done=10, total=100, stage="importing")
    runtime.bind_app(app)  # as in the worker process (fieldapp/worker.py)
    try:
        huey._emit(SIGNAL_INTERRUPTED, runtime.run_job.s(job.id))
    finally:
        runtime.bind_app(None)  # type: ignore[arg-type]
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert (job.status, job.stage, job.done) == ("queued", runtime.INTERRUPTED, 10)
    page = client_request.get("jobs.detail", job_id=job.id)
    assert "中断处自动继续" in page.select_one("[data-waiting=interrupted]").get_text()
    with pytest.raises(runtime.Superseded):  # the cut-off run, still alive for a moment, writes nothing
        cut_off.progress(done=20)
    # The next worker's recovery (at its start) queues it; its claim clears the mark.
    assert runtime.requeue_stalled() == [job.id]
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.done == 10 and job.stage == ""
    assert runtime.claim(job.id).attempt == 2


def test_an_upload_gone_from_the_jobs_folder_fails_saying_so(app, db, client_request, tmp_path):
    path, _, _ = subject_file_with_rejects(tmp_path / "s.csv", 50)
    client_request.login("admin", "admin", "city")
    upload_subjects(client_request, path)  # queued, not run (no worker in this test)
    job = db.session.scalar(select(Job))
    (runtime.job_folder(job.id) / job.params["file"]).unlink()  # a clean-up, or a worker on another machine
    _run_queued_messages()
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status == "failed" and job.error == "上传的文件已不在服务器上，请重新上传。"
    page = client_request.get("jobs.detail", job_id=job.id)
    assert job.error in page.select_one("[role=alert]").get_text()


def test_healthz_says_when_jobs_wait_for_a_worker_that_is_not_there(app, db, client_request):
    job = Job(kind="publication.export", params={}, created_at=clock.now())
    db.session.add(job)
    db.session.commit()
    queue = new_browser(app).get_response("core.healthz").get_json()["queue"]
    assert queue["worker"] == "not seen" and queue["status"] == "ok"  # just queued: a worker may come
    job.created_at = clock.now() - timedelta(minutes=10)
    db.session.commit()
    body = new_browser(app).get_response("core.healthz", _expected_status=503).get_json()
    assert body["status"] == "error" and body["queue"]["status"] == "no worker" and body["queue"]["jobs_waiting"] == 1
    # A worker whose threads are all busy on long jobs is alive: their progress says so.
    huey.put(runtime.WORKER_SEEN_KEY, (clock.now() - timedelta(minutes=10)).isoformat())
    busy = Job(kind="subjects.import", params={}, created_at=clock.now())
    db.session.add(busy)
    db.session.commit()
    runtime.JobRun(runtime.claim(busy.id), 1).progress(done=1)
    queue = new_browser(app).get_response("core.healthz").get_json()["queue"]
    assert queue["worker"] == "ok" and queue["status"] == "ok"


class TestLoginCountersDown:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:9"}

    def test_login_works_and_stays_limited_while_the_counters_redis_is_down(self, app, auth):
        auth.create("target")
        browser = new_browser(app)
        browser.post_response("auth.login", _data={"username": "target", "password": auth.PASSWORD})  # was a 500
        browser = new_browser(app)
        for status in [401] * 5 + [429]:  # counted in this process meanwhile
            browser.post_response(
                "auth.login", _data={"username": "target", "password": "nope"}, _expected_status=status
            )
