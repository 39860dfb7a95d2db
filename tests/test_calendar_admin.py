"""The administrator's table of holidays and make-up days for years the package does not know."""

from __future__ import annotations

from datetime import date

from bs4 import BeautifulSoup
from sqlalchemy import select

from fieldapp.calendar.models import CalendarDay, YearDeadline
from fieldapp.calendar.workdays import add_working_days, plan_deadline
from fieldapp.review.models import AuditEvent


def soup(r):
    return BeautifulSoup(r.get_data(as_text=True), "html.parser")


def test_only_administrators_edit_the_calendar(client, auth, db):
    auth.login("sup", "supervisor", "city")
    assert client.get("/review/calendar").status_code == 403
    assert client.post("/review/calendar/days", data={"day": "2027-01-01", "kind": "holiday"}).status_code == 403


def test_add_holidays_and_make_up_days_for_2027(client, auth, db):
    auth.login("admin", "admin", "city")
    page = soup(client.get("/review/calendar"))
    assert "2026" in page.get_text()  # the package's range is stated
    assert (
        client.post("/review/calendar/days", data={"day": "2027-01-01", "kind": "holiday", "note": "元旦"}).status_code
        == 302
    )
    assert (
        client.post("/review/calendar/days", data={"day": "2027-01-09", "kind": "workday", "note": "调休"}).status_code
        == 302
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
        r = client.post("/review/calendar/days", data=data)
        assert r.status_code == 422, data
        assert soup(r).select_one(".field__error"), data
    # The valid date typed is kept in the form.
    r = client.post("/review/calendar/days", data={"day": "2027-01-04", "kind": "workday"})
    assert soup(r).select_one('input[name="day"]')["value"] == "2027-01-04"
    assert db.session.scalar(select(CalendarDay)) is None


def test_remove_an_entry_and_set_a_year_deadline(client, auth, db):
    auth.login("admin", "admin", "city")
    client.post("/review/calendar/days", data={"day": "2027-01-01", "kind": "holiday"})
    entry = db.session.scalar(select(CalendarDay))
    assert client.post(f"/review/calendar/days/{entry.id}/delete").status_code == 302
    assert db.session.scalar(select(CalendarDay)) is None
    r = client.post("/review/calendar/deadlines", data={"year": 2027, "complete_by": "2026-12-01"})
    assert r.status_code == 422
    assert (
        client.post("/review/calendar/deadlines", data={"year": 2027, "complete_by": "2027-12-10"}).status_code == 302
    )
    assert plan_deadline(2027) == date(2027, 12, 10)
    assert db.session.scalar(select(YearDeadline)).complete_by == date(2027, 12, 10)
