"""Database look-ups of the checklist engine."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from .catalog import Registry
from .models import ChecklistVersion


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
