"""The national-upload .xlsx of a unit's published records, written by the worker (a city's year
is tens of thousands of rows: never in a request)."""

from __future__ import annotations

from flask_babel import gettext as _

from ..auth.models import User
from ..extensions import db
from ..jobs.runtime import JobRun, create_job, job_handler
from . import exports, queries

KIND = "publication.export"


def summary(result: dict) -> list[str]:
    lines = [_("%(count)s published records in the file", count=result["rows"])]
    if result.get("withdrawn"):
        lines.append(_("%(count)s withdrawn records on the sheet 已撤销的记录", count=result["withdrawn"]))
    return lines


@job_handler(KIND, summary=summary)
def export_national(run: JobRun) -> dict:
    user = db.session.get(User, run.params["user_id"])
    year = run.params.get("year")
    run.progress(stage="writing")
    records = [r for r in queries.unit_records(user, limit=1_000_000) if not year or r.plan_year == year]
    withdrawals = queries.unit_withdrawals(user, year)
    run.progress(done=0, total=len(records))
    name = f"national-upload-{year or 'all'}.xlsx"
    (run.folder / name).write_bytes(exports.national_xlsx(records, withdrawals))
    run.progress(done=len(records), stage="finished")
    return {"files": [name], "rows": len(records), "withdrawn": len(withdrawals)}


def start_export(user, year: int | None):
    title = f"national-upload-{year or 'all'}.xlsx"
    return create_job(KIND, owner=user, title=title, params={"user_id": user.id, "year": year})
