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
    """The administrator entered or removed a holiday or make-up ``day``: every deadline counted on
    the provisional calendar across that day is counted again, so the stored dates the dashboards and
    lists count by agree with the calendar."""
    recount_provisional_deadlines(across=day)


def recount_provisional_deadlines(across: date | None = None) -> list[int]:
    """Count the deadlines flagged as provisional again on today's calendar: every one (the installed
    calendar may know their year now), or with ``across`` those running across that day (publication
    and listing deadlines of results inspected before it; rectification deadlines on or after it).
    Open cases only: a closed case keeps the deadline it was closed by. Answers the ids of the results
    whose deadline moved or became final; flushes only."""
    changed: set[int] = set()
    results = select(InspectionResult).where(InspectionResult.due_by_fallback_calendar.is_(True))
    proposals = (
        select(AbnormalListingProposal)
        .join(InspectionResult, InspectionResult.id == AbnormalListingProposal.result_id)
        .where(AbnormalListingProposal.decide_by_fallback.is_(True))
    )
    cases = select(FollowUpCase).where(
        FollowUpCase.rectify_by_fallback.is_(True), FollowUpCase.status == CaseStatus.OPEN
    )
    if across is not None:
        results = results.where(InspectionResult.inspected_on < across, InspectionResult.publication_due >= across)
        proposals = proposals.where(InspectionResult.inspected_on < across, AbnormalListingProposal.decide_by >= across)
        cases = cases.where(FollowUpCase.rectify_by >= across)
    for result in db.session.scalars(results):
        due = publication_due(result.inspected_on)
        if due != (result.publication_due, True):
            result.publication_due, result.due_by_fallback_calendar = due
            changed.add(result.id)
    for proposal in db.session.scalars(proposals):
        decide_by = add_working_days(proposal.result.inspected_on, LISTING_WORKING_DAYS)
        if decide_by != (proposal.decide_by, True):
            proposal.decide_by, proposal.decide_by_fallback = decide_by
            changed.add(proposal.result_id)
    for case in db.session.scalars(cases):
        term = rectification.term_of(case)  # a provisional deadline always has its term
        rectify_by = rectification.deadline(case.result.inspected_on, term) if term else (None, False)
        if rectify_by != (case.rectify_by, True):
            case.rectify_by, case.rectify_by_fallback = rectify_by
            changed.add(case.result_id)
    db.session.flush()
    return sorted(changed)


def subscribe() -> None:
    """Connect the receivers (strongly held; connecting again changes nothing)."""
    events.draw_fieldwork_records.connect(draw_result_records, weak=False)
    events.calendar_changed.connect(recount_due_dates, weak=False)
