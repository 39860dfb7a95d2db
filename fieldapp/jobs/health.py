"""The job queue's part of ``/healthz``: is the queue's storage reachable, and when was a worker last seen."""

from __future__ import annotations

from sqlalchemy import func, select

from .. import clock
from ..extensions import db, huey
from .models import Job, JobStatus
from .runtime import worker_last_seen

# A worker reports at start and then every minute (the periodic recovery task).
WORKER_SILENT_AFTER = 180


def queue_health() -> dict:
    try:
        pending = huey.pending_count()
        seen = worker_last_seen()
    except Exception as exc:  # storage down: say why, the app keeps running
        return {
            "status": "unavailable",
            "backend": huey.backend(),
            "reason": type(exc).__name__ + ": " + str(exc)[:200],
        }
    report = {"status": "ok", "backend": huey.backend(), "pending": pending}
    try:
        report["jobs_waiting"] = db.session.scalar(
            select(func.count()).select_from(Job).where(Job.status == JobStatus.QUEUED)
        )
    except Exception:  # the database's own line says why
        db.session.rollback()
    if huey.immediate:
        report["worker"] = "inline"
    elif seen is None:
        report["worker"] = "not seen"
    else:
        age = (clock.now() - seen).total_seconds()
        report["worker"] = "ok" if age <= WORKER_SILENT_AFTER else "silent"
        report["worker_seen_seconds_ago"] = int(age)
    return report
