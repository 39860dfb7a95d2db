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

from datetime import UTC, date, datetime, time
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


def not_after_now(moment: datetime | None) -> datetime | None:
    """A moment read from a phone's clock as aware UTC, never later than now: a phone whose clock
    runs ahead cannot date work in the future. An earlier moment is kept (work waits offline)."""
    if moment is None:
        return None
    return min(as_utc(moment), now())


def parse_instant(value: object) -> datetime | None:
    """An ISO 8601 timestamp from a client as aware UTC (no offset means UTC); None when unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return as_utc(parsed)
