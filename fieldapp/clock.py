"""The one clock: every "now" and "today" in the app comes from here.

The bureau works on Beijing time (Asia/Shanghai, UTC+8, no daylight saving). The rules:

- ``now()`` is an aware UTC datetime; that is what gets stored.
- ``today()`` is the calendar date in Beijing: legal clocks (draw dates, working-day limits,
  "today's visits") run on the bureau's day, not the server's.
- ``local(dt)`` turns a stored moment into Beijing time for showing, printing and exporting;
  ``local_date(dt)`` is the date of that moment in Beijing (the date of an inspection).

Tests pin all of them at once with the ``frozen_clock`` fixture (``tests/conftest.py``), which
sets :data:`_frozen`. A test in ``tests/test_clock.py`` fails if another copy of the clock appears.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

BEIJING = ZoneInfo("Asia/Shanghai")

# Set by the ``frozen_clock`` test fixture; never in production.
_frozen: datetime | None = None


def now() -> datetime:
    """The current moment, aware, in UTC."""
    if _frozen is not None:
        return _frozen
    return datetime.now(UTC)


def today() -> date:
    """Today's date in Beijing."""
    return now().astimezone(BEIJING).date()


def as_utc(moment: datetime) -> datetime:
    """``moment`` as aware UTC; a naive value is taken to be UTC already (how it was stored)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def local(moment: datetime) -> datetime:
    """``moment`` in Beijing time (a naive value is taken to be UTC)."""
    return as_utc(moment).astimezone(BEIJING)


def local_date(moment: datetime | date) -> date:
    """The Beijing date of ``moment``; a plain date is returned as it is."""
    if isinstance(moment, datetime):
        return local(moment).date()
    return moment


def start_of_day(day: date) -> datetime:
    """The first moment of ``day`` in Beijing, as aware UTC: compare stored moments with a date by it."""
    return datetime.combine(day, time.min, tzinfo=BEIJING).astimezone(UTC)


# A phone's clock reads no earlier than the epoch it counts from (a phone that lost its time shows
# 1970) and no later than any plan: a time outside is no reading of a clock, and an offset from it
# would carry the phone's moments past the calendar's ends.
PHONE_CLOCK_YEARS = (1970, 2100)


def phone_offset(phone_now: object) -> timedelta:
    """How far the server's clock is ahead of a phone's, from the phone's time as it sent a request
    (ISO 8601). Zero when absent, unreadable, outside ``PHONE_CLOCK_YEARS``, or within a minute
    (ordinary drift and transit)."""
    moment = parse_instant(phone_now)
    if moment is None or not PHONE_CLOCK_YEARS[0] <= moment.year <= PHONE_CLOCK_YEARS[1]:
        return timedelta(0)
    offset = now() - moment
    return offset if abs(offset) > timedelta(minutes=1) else timedelta(0)


def from_phone(moment: datetime | None, offset: timedelta = timedelta(0)) -> datetime | None:
    """A moment read from a phone's clock, on the server's: moved by the phone's ``offset`` and never
    later than now (an earlier one is kept: work waits offline for days). Naive stays naive UTC."""
    if moment is None:
        return None
    fixed = min(as_utc(moment) + offset, now())
    return fixed.replace(tzinfo=None) if moment.tzinfo is None else fixed


def parse_instant(value: object) -> datetime | None:
    """An ISO 8601 timestamp from a client as aware UTC (no offset means UTC); None when unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return as_utc(datetime.fromisoformat(value.replace("Z", "+00:00")))
    except (ValueError, OverflowError):  # OverflowError: 0001-01-01T00:00+01:00 is before year 1 in UTC
        return None
