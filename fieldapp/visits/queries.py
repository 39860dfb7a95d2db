"""Read-only queries: the merged plan of visits per county, and what a visit covers."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..auth import access
from ..draws.models import InvitationStatus, JointInvitation
from ..extensions import db
from .models import Visit, VisitTask


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
