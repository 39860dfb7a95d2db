"""A draw run by the worker: a million-subject pool takes seconds and hundreds of MB, which belong
in the worker, not in a web process. ``run_draw`` is one transaction and answers a repeated run of
the same commitment with the draw already made, so a retried job never draws twice."""

from __future__ import annotations

from ..auth.models import User
from ..extensions import db
from ..jobs.runtime import JobFailed, JobRun, create_job, job_handler
from .models import DrawCommitment
from .rules import DrawRefused

KIND = "draws.run"


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
