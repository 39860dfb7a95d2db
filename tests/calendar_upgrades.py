"""A newer ``chinesecalendar`` installed in a test: official holidays of a year the release in use does not know."""

from __future__ import annotations

import pytest


@pytest.fixture
def calendar_upgrade(monkeypatch):
    """Install "a newer chinesecalendar": ``upgrade({day: holiday name})`` adds official holidays of a
    year the installed release does not know, as the next release carries them."""
    import chinese_calendar.constants as official

    from fieldapp.calendar import workdays

    def upgrade(holidays: dict) -> None:
        for day, name in holidays.items():
            monkeypatch.setitem(official.holidays, day, name)
        workdays.known_years.cache_clear()
        workdays._package_is_workday.cache_clear()

    yield upgrade
    monkeypatch.undo()
    workdays.known_years.cache_clear()
    workdays._package_is_workday.cache_clear()
