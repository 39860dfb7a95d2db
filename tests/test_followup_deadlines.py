"""整改期限: a follow-up case's rectification deadline — the date rule on the statutory calendar
(National Day 2026, its make-up Saturday, rest days carried), the case list (overdue first, in
working days, filtered), the audited change, closing on time or late, and the dashboards' counts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from calendar_upgrades import calendar_upgrade  # noqa: F401  (fixture)
from factories import review as rf
from fieldapp.audit import AuditEvent
from fieldapp.calendar.workdays import is_workday, working_days_between
from fieldapp.errors import InvalidInput
from fieldapp.review.models import FollowUpCase
from fieldapp.review.rectification import MAX_WORKING_DAYS, Term, deadline

ORDER = "违反本部门相关规定，责令改正；后续跟踪由日常监管部门负责"
FINDING = {"item": "pledge", "text": "未作出诚信计量承诺", "severity": "minor", "follow_up": "责令改正"}
CHECK = date(2026, 9, 30)  # the factories' inspection day: a Wednesday before the National Day week

PROPERTIES = settings(
    max_examples=60, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)


# --- the date rule -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        (Term(working_days=1), date(2026, 10, 8)),  # 10-01 … 10-07 are the holiday
        (Term(working_days=3), date(2026, 10, 10)),  # the make-up Saturday (调休) is a working day
        (Term(working_days=4), date(2026, 10, 12)),  # Sunday 10-11 is not
        (Term(working_days=15), date(2026, 10, 27)),
        (Term(on=CHECK), CHECK),  # corrected on the spot
        (Term(on=date(2026, 10, 3)), date(2026, 10, 8)),  # a holiday: carried past the whole week
        (Term(on=date(2026, 10, 10)), date(2026, 10, 10)),  # a Saturday worked: kept
        (Term(on=date(2026, 10, 11)), date(2026, 10, 12)),  # a Sunday: Monday
        (Term(on=date(2026, 10, 20)), date(2026, 10, 20)),
    ],
)
def test_the_deadline_counts_working_days_and_carries_a_rest_day(term, expected):
    assert deadline(CHECK, term) == (expected, False)


@pytest.mark.parametrize(
    ("term", "field"),
    [
        (Term(), "rectify_by"),
        (Term(on=CHECK - timedelta(days=1)), "rectify_by"),
        (Term(on=date(9999, 12, 31)), "rectify_by"),  # never counted day by day up to the year 9999
        (Term(working_days=0), "rectify_days"),
        (Term(working_days=MAX_WORKING_DAYS + 1), "rectify_days"),
        (Term(working_days=-3), "rectify_days"),
    ],
)
def test_a_term_no_deadline_follows_from_is_refused_on_its_field(term, field):
    with pytest.raises(InvalidInput) as refused:
        deadline(CHECK, term)
    assert refused.value.field == field


def test_a_deadline_in_a_year_without_the_official_schedule_says_it_is_provisional():
    due, provisional = deadline(date(2026, 12, 28), Term(working_days=10))
    assert provisional and due.year == 2027


checks = st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 6, 30))


@PROPERTIES
@given(check=checks, n=st.integers(min_value=1, max_value=60))
def test_n_working_days_end_on_the_nth_working_day_after_the_check(check, n):
    due, provisional = deadline(check, Term(working_days=n))
    assert not provisional
    assert is_workday(due)[0] and due > check
    assert working_days_between(check, due) == (n, False)


@PROPERTIES
@given(check=checks, after=st.integers(min_value=0, max_value=90))
def test_a_date_ends_on_the_first_working_day_from_it(check, after):
    given_on = check + timedelta(days=after)
    due, _ = deadline(check, Term(on=given_on))
    assert is_workday(due)[0] and due >= given_on
    assert all(not is_workday(given_on + timedelta(days=k))[0] for k in range((due - given_on).days))


# --- pages ---------------------------------------------------------------------------------------


def _case_for(client_request, db, name="朔州市某某加油站有限公司", division="140602", **approve_data):
    """A 朔城区 check with a 责令改正 finding, approved by its supervisor (already signed in)."""
    t = rf.task(name=f"{name}计量检查")
    s = rf.subject(name, division=division)
    v = rf.visit(s, [t], inspectors=[rf.inspector(f"{name}甲", division), rf.inspector(f"{name}乙", division)])
    sub = rf.submission(v, rf.answers_body([t], result_code="A", measures=[ORDER], findings=[FINDING]))
    db.session.commit()
    client_request.post(
        "review.decide_submission",
        _data={"lock_version": sub.lock_version, **approve_data},
        submission_id=sub.id,
        decision="approve",
    )
    return db.session.scalar(select(FollowUpCase).where(FollowUpCase.subject_id == s.id))


def _set(client_request, case, _expected_status=302, **data):
    return client_request.post(
        "review.case_deadline",
        _data={"lock_version": case.lock_version, **data},
        _expected_status=_expected_status,
        case_id=case.id,
    )


def _fresh(db, case) -> FollowUpCase:
    db.session.expire_all()
    return db.session.get(FollowUpCase, case.id)


@pytest.mark.usefixtures("frozen_clock")
def test_the_approval_gives_the_case_its_deadline_in_working_days(client_request, db):
    client_request.login("sup", "supervisor", "140602")
    case = _case_for(client_request, db, rectify_days="3")
    assert (case.rectify_by, case.rectify_working_days, case.rectify_on) == (date(2026, 10, 10), 3, None)
    opened = db.session.scalar(select(AuditEvent).where(AuditEvent.object_type == "follow_up_case"))
    assert opened.action == "open" and opened.details["rectify_by"] == "2026-10-10"
    text = client_request.get("review.case", case_id=case.id).select_one("#case-deadline").get_text(" ", strip=True)
    assert "2026-10-10" in text and "自检查之日起3个工作日" in text


@pytest.mark.usefixtures("frozen_clock")
@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rectify_by": "2026-09-01"}, "整改期限不能早于检查日期（2026-09-30）。"),
        ({"rectify_by": "2026-10-20", "rectify_days": "5"}, "请填写日期或工作日数，不要同时填写。"),
        ({"rectify_days": "9999"}, "请填写1至250个工作日。"),
    ],
)
def test_an_approval_with_a_deadline_no_date_follows_from_is_sent_back(client_request, db, data, message):
    client_request.login("sup", "supervisor", "140602")
    t, s, v, sub = rf.scenario(result_code="A", measures=[ORDER], findings=[FINDING])
    page = client_request.post(
        "review.decide_submission",
        _data={"lock_version": sub.lock_version, **data},
        _expected_status=422,
        submission_id=sub.id,
        decision="approve",
    )
    assert message in page.select_one("#approve-deadline").get_text()
    db.session.expire_all()
    assert db.session.scalar(select(FollowUpCase)) is None and sub.state == "submitted"


@pytest.mark.usefixtures("frozen_clock")
def test_the_list_shows_overdue_cases_first_in_red_with_working_days_and_filters_them(client_request, db):
    # Today is Friday 2026-11-27. 甲's deadline passed on 11-20 (5 working days ago: 11-23 … 11-27),
    # 乙's on 11-25 (2), 丙's is 12-04 (due soon), 丁 has none; the newest case is listed first otherwise.
    client_request.login("sup", "supervisor", "140602")
    made = {}
    for name, deadline_on in (("甲", "2026-11-20"), ("乙", "2026-11-25"), ("丙", "2026-12-04"), ("丁", None)):
        made[name] = _case_for(
            client_request, db, f"{name}加油站", **({"rectify_by": deadline_on} if deadline_on else {})
        )
    page = client_request.get("review.cases")
    rows = page.select("#cases tbody tr")
    assert [r.select_one("a").get_text() for r in rows][:2] == ["甲加油站", "乙加油站"]  # the longest overdue first
    first = rows[0]
    assert "case--overdue" in first["class"]
    badge = first.select_one(".case-deadline .badge--bad").get_text()
    assert badge == "已逾期 5 个工作日"
    assert rows[1].select_one(".case-deadline .badge--bad").get_text() == "已逾期 2 个工作日"
    later = {r.select_one("a").get_text(): r for r in rows[2:]}
    assert not later["丙加油站"].get("class") and "即将到期" in later["丙加油站"].get_text()
    assert "未设整改期限" in later["丁加油站"].get_text()

    overdue = client_request.get("review.cases", status="overdue").select("#cases tbody tr a")
    assert [a.get_text() for a in overdue] == ["甲加油站", "乙加油站"]
    client_request.post("core.set_language", _data={"lang": "en", "next": "/"})
    english = client_request.get("review.cases", status="overdue").select_one("#cases")
    assert "Overdue by 5 working days" in english.get_text()


@pytest.mark.usefixtures("frozen_clock")
def test_changing_a_deadline_needs_a_reason_and_is_in_the_case_log(client_request, db):
    client_request.login("sup", "supervisor", "140602")
    case = _case_for(client_request, db)
    assert case.rectify_by is None
    # First given on the case page: a date on a Sunday ends on the Monday, and the page says so.
    _set(client_request, case, rectify_by="2026-11-29")
    case = _fresh(db, case)
    assert (case.rectify_on, case.rectify_by) == (date(2026, 11, 29), date(2026, 11, 30))
    page = client_request.get("review.case", case_id=case.id)
    assert "2026-11-29 不是工作日，顺延至其后第一个工作日" in page.select_one("#case-deadline").get_text()
    # A change without a reason is refused on the reason's field, nothing changed.
    refused = _set(client_request, case, _expected_status=422, rectify_days="40")
    assert "请填写变更整改期限的理由。" in refused.select_one("#field-reason").get_text()
    assert _fresh(db, case).rectify_by == date(2026, 11, 30)
    # With one: 40 working days from the check, logged with both dates and the reason.
    _set(client_request, case, rectify_days="40", reason="企业申请延期整改，经审查同意")
    case = _fresh(db, case)
    assert (case.rectify_by, case.rectify_working_days, case.rectify_on) == (date(2026, 12, 1), 40, None)
    log = [
        " ".join(e.get_text(" ").split())
        for e in client_request.get("review.case", case_id=case.id).select(".audit-log__event")
    ]
    assert "设定了整改期限 (2026-11-30)" in log[1]
    assert "设定了整改期限 (2026-11-30 → 2026-12-01)" in log[2] and "企业申请延期整改，经审查同意" in log[2]
    # A stale page's change is refused (someone changed the case since), nothing changed.
    stale = client_request.post_response(
        "review.case_deadline",
        _data={"lock_version": case.lock_version - 1, "rectify_days": "50", "reason": "再次延期"},
        _expected_status=303,
        case_id=case.id,
    )
    assert stale.location.endswith(client_request.url_for("review.case", case_id=case.id))
    assert _fresh(db, case).rectify_by == date(2026, 12, 1)
    # Another county's supervisor does not reach the case.
    client_request.logout()
    client_request.login("pinglu-sup", "supervisor", "140603")
    _set(client_request, case, _expected_status=404, rectify_days="1")


@pytest.mark.usefixtures("frozen_clock")
@pytest.mark.parametrize(
    ("closed_on", "on_time", "badge"),
    [("2026-11-20", True, "按期完结"), ("2026-11-24", False, "逾期完结")],
)
def test_closing_records_whether_the_case_kept_its_deadline(client_request, db, closed_on, on_time, badge):
    client_request.login("sup", "supervisor", "140602")
    case = _case_for(client_request, db, rectify_by="2026-11-20")
    client_request.post(
        "review.case",
        _data={"lock_version": case.lock_version, "closed_on": closed_on, "note": "已整改到位"},
        case_id=case.id,
    )
    case = _fresh(db, case)
    assert (case.status, case.closed_on_time) == ("closed", on_time)
    close = db.session.scalar(
        select(AuditEvent).where(AuditEvent.object_type == "follow_up_case", AuditEvent.action == "close")
    )
    assert close.details["on_time"] is on_time
    row = client_request.get("review.cases", status="closed").select_one(f'#cases tr[data-case="{case.id}"]')
    assert badge in row.get_text()
    # A closed case's deadline no longer changes.
    _set(client_request, case, _expected_status=303, rectify_days="60", reason="x")
    assert _fresh(db, case).rectify_by == date(2026, 11, 20)


@pytest.mark.usefixtures("frozen_clock")
def test_a_case_closed_without_a_deadline_records_neither(client_request, db):
    client_request.login("sup", "supervisor", "140602")
    case = _case_for(client_request, db)
    client_request.post(
        "review.case",
        _data={"lock_version": case.lock_version, "closed_on": "2026-11-20", "note": "已整改到位"},
        case_id=case.id,
    )
    assert _fresh(db, case).closed_on_time is None


@pytest.mark.usefixtures("frozen_clock")
def test_the_dashboard_counts_cases_past_their_deadline_per_unit(client_request, db):
    client_request.login("shuocheng-sup", "supervisor", "140602")
    _case_for(client_request, db, "甲加油站", rectify_by="2026-11-20")  # overdue
    _case_for(client_request, db, "乙加油站", rectify_by="2026-12-20")  # not yet
    client_request.logout()
    client_request.login("pinglu-sup", "supervisor", "140603")
    _case_for(client_request, db, "丙加油站", division="140603", rectify_days="10")  # 2026-10-20: overdue
    client_request.logout()

    client_request.login("city-sup", "supervisor", "city")
    page = client_request.get("dashboards.index", year=2026)
    assert page.select_one("#kpi-cases .kpi__value").get_text() == "3"
    assert "2 件逾期未整改" in page.select_one("#kpi-cases").get_text()
    for unit, open_cases, overdue in (("140602", "2", "1"), ("140603", "1", "1")):
        row = page.select_one(f'#area-table tr[data-unit="{unit}"]')
        assert row.select_one(".area-cases").get_text(strip=True) == open_cases
        assert row.select_one(".area-cases-overdue").get_text(strip=True) == overdue
    listed = [li.select_one("a").get_text() for li in page.select("#cases li")]
    assert listed == ["甲加油站", "丙加油站", "乙加油站"]  # those past their deadline first


@pytest.mark.usefixtures("frozen_clock")
def test_a_holiday_entered_for_a_year_without_the_schedule_moves_an_open_cases_deadline(client_request, auth, db):
    # Checked 2026-12-30: two working days on the provisional calendar are 12-31 and Friday 2027-01-01,
    # and a date given as 2027-01-01 stands; once the administrator enters 元旦 both move, and back.
    from fieldapp.calendar.models import CalendarDay

    client_request.login("sup", "supervisor", "140602")
    counted, dated = [], []
    for name, data, into in (
        ("甲加油站", {"rectify_days": "2"}, counted),
        ("乙加油站", {"rectify_by": "2027-01-01"}, dated),
    ):
        t = rf.task(name=f"{name}计量检查")
        s = rf.subject(name)
        v = rf.visit(s, [t], inspectors=[rf.inspector(f"{name}甲")])
        body = rf.answers_body(
            [t], result_code="A", measures=[ORDER], findings=[FINDING], inspected_on=date(2026, 12, 30)
        )
        sub = rf.submission(v, body, inspected_on=date(2026, 12, 30))
        db.session.commit()
        client_request.post(
            "review.decide_submission",
            _data={"lock_version": sub.lock_version, **data},
            submission_id=sub.id,
            decision="approve",
        )
        into.append(db.session.scalar(select(FollowUpCase).where(FollowUpCase.subject_id == s.id)))
    assert [(c.rectify_by, c.rectify_by_fallback) for c in (*counted, *dated)] == [(date(2027, 1, 1), True)] * 2
    client_request.logout()

    client_request.login("admin", "admin", "city")
    client_request.post("calendar.add_day", _data={"day": "2027-01-01", "kind": "holiday", "note": "元旦"})
    assert _fresh(db, counted[0]).rectify_by == date(2027, 1, 4)
    assert _fresh(db, dated[0]).rectify_by == date(2027, 1, 4)
    client_request.post("calendar.remove_day", entry_id=db.session.scalar(select(CalendarDay.id)))
    assert _fresh(db, counted[0]).rectify_by == date(2027, 1, 1)
    assert _fresh(db, dated[0]).rectify_by == date(2027, 1, 1)


@pytest.mark.usefixtures("frozen_clock")
def test_a_provisional_deadline_is_counted_again_once_the_calendar_knows_its_year(client_request, db, calendar_upgrade):
    from fieldapp.review.jobs import recount_provisional_deadlines

    client_request.login("sup", "supervisor", "140602")
    t, s = rf.task(), rf.subject()
    v = rf.visit(s, [t], inspectors=[rf.inspector()])
    body = rf.answers_body([t], result_code="A", measures=[ORDER], findings=[FINDING], inspected_on=date(2026, 12, 30))
    sub = rf.submission(v, body, inspected_on=date(2026, 12, 30))
    db.session.commit()
    client_request.post(
        "review.decide_submission",
        _data={"lock_version": sub.lock_version, "rectify_days": "2"},
        submission_id=sub.id,
        decision="approve",
    )
    case = db.session.scalars(select(FollowUpCase)).one()
    assert (case.rectify_by, case.rectify_by_fallback) == (date(2027, 1, 1), True)
    calendar_upgrade({date(2027, 1, 1): "New Year's Day"})
    assert case.result_id in recount_provisional_deadlines()
    db.session.commit()
    case = _fresh(db, case)
    assert (case.rectify_by, case.rectify_by_fallback) == (date(2027, 1, 4), False)
