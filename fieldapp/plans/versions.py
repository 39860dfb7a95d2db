"""Plan versions: what changed, why, and the plan as it stood (调整后的工作计划应及时向社会公示并报市局备案)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from ..extensions import db
from .models import FilingStatus, Plan, PlanVersion, Task

# Task fields a supervisor can edit (and the importer fills); a version records these and the items.
EDITABLE_FIELDS = (
    "name",
    "kind",
    "scope",
    "scope_rule",
    "ratio",
    "ratio_is_floor",
    "fixed_count",
    "risk_multipliers",
    "class_ratios",
    "rounds_per_year",
    "window_start_month",
    "window_end_month",
    "initiator",
    "guiding_department",
    "executor",
    "cooperating_departments",
    "executes_city",
    "executes_county",
)
TRACKED_FIELDS = EDITABLE_FIELDS + ("items",)


def jsonable(value):
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    return value


def task_values(task: Task) -> dict:
    """The tracked fields of a task, JSON-safe (items as a list of texts)."""
    values = {name: getattr(task, name) for name in EDITABLE_FIELDS}
    values["items"] = [item.text for item in sorted(task.items, key=lambda i: i.number)]
    return jsonable(values)


def snapshot(plan: Plan) -> dict:
    return {
        "year": plan.year,
        "unit": plan.unit.name if plan.unit else "",
        "title": plan.title,
        "doc_number": plan.doc_number,
        "issued_on": plan.issued_on.isoformat() if plan.issued_on else None,
        "tasks": [{"number": t.number, **task_values(t)} for t in sorted(plan.tasks, key=lambda t: t.number)],
    }


def diff_values(number: int, old: dict, new: dict) -> list[dict]:
    return [
        {"task": number, "field": name, "old": old.get(name), "new": new.get(name)}
        for name in TRACKED_FIELDS
        if jsonable(old.get(name)) != jsonable(new.get(name))
    ]


def record_version(plan: Plan, changes: list[dict], reason: str, user=None) -> PlanVersion | None:
    """After changes to a published plan: a new version with the reason, the changes and a snapshot.
    A county plan changed after filing must be filed again. Drafts keep no versions."""
    if not changes or not plan.is_published:
        return None
    plan.version += 1
    version = PlanVersion(
        plan=plan,
        version=plan.version,
        reason=reason.strip(),
        changes=jsonable(changes),
        snapshot=snapshot(plan),
        created_by_id=getattr(user, "id", None),
    )
    db.session.add(version)
    if plan.filing_status != FilingStatus.NOT_FILED:
        plan.filing_status = FilingStatus.NOT_FILED
    return version
