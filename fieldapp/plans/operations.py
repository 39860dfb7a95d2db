"""State changes of a plan: edit a task, publish, file (备案) with the city bureau, acknowledge.

Plain functions that take model objects and the acting user; the caller commits. Each raises
:class:`PlanError` with a translatable message when the step is not allowed in the plan's state.
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l

from ..errors import InvalidInput
from ..checklists.mapping import map_items
from .. import clock
from ..extensions import db
from .importer import sync_items
from .models import FilingStatus, Plan, PlanStatus, PlanVersion, Task
from .class_ratio_rules import confirmed, hand_set_ratio
from .scope import clean_rule, confirmed_rule
from .versions import EDITABLE_FIELDS, diff_values, record_version, snapshot, task_values


class PlanError(InvalidInput):
    def __init__(self, message):
        super().__init__(message)


def update_task(task: Task, values: dict, *, reason: str = "", user=None) -> list[dict]:
    """Apply ``values`` (any of EDITABLE_FIELDS, plus ``items``: a list of texts) to ``task``.

    A draft changes freely. A published plan needs a reason and gets a new version with the
    list of changes and a snapshot. A field set by hand is no longer "inherited".
    Returns the changes (empty when nothing changed).
    """
    plan = task.plan
    values = hand_set_ratio(task, values)
    before = task_values(task)
    after = dict(before)
    for name in EDITABLE_FIELDS:
        if name in values:
            after[name] = values[name]
    if "scope_rule" in values:
        after["scope_rule"] = clean_rule(values["scope_rule"])
    if "items" in values:
        after["items"] = [text.strip() for text in values["items"] if text and text.strip()]
    changes = diff_values(task.number, before, after)
    if not changes:
        return []
    if plan.is_published and not reason.strip():
        raise PlanError(_l("The plan is published: give the reason for this adjustment."))
    for change in changes:
        name = change["field"]
        if name == "items":
            sync_items(task, after["items"])
        else:
            value = after[name]
            if name == "ratio" and value is not None:
                value = Decimal(str(value))
            setattr(task, name, value)
    if "items" in {c["field"] for c in changes}:
        db.session.flush()
        map_items(task.items)
    touched = {c["field"] for c in changes}
    if task.inherited_fields and touched & set(task.inherited_fields):
        task.inherited_fields = [f for f in task.inherited_fields if f not in touched]
    db.session.flush()
    record_version(plan, changes, reason, user)
    return changes


def add_task(plan: Plan, values: dict, *, reason: str = "", user=None) -> Task:
    """A new task at the end of the plan (a published plan needs a reason and gets a new version)."""
    if plan.is_published and not reason.strip():
        raise PlanError(_l("The plan is published: give the reason for this adjustment."))
    number = max((t.number for t in plan.tasks), default=0) + 1
    task = Task(
        plan=plan, number=number, scope_rule=clean_rule({}), source_cells={}, inherited_fields=[], import_warnings=[]
    )
    db.session.add(task)
    for name in EDITABLE_FIELDS:
        if name in values:
            value = values[name]
            if name == "ratio" and value is not None:
                value = Decimal(str(value))
            setattr(task, name, clean_rule(value) if name == "scope_rule" else value)
    sync_items(task, [text.strip() for text in values.get("items") or [] if text and text.strip()])
    db.session.flush()
    map_items(task.items)
    record_version(plan, [{"task": number, "field": "task", "old": None, "new": task.name}], reason, user)
    return task


def publish_plan(plan: Plan, user=None) -> PlanVersion:
    """Publish a draft: version 1 is what the public sees from now on."""
    if plan.is_published:
        raise PlanError(_l("The plan is already published."))
    if not plan.tasks:
        raise PlanError(_l("A plan without tasks cannot be published."))
    plan.status = PlanStatus.PUBLISHED
    plan.published_at = clock.now()
    version = PlanVersion(
        plan=plan,
        version=plan.version,
        reason="",
        changes=[],
        snapshot=snapshot(plan),
        created_by_id=getattr(user, "id", None),
    )
    db.session.add(version)
    db.session.flush()
    return version


def file_plan(plan: Plan, user, note: str = "") -> None:
    """A county bureau files (报备) its published plan, or its adjusted version, with the city bureau."""
    if not plan.is_county_plan:
        raise PlanError(_l("Only a county bureau's plan is filed with the city bureau."))
    if not plan.is_published:
        raise PlanError(_l("Publish the plan before filing it."))
    if plan.filing_status != FilingStatus.NOT_FILED and plan.filed_version == plan.version:
        raise PlanError(_l("This version is already filed."))
    plan.filing_status = FilingStatus.FILED
    plan.filed_at = clock.now()
    plan.filed_version = plan.version
    plan.filed_by_id = user.id
    plan.filing_note = note.strip()
    plan.acknowledged_at = None
    plan.acknowledged_by_id = None


def acknowledge_filing(plan: Plan, user) -> None:
    """The city bureau records a filed plan as received (已备案)."""
    if plan.filing_status != FilingStatus.FILED:
        raise PlanError(_l("Only a filed plan can be acknowledged."))
    plan.filing_status = FilingStatus.ACKNOWLEDGED
    plan.acknowledged_at = clock.now()
    plan.acknowledged_by_id = user.id


def confirm_scope(task: Task, rule: dict, *, reason: str = "", user=None) -> list[dict]:
    """A supervisor confirms (and perhaps edits) a task's scope rules. Versioned like any task
    edit: a published plan needs a reason."""
    return update_task(task, {"scope_rule": confirmed_rule(rule)}, reason=reason, user=user)


def confirm_class_ratios(task: Task, *, reason: str = "", user=None) -> list[dict]:
    """A supervisor confirms the ratios by credit class read from the plan (versioned: a published plan
    needs a reason)."""
    if not task.class_ratios:
        raise PlanError(_l("This task has no ratios by credit class to confirm."))
    return update_task(task, {"class_ratios": confirmed(task.class_ratios)}, reason=reason, user=user)
