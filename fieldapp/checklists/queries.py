"""Database look-ups of the checklist engine."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..plans.models import InspectionItem, Plan, Task
from .catalog import Registry
from .mapping import CONFIRMED, Mapping, map_item, map_text
from .models import ChecklistVersion


def resolve_all_items(
    reg: Registry, store: bool = True, year: int | None = None
) -> list[tuple[InspectionItem, Mapping]]:
    """Every inspection item (of the plans of ``year``, if given) with its mapping to checklists
    (``mapping.py``); with ``store`` the mapping is written to the item (the caller commits; a
    supervisor's confirmed mapping stays)."""
    stmt = select(InspectionItem).join(Task).order_by(Task.plan_id, Task.number, InspectionItem.number)
    if year is not None:
        stmt = stmt.join(Plan, Plan.id == Task.plan_id).where(Plan.year == year)
    out = []
    with db.session.no_autoflush:
        for item in db.session.scalars(stmt).all():
            if store:
                out.append((item, map_item(reg, item)))
            else:
                out.append(
                    (
                        item,
                        map_text(reg, item.text, item.national_code)
                        if item.mapping_state != CONFIRMED
                        else Mapping(CONFIRMED, list(item.checklist_ids)),
                    )
                )
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
