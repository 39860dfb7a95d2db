"""Read-only queries: the merged plan of visits per county, and what a visit covers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import audit
from ..auth import access
from ..draws.models import InvitationStatus, JointInvitation
from ..extensions import db
from ..inspectors.models import Inspector
from .models import Visit, VisitTask
from .operations import WITHDRAWN


def visit_plan(user, division: str | None, page: int, status: str | None = None):
    """Visits ordered by window, limited to the counties ``user`` may see (and to ``division``)."""
    stmt = select(Visit).options(
        selectinload(Visit.tasks).selectinload(VisitTask.task),
        selectinload(Visit.inspectors),
        selectinload(Visit.subject),
    )
    stmt = access.scope(stmt, Visit.division_code, user)
    if division:
        stmt = stmt.where(Visit.division_code == division)
    if status:
        stmt = stmt.where(Visit.status == status)
    stmt = stmt.order_by(Visit.division_code, Visit.window_start, Visit.id)
    return db.paginate(stmt, page=page, per_page=50, error_out=False)


def visit_items(visit: Visit) -> list[dict]:
    """Everything one visit checks: per task its own items, then the items of departments whose
    joint-inspection invitation was accepted (联查邀约). Each entry:
    ``{"task": Task, "unit": Unit | None, "text": str, "checklist_ids": list}``."""
    entries = []
    for visit_task in visit.tasks:
        task = visit_task.task
        for item in task.items:
            entries.append(
                {"task": task, "unit": None, "text": item.text, "checklist_ids": list(item.checklist_ids or [])}
            )
        for invitation in db.session.scalars(
            select(JointInvitation).where(
                JointInvitation.task_id == task.id, JointInvitation.status == InvitationStatus.ACCEPTED
            )
        ):
            for text in invitation.items or []:
                entries.append(
                    {
                        "task": task,
                        "unit": invitation.unit,
                        "text": text,
                        "checklist_ids": list(invitation.checklist_ids or []),
                    }
                )
    return entries


def withdrawn_from(visit_id: object, user) -> datetime | None:
    """When the office last took visit ``visit_id`` from ``user`` (the visit withdrawn, its draw
    superseded, or ``user`` replaced on it), if ``user`` was on it; else None, so an id that was
    never theirs says nothing more than one that never existed."""
    if not isinstance(visit_id, int) or isinstance(visit_id, bool):
        return None
    mine = set(db.session.scalars(select(Inspector.id).where(Inspector.user_id == user.id)))
    for event in reversed(audit.events_for(WITHDRAWN[0], visit_id)):
        if event.action == WITHDRAWN[1] and mine & set(event.details.get("inspector_ids") or []):
            return event.occurred_at
    return None
