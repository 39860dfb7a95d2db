"""City and county dashboards: coverage against 3%, publication rate, task progress, overdue, cases."""

from __future__ import annotations

from datetime import date

import pytest

from factories import review as rf
from fieldapp.dashboards import queries
from fieldapp.review.operations import approve

FIND = [{"item": "pledge", "text": "未承诺", "severity": "minor", "follow_up": "责令改正"}]


# Pages compute legal clocks from today in China: every test runs on the frozen clock (2026-11-27 10:00).
pytestmark = pytest.mark.usefixtures("frozen_clock")


ORDER = ["违反本部门相关规定，责令改正；后续跟踪由日常监管部门负责"]


@pytest.fixture
def city(db, auth):
    """2026: 朔城区 has 40 operating enterprises (one inspected, with a finding), 平鲁区 has 10 (two inspected)."""
    t = rf.task(window_start_month=9, window_end_month=10)
    sup = auth.create("city-sup", "supervisor", "city")
    subjects = {
        "140602": [rf.subject(f"朔城企业{i}", "140602") for i in range(40)],
        "140603": [rf.subject(f"平鲁企业{i}", "140603") for i in range(10)],
    }
    rf.subject("个体户", "140602", kind="individual")
    rf.subject("已注销企业", "140602", status="注销")
    subs = []
    for code, n in (("140602", 1), ("140603", 2)):
        for s in subjects[code][:n]:
            v = rf.visit(s, [t], inspectors=[rf.inspector("甲", code)])
            body = rf.answers_body(
                [t],
                result_code="A" if code == "140602" else "1",
                measures=ORDER if code == "140602" else None,
                findings=FIND if code == "140602" else None,
            )
            subs.append(rf.submission(v, body))
    # One visit still to do in 平鲁区.
    rf.visit(subjects["140603"][5], [t], inspectors=[rf.inspector("乙", "140603")], status="planned")
    db.session.commit()
    for sub in subs:
        approve(sub.id, sub.lock_version, sup)
    db.session.commit()
    return t, subjects


def test_queries(app, city):
    cov = queries.coverage_by_county(2026, None)
    assert (cov["140602"].done, cov["140602"].total) == (1, 40)
    assert (cov["140603"].done, cov["140603"].total) == (2, 10)
    pub = queries.publication_by_county(2026, None)
    assert (pub["140603"].done, pub["140603"].total) == (0, 2)
    progress = queries.task_progress(2026, None, date(2026, 11, 27))
    assert [(p.visits, p.approved, p.behind_window) for p in progress] == [(4, 3, True)]
    overdue, n, soon = queries.open_publications(2026, None, date(2026, 11, 27))
    assert n == 3 and overdue[0].clock.due == date(2026, 11, 3)
    assert queries.open_publications(2026, None, date(2026, 10, 28))[1:] == (0, 3)


def test_city_dashboard(client_request, city):
    client_request.login("city-sup", "supervisor", "city")
    page = client_request.get("dashboards.index", year=2026)

    assert page.select_one("#kpi-coverage .kpi__value").get_text() == "6.0%"
    assert page.select_one("#kpi-overdue .kpi__value").get_text() == "3"
    assert page.select_one("#kpi-cases .kpi__value").get_text() == "1"
    svg = page.select_one("#chart-coverage")
    assert svg.name == "svg" and svg.select_one("title")
    bars = svg.select("rect.chart__bar")
    assert len(bars) == 7  # every county
    css = {b.find_previous("text").get_text(): b["class"] for b in bars}
    assert "chart__bar--bad" in css["朔城区"]  # 2.5% < 3%
    assert "chart__bar--ok" in css["平鲁区"]  # 20%
    assert svg.select_one("line.chart__target")
    assert page.select_one("#chart-tasks rect.chart__bar--bad")  # window passed, 1 visit not done
    assert page.select_one("#chart-publication")
    # Printable, no script: no inline styles, no inline scripts.
    assert not page.select("[style]") and not page.select("script:not([src])")


def test_county_dashboard_is_limited_to_the_county(client_request, city):
    client_request.login("pinglu-sup", "supervisor", "140603")
    page = client_request.get("dashboards.index", year=2026)
    assert "平鲁区" in page.select_one("h1").get_text()
    assert page.select_one("#kpi-coverage .kpi__value").get_text() == "20.0%"
    assert len(page.select("#chart-coverage rect.chart__bar")) == 1
    assert page.select_one("#kpi-cases .kpi__value").get_text() == "0"  # the case is 朔城区's
    client_request.get("dashboards.index", _expected_status=404, division="140602")
    client_request.logout()
    client_request.login("shuocheng-sup", "supervisor", "140602")
    page = client_request.get("dashboards.index", year=2026)
    assert page.select_one("#kpi-cases .kpi__value").get_text() == "1"
    assert "朔城企业0" in page.select_one("#cases").get_text()


def test_published_results_count(client, auth, city, db):
    from fieldapp.publication.operations import publish
    from fieldapp.review.models import InspectionResult

    r = db.session.query(InspectionResult).join(InspectionResult.subject).filter_by(division_code="140603").first()
    publish([r], auth.create("pub", "supervisor", "140603"), on=date(2026, 10, 10))
    db.session.commit()
    pub = queries.publication_by_county(2026, {"140603"})
    assert (pub["140603"].done, pub["140603"].total) == (1, 2)
    assert queries.open_publications(2026, {"140603"}, date(2026, 11, 27))[1] == 1


def test_inspectors_have_no_dashboard(client_request, db):
    client_request.login("insp", "inspector", "140602")
    client_request.get("dashboards.index", _expected_status=403)


def test_a_result_published_after_its_20_working_days_stays_counted_as_late(client_request, auth, city, db):
    from fieldapp.publication.operations import correct, publish
    from fieldapp.review.models import InspectionResult

    sup = auth.create("pub", "supervisor", "140603")
    first, second = db.session.query(InspectionResult).filter_by(division_code="140603").order_by("id").all()
    assert first.publication_due == date(2026, 11, 3)
    [on_time] = publish([first], sup, on=date(2026, 11, 3))  # the last day still counts
    [late] = publish([second], sup, on=date(2026, 11, 4))
    db.session.commit()
    # A correction of the one published on time is published later, but the result was public in time.
    correct(on_time, sup, "更正后续处置", follow_up_public="已核实", on=date(2026, 11, 20))
    db.session.commit()
    assert queries.late_publications_by_county(2026, None) == {"140603": 1}
    assert queries.publication_by_county(2026, {"140603"})["140603"].done == 2  # published, both
    client_request.login("city-sup", "supervisor", "city")
    page = client_request.get("dashboards.index", year=2026)
    assert page.select_one("#kpi-overdue .kpi__value").get_text() == "1"  # 朔城区's, still unpublished
    assert "1 条逾期后才公示" in page.select_one("#kpi-overdue .kpi__label").get_text()
    row = page.select_one('#area-table tr[data-unit="140603"] .area-overdue').get_text(" ", strip=True)
    assert row == "0 · 1 条逾期后才公示"
    assert page.select_one('#area-table tr[data-unit="140602"] .area-overdue').get_text(strip=True) == "1"
