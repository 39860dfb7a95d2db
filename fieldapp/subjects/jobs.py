"""The subject import as a background job: resumable after the last committed batch.

Each batch commits together with the job's checkpoint (last line, counts, bytes of the rejects
file); the "seen in this file" keys live in the job's folder. A retried run skips the committed
lines, trims the rejects file to the checkpoint and forgets keys of the uncommitted batch, so every
valid row is imported exactly once however often the worker is stopped.
"""

from __future__ import annotations

from pathlib import Path

from ..jobs.runtime import JobFailed, JobRun, job_handler
from .import_report import ImportReport, SeenKeys
from .importer import SubjectImporter
from .rows import table_columns
from .tables import LineNumbers, RejectWriter, TableError, default_locale, display_name, open_table, save_upload

KIND = "subjects.import"
COUNTS = ("rows", "created", "updated", "unchanged", "rejected", "changes")
REJECTS = "rejects.csv"


def count_rows(path: Path, encoding: str | None = None) -> int:
    with default_locale(), open_table(path, table_columns, encoding) as table:
        return sum(1 for _ in table.rows)


def summary(result: dict) -> list[str]:
    report = ImportReport(**result["counts"], unknown_headers=result.get("unknown_headers", []))
    report.blank_lines = LineNumbers(result.get("blank_lines", 0))
    return report.summary()


@job_handler(KIND, summary=summary)
def import_subjects(run: JobRun) -> dict:
    source = run.upload()
    encoding = run.params.get("encoding")  # decided on upload (a job queued before: decided again)
    checkpoint = run.checkpoint
    try:
        if "total" not in checkpoint:
            run.progress(stage="counting")
            checkpoint = {"total": count_rows(source, encoding), "line": 0, "rejects_bytes": 0, "report": {}}
            run.progress(done=0, total=checkpoint["total"], checkpoint=checkpoint)
        run.progress(stage="importing")
        with default_locale(), open_table(source, table_columns, encoding) as table:
            report = _import(run, table, checkpoint)
            report.blank_lines = table.blank_lines
    except TableError as exc:
        raise JobFailed(str(exc)) from exc
    run.progress(done=report.rows, stage="finished")
    return {
        "counts": {name: getattr(report, name) for name in COUNTS},
        "unknown_headers": report.unknown_headers,
        "blank_lines": len(report.blank_lines),
        "files": [REJECTS] if report.rejected else [],
    }


def _import(run: JobRun, table, checkpoint: dict) -> ImportReport:
    start_after = checkpoint["line"]
    writer = RejectWriter(run.folder / REJECTS, table.header, table.sheets)
    writer.resume(checkpoint["rejects_bytes"], checkpoint["report"].get("rejected", 0))
    seen = SeenKeys(str(run.folder / "seen.sqlite"))
    seen.forget_after(start_after)

    def save(report: ImportReport, line: int) -> None:
        state = {name: getattr(report, name) for name in COUNTS}
        run.progress(
            done=report.rows,
            commit=False,
            checkpoint={
                **checkpoint,
                "line": line,
                "rejects_bytes": writer.position(),
                "report": state,
            },
        )

    importer = SubjectImporter(
        table.header,
        source=run.params.get("filename", ""),
        reject_writer=writer,
        batch_size=run.params.get("batch_size", 2000),
        seen=seen,
        before_commit=save,
        sheets=table.sheets,
        reach=set(run.params["reach"]) if run.params.get("reach") is not None else None,
    )
    for name, value in checkpoint["report"].items():
        setattr(importer.report, name, value)
    importer.feed((line, cells) for line, cells in table.rows if line > start_after)
    return importer.finish()


def start_import(upload, owner, batch_size: int = 2000):
    """Save an uploaded file into a new job's folder (streamed to disk), check its header, queue it.

    Raises :class:`TableError` (nothing queued) when the file cannot be imported at all."""
    from ..auth.access import visible_divisions
    from ..jobs.runtime import create_job

    filename = display_name(upload.filename)

    reach = visible_divisions(owner) if owner is not None else None  # the uploader's counties only

    def prepare(job, folder: Path) -> None:
        job.params = {
            **save_upload(upload, folder, table_columns),
            "filename": filename,
            "batch_size": batch_size,
            "reach": sorted(reach) if reach is not None else None,
        }

    return create_job(KIND, owner=owner, title=filename, prepare=prepare)
