"""A job's folder (``JOBS_ROOT/<id>``) after the job: nothing is left lying about.

- A job that finishes well keeps only the files its user downloads (``result["files"]``, e.g. the
  rejects file of an import); the upload and the scratch files (the rows seen, partial output) go
  at once.
- A failed job keeps its folder, so that "run it again" resumes from the checkpoint.
- ``JOB_FILES_DAYS`` after a job finished (either way) a periodic task deletes what is left; the
  job page then says its files have expired. Deleting a job deletes its folder.
"""

from __future__ import annotations

import logging
import shutil
from datetime import timedelta
from pathlib import Path

from flask import current_app
from huey import crontab
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, object_session

from .. import clock
from ..extensions import db, huey, table_of
from .models import Job, JobStatus

log = logging.getLogger(__name__)
JOB = table_of(Job)
EXPIRED = "files_expired"  # set in a job's result once its folder was deleted


def folder_of(job_id: int) -> Path:
    """The job's folder (not created)."""
    return Path(current_app.config["JOBS_ROOT"]) / str(job_id)


def keep_only(job_id: int, keep: list[str]) -> None:
    """Delete everything in the job's folder except the files named in ``keep``."""
    folder = folder_of(job_id)
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        if path.name in keep and path.is_file():
            continue
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    if not any(folder.iterdir()):
        folder.rmdir()


def remove_folder(job_id: int) -> None:
    shutil.rmtree(folder_of(job_id), ignore_errors=True)


def purge_expired() -> list[int]:
    """Delete the folders of jobs finished more than ``JOB_FILES_DAYS`` ago; returns their ids."""
    cutoff = clock.now() - timedelta(days=current_app.config["JOB_FILES_DAYS"])
    jobs = db.session.scalars(
        select(Job).where(
            Job.status.in_([JobStatus.DONE, JobStatus.FAILED]),
            Job.finished_at < cutoff,
        )
    ).all()
    purged = []
    for job in jobs:
        if (job.result or {}).get(EXPIRED):
            continue
        remove_folder(job.id)
        result = {**(job.result or {}), "files": [], EXPIRED: True}
        db.session.execute(update(JOB).where(JOB.c.id == job.id, JOB.c.status == job.status).values(result=result))
        purged.append(job.id)
    db.session.commit()
    return purged


def expired(job: Job) -> bool:
    return bool((job.result or {}).get(EXPIRED))


@huey.periodic_task(crontab(minute="17"), name="fieldapp.purge_job_files")
def purge_periodically() -> None:
    from .runtime import housekeeping  # the runtime imports this module

    housekeeping(purge_expired, log.info, "deleted the files of finished jobs %s")


# Deleting a job deletes its folder, once the deletion is committed.
_PENDING = "fieldapp.jobs.removed_folders"


@event.listens_for(Job, "after_delete")
def _job_deleted(mapper, connection, target: Job) -> None:
    session = object_session(target)
    if session is not None:
        session.info.setdefault(_PENDING, []).append(folder_of(target.id))


@event.listens_for(Session, "after_commit")
def _remove_deleted_folders(session: Session) -> None:
    for folder in session.info.pop(_PENDING, []):
        shutil.rmtree(folder, ignore_errors=True)


@event.listens_for(Session, "after_rollback")
def _keep_folders(session: Session) -> None:
    session.info.pop(_PENDING, None)
