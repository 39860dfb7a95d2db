"""Review's chores in the worker: due dates counted before the installed calendar knew their year.

``chinesecalendar`` learns a year when a new release carries the State Council's schedule (published
each November). Until then a publication, listing or rectification (整改期限) deadline running into
that year is counted on the provisional calendar (Monday to Friday, corrected by the administrator's
table) and flagged. An upgrade changes no row by itself, so the worker counts every flagged deadline again when it starts
(a deploy restarts it) and once a day; the dashboards, lists and warnings then follow the official
schedule."""

from __future__ import annotations

import logging

from huey import crontab
from sqlalchemy import select

from ..calendar.workdays import add_working_days, publication_due
from ..extensions import db, huey
from ..jobs.runtime import housekeeping
from . import rectification
from .models import AbnormalListingProposal, CaseStatus, FollowUpCase, InspectionResult
from .results import LISTING_WORKING_DAYS

log = logging.getLogger(__name__)


def recount_provisional_deadlines() -> list[int]:
    """Count every deadline flagged as provisional again on today's calendar; answer the ids of the
    results whose publication deadline (or listing or rectification deadline) moved or became final. Flushes only."""
    changed: set[int] = set()
    flagged = select(InspectionResult).where(InspectionResult.due_by_fallback_calendar.is_(True))
    for result in db.session.scalars(flagged):
        due, provisional = publication_due(result.inspected_on)
        if (due, provisional) != (result.publication_due, True):
            result.publication_due, result.due_by_fallback_calendar = due, provisional
            changed.add(result.id)
    proposals = select(AbnormalListingProposal).where(AbnormalListingProposal.decide_by_fallback.is_(True))
    for proposal in db.session.scalars(proposals):
        decide_by, provisional = add_working_days(proposal.result.inspected_on, LISTING_WORKING_DAYS)
        if (decide_by, provisional) != (proposal.decide_by, True):
            proposal.decide_by, proposal.decide_by_fallback = decide_by, provisional
            changed.add(proposal.result_id)
    cases = select(FollowUpCase).where(  # a closed case keeps the deadline it was closed by
        FollowUpCase.rectify_by_fallback.is_(True), FollowUpCase.status == CaseStatus.OPEN
    )
    for case in db.session.scalars(cases):
        term = rectification.term_of(case)
        rectify_by, provisional = rectification.deadline(case.result.inspected_on, term) if term else (None, False)
        if (rectify_by, provisional) != (case.rectify_by, True):
            case.rectify_by, case.rectify_by_fallback = rectify_by, provisional
            changed.add(case.result_id)
    db.session.flush()
    return sorted(changed)


def _recount_and_commit() -> list[int]:
    changed = recount_provisional_deadlines()
    db.session.commit()
    return changed


def _recount() -> None:
    housekeeping(_recount_and_commit, log.info, "deadlines counted again on the updated calendar, results %s")


@huey.on_startup(name="fieldapp.review.recount_deadlines")
def recount_on_worker_start() -> None:
    _recount()


@huey.periodic_task(crontab(hour="1", minute="7"), name="fieldapp.review.recount_deadlines_daily")
def recount_daily() -> None:
    _recount()
