"""Job pages: progress (polled by htmx), result, files, retry."""

from __future__ import annotations

import csv
from itertools import islice

from flask import Blueprint, abort, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from ..auth import access
from ..extensions import db
from . import files, runtime
from .models import Job, JobStatus

bp = Blueprint("jobs", __name__, url_prefix="/jobs")

KIND_LABELS = {
    "subjects.import": _l("Subject import"),
    "inspectors.import": _l("Roster import"),
    "publication.task_notice": _l("Results notice (PDF)"),
    "publication.export": _l("Open-data export"),
    "draws.run": _l("Draw"),
    "draws.commit": _l("Draw commitment"),
}
STATUS_LABELS = {
    JobStatus.QUEUED: _l("Waiting for the worker"),
    JobStatus.RUNNING: _l("Running"),
    JobStatus.DONE: _l("Finished"),
    JobStatus.FAILED: _l("Failed"),
}
STAGE_LABELS = {
    "counting": _l("Counting the rows"),
    "importing": _l("Importing"),
    "rendering": _l("Rendering"),
    "drawing": _l("Drawing"),
    "checking": _l("Checking"),
    "freezing": _l("Taking and freezing the pool"),
    "publishing": _l("Publishing"),
    "writing": _l("Writing the file"),
    "finished": _l("Finished"),
}
FILE_LABELS = {
    "rejects.csv": _l("Download the rejected rows"),
}


def _visible(job_id: int) -> Job:
    job = db.get_or_404(Job, job_id)
    if not access.may_see_job(current_user, job):
        abort(404)
    return job


PREVIEW_REJECTS = 50


def _file_label(name: str):
    if name in FILE_LABELS:
        return FILE_LABELS[name]
    return _("Download the PDF") if name.endswith(".pdf") else _("Download %(name)s", name=name)


def _rejects_preview(job: Job) -> list[tuple[str, str]]:
    """The first rejected rows (where, reasons) of a finished import; all of them are in the file,
    whose first columns are 行号 and 拒绝原因, after 工作表 for a table read from several sheets."""
    if job.status != JobStatus.DONE or "rejects.csv" not in (job.result or {}).get("files", []):
        return []
    path = files.folder_of(job.id) / "rejects.csv"
    if not path.is_file():
        return []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        sheets = next(reader, [""])[0] == "工作表"
        if not sheets:
            return [(row[0], row[1]) for row in islice(reader, PREVIEW_REJECTS) if len(row) > 1]
        return [
            (_("%(sheet)s, row %(row)s", sheet=row[0], row=row[1]), row[2])
            for row in islice(reader, PREVIEW_REJECTS)
            if len(row) > 2
        ]


def _context(job: Job) -> dict:
    summary = runtime.SUMMARIES.get(job.kind)
    return dict(
        job=job,
        kind_label=KIND_LABELS.get(job.kind, job.kind),
        status_label=STATUS_LABELS.get(job.status, job.status),
        stage_label=STAGE_LABELS.get(job.stage, ""),
        stalled=runtime.is_stalled(job),
        waiting_because=job.stage if job.status == JobStatus.QUEUED and job.stage in runtime.NOT_ON_QUEUE else "",
        summary=summary(job.result) if summary and job.status == JobStatus.DONE and job.result else [],
        # Only what is there (a server restored from a backup has no jobs folder): no link to a 404.
        files=[
            (name, _file_label(name))
            for name in (job.result or {}).get("files", [])
            if (files.folder_of(job.id) / name).is_file()
        ],
        rejects=_rejects_preview(job),
        expired=files.expired(job),
        files_days=current_app.config["JOB_FILES_DAYS"],
    )


@bp.get("/")
@login_required
def index():
    jobs = db.session.scalars(
        select(Job).where(Job.owner_id == current_user.id).order_by(Job.id.desc()).limit(50)
    ).all()
    return render_template("jobs/index.html", jobs=jobs, kinds=KIND_LABELS, statuses=STATUS_LABELS)


@bp.get("/<int:job_id>")
@login_required
def detail(job_id: int):
    return render_template("jobs/detail.html", **_context(_visible(job_id)))


@bp.get("/<int:job_id>/progress")
@login_required
def progress(job_id: int):
    return render_template("jobs/_progress.html", **_context(_visible(job_id)))


@bp.post("/<int:job_id>/retry")
@login_required
def retry(job_id: int):
    job = _visible(job_id)
    if not runtime.retry(job):
        flash(_("This job is not waiting for a retry."), "warning")
    return redirect(url_for("jobs.detail", job_id=job.id))


@bp.get("/<int:job_id>/files/<name>")
@login_required
def download(job_id: int, name: str):
    job = _visible(job_id)
    if job.status != JobStatus.DONE or name not in (job.result or {}).get("files", []):
        abort(404)
    path = files.folder_of(job.id) / name
    if not path.is_file():
        abort(404)
    return send_file(path, as_attachment=True, download_name=name)
