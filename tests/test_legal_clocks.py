"""The legal clocks as the supervisor's pages keep them: the 20-working-day publication clock after
the administrator's calendar changes, and after a returned record is resubmitted."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

from calendar_upgrades import calendar_upgrade  # noqa: F401  (fixture)
from factories import review as rf
from fieldapp.calendar.models import CalendarDay
from fieldapp.dashboards import queries
from fieldapp.review.models import AbnormalListingProposal, InspectionResult
from fieldapp.review.operations import approve

pytestmark = pytest.mark.usefixtures("frozen_clock")


def _approved(auth, db, inspected_on: date, result_code: str = "1") -> InspectionResult:
    sup = auth.create("city-sup", "supervisor", "city")
    t = rf.task()
    v = rf.visit(rf.subject("朔城企业", "140602"), [t], inspectors=[rf.inspector("甲", "140602")])
    body = rf.answers_body([t], result_code=result_code, inspected_on=inspected_on)
    sub = rf.submission(v, body, inspected_on=inspected_on)
    db.session.commit()
    approve(sub.id, sub.lock_version, sup)
    db.session.commit()
    return db.session.scalars(select(InspectionResult)).one()


def test_a_holiday_entered_for_a_year_the_package_does_not_know_moves_the_stored_due_dates(
    client_request, auth, db, frozen_clock
):
    # Inspected 2026-12-18: 20 working days run into 2027, which chinesecalendar does not know yet, so
    # 2027-01-01 is counted as a working Friday and the due date is 2027-01-15 until the holiday is entered.
    result = _approved(auth, db, date(2026, 12, 18), result_code="6")
    assert (result.publication_due, result.due_by_fallback_calendar) == (date(2027, 1, 15), True)
    proposal = db.session.scalars(select(AbnormalListingProposal)).one()
    assert (proposal.decide_by, proposal.decide_by_fallback) == (date(2027, 1, 1), True)

    client_request.login("admin", "admin", "city")
    client_request.post("calendar.add_day", _data={"day": "2027-01-01", "kind": "holiday", "note": "元旦"})
    db.session.expire_all()
    assert db.session.get(InspectionResult, result.id).publication_due == date(2027, 1, 18)
    assert db.session.get(AbnormalListingProposal, proposal.id).decide_by == date(2027, 1, 4)

    # On 2027-01-18 the result is due today, not overdue: the dashboard's count and its list agree.
    frozen_clock.beijing(2027, 1, 18, 9, 0)
    overdue, n_overdue, n_soon = queries.open_publications(2026, None, date(2027, 1, 18))
    assert (overdue, n_overdue, n_soon) == ([], 0, 1)

    # Taking the holiday out again puts the due date back.
    client_request.post("calendar.remove_day", entry_id=db.session.scalar(select(CalendarDay.id)))
    db.session.expire_all()
    assert db.session.get(InspectionResult, result.id).publication_due == date(2027, 1, 15)


def test_the_dashboard_warns_when_results_due_soon_were_counted_without_the_official_holidays(
    client_request, auth, db, frozen_clock
):
    # On 2027-01-08 a 2026 result is due on 2027-01-15, counted Monday to Friday (2027 is not in
    # chinesecalendar): nothing is overdue yet, but the "due soon" figure rests on weekends only.
    frozen_clock.beijing(2027, 1, 8, 9, 0)
    _approved(auth, db, date(2026, 12, 18))
    client_request.login("city-sup", "supervisor", "city")
    page = client_request.get("dashboards.index", year=2026)
    assert page.select_one("#kpi-overdue .kpi__value").get_text() == "0"
    assert "1" in page.select_one("#kpi-overdue .kpi__label").get_text()
    assert page.select_one(".fallback-warning") is not None

    # Once the result is known on the official calendar there is nothing to warn about.
    db.session.execute(update(InspectionResult).values(due_by_fallback_calendar=False))
    db.session.commit()
    frozen_clock.beijing(2026, 12, 1, 9, 0)
    assert client_request.get("dashboards.index", year=2026).select_one(".fallback-warning") is None


def test_a_task_window_running_to_december_ends_on_the_plans_completion_deadline(
    client_request, auth, db, frozen_clock
):
    # 纳入《抽查计划》的抽查任务应当于12月20日前全部完成: a task planned for 4月-12月 (or with no months) is
    # due by 12-20, or by the date the administrator set for the year, not on 12-31.
    from fieldapp.calendar.models import YearDeadline
    from fieldapp.draws.pools import task_window

    december = rf.task(window_start_month=4, window_end_month=12)
    whole_year = rf.task(p=december.plan)
    assert task_window(december) == (date(2026, 4, 1), date(2026, 12, 20))
    assert task_window(whole_year) == (date(2026, 1, 1), date(2026, 12, 20))
    rf.visit(rf.subject("朔城企业", "140602"), [december], inspectors=[rf.inspector("甲", "140602")], status="planned")
    auth.create("city-sup", "supervisor", "city")
    db.session.commit()

    frozen_clock.beijing(2026, 12, 21, 9, 0)
    client_request.login("city-sup", "supervisor", "city")
    row = client_request.get("dashboards.index", year=2026).select_one(f'#task-table tr[data-task="{december.id}"]')
    assert "04-01 – 12-20" in row.get_text() and row.select_one(".badge--bad") is not None

    db.session.add(YearDeadline(year=2026, complete_by=date(2026, 12, 10)))
    db.session.commit()
    assert task_window(december) == (date(2026, 4, 1), date(2026, 12, 10))


def test_deadlines_counted_before_the_calendar_knew_their_year_are_counted_again_after_an_upgrade(
    auth, db, calendar_upgrade
):
    from fieldapp.review.jobs import recount_provisional_deadlines

    result = _approved(auth, db, date(2026, 12, 18), result_code="6")
    proposal = db.session.scalars(select(AbnormalListingProposal)).one()
    assert (result.publication_due, result.due_by_fallback_calendar) == (date(2027, 1, 15), True)
    # Nothing known yet: counting again changes nothing.
    assert recount_provisional_deadlines() == []

    # The release with 2027's schedule is installed and the worker restarts: 元旦 is a holiday, the
    # deadlines move past it and are no longer provisional.
    calendar_upgrade({date(2027, 1, 1): "New Year's Day"})
    assert recount_provisional_deadlines() == [result.id]
    db.session.commit()
    db.session.expire_all()
    result = db.session.get(InspectionResult, result.id)
    assert (result.publication_due, result.due_by_fallback_calendar) == (date(2027, 1, 18), False)
    proposal = db.session.get(AbnormalListingProposal, proposal.id)
    assert (proposal.decide_by, proposal.decide_by_fallback) == (date(2027, 1, 4), False)
    assert recount_provisional_deadlines() == []
