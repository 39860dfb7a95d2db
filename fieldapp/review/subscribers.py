"""What review answers when a draw asks, and what it does when the calendar changes (``fieldapp.events``);
connected by ``create_app``."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from .. import events
from ..extensions import db
from ..visits.models import VisitTask
from ..calendar.workdays import add_working_days, publication_due
from . import rectification
from .models import AbnormalListingProposal, CaseStatus, FollowUpCase, InspectionResult
from .results import LISTING_WORKING_DAYS


def draw_result_records(draw, **_) -> list[tuple[str, int, int, None]]:
    """The inspection results of ``draw``'s task on visits made from it: ``("result", id, subject id, None)``."""
    rows = db.session.execute(
        select(InspectionResult.id, InspectionResult.subject_id)
        .join(VisitTask, VisitTask.visit_id == InspectionResult.visit_id)
        .where(VisitTask.draw_id == draw.id, InspectionResult.task_id == draw.task_id)
        .order_by(InspectionResult.id)
    ).all()
    return [("result", result_id, subject_id, None) for result_id, subject_id in rows]


def recount_due_dates(_sender, day: date, **_) -> None:
    """The administrator entered or removed a holiday or make-up ``day``: every due date counted on
    the provisional calendar across that day (inspected before it, due on or after it) is counted
    again, so the stored dates the dashboards and lists count by agree with the calendar."""
    results = db.session.scalars(
        select(InspectionResult).where(
            InspectionResult.due_by_fallback_calendar.is_(True),
            InspectionResult.inspected_on < day,
            InspectionResult.publication_due >= day,
        )
    )
    for result in results:
        result.publication_due, result.due_by_fallback_calendar = publication_due(result.inspected_on)
    proposals = db.session.scalars(
        select(AbnormalListingProposal)
        .join(InspectionResult, InspectionResult.id == AbnormalListingProposal.result_id)
        .where(
            AbnormalListingProposal.decide_by_fallback.is_(True),
            InspectionResult.inspected_on < day,
            AbnormalListingProposal.decide_by >= day,
        )
    )
    for proposal in proposals:
        proposal.decide_by, proposal.decide_by_fallback = add_working_days(
            proposal.result.inspected_on, LISTING_WORKING_DAYS
        )
    cases = db.session.scalars(
        select(FollowUpCase).where(
            FollowUpCase.status == CaseStatus.OPEN,  # a closed case keeps the deadline it was closed by
            FollowUpCase.rectify_by_fallback.is_(True),
            FollowUpCase.rectify_by >= day,
        )
    )
    for case in cases:
        term = rectification.term_of(case)
        if term is not None:
            case.rectify_by, case.rectify_by_fallback = rectification.deadline(case.result.inspected_on, term)
    db.session.flush()


def subscribe() -> None:
    """Connect the receivers (strongly held; connecting again changes nothing)."""
    events.draw_fieldwork_records.connect(draw_result_records, weak=False)
    events.calendar_changed.connect(recount_due_dates, weak=False)
