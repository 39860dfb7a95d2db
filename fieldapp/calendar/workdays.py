"""Working days on the statutory calendar (法定节假日 and 调休 make-up days).

``chinesecalendar`` carries the State Council's schedule for the years it knows. For later years
(the schedule is published each November) the fallback is Monday–Friday corrected by the
administrator's :class:`~fieldapp.calendar.models.CalendarDay` table, and every function
reports whether the fallback was used so pages can warn that a date may move.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar

PUBLICATION_WORKING_DAYS = 20  # 自抽查检查结束之日起20个工作日内公示
DUE_SOON_WORKING_DAYS = 5
DEFAULT_DEADLINE_MONTH_DAY = (12, 20)  # the seed: 12月20日前完成全部抽查检查任务


@lru_cache(maxsize=1)
def known_years() -> tuple[int, int]:
    """The first and last year the installed ``chinesecalendar`` has data for."""
    from chinese_calendar import constants

    days = list(constants.holidays) + list(constants.workdays)
    return min(days).year, max(days).year


def package_knows(year: int) -> bool:
    first, last = known_years()
    return first <= year <= last


def load_overrides(start: date | None = None, end: date | None = None) -> dict[date, bool]:
    """The administrator's table as ``{day: is_workday}``; empty outside an application context."""
    from flask import has_app_context

    if not has_app_context():
        return {}
    from sqlalchemy import select

    from ..extensions import db
    from .models import CalendarDay

    stmt = select(CalendarDay.day, CalendarDay.is_workday)
    if start is not None:
        stmt = stmt.where(CalendarDay.day >= start)
    if end is not None:
        stmt = stmt.where(CalendarDay.day <= end)
    return {day: worked for day, worked in db.session.execute(stmt)}


@lru_cache(maxsize=16384)
def _package_is_workday(day: date) -> bool:
    # The package validates the year on every call (min/max over its tables): cache per day.
    return chinese_calendar.is_workday(day)


class _Calendar:
    """Answers "is this a working day?" and remembers whether it ever had to fall back."""

    def __init__(self, overrides: Mapping[date, bool] | None):
        self._overrides = overrides
        self.used_fallback = False

    def is_workday(self, day: date) -> bool:
        if package_knows(day.year):
            try:
                return _package_is_workday(day)
            except NotImplementedError:  # a gap in the package's data: same as an unknown year
                pass
        self.used_fallback = True
        if self._overrides is None:
            self._overrides = load_overrides()
        if day in self._overrides:
            return self._overrides[day]
        return day.weekday() < 5


def is_workday(day: date, overrides: Mapping[date, bool] | None = None) -> tuple[bool, bool]:
    """``(is a working day, used the fallback calendar)``."""
    cal = _Calendar(overrides)
    return cal.is_workday(day), cal.used_fallback


def add_working_days(start: date, n: int, overrides: Mapping[date, bool] | None = None) -> tuple[date, bool]:
    """The ``n``-th working day after ``start`` (``start`` itself never counts), and whether the
    fallback calendar was used. ``n == 0`` returns ``start``; negative ``n`` counts backwards."""
    cal = _Calendar(overrides)
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    day = start
    while remaining:
        day += timedelta(days=step)
        if cal.is_workday(day):
            remaining -= 1
    return day, cal.used_fallback


def working_days_between(start: date, end: date, overrides: Mapping[date, bool] | None = None) -> tuple[int, bool]:
    """Working days in ``(start, end]`` (negative when ``end`` is before ``start``)."""
    cal = _Calendar(overrides)
    if end == start:
        return 0, False
    sign = 1 if end > start else -1
    lo, hi = (start, end) if sign == 1 else (end, start)
    count = 0
    day = lo
    while day < hi:
        day += timedelta(days=1)
        if cal.is_workday(day):
            count += 1
    return sign * count, cal.used_fallback


def publication_due(completed_on: date, overrides: Mapping[date, bool] | None = None) -> tuple[date, bool]:
    """公示期限: 20 working days after the inspection was completed."""
    return add_working_days(completed_on, PUBLICATION_WORKING_DAYS, overrides)


def plan_deadline(year: int) -> date:
    """The date by which the year's checks must be complete (administrator-set, default 12-20)."""
    from flask import has_app_context

    if has_app_context():
        from sqlalchemy import select

        from ..extensions import db
        from .models import YearDeadline

        configured = db.session.scalar(select(YearDeadline.complete_by).where(YearDeadline.year == year))
        if configured is not None:
            return configured
    month, day = DEFAULT_DEADLINE_MONTH_DAY
    return date(year, month, day)


class ClockStatus(str, enum.Enum):
    DONE = "done"  # met (published, completed) in time
    LATE = "late"  # met, but after the due date
    DUE = "due"  # open, more than DUE_SOON_WORKING_DAYS left
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class Clock:
    due: date
    status: ClockStatus
    working_days_left: int  # negative when overdue
    used_fallback: bool


def clock(
    due: date,
    today: date,
    done_on: date | None = None,
    overrides: Mapping[date, bool] | None = None,
    soon: int = DUE_SOON_WORKING_DAYS,
) -> Clock:
    """Where a legal clock stands on ``today``: done / late / due / due soon / overdue."""
    left, fallback = working_days_between(today, due, overrides)
    if done_on is not None:
        status = ClockStatus.DONE if done_on <= due else ClockStatus.LATE
    elif today > due:
        status = ClockStatus.OVERDUE
    elif left <= soon:
        status = ClockStatus.DUE_SOON
    else:
        status = ClockStatus.DUE
    return Clock(due=due, status=status, working_days_left=left, used_fallback=fallback)
