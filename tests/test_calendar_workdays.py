"""Working days on the statutory calendar: National Day 2026 with its make-up Saturday, and the
fallback for 2027 (Monday–Friday plus the administrator's table) that must be reported."""

from __future__ import annotations

from datetime import date

import chinese_calendar
import pytest

from fieldapp.calendar.workdays import (
    ClockStatus,
    add_working_days,
    clock,
    is_workday,
    known_years,
    plan_deadline,
    publication_due,
    working_days_between,
)


def test_the_installed_package_has_the_2026_national_day_schedule():
    # Verify the package's own data before relying on it: 10-01..10-07 off, Saturday 10-10 worked.
    assert known_years()[1] >= 2026
    for day in range(1, 8):
        assert not chinese_calendar.is_workday(date(2026, 10, day))
    assert date(2026, 10, 10).weekday() == 5
    assert chinese_calendar.is_workday(date(2026, 10, 10))
    assert not chinese_calendar.is_workday(date(2026, 10, 11))


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (date(2026, 9, 30), 1, date(2026, 10, 8)),  # the holiday week is skipped
        (date(2026, 9, 30), 2, date(2026, 10, 9)),
        (date(2026, 9, 30), 3, date(2026, 10, 10)),  # the make-up Saturday counts
        (date(2026, 9, 30), 4, date(2026, 10, 12)),  # Sunday 10-11 does not
        (date(2026, 9, 30), 20, date(2026, 11, 3)),
        (date(2026, 10, 3), 1, date(2026, 10, 8)),  # starting inside the holiday
        (date(2026, 10, 9), 1, date(2026, 10, 10)),
        (date(2026, 10, 12), -1, date(2026, 10, 10)),  # backwards
        (date(2026, 10, 8), -1, date(2026, 9, 30)),
        (date(2026, 10, 1), 0, date(2026, 10, 1)),
    ],
)
def test_add_working_days_across_national_day_2026(start, n, expected):
    assert add_working_days(start, n, overrides={}) == (expected, False)


def test_publication_due_is_twenty_working_days_after_completion():
    # 2026-09-30 + 20 working days: Oct 8, 9, 10 (Sat, worked), 12–16, 19–23, 26–30, Nov 2, 3.
    assert publication_due(date(2026, 9, 30), overrides={}) == (date(2026, 11, 3), False)
    # Without the make-up Saturday it would be Nov 4: the package's 调休 data is really used.
    assert working_days_between(date(2026, 9, 30), date(2026, 11, 3), overrides={}) == (20, False)


def test_2027_falls_back_to_monday_to_friday_and_says_so():
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))
    assert is_workday(date(2027, 1, 1), overrides={}) == (True, True)  # a Friday; no table entry
    assert is_workday(date(2027, 1, 2), overrides={}) == (False, True)  # a Saturday
    # Fri 2027-01-01 + 1 working day = Mon 01-04, computed by the fallback.
    assert add_working_days(date(2027, 1, 1), 1, overrides={}) == (date(2027, 1, 4), True)


def test_the_fallback_uses_the_administrators_holidays_and_make_up_days():
    overrides = {date(2027, 1, 1): False, date(2027, 1, 4): False, date(2027, 1, 9): True}
    assert is_workday(date(2027, 1, 1), overrides) == (False, True)
    assert add_working_days(date(2026, 12, 31), 1, overrides) == (date(2027, 1, 5), True)
    # Tue 5, Wed 6, Thu 7, Fri 8, Sat 9 (make-up) → the 5th working day after 12-31 is 01-09.
    assert add_working_days(date(2026, 12, 31), 5, overrides) == (date(2027, 1, 9), True)


def test_a_due_date_in_2026_does_not_report_the_fallback_but_one_crossing_into_2027_does():
    assert publication_due(date(2026, 11, 30), overrides={})[1] is False  # due 2026-12-28
    due, fallback = publication_due(date(2026, 12, 15), overrides={})
    assert fallback is True and due.year == 2027


def test_clock_statuses():
    due = date(2026, 11, 3)
    assert clock(due, date(2026, 10, 12), overrides={}).status == ClockStatus.DUE
    soon = clock(due, date(2026, 10, 28), overrides={})
    assert soon.status == ClockStatus.DUE_SOON and soon.working_days_left == 4
    assert clock(due, date(2026, 11, 3), overrides={}).status == ClockStatus.DUE_SOON
    late = clock(due, date(2026, 11, 5), overrides={})
    assert late.status == ClockStatus.OVERDUE and late.working_days_left == -2
    assert clock(due, date(2026, 11, 5), done_on=date(2026, 11, 2), overrides={}).status == ClockStatus.DONE
    assert clock(due, date(2026, 11, 5), done_on=date(2026, 11, 4), overrides={}).status == ClockStatus.LATE


def test_plan_deadline_defaults_to_december_20_and_is_configurable(app, db):
    from fieldapp.calendar.models import YearDeadline

    assert plan_deadline(2026) == date(2026, 12, 20)
    db.session.add(YearDeadline(year=2026, complete_by=date(2026, 12, 10)))
    db.session.commit()
    assert plan_deadline(2026) == date(2026, 12, 10)
    assert plan_deadline(2027) == date(2027, 12, 20)


def test_the_fallback_reads_the_table_from_the_database(app, db):
    from fieldapp.calendar.models import CalendarDay

    db.session.add(CalendarDay(day=date(2027, 1, 1), is_workday=False, note="元旦"))
    db.session.commit()
    assert is_workday(date(2027, 1, 1)) == (False, True)
    assert add_working_days(date(2026, 12, 31), 1) == (date(2027, 1, 4), True)
