"""The administrator's table of holidays and make-up days for years the package does not know."""

from __future__ import annotations

from datetime import date

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from fieldapp.calendar.models import CalendarDay, YearDeadline
from fieldapp.calendar.workdays import add_working_days, plan_deadline
from fieldapp.review.models import AuditEvent


def soup(r):
    return BeautifulSoup(r.get_data(as_text=True), "html.parser")


def test_only_administrators_edit_the_calendar(client, auth, db):
    auth.login("sup", "supervisor", "city")
    assert client.get("/calendar").status_code == 403
    assert client.post("/calendar/days", data={"day": "2027-01-01", "kind": "holiday"}).status_code == 403


def test_add_holidays_and_make_up_days_for_2027(client, auth, db):
    auth.login("admin", "admin", "city")
    page = soup(client.get("/calendar"))
    assert "2026" in page.get_text()  # the package's range is stated
    assert (
        client.post("/calendar/days", data={"day": "2027-01-01", "kind": "holiday", "note": "元旦"}).status_code == 302
    )
    assert (
        client.post("/calendar/days", data={"day": "2027-01-09", "kind": "workday", "note": "调休"}).status_code == 302
    )
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


def test_bad_entries_are_refused_with_a_message(client, auth, db):
    auth.login("admin", "admin", "city")
    for data in (
        {"day": "2026-10-10", "kind": "workday"},  # a year the package knows
        {"day": "2027-01-04", "kind": "workday"},  # a Monday cannot be a make-up day
        {"day": "2027-01-02", "kind": "holiday"},  # a Saturday is a rest day already
        {"day": "not a date", "kind": "holiday"},
        {"day": "2027-01-05"},  # no kind
    ):
        r = client.post("/calendar/days", data=data)
        assert r.status_code == 422, data
        assert soup(r).select_one(".field__error"), data
    # The valid date typed is kept in the form.
    r = client.post("/calendar/days", data={"day": "2027-01-04", "kind": "workday"})
    assert soup(r).select_one('input[name="day"]')["value"] == "2027-01-04"
    assert db.session.scalar(select(CalendarDay)) is None


def test_remove_an_entry_and_set_a_year_deadline(client, auth, db):
    auth.login("admin", "admin", "city")
    client.post("/calendar/days", data={"day": "2027-01-01", "kind": "holiday"})
    entry = db.session.scalar(select(CalendarDay))
    assert client.post(f"/calendar/days/{entry.id}/delete").status_code == 302
    assert db.session.scalar(select(CalendarDay)) is None
    r = client.post("/calendar/deadlines", data={"year": 2027, "complete_by": "2026-12-01"})
    assert r.status_code == 422
    assert client.post("/calendar/deadlines", data={"year": 2027, "complete_by": "2027-12-10"}).status_code == 302
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


def test_the_calendars_earlier_address_leads_to_it(client):
    response = client.get("/review/calendar")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/calendar")
