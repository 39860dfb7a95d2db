"""The administrator's changes to the calendar: holidays and make-up days for years the package
does not know, and a plan year's completion deadline. Each change is checked, written with its
audit record and flushed; the caller (the view) commits."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..core.params import LATEST_YEAR
from ..errors import InvalidInput
from ..extensions import db
from .. import audit, events
from .models import CalendarDay, YearDeadline
from .workdays import known_years, package_knows, plan_deadline


def add_day(day: date, worked: bool, note: str, user) -> CalendarDay:
    """A holiday on a weekday (``worked`` False) or a make-up working day on a weekend (True), in a
    year the official schedule does not cover; raises InvalidInput naming the field at fault."""
    if package_knows(day.year):
        raise InvalidInput(
            _l("The official calendar already covers %(year)s; only later years can be edited here.", year=day.year),
            field="day",
        )
    last_known = known_years()[1]
    if not last_known < day.year <= LATEST_YEAR:  # before the official calendar (year 1, 1999) or past any plan
        raise InvalidInput(
            _l("Only the years %(first)s to %(last)s can be edited here.", first=last_known + 1, last=LATEST_YEAR),
            field="day",
        )
    if db.session.scalar(select(CalendarDay).where(CalendarDay.day == day)) is not None:
        raise InvalidInput(_l("This date is already in the table."), field="day")
    if worked and day.weekday() < 5:
        raise InvalidInput(
            _l("A weekday is a working day already; a make-up day is a Saturday or Sunday."), field="kind"
        )
    if not worked and day.weekday() >= 5:
        raise InvalidInput(_l("A Saturday or Sunday is a rest day already."), field="kind")
    entry = CalendarDay(day=day, is_workday=worked, note=note, created_by_id=user.id)
    db.session.add(entry)
    db.session.flush()
    audit.record("calendar", entry.id, "add", user, details={"day": day.isoformat(), "workday": worked, "note": note})
    events.calendar_changed.send(None, day=day)
    return entry


def remove_day(entry: CalendarDay, user) -> None:
    details = {"day": entry.day.isoformat(), "workday": entry.is_workday, "note": entry.note}
    audit.record("calendar", entry.id, "delete", user, details=details)
    day = entry.day
    db.session.delete(entry)
    db.session.flush()
    events.calendar_changed.send(None, day=day)


def set_deadline(year: int, complete_by: date, user) -> YearDeadline:
    """The date by which the checks of plan ``year`` must be complete (it must fall in that year)."""
    if complete_by.year != year:
        raise InvalidInput(_l("The deadline must fall in the plan year."), field="complete_by")
    old = plan_deadline(year)
    row = db.session.scalar(select(YearDeadline).where(YearDeadline.year == year))
    if row is None:
        row = YearDeadline(year=year, complete_by=complete_by)
        db.session.add(row)
    row.complete_by = complete_by
    db.session.flush()
    details = {"year": year, "old": old.isoformat(), "new": complete_by.isoformat()}
    audit.record("calendar", row.id, "deadline", user, details=details)
    return row
