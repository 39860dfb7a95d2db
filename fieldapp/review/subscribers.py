"""What review answers when a draw asks (``fieldapp.events``); connected by ``create_app``."""

from __future__ import annotations

from sqlalchemy import select

from .. import events
from ..extensions import db
from ..visits.models import VisitTask
from .models import InspectionResult


def draw_result_records(draw, **_) -> list[tuple[str, int, int, None]]:
    """The inspection results of ``draw``'s task on visits made from it: ``("result", id, subject id, None)``."""
    rows = db.session.execute(
        select(InspectionResult.id, InspectionResult.subject_id)
        .join(VisitTask, VisitTask.visit_id == InspectionResult.visit_id)
        .where(VisitTask.draw_id == draw.id, InspectionResult.task_id == draw.task_id)
        .order_by(InspectionResult.id)
    ).all()
    return [("result", result_id, subject_id, None) for result_id, subject_id in rows]


def subscribe() -> None:
    """Connect the receivers (strongly held; connecting again changes nothing)."""
    events.draw_fieldwork_records.connect(draw_result_records, weak=False)
