"""The roster import as a background job. The roster is small and imported in one transaction:
a worker stopped half-way leaves nothing, and the retry starts again from the first row."""

from __future__ import annotations

from pathlib import Path

from ..jobs.runtime import JobFailed, JobRun, create_job, job_handler
from ..subjects.tables import TableError, display_name, save_upload
from .importer import RosterReport, import_roster_file, roster_columns

KIND = "inspectors.import"
COUNTS = ("rows", "created", "updated", "unchanged", "rejected")
REJECTS = "rejects.csv"


def summary(result: dict) -> list[str]:
    return RosterReport(**result["counts"]).summary()


@job_handler(KIND, summary=summary)
def import_roster_job(run: JobRun) -> dict:
    run.progress(stage="importing")
    try:
        report = import_roster_file(run.folder / run.params["file"], run.folder / REJECTS)
    except TableError as exc:
        raise JobFailed(str(exc)) from exc
    run.progress(done=report.rows, total=report.rows, stage="finished")
    return {"counts": {name: getattr(report, name) for name in COUNTS}, "files": [REJECTS] if report.rejected else []}


def start_import(upload, owner):
    """Save the upload into a new job's folder, check its header (TableError: nothing queued), queue it."""
    filename = display_name(upload.filename)

    def prepare(job, folder: Path) -> None:
        job.params = {"file": save_upload(upload, folder, roster_columns), "filename": filename}

    return create_job(KIND, owner=owner, title=filename, prepare=prepare)
