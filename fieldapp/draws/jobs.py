"""Draws and commitments run by the worker: a million-subject pool takes seconds and hundreds of MB,
which belong in the worker, not in a web process.

``run_draw`` is one transaction and answers a repeated run of the same commitment with the draw
already made, so a retried job never draws twice. A commitment is published in one transaction
too (inputs taken and frozen, the commitment and its chain record), with the job's checkpoint
naming it: a run stopped half way leaves no commitment and can be run again, and a run stopped
after publishing answers the commitment it made.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from ..auth.models import Unit, User
from ..extensions import db
from ..jobs.models import Job, JobStatus
from ..jobs.runtime import JobFailed, JobRun, create_job, job_handler
from ..plans.models import Task
from .commitments import CommitRequest, check_request, publish
from .models import DrawCommitment
from .rules import DrawRefused

KIND = "draws.run"
COMMIT_KIND = "draws.commit"


@job_handler(KIND)
def run_draw_job(run: JobRun) -> dict:
    from .operations import run_draw

    commitment = db.session.get_one(DrawCommitment, run.params["commitment_id"])  # never deleted
    user = db.session.get(User, run.params["user_id"]) if run.params.get("user_id") else None
    run.progress(stage="drawing")
    try:
        draw, created = run_draw(commitment, run.params.get("witness", ""), user)
    except DrawRefused as exc:
        raise JobFailed(str(exc.message)) from exc
    run.progress(stage="finished")
    return {
        "draw_id": draw.id,
        "created": created,
        "open": {"endpoint": "draws.detail", "values": {"draw_id": draw.id}},
    }


def start_draw(commitment: DrawCommitment, witness: str, user):
    title = f"{commitment.task.name} · {commitment.unit.name}"
    return create_job(
        KIND, owner=user, title=title, params={"commitment_id": commitment.id, "witness": witness, "user_id": user.id}
    )


def commitment_summary(result: dict) -> list[str]:
    return [_("Commitment #%(sequence)s published.", sequence=result["sequence"])]


@job_handler(COMMIT_KIND, summary=commitment_summary)
def commit_job(run: JobRun) -> dict:
    made = run.checkpoint.get("commitment_id")
    if made is not None:  # an earlier attempt published it and stopped before the job was finished
        return _published(db.session.get_one(DrawCommitment, made))
    request = _request(run.params)
    run.progress(stage="checking")
    try:
        checked = check_request(request)
        run.progress(stage="freezing")
        commitment = publish(
            checked,
            on_frozen=lambda: run.progress(stage="publishing"),
            # The checkpoint commits with the commitment, or neither does (a superseded run writes nothing).
            before_commit=lambda c: run.progress(checkpoint={"commitment_id": c.id}, commit=False),
        )
    except DrawRefused as exc:
        raise JobFailed(str(exc.message)) from exc
    run.progress(stage="finished")
    return _published(commitment)


def _request(params: dict) -> CommitRequest:
    return CommitRequest(
        task=db.session.get_one(Task, params["task_id"]),
        round=params["round"],
        unit=db.session.get_one(Unit, params["unit_id"]),
        user=db.session.get(User, params["user_id"]) if params.get("user_id") else None,
        redraw_reason=params.get("redraw_reason", ""),
        external_kind=params["external_kind"],
        external_description=params.get("external_description", ""),
        external_date=date.fromisoformat(params["external_date"]) if params.get("external_date") else None,
        exception_reason=params.get("exception_reason", ""),
    )


def _published(commitment: DrawCommitment) -> dict:
    values = {"task_id": commitment.task_id, "round_": commitment.round, "unit_code": commitment.unit.code}
    return {
        "commitment_id": commitment.id,
        "sequence": commitment.sequence,
        "open": {"endpoint": "draws.round_page", "values": values},
    }


def start_commitment(request: CommitRequest) -> Job:
    """The commitment of a large pool, made by the worker (``request`` checked already)."""
    params = {
        "task_id": request.task.id,
        "round": request.round,
        "unit_id": request.unit.id,
        "user_id": request.user.id if request.user else None,
        "redraw_reason": request.redraw_reason,
        "external_kind": str(request.external_kind),
        "external_description": request.external_description,
        "external_date": request.external_date.isoformat() if request.external_date else None,
        "exception_reason": request.exception_reason,
    }
    title = f"{request.task.name} · {request.unit.name}"
    return create_job(COMMIT_KIND, owner=request.user, title=title, params=params)


def pending_commitment(task: Task, round_: int, unit: Unit) -> Job | None:
    """A commitment of this round the worker has yet to publish (queued, running or stalled)."""
    jobs = db.session.scalars(
        select(Job)
        .where(Job.kind == COMMIT_KIND, Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
        .order_by(Job.id.desc())
    )
    wanted = {"task_id": task.id, "round": round_, "unit_id": unit.id}
    return next((job for job in jobs if all(job.params.get(k) == v for k, v in wanted.items())), None)
