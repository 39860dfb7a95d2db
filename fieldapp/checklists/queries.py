"""Database look-ups of the checklist engine."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..plans.models import InspectionItem, Task
from .models import ChecklistVersion
from .catalog import Registry


def resolve_all_items(reg: Registry, store: bool = True) -> list[tuple[InspectionItem, list[str]]]:
    """Every inspection item with the ids of the checklists its text resolves to; with ``store``
    the ids are written to ``InspectionItem.checklist_ids`` (the caller commits)."""
    items = db.session.scalars(
        select(InspectionItem).join(Task).order_by(Task.plan_id, Task.number, InspectionItem.number)
    ).all()
    out = []
    for item in items:
        ids = [c.id for c in reg.resolve_item(item.text)]
        if store and list(item.checklist_ids or []) != ids:
            item.checklist_ids = ids
        out.append((item, ids))
    return out


def version_conflicts(reg: Registry) -> list[tuple[str, int, str]]:
    """(id, version, stored sha) for files whose content changed while their version stayed the
    one already used by stored answers."""
    out = []
    for checklist in reg.all():
        rows = db.session.scalars(
            select(ChecklistVersion).where(
                ChecklistVersion.checklist_id == checklist.id, ChecklistVersion.version == checklist.version
            )
        ).all()
        for row in rows:
            if row.sha256 != checklist.sha256:
                out.append((checklist.id, checklist.version, row.sha256))
    return out
