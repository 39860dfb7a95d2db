"""A supervisor's decisions, made safely when two supervisors act at once: each is a conditional
UPDATE on ``(id, lock_version, state)``, so exactly one of two concurrent decisions matches a row and
the other is told what happened instead. Here the follow-up rows' decisions (close a case, decide a
经营异常名录 proposal); a submission's (approve, return) are in ``operations.py``.

The functions flush; the caller (the request, a command) commits. A refused decision rolls back.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import update

from .. import audit, clock
from ..audit import AuditEvent
from ..errors import Conflict, InvalidInput
from ..extensions import db, rows_changed
from .models import AbnormalListingProposal, CaseStatus, FollowUpCase, ListingStatus
from .rectification import on_time


class ReviewConflict(Conflict):
    """Someone else changed the record first; ``event`` is what they did (if recorded)."""

    def __init__(self, current_state: str, event: AuditEvent | None = None):
        super().__init__(current_state)
        self.current_state = current_state
        self.event = event


class InvalidDecision(InvalidInput):
    pass


def conditional_update(model, object_id: int, expected_version: int, state_column, from_state, **values):
    """One UPDATE that succeeds only if the row is still at ``expected_version`` and in
    ``from_state`` (optimistic locking). Returns the row, reloaded, and whether this call moved it."""
    matched = rows_changed(
        update(model)
        .where(model.id == object_id, model.lock_version == expected_version, state_column == from_state)
        .values(lock_version=model.lock_version + 1, **values)
        .execution_options(synchronize_session=False)
    )
    return db.session.get(model, object_id, populate_existing=True), matched == 1


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
    ``values``, by a conditional UPDATE on its ``lock_version``, and write ``event`` = (object type,
    action) to the audit log. :class:`ReviewConflict` (rolled back) when someone else decided first."""
    from_state, to_state = moves
    row, moved = conditional_update(
        model, row_id, expected_version, model.status, from_state, status=to_state, **values
    )
    if not moved:
        db.session.rollback()
        raise ReviewConflict(row.status if row else "")
    row_type, action = event
    audit.record(
        row_type, row.id, action, actor, from_state=from_state, to_state=to_state, reason=note, details=details
    )
    db.session.flush()
    return row


def close_case(
    case_id: int, expected_version: int, actor, closed_on: date, note: str, details: dict | None = None
) -> FollowUpCase:
    """完结: the follow-up is finished, with its date and a note (a supervisor's, or a correction's
    reason: ``review.results.follow_up_in_step``); ``details`` adds to what the audit log keeps."""
    note = (note or "").strip()
    if not note:
        raise InvalidDecision("a note is required")
    moves = (CaseStatus.OPEN, CaseStatus.CLOSED)
    case = db.session.get(FollowUpCase, case_id, populate_existing=True)  # as the UPDATE will find it, or it fails
    on_deadline = on_time(case, closed_on) if case is not None else None
    values = {
        "closed_on": closed_on,
        "closing_note": note,
        "closed_by_id": getattr(actor, "id", None),
        "closed_on_time": on_deadline,
    }
    details = {**(details or {}), "closed_on": closed_on.isoformat(), "on_time": on_deadline}
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
