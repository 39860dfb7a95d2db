"""Review decisions: approve or return a submission, safely when two supervisors act at once.

Both decisions are a conditional UPDATE on ``(id, lock_version, state)`` (``decisions.py``): exactly
one of two concurrent decisions matches a row, the other is told what happened instead. The functions
flush; the caller (the request, a command) commits.
"""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..inspections.models import Submission, SubmissionState
from ..visits.models import VisitStatus
from .. import audit
from ..audit import AuditEvent
from .decisions import InvalidDecision, ReviewConflict, conditional_update
from .rectification import Term
from .results import record_results


def _claim(submission_id: int, expected_version: int, new_state: str, **values) -> Submission:
    """Move a submitted submission to ``new_state`` if nobody else has touched it since
    ``expected_version``; raise :class:`ReviewConflict` otherwise."""
    submission, moved = conditional_update(
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
    """The visit follows the decision, which is written to the audit log."""
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
    db.session.flush()


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
