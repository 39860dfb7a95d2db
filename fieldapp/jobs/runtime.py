"""Running jobs on the queue: one Huey task runs any job by its kind's handler, fenced by attempt.

A handler is a plain function ``handler(run: JobRun) -> dict`` (the result) registered with
:func:`job_handler`. It reports progress through ``run.progress(...)``; a handler that commits its
own work in steps passes ``checkpoint=`` so that a retried run can resume after the last committed
step, and nothing is done twice.
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask, current_app, has_app_context, has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _
from huey import crontab
from huey.signals import SIGNAL_INTERRUPTED
from redis.exceptions import RedisError
from sqlalchemy import case, or_, select, update

from .. import clock
from ..errors import InvalidInput
from ..extensions import db, huey, rows_changed, table_of
from . import files
from .models import Job, JobStatus

log = logging.getLogger(__name__)
JOB = table_of(Job)
HANDLERS: dict[str, Callable[[JobRun], dict]] = {}
SUMMARIES: dict[str, Callable[[dict], list[str]]] = {}
_worker_app: Flask | None = None
# The stage of a queued job with no message on the queue, which the worker's recovery (at its start
# and every minute) queues again at once; its page says why it waits: the queue's storage could not
# be reached when it was queued, or a worker stopping (SIGTERM) gave it back.
QUEUE_UNREACHABLE = "queue-unreachable"
INTERRUPTED = "interrupted"
NOT_ON_QUEUE = (QUEUE_UNREACHABLE, INTERRUPTED)
# What the queue's storage raises when it cannot be reached (Redis, or the SQLite file).
QUEUE_ERRORS = (RedisError, sqlite3.Error, OSError)


class JobFailed(InvalidInput):
    """A failure the user can act on; its message (in the user's words) is shown on the job page."""


class Superseded(Exception):
    """This run was taken for dead and the job was started again: stop without writing anything."""


@contextmanager
def default_language() -> Iterator[None]:
    """A job's messages in the default language (a job runs outside any request)."""
    if has_request_context():
        yield
        return
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        yield


def job_handler(kind: str, summary: Callable[[dict], list[str]] | None = None):
    """Register ``fn(run) -> result`` for ``kind``; ``summary(result)`` gives the job page's lines."""

    def register(fn):
        HANDLERS[kind] = fn
        if summary is not None:
            SUMMARIES[kind] = summary
        return fn

    return register


def bind_app(app: Flask) -> None:
    """The app a worker process runs jobs in (``fieldapp/worker.py``)."""
    global _worker_app
    _worker_app = app


def job_folder(job_id: int) -> Path:
    path = Path(current_app.config["JOBS_ROOT"]) / str(job_id)
    path.mkdir(parents=True, exist_ok=True)
    return path


class JobRun:
    """One attempt at a job, as seen by its handler."""

    def __init__(self, job: Job, attempt: int) -> None:
        self.job_id = job.id
        self.attempt = attempt
        self.params = dict(job.params or {})
        self.checkpoint = dict(job.checkpoint or {})
        self.folder = job_folder(job.id)

    def upload(self) -> Path:
        """The file uploaded for this job. Gone (its folder deleted, or the worker on a machine that
        does not see ``JOBS_ROOT``): the job fails saying so, never with an unexplained error."""
        path = self.folder / self.params["file"]
        if not path.is_file():
            with default_language():
                raise JobFailed(_("The uploaded file is no longer on the server. Upload it again."))
        return path

    def progress(
        self,
        done: int | None = None,
        total: int | None = None,
        stage: str | None = None,
        checkpoint: dict | None = None,
        commit: bool = True,
    ) -> None:
        """Record progress; with ``commit=False`` it joins the caller's transaction (a checkpoint
        must commit together with the work it describes)."""
        values: dict = {"heartbeat_at": clock.now()}
        if done is not None:
            values["done"] = done
        if total is not None:
            values["total"] = total
        if stage is not None:
            values["stage"] = stage
        if checkpoint is not None:
            values["checkpoint"] = checkpoint
            self.checkpoint = checkpoint
        changed = rows_changed(
            update(JOB)
            .where(JOB.c.id == self.job_id, JOB.c.attempt == self.attempt, JOB.c.status == JobStatus.RUNNING)
            .values(**values)
        )
        if not changed:
            db.session.rollback()
            raise Superseded(self.job_id)
        if commit:
            db.session.commit()


def _unmarked_stage():
    return case((JOB.c.stage.in_(NOT_ON_QUEUE), ""), else_=JOB.c.stage)


def claim(job_id: int) -> Job | None:
    """Take a queued job (a duplicate message for a job already taken finds nothing to take)."""
    now = clock.now()
    changed = rows_changed(
        update(JOB)
        .where(JOB.c.id == job_id, JOB.c.status == JobStatus.QUEUED)
        .values(
            status=JobStatus.RUNNING,
            attempt=JOB.c.attempt + 1,
            started_at=now,
            heartbeat_at=now,
            error=None,
            stage=_unmarked_stage(),
        )
    )
    db.session.commit()
    return db.session.get(Job, job_id) if changed else None


def _finish(run: JobRun, status: JobStatus, result: dict | None = None, error: str | None = None) -> None:
    values: dict[str, object] = {
        "status": status.value,
        "finished_at": clock.now(),
        "heartbeat_at": clock.now(),
        "error": error,
    }
    if result is not None:
        values["result"] = result
    changed = rows_changed(update(JOB).where(JOB.c.id == run.job_id, JOB.c.attempt == run.attempt).values(**values))
    db.session.commit()
    if changed and status is JobStatus.DONE:
        # The upload and scratch files go; the files the user downloads stay (see jobs/files.py).
        files.keep_only(run.job_id, list((result or {}).get("files") or []))


def execute(job_id: int) -> None:
    """Run one job to its end, in an app context of its own (its own database session)."""
    app = current_app if has_app_context() else _worker_app  # the proxy's app_context() is the app's own
    if app is None:
        raise RuntimeError("no app bound for jobs (run the worker through fieldapp.worker)")
    with app.app_context():
        try:
            job = claim(job_id)
            if job is None:
                return
            run = JobRun(job, job.attempt)
            handler = HANDLERS[job.kind]
            try:
                result = handler(run)
            except Superseded:
                log.warning("job %s: attempt %s was superseded", job_id, run.attempt)
                return
            except JobFailed as exc:
                db.session.rollback()
                _finish(run, JobStatus.FAILED, error=str(exc))
            except Exception:
                log.exception("job %s failed", job_id)
                db.session.rollback()
                _finish(run, JobStatus.FAILED, error="")
            else:
                _finish(run, JobStatus.DONE, result=result or {})
        finally:
            db.session.remove()


@huey.task(name="fieldapp.run_job")
def run_job(job_id: int) -> None:
    execute(job_id)


def enqueue(job_id: int) -> bool:
    """Queue a committed job (in immediate mode it runs here and now). When the queue's storage cannot
    be reached the job stays queued, marked so, and the request goes on: the worker's recovery queues
    it again once the queue answers (a message that did arrive after all is claimed only once)."""
    if huey.immediate:
        run_job(job_id)
        return True
    try:
        run_job(job_id)
    except QUEUE_ERRORS as exc:
        log.warning("job %s: the queue cannot be reached (%s); it waits for the recovery", job_id, exc)
        db.session.rollback()
        rows_changed(
            update(JOB).where(JOB.c.id == job_id, JOB.c.status == JobStatus.QUEUED).values(stage=QUEUE_UNREACHABLE)
        )
        db.session.commit()
        return False
    return True


def create_job(
    kind: str,
    *,
    owner=None,
    title: str = "",
    params: dict | None = None,
    prepare: Callable[[Job, Path], None] | None = None,
) -> Job:
    """Make, commit and queue a job; ``prepare(job, folder)`` may put its input files in place first."""
    job = Job(kind=kind, owner=owner, title=title[:300], params=params or {}, created_at=clock.now())
    db.session.add(job)
    db.session.flush()
    if prepare is not None:
        folder = job_folder(job.id)
        try:
            prepare(job, folder)
        except BaseException:
            db.session.rollback()
            shutil.rmtree(folder, ignore_errors=True)
            raise
    db.session.commit()
    enqueue(job.id)
    return job


def retry(job: Job) -> bool:
    """Queue a failed (or stalled) job again; a retried import resumes after its last checkpoint."""
    if not (job.status == JobStatus.FAILED or is_stalled(job)) or files.expired(job):
        return False
    changed = rows_changed(
        update(JOB)
        .where(JOB.c.id == job.id, JOB.c.attempt == job.attempt, JOB.c.status == job.status)
        .values(status=JobStatus.QUEUED, error=None, finished_at=None, heartbeat_at=clock.now())
    )
    db.session.commit()
    if changed:
        enqueue(job.id)
    return bool(changed)


def stale_before() -> datetime:
    return clock.now() - timedelta(seconds=current_app.config["JOB_STALE_SECONDS"])


def is_stalled(job: Job) -> bool:
    return job.status == JobStatus.RUNNING and (job.heartbeat_at or job.created_at) < stale_before()


def requeue_stalled() -> list[int]:
    """Jobs whose worker died (running, silent for ``JOB_STALE_SECONDS``) or whose message was lost
    (queued that long, or at once when the queue could not be reached) are queued again; the
    attempt fence keeps a slow-but-alive run from writing."""
    cutoff = stale_before()
    found = db.session.execute(
        select(JOB.c.id, JOB.c.status, JOB.c.heartbeat_at).where(
            JOB.c.status.in_([JobStatus.RUNNING, JobStatus.QUEUED]),
            or_(
                JOB.c.heartbeat_at < cutoff,
                (JOB.c.heartbeat_at.is_(None)) & (JOB.c.created_at < cutoff),
                (JOB.c.status == JobStatus.QUEUED) & JOB.c.stage.in_(NOT_ON_QUEUE),
            ),
        )
    ).all()
    requeued = []
    for job_id, status, beat in found:
        cond = JOB.c.heartbeat_at == beat if beat is not None else JOB.c.heartbeat_at.is_(None)
        changed = rows_changed(
            update(JOB)
            .where(JOB.c.id == job_id, JOB.c.status == status, cond)
            .values(status=JobStatus.QUEUED, heartbeat_at=clock.now(), stage=_unmarked_stage())
        )
        db.session.commit()
        if changed and enqueue(job_id):
            requeued.append(job_id)
    return requeued


def give_back_interrupted(job_ids: list[int]) -> list[int]:
    """Jobs running in a worker that is stopping (SIGTERM: systemd's stop, an upgrade, ``make run``'s
    Ctrl-C) are given back at once rather than taken for dead ``JOB_STALE_SECONDS`` later: queued,
    marked for the next worker's recovery, which resumes them from their last checkpoint (a message
    put on the queue now could be taken by this stopping worker's idle thread and lost with it). The
    cut-off run can no longer record progress (the job is not running any more), so it writes nothing."""
    given_back = []
    for job_id in job_ids:
        changed = rows_changed(
            update(JOB)
            .where(JOB.c.id == job_id, JOB.c.status == JobStatus.RUNNING)
            .values(status=JobStatus.QUEUED, stage=INTERRUPTED, heartbeat_at=clock.now())
        )
        db.session.commit()
        if changed:
            given_back.append(job_id)
    return given_back


@huey.signal(SIGNAL_INTERRUPTED)
def on_interrupted(signal, task, *args, **kwargs) -> None:
    if task.name == run_job.name and task.args:
        job_id = int(task.args[0])
        housekeeping(lambda: give_back_interrupted([job_id]), log.warning, "gave back the interrupted jobs %s")


WORKER_SEEN_KEY = "worker-seen"


def housekeeping(step: Callable[[], list[int]], report: Callable[..., None], message: str) -> None:
    """One of the worker's own chores, in its app with a session of its own: ``step()`` answers the
    ids of the jobs it dealt with, reported as ``report(message, ids)`` when there are any. Nothing
    to do outside the worker."""
    if _worker_app is None:
        return
    with _worker_app.app_context():
        try:
            ids = step()
            if ids:
                report(message, ids)
        finally:
            db.session.remove()


def _recover() -> None:
    if _worker_app is not None:
        try:
            huey.put(WORKER_SEEN_KEY, clock.now().isoformat())
        except QUEUE_ERRORS as exc:  # the jobs waiting are still looked at (and stay marked)
            log.warning("the queue cannot be reached: %s", exc)
    housekeeping(requeue_stalled, log.warning, "requeued stalled jobs %s")


@huey.on_startup(name="fieldapp.recover")
def on_worker_start() -> None:
    _recover()


@huey.periodic_task(crontab(minute="*"), name="fieldapp.recover_periodic")
def recover_periodically() -> None:
    _recover()


def worker_last_seen() -> datetime | None:
    value = huey.get(WORKER_SEEN_KEY, peek=True)
    return clock.parse_instant(value)
