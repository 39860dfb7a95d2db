"""The administrator's table of holidays and make-up days for years the package does not know."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from fieldapp.calendar.models import CalendarDay, YearDeadline
from fieldapp.calendar.workdays import add_working_days, plan_deadline
from fieldapp.audit import AuditEvent


def test_only_administrators_edit_the_calendar(client_request, db):
    client_request.login("sup", "supervisor", "city")
    client_request.get("calendar.index", _expected_status=403)
    client_request.post("calendar.add_day", _data={"day": "2027-01-01", "kind": "holiday"}, _expected_status=403)


def test_add_holidays_and_make_up_days_for_2027(client_request, db):
    client_request.login("admin", "admin", "city")
    page = client_request.get("calendar.index")
    assert "2026" in page.get_text()  # the package's range is stated
    client_request.post("calendar.add_day", _data={"day": "2027-01-01", "kind": "holiday", "note": "元旦"})
    client_request.post("calendar.add_day", _data={"day": "2027-01-09", "kind": "workday", "note": "调休"})
    assert {(d.day, d.is_workday) for d in db.session.scalars(select(CalendarDay))} == {
        (date(2027, 1, 1), False),
        (date(2027, 1, 9), True),
    }
    assert add_working_days(date(2026, 12, 31), 1) == (date(2027, 1, 4), True)
    assert add_working_days(date(2027, 1, 8), 1) == (date(2027, 1, 9), True)
    assert [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "calendar"))] == [
        "add",
        "add",
    ]


def test_bad_entries_are_refused_with_a_message(client_request, db):
    client_request.login("admin", "admin", "city")
    for data in (
        {"day": "2026-10-10", "kind": "workday"},  # a year the package knows
        {"day": "2027-01-04", "kind": "workday"},  # a Monday cannot be a make-up day
        {"day": "2027-01-02", "kind": "holiday"},  # a Saturday is a rest day already
        {"day": "not a date", "kind": "holiday"},
        {"day": "2027-01-05"},  # no kind
    ):
        page = client_request.post("calendar.add_day", _data=data, _expected_status=422)
        assert page.select_one(".field__error"), data
    # The valid date typed is kept in the form.
    page = client_request.post("calendar.add_day", _data={"day": "2027-01-04", "kind": "workday"}, _expected_status=422)
    assert page.select_one('input[name="day"]')["value"] == "2027-01-04"
    assert db.session.scalar(select(CalendarDay)) is None


@pytest.mark.parametrize("day", ["0001-01-01", "1999-12-31", "2101-01-03", "9999-12-30"])
def test_a_day_before_the_official_calendar_or_past_any_plan_year_is_refused(client_request, db, day):
    # Weekdays that were taken as holidays: year 1 is no year the package leaves to this table.
    client_request.login("admin", "admin", "city")
    page = client_request.post("calendar.add_day", _data={"day": day, "kind": "holiday"}, _expected_status=422)
    error = page.select_one(".field__error").get_text()
    assert "这里只能编辑" in error and "2100 年" in error
    assert page.select_one('input[name="day"]')["value"] == day
    assert db.session.scalar(select(CalendarDay)) is None


def test_remove_an_entry_and_set_a_year_deadline(client_request, db):
    client_request.login("admin", "admin", "city")
    client_request.post("calendar.add_day", _data={"day": "2027-01-01", "kind": "holiday"})
    entry = db.session.scalar(select(CalendarDay))
    client_request.post("calendar.remove_day", entry_id=entry.id)
    assert db.session.scalar(select(CalendarDay)) is None
    client_request.post(
        "calendar.set_deadline", _data={"year": 2027, "complete_by": "2026-12-01"}, _expected_status=422
    )
    client_request.post("calendar.set_deadline", _data={"year": 2027, "complete_by": "2027-12-10"})
    assert plan_deadline(2027) == date(2027, 12, 10)
    assert db.session.scalar(select(YearDeadline)).complete_by == date(2027, 12, 10)


def test_calendar_operations_flush_and_leave_the_commit_to_the_caller(app, auth, db):
    from fieldapp.calendar import operations
    from fieldapp.errors import InvalidInput

    admin = auth.create("admin", "admin", "city")
    db.session.commit()
    entry = operations.add_day(date(2027, 1, 1), False, "元旦", admin)
    deadline = operations.set_deadline(2027, date(2027, 12, 10), admin)
    assert entry.id and deadline.id  # flushed: ids and audit records exist in the transaction
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "calendar")).all()) == 2
    db.session.rollback()  # nothing was committed by the operations
    assert db.session.scalar(select(CalendarDay)) is None and db.session.scalar(select(YearDeadline)) is None
    for call, field in (
        (lambda: operations.add_day(date(2026, 10, 10), True, "", admin), "day"),  # a year the package knows
        (lambda: operations.add_day(date(2027, 1, 4), True, "", admin), "kind"),  # a Monday is worked anyway
        (lambda: operations.set_deadline(2027, date(2026, 12, 1), admin), "complete_by"),
    ):
        with pytest.raises(InvalidInput) as refused:
            call()
        assert refused.value.field == field


def test_the_calendars_earlier_address_leads_to_it(client, client_request):
    response = client.get("/review/calendar")  # an old address, kept working: written out on purpose
    assert response.status_code == 301
    assert response.headers["Location"].endswith(client_request.url_for("calendar.index"))
