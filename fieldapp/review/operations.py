"""Review decisions: approve or return a submission, safely when two supervisors act at once.

Both decisions are a conditional UPDATE on ``(id, lock_version, state)``: exactly one of two
concurrent decisions matches a row, the other is told what happened instead.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update

from ..errors import Conflict, InvalidInput
from .. import clock
from ..extensions import db, rows_changed
from ..inspections.models import Submission, SubmissionState
from ..visits.models import VisitStatus
from .. import audit
from ..audit import AuditEvent
from .models import AbnormalListingProposal, CaseStatus, FollowUpCase, ListingStatus
from .rectification import Term, on_time
from .results import record_results


class ReviewConflict(Conflict):
    """Someone else changed the record first; ``event`` is what they did (if recorded)."""

    def __init__(self, current_state: str, event: AuditEvent | None = None):
        super().__init__(current_state)
        self.current_state = current_state
        self.event = event


class InvalidDecision(InvalidInput):
    pass


def _conditional_update(model, object_id: int, expected_version: int, state_column, from_state, **values):
    """One UPDATE that succeeds only if the row is still at ``expected_version`` and in
    ``from_state`` (optimistic locking). Returns the row, reloaded, and whether this call moved it."""
    matched = rows_changed(
        update(model)
        .where(model.id == object_id, model.lock_version == expected_version, state_column == from_state)
        .values(lock_version=model.lock_version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    return db.session.get(model, object_id, populate_existing=True), matched == 1


def _claim(submission_id: int, expected_version: int, new_state: str, **values) -> Submission:
    """Move a submitted submission to ``new_state`` if nobody else has touched it since
    ``expected_version``; raise :class:`ReviewConflict` otherwise."""
    submission, moved = _conditional_update(
        Submission,
        submission_id,
        expected_version,
        Submission.state,
        SubmissionState.SUBMITTED,
        state=new_state,
        **values,
    )
    if submission is None:
        raise InvalidDecision("no such submission")
    if not moved:
        last = db.session.scalar(
            select(AuditEvent)
            .where(AuditEvent.object_type == "submission", AuditEvent.object_id == submission_id)
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )
        db.session.rollback()
        raise ReviewConflict(submission.state, last)
    return submission


def _decided(submission: Submission, action: str, actor, reason: str, visit_status: VisitStatus, **details) -> None:
    """The visit follows the decision, which is written to the audit log and committed."""
    submission.visit.status = visit_status
    audit.record(
        "submission",
        submission.id,
        action,
        actor,
        from_state=SubmissionState.SUBMITTED,
        to_state=submission.state,
        reason=reason,
        details={"visit_id": submission.visit_id, **details, "version": submission.version},
    )
    db.session.commit()


def approve(submission_id: int, expected_version: int, actor, note: str = "", term: Term | None = None):
    """Approve: the visit is done and its result records are made (or updated); a follow-up case
    it opens gets the deadline ``term``."""
    submission = _claim(submission_id, expected_version, SubmissionState.APPROVED)
    try:
        results = record_results(submission, actor, term)
    except Exception:
        db.session.rollback()
        raise
    _decided(submission, "approve", actor, note, VisitStatus.APPROVED, results=[r.id for r in results])
    return results


def return_to_inspector(submission_id: int, expected_version: int, actor, comment: str) -> Submission:
    """Return with a comment: the visit reappears in the inspectors' list with it."""
    comment = (comment or "").strip()
    if not comment:
        raise InvalidDecision("a comment is required")
    submission = _claim(submission_id, expected_version, SubmissionState.RETURNED, review_comment=comment)
    _decided(submission, "return", actor, comment, VisitStatus.RETURNED)
    return submission


def _decide(
    model,
    row_id: int,
    expected_version: int,
    moves: tuple,
    values: dict,
    event: tuple[str, str],
    actor,
    note: str,
    details: dict | None = None,
):
    """Move a follow-up row (a case, a listing proposal) from ``moves[0]`` to ``moves[1]`` with
    ``values``, by a conditional UPDATE on its ``lock_version``; write ``event`` = (object type,
    action) to the audit log and commit. :class:`ReviewConflict` when someone else decided first."""
    from_state, to_state = moves
    row, moved = _conditional_update(
        model, row_id, expected_version, model.status, from_state, status=to_state, **values
    )
    if not moved:
        db.session.rollback()
        raise ReviewConflict(row.status if row else "")
    row_type, action = event
    audit.record(
        row_type, row.id, action, actor, from_state=from_state, to_state=to_state, reason=note, details=details
    )
    db.session.commit()
    return row


def close_case(case_id: int, expected_version: int, actor, closed_on: date, note: str) -> FollowUpCase:
    """完结: the follow-up is finished, with its date and a note."""
    note = (note or "").strip()
    if not note:
        raise InvalidDecision("a note is required")
    moves = (CaseStatus.OPEN, CaseStatus.CLOSED)
    case = db.session.get(FollowUpCase, case_id, populate_existing=True)  # as the UPDATE will find it, or it fails
    on_deadline = on_time(case, closed_on) if case is not None else None
    values = {"closed_on": closed_on, "closing_note": note, "closed_by_id": actor.id, "closed_on_time": on_deadline}
    details = {"closed_on": closed_on.isoformat(), "on_time": on_deadline}
    return _decide(
        FollowUpCase, case_id, expected_version, moves, values, ("follow_up_case", "close"), actor, note, details
    )


def decide_listing(proposal_id: int, expected_version: int, actor, confirm: bool, note: str = ""):
    """Confirm (list in the 经营异常名录) or reject a proposal."""
    note = (note or "").strip()
    if not confirm and not note:
        raise InvalidDecision("a reason is required to reject")
    moves = (ListingStatus.PROPOSED, ListingStatus.CONFIRMED if confirm else ListingStatus.REJECTED)
    values = {"decided_at": clock.now(), "decided_by_id": actor.id, "decision_note": note}
    event = ("abnormal_listing", "confirm" if confirm else "reject")
    return _decide(AbnormalListingProposal, proposal_id, expected_version, moves, values, event, actor, note)
