"""The job queue's part of ``/healthz``: is the queue's storage reachable, is a worker alive, and do
jobs wait for one that is not there."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from .. import clock
from ..extensions import db, huey
from .models import Job, JobStatus
from .runtime import worker_last_seen

# A worker reports at start and then every minute (the periodic recovery task); a job it runs
# reports with each step of its work (when every worker thread is busy, the periodic report waits).
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
    report: dict = {"status": "ok", "backend": huey.backend(), "pending": pending}
    waiting_since = None
    try:
        report["jobs_waiting"], waiting_since = db.session.execute(
            select(func.count(), func.min(func.coalesce(Job.heartbeat_at, Job.created_at))).where(
                Job.status == JobStatus.QUEUED
            )
        ).one()
        beat = db.session.scalar(select(func.max(Job.heartbeat_at)).where(Job.status == JobStatus.RUNNING))
        seen = max((t for t in (seen, clock.as_utc(beat) if beat else None) if t is not None), default=None)
    except Exception:  # the database's own line says why
        db.session.rollback()
    if huey.immediate:
        report["worker"] = "inline"
        return report
    age = None if seen is None else (clock.now() - seen).total_seconds()
    report["worker"] = "not seen" if age is None else ("ok" if age <= WORKER_SILENT_AFTER else "silent")
    if age is not None:
        report["worker_seen_seconds_ago"] = int(age)
    if report["worker"] != "ok" and _waited(waiting_since) > WORKER_SILENT_AFTER:
        # Jobs wait for a worker that is not there: the service is not doing what it is asked.
        report["status"] = "no worker"
        report["reason"] = "jobs have waited for %d s and no worker has reported" % _waited(waiting_since)
    return report


def _waited(since: datetime | None) -> float:
    return 0.0 if since is None else (clock.now() - clock.as_utc(since)).total_seconds()
