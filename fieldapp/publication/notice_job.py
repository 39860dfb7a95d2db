"""A task's 抽查结果公示表 (PDF) is rendered by the worker, never in a request: hundreds of rows take
seconds. The public address answers from the PDF cache, or queues one job for that exact list and
answers with a page that reloads until the PDF is there."""

from __future__ import annotations

import re

from sqlalchemy import select

from ..extensions import db
from ..jobs.models import Job, JobStatus
from ..jobs.runtime import JobRun, create_job, job_handler
from ..plans.models import Task
from ..subjects.tables import default_locale
from . import queries
from .pdf.cache import cache_file, store
from .pdf.render import qr_data_uri, render_pdf
from .snapshot import list_hash

KIND = "publication.task_notice"
TEMPLATE = "publication/pdf/task_notice.html"


def notice_file(url: str, task: Task):
    """Where the notice of ``task``'s list at ``url`` is kept: the address covers the published
    records (their list hash), the heading what the notice says of the task and its plan, so a
    renamed task or plan is drawn afresh as a newly published record is."""
    heading = (task.plan.year, task.plan.title, task.number, task.name, task.kind, task.cooperating_departments)
    return cache_file(TEMPLATE, f"{url}|{heading!r}")


def render_notice(task: Task, records: list, url: str) -> bytes:
    digest = list_hash(records)
    return render_pdf(
        TEMPLATE, task=task, records=records, list_hash=digest, url=url, qr=qr_data_uri(url), check_code=digest
    )


@job_handler(KIND)
def render_task_notice(run: JobRun) -> dict:
    task = db.session.get_one(Task, run.params["task_id"])  # a task with published results stays
    records = queries.task_records(task.id)
    run.progress(done=0, total=len(records), stage="rendering")
    # Published since the request: draw the current list under its own address.
    url = re.sub(r"h=[^&]*", "h=" + list_hash(records), run.params["url"])
    with default_locale():
        body = render_notice(task, records, url)
    path = notice_file(url, task)
    name = f"task-{task.id}-results.pdf"
    if path is not None:
        store(path, body)
    (run.folder / name).write_bytes(body)
    run.progress(done=len(records), stage="finished")
    return {"files": [name], "url": url}


def queued_notice(url: str) -> Job | None:
    """The job already drawing this exact list, if any (so a burst of readers queues one job)."""
    for job in db.session.scalars(
        select(Job).where(Job.kind == KIND, Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
    ):
        if job.params.get("url") == url:
            return job
    return None


def request_notice(task_id: int, url: str) -> Job:
    return queued_notice(url) or create_job(KIND, title=url, params={"task_id": task_id, "url": url})


def finished_notice(job: Job) -> bytes | None:
    from ..jobs.runtime import job_folder

    db.session.refresh(job)
    if job.status != JobStatus.DONE:
        return None
    names = (job.result or {}).get("files") or []
    path = job_folder(job.id) / names[0] if names else None
    return path.read_bytes() if path is not None and path.is_file() else None  # None: expired
