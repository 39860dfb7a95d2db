"""A large pool's commitment is made by the worker: the request checks and queues it, the job page
shows its progress and leads back, a reload finds the job, and a run stopped half way leaves no
commitment and can be run again (jobs in immediate mode, or queued by switching it off)."""

from __future__ import annotations

from sqlalchemy import func, select, update

from factories.draws import draw_day, make_subjects, make_task, make_team  # noqa: F401

from fieldapp.draws import chain
from fieldapp.draws.models import DrawCommitment, DrawRecord
from fieldapp.extensions import huey
from fieldapp.jobs import runtime
from fieldapp.jobs.models import Job, JobStatus

WITNESS = {"external_kind": "witness", "external_description": "王五，市纪委监委派驻纪检组"}


def _count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _setup(app, db, threshold: int = 10):
    app.config["DRAW_COMMIT_JOB_POOL"] = threshold  # this pool of 45 is "large"
    task = make_task()
    make_subjects({"A": 10, "B": 20, "C": 10, "D": 5})
    make_team(count=6)
    db.session.commit()
    return task, {"task_id": task.id, "round_": 1, "unit_code": "140602"}


def test_a_large_pool_is_committed_by_the_worker_and_its_page_leads_back(app, client_request, db, monkeypatch):
    task, round_ = _setup(app, db)
    client_request.login("sc-sup", "supervisor", "140602")
    monkeypatch.setattr(huey, "_immediate", False)  # queued for the worker, not made in the request
    response = client_request.post_response("draws.commit", _data=WITNESS, **round_)
    job = db.session.scalar(select(Job))
    assert response.location == client_request.url_for("jobs.detail", job_id=job.id)
    assert job.kind == "draws.commit" and job.status == JobStatus.QUEUED and _count(db, DrawCommitment) == 0
    # A reload of the round page (or a second tab) finds the job and cannot start another.
    page = client_request.get("draws.round_page", **round_)
    assert page.select_one("#commitment-pending a")["href"] == client_request.url_for("jobs.detail", job_id=job.id)
    assert page.select_one("#commit-step form") is None
    again = client_request.post_response("draws.commit", _data=WITNESS, **round_)
    assert again.location == client_request.url_for("jobs.detail", job_id=job.id) and _count(db, Job) == 1
    runtime.execute(job.id)  # the worker
    commitment = db.session.scalar(select(DrawCommitment))
    assert commitment is not None and commitment.frozen_pool is not None and commitment.created_by_id is not None
    assert commitment.external_description == "王五，市纪委监委派驻纪检组"
    assert chain.record_of_commitment(commitment.id, "commitment") is not None
    page = client_request.get("jobs.detail", job_id=job.id)
    assert page.select_one("#job-progress")["data-status"] == "done"
    assert f"已公布第{commitment.sequence}号承诺值" in page.select_one("#job-progress").get_text()
    assert page.find("a", href=client_request.url_for("draws.round_page", **round_)) is not None
    round_page = client_request.get("draws.round_page", **round_)
    assert commitment.commitment_hex in round_page.select_one("#draw-step").get_text()
    assert round_page.select_one("#commitment-pending") is None


def test_in_immediate_mode_the_request_returns_to_the_round_with_the_commitment(app, client_request, db):
    task, round_ = _setup(app, db)
    client_request.login("sc-sup", "supervisor", "140602")
    client_request.post("draws.commit", _data=WITNESS, _expected_redirect=client_request.url_for(
        "draws.round_page", **round_
    ), **round_)  # fmt: skip
    assert _count(db, Job) == 1 and _count(db, DrawCommitment) == 1


def test_a_small_pool_is_committed_in_the_request(app, client_request, db):
    task, round_ = _setup(app, db, threshold=45)
    client_request.login("sc-sup", "supervisor", "140602")
    client_request.post("draws.commit", _data=WITNESS, **round_)
    assert _count(db, Job) == 0 and _count(db, DrawCommitment) == 1


def test_a_commitment_refused_by_the_checks_is_told_on_the_form_without_a_job(app, client_request, db):
    task, round_ = _setup(app, db)
    client_request.login("sc-sup", "supervisor", "140602")
    page = client_request.post(
        "draws.commit",
        _data={"external_kind": "lottery", "external_description": "体彩"},
        _expected_status=422,
        **round_,
    )
    assert "今天以后开奖" in page.get_text() and _count(db, Job) == 0  # the lottery needs a date after today


def test_a_run_stopped_half_way_leaves_no_commitment_and_runs_again(app, client_request, db, monkeypatch):
    task, round_ = _setup(app, db)
    client_request.login("sc-sup", "supervisor", "140602")
    real_append = chain.append

    def worker_dies(kind, content, **ids):
        real_append(kind, content, **ids)  # the record is written …
        raise RuntimeError("worker killed")  # … and the run stops before the transaction commits

    monkeypatch.setattr(chain, "append", worker_dies)
    client_request.post("draws.commit", _data=WITNESS, **round_)
    job = db.session.scalar(select(Job))
    assert job.status == JobStatus.FAILED and job.checkpoint is None
    assert _count(db, DrawCommitment) == 0 and _count(db, DrawRecord) == 0  # all or nothing
    page = client_request.get("jobs.detail", job_id=job.id)
    assert page.select_one(f"form[action='{client_request.url_for('jobs.retry', job_id=job.id)}']") is not None
    monkeypatch.setattr(chain, "append", real_append)
    client_request.post("jobs.retry", job_id=job.id)
    db.session.refresh(job)
    assert job.status == JobStatus.DONE and _count(db, DrawCommitment) == 1 and not chain.check_chain()
    # A worker that died after publishing (the job left running, then queued again) answers the
    # commitment it made: never a second one.
    db.session.execute(update(Job).where(Job.id == job.id).values(status=JobStatus.QUEUED))
    db.session.commit()
    runtime.execute(job.id)
    db.session.refresh(job)
    assert job.status == JobStatus.DONE and job.result["commitment_id"] == db.session.scalar(select(DrawCommitment.id))
    assert _count(db, DrawCommitment) == 1


def test_the_worker_checks_again_what_changed_since_the_request(app, client_request, db, monkeypatch):
    from fieldapp.draws import operations
    from factories.draws import unit

    task, round_ = _setup(app, db)
    client_request.login("sc-sup", "supervisor", "140602")
    monkeypatch.setattr(huey, "_immediate", False)
    client_request.post("draws.commit", _data=WITNESS, **round_)
    job = db.session.scalar(select(Job))
    app.config["DRAW_COMMIT_JOB_POOL"] = 1000
    operations.commit(task, 1, unit("140602"))  # someone committed meanwhile (a small pool, say)
    runtime.execute(job.id)
    db.session.refresh(job)
    assert job.status == JobStatus.FAILED and "本轮已有一个未使用的承诺" in (job.error or ""), job.error
    assert _count(db, DrawCommitment) == 1
