"""Background jobs in immediate mode: progress page, failure and retry, the attempt fence, stalled jobs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from fieldapp import clock
from fieldapp.jobs import runtime
from fieldapp.jobs.models import Job
from fieldapp.subjects.models import Subject
from job_files import reject_lines, subject_file_with_rejects, upload_subjects


def test_an_uploaded_import_resumes_from_its_checkpoint_with_every_row_once(app, db, client_request, tmp_path):
    path, valid, rejected = subject_file_with_rejects(tmp_path / "s.csv", 2500)
    client_request.login("admin", "admin", "city")
    response = upload_subjects(client_request, path)
    job = db.session.scalar(select(Job))
    assert response.location == client_request.url_for("jobs.detail", job_id=job.id)
    assert job.status == "done" and (job.done, job.total) == (2500, 2500)
    assert job.result["counts"]["created"] == len(valid) and job.result["counts"]["rejected"] == len(rejected)
    assert sorted(reject_lines(runtime.job_folder(job.id) / "rejects.csv")) == sorted(rejected)
    assert set(db.session.scalars(select(Subject.ident))) == valid


def test_a_run_interrupted_between_batches_resumes_without_doubles(app, db, auth, tmp_path):
    """The checkpoint commits with each batch: stop a run after some batches (as a killed worker
    would be), queue the job again, and the rest is imported, the counts and rejects as one run."""
    from fieldapp.subjects import jobs as subject_jobs

    path, valid, rejected = subject_file_with_rejects(tmp_path / "s.csv", 3000)
    admin = auth.create("admin", "admin", "city")
    calls = {"n": 0}
    real_progress = runtime.JobRun.progress

    def dying_progress(self, *args, **kwargs):
        if kwargs.get("checkpoint", {}).get("line", 0) > 1500 and not kwargs.get("commit", True):
            calls["n"] += 1
            raise KeyboardInterrupt  # the worker is stopped in the middle of a batch's transaction
        return real_progress(self, *args, **kwargs)

    class Upload:
        filename = "s.csv"

        def save(self, dest):
            dest.write_bytes(path.read_bytes())

    runtime.JobRun.progress = dying_progress
    try:
        subject_jobs.start_import(Upload(), admin, batch_size=250)  # Huey (inline) swallows the exit, as a dying worker
    finally:
        runtime.JobRun.progress = real_progress
    db.session.rollback()
    job = db.session.scalar(select(Job))
    assert calls["n"] == 1 and job.status == "running" and 0 < job.done < 3000
    half = db.session.scalar(select(func.count()).select_from(Subject))
    assert 0 < half < len(valid)
    # The worker is silent: the recovery queues it again and it finishes.
    job.heartbeat_at = clock.now() - timedelta(hours=1)
    db.session.commit()
    assert runtime.requeue_stalled() == [job.id]
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status == "done" and job.attempt == 2 and job.done == 3000
    assert job.result["counts"] == {
        "rows": 3000,
        "created": len(valid),
        "updated": 0,
        "unchanged": 0,
        "rejected": len(rejected),
        "changes": 0,
    }
    assert db.session.scalar(select(func.count()).select_from(Subject)) == len(valid)
    assert set(db.session.scalars(select(Subject.ident))) == valid
    assert sorted(reject_lines(runtime.job_folder(job.id) / "rejects.csv")) == sorted(rejected)


def test_a_superseded_run_cannot_write(app, db):
    job = Job(kind="subjects.import", params={}, created_at=clock.now())
    db.session.add(job)
    db.session.commit()
    first = runtime.JobRun(runtime.claim(job.id), 1)
    first.progress(done=10, total=100)
    # Taken for dead and started again: the first run's next report is refused, nothing written.
    db.session.execute(Job.__table__.update().values(status="queued"))
    db.session.commit()
    second = runtime.claim(job.id)
    assert second.attempt == 2
    with pytest.raises(runtime.Superseded):
        first.progress(done=50)
    assert db.session.get(Job, job.id).done == 10
    assert runtime.claim(job.id) is None  # a duplicate message finds nothing to take


def test_a_failed_job_says_why_and_runs_again(app, db, client_request, tmp_path):
    path, valid, _ = subject_file_with_rejects(tmp_path / "s.csv", 300)
    client_request.login("admin", "admin", "city")
    upload_subjects(client_request, path)
    job = db.session.scalar(select(Job))
    # The stored upload is damaged after the header was checked: the run fails and says why.
    source = runtime.job_folder(job.id) / "source.csv"
    good = path.read_bytes()  # the finished job deleted its copy of the upload (jobs/files.py)
    source.write_bytes(b"\xff\xfe\x00garbage")
    job.status, job.checkpoint, job.result = "failed", None, None
    db.session.commit()
    client_request.post("jobs.retry", job_id=job.id)
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status == "failed" and job.error
    page = client_request.get("jobs.detail", job_id=job.id)
    assert job.error in page.select_one("[role=alert]").get_text()
    assert page.select_one("#job-progress").get("hx-get") is None  # finished: no more polling
    # Fixed, run again from the page's button: done, every row once.
    source.write_bytes(good)
    retry = client_request.url_for("jobs.retry", job_id=job.id)
    assert page.select_one(f"form[action='{retry}']") is not None
    client_request.post("jobs.retry", job_id=job.id)
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == "done"
    assert set(db.session.scalars(select(Subject.ident))) == valid
    client_request.post("jobs.retry", _follow_redirects=True, job_id=job.id)  # nothing to retry: told


def test_the_progress_fragment_polls_until_the_job_ends(app, db, auth, client_request):
    owner = auth.create("admin", "admin", "city")
    job = Job(
        kind="subjects.import",
        owner=owner,
        params={},
        created_at=clock.now(),
        status="running",
        stage="importing",
        done=250,
        total=1000,
        heartbeat_at=clock.now(),
    )
    db.session.add(job)
    db.session.commit()
    client_request.login("admin", "admin", "city")
    fragment = client_request.get("jobs.progress", job_id=job.id)
    section = fragment.select_one("#job-progress")
    assert (
        section["hx-get"] == client_request.url_for("jobs.progress", job_id=job.id) and "every" in section["hx-trigger"]
    )
    assert fragment.select_one("progress")["value"] == "250" and "25%" in section.get_text()
    assert "正在导入" in section.get_text()
    # Silent for longer than JOB_STALE_SECONDS: the page says so and offers to run it again.
    job.heartbeat_at = clock.now() - timedelta(hours=1)
    db.session.commit()
    page = client_request.get("jobs.detail", job_id=job.id)
    assert page.select_one("#job-progress").get("hx-get") is None
    assert page.select_one(f"form[action='{client_request.url_for('jobs.retry', job_id=job.id)}']") is not None
    listing = client_request.get("jobs.index")
    assert listing.select_one(f"a[href='{client_request.url_for('jobs.detail', job_id=job.id)}']") is not None
