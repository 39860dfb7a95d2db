"""整改期限: the time a 责令改正 (order to correct) gives the subject, and whether its case keeps it.

A supervisor gives the deadline when the approval opens the case or later on the case page: a date,
or a number of working days from the check (counted on the statutory calendar,
``fieldapp.calendar.workdays``, the check's day itself never counting). A time limit whose last day
is a rest day (a weekend, a 法定节假日) ends on the next working day — 期间届满的最后一日为节假日的，
以节假日后的第一日为期间届满的日期 — so a date given on a rest day is carried to the working day after
it; a count of working days always ends on one. Changing a deadline once set needs a reason, and
every change is in the case's audit log. A closed case keeps whether it was closed by its deadline.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, and_, update

from .. import audit
from ..calendar.workdays import Clock, add_working_days, clock
from ..errors import Conflict, InvalidInput
from ..extensions import db, rows_changed
from .models import CaseStatus, FollowUpCase

MAX_WORKING_DAYS = 250  # about a year of working days
LATEST_DAYS_AFTER_CHECK = 2 * 366  # a date given is at most two years after the check


@dataclass(frozen=True)
class Term:
    """The deadline as the supervisor gives it: a date (``on``) or ``working_days`` from the check."""

    on: date | None = None
    working_days: int | None = None


def deadline(inspected_on: date, term: Term) -> tuple[date, bool]:
    """The last day of ``term`` for a check made on ``inspected_on``, and whether the provisional
    (fallback) calendar was used. :class:`InvalidInput` for a term no deadline follows from."""
    if term.working_days is not None:
        if not 1 <= term.working_days <= MAX_WORKING_DAYS:
            message = _l("Give between 1 and %(n)s working days.", n=MAX_WORKING_DAYS)
            raise InvalidInput(message, field="rectify_days")
        return add_working_days(inspected_on, term.working_days)
    if term.on is None:
        raise InvalidInput(_l("Give a date or a number of working days."), field="rectify_by")
    if term.on < inspected_on:
        message = _l("The deadline cannot be before the inspection (%(d)s).", d=inspected_on.isoformat())
        raise InvalidInput(message, field="rectify_by")
    if term.on > inspected_on + timedelta(days=LATEST_DAYS_AFTER_CHECK):
        raise InvalidInput(_l("The deadline can be at most two years after the inspection."), field="rectify_by")
    return add_working_days(term.on - timedelta(days=1), 1)  # the day itself when it is a working day


def term_of(case: FollowUpCase) -> Term | None:
    """The term the case's deadline was given by (None: no deadline)."""
    if case.rectify_working_days is None and case.rectify_on is None:
        return None
    return Term(on=case.rectify_on, working_days=case.rectify_working_days)


def on_time(case: FollowUpCase, closed_on: date) -> bool | None:
    """按期完结: closed on or before its deadline (None: the case had no deadline)."""
    return None if case.rectify_by is None else closed_on <= case.rectify_by


def give(case: FollowUpCase, term: Term) -> None:
    """Set a deadline on a case being opened (the caller records the opening)."""
    case.rectify_by, case.rectify_by_fallback = deadline(case.result.inspected_on, term)
    case.rectify_on, case.rectify_working_days = term.on, term.working_days


def set_deadline(case: FollowUpCase, expected_version: int, actor, term: Term, reason: str = "") -> bool:
    """Give or change the deadline of an open case, by a conditional UPDATE on its ``lock_version``;
    the change is written to the audit log (flushed: the caller commits). A deadline already set
    changes only with a reason. False when nothing changes (the same term again)."""
    if case.status != CaseStatus.OPEN:
        raise Conflict(_l("The case is completed: its deadline no longer changes."))
    due, fallback = deadline(case.result.inspected_on, term)
    reason = (reason or "").strip()
    if term_of(case) == term and case.rectify_by == due:
        return False
    if case.rectify_by is not None and not reason:
        raise InvalidInput(_l("Write why the deadline changes."), field="reason")
    before = case.rectify_by
    values = {"rectify_by": due, "rectify_by_fallback": fallback, "rectify_on": term.on}
    matched = rows_changed(
        update(FollowUpCase)
        .where(
            FollowUpCase.id == case.id,
            FollowUpCase.lock_version == expected_version,
            FollowUpCase.status == CaseStatus.OPEN,
        )
        .values(lock_version=FollowUpCase.lock_version + 1, rectify_working_days=term.working_days, **values)
        .execution_options(synchronize_session=False)
    )
    if matched != 1:
        db.session.rollback()
        raise Conflict(_l("Someone else changed this case first. Nothing was changed by your action."))
    db.session.refresh(case)
    details = {"date_given": term.on.isoformat() if term.on else "", "working_days": term.working_days}
    audit.record(
        "follow_up_case",
        case.id,
        "deadline",
        actor,
        from_state=before.isoformat() if before else "",  # the log shows the dates as its states
        to_state=due.isoformat(),
        reason=reason,
        details={**details, "provisional_calendar": fallback},
    )
    return True


def case_overdue(today: date) -> ColumnElement[bool]:
    """SQL: the case is open and its deadline has passed (the list's filter and order, the dashboards' counts)."""
    return and_(FollowUpCase.status == CaseStatus.OPEN, FollowUpCase.rectify_by < today)


def standing(case: FollowUpCase, today: date, overrides: Mapping[date, bool] | None = None) -> Clock | None:
    """Where an open case stands against its deadline on ``today``: due, due soon, or overdue with
    the working days past it (None: no deadline, or the case is closed)."""
    if case.rectify_by is None or case.status != CaseStatus.OPEN:
        return None
    found = clock(case.rectify_by, today, overrides=overrides)
    return replace(found, used_fallback=found.used_fallback or case.rectify_by_fallback)
