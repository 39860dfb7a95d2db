"""The roster import as a background job. The roster is small and imported in one transaction:
a worker stopped half-way leaves nothing, and the retry starts again from the first row."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from ..auth.unit_names import unit_by_code
from ..jobs.runtime import JobFailed, JobRun, create_job, job_handler
from ..subjects.tables import TableError, display_name, save_upload
from .importer import SHOWN_WARNINGS, AccountWarning, RosterReport, import_roster_file, roster_table_columns

KIND = "inspectors.import"
COUNTS = ("rows", "created", "updated", "unchanged", "rejected", "warned")
REJECTS = "rejects.csv"


def summary(result: dict) -> list[str]:
    """The counts and the rows imported with a warning, in the reader's language."""
    warnings = [AccountWarning(**w) for w in result.get("warnings", [])]
    return RosterReport(**result["counts"], warnings=warnings).summary()


@job_handler(KIND, summary=summary)
def import_roster_job(run: JobRun) -> dict:
    run.progress(stage="importing")
    within = unit_by_code(run.params.get("unit"))  # unit names are read in the uploader's organisation
    try:
        source, encoding = run.upload(), run.params.get("encoding")  # decided on upload
        report = import_roster_file(source, run.folder / REJECTS, encoding=encoding, within=within)
    except TableError as exc:
        raise JobFailed(str(exc)) from exc
    run.progress(done=report.rows, total=report.rows, stage="finished")  # commits the import with it
    return {
        "counts": {name: getattr(report, name) for name in COUNTS},
        "warnings": [asdict(w) for w in report.warnings[:SHOWN_WARNINGS]],  # the count has them all
        "files": [REJECTS] if report.rejected else [],
    }


def start_import(upload, owner):
    """Save the upload into a new job's folder, check its header (TableError: nothing queued), queue it."""
    filename = display_name(upload.filename)

    def prepare(job, folder: Path) -> None:
        job.params = {**save_upload(upload, folder, roster_table_columns), "filename": filename}
        if owner is not None:
            job.params["unit"] = owner.unit.code

    return create_job(KIND, owner=owner, title=filename, prepare=prepare)
