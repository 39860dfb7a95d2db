"""Every list page and export follows the subtree rule, walked as the provincial, a city's and a
county's supervisor of the two-city organisation (tests/data/organisations/two-cities.yaml).

Each county of the test (平城区 and 云冈区 of 大同, 阳泉城区 of 阳泉, and 朔城区 of the demo city,
another organisation on the same server) owns records whose names carry its marker: a subject with a
visit waiting for review, an approved result with a serious finding and a follow-up case, an
inspector; each city bureau and 平城区 issue a plan. A user sees the markers of their subtree and
never another's.
"""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from factories import review as rf
from fieldapp.auth.organisation import load_organisation
from fieldapp.extensions import db
from fieldapp.review.operations import approve
from factories.organisation import TWO_CITIES

ORDER = ["违反本部门相关规定，责令改正；后续跟踪由日常监管部门负责"]
SERIOUS = [{"item": "pledge", "text": "未承诺", "severity": "serious", "follow_up": "责令改正"}]
# marker → (county unit, division code, the city bureau issuing its plan)
COUNTIES = {
    "PCX": ("dt-pc", "140213"),
    "YGX": ("dt-yg", "140214"),
    "CQX": ("yq-cq", "140302"),
    "SCX": ("140602", "140602"),
}
PLANS = {"DTP": "dt", "YQP": "yq", "PCP": "dt-pc", "SZP": "city"}
# The plan list names a plan by its bureau.
PLAN_TEXT = {
    "DTP": "大同市市场监督管理局",
    "YQP": "阳泉市市场监督管理局",
    "PCP": "平城区市场监督管理局",
    "SZP": "朔州市市场监督管理局",
}
# Who sees which markers (the county markers, then the plan titles).
REACH = {
    "sx": ({"PCX", "YGX", "CQX"}, {"DTP", "YQP", "PCP"}),
    "dt": ({"PCX", "YGX"}, {"DTP", "PCP"}),
    "yq": ({"CQX"}, {"YQP"}),
    "dt-pc": ({"PCX"}, {"DTP", "PCP"}),  # the plan of the bureau above applies to 平城区
}


# Pages compute legal clocks from today in China: every test runs on the frozen clock (2026-11-27 10:00).
pytestmark = pytest.mark.usefixtures("frozen_clock")


@pytest.fixture
def world(app, auth):
    load_organisation(TWO_CITIES)
    db.session.commit()
    for marker, unit in PLANS.items():
        rf.task(rf.plan(2026, unit), name=f"{marker}任务")
    task = rf.task(rf.plan(2026, "sx"), name="省局抽查任务")
    approvals = []
    for marker, (unit, division) in COUNTIES.items():
        team = [rf.inspector(f"{marker}检查员", unit), rf.inspector(f"{marker}检查员乙", unit)]
        done = rf.visit(rf.subject(f"{marker}已检企业", division), [task], unit_code=unit, inspectors=team)
        body = rf.answers_body([task], result_code="A", measures=ORDER, findings=SERIOUS)
        approvals.append((rf.submission(done, body), auth.create(f"{marker}-sup", "supervisor", unit)))
        waiting = rf.visit(rf.subject(f"{marker}待审企业", division), [task], unit_code=unit, inspectors=team)
        rf.submission(waiting, rf.answers_body([task]))
    db.session.commit()
    for submission, supervisor in approvals:
        approve(submission.id, submission.lock_version, supervisor)
    db.session.commit()


def _markers(text: str) -> set[str]:
    return {m for m in COUNTIES if m in text} | {m for m, name in PLAN_TEXT.items() if name in text}


LIST_PAGES = [
    # (endpoint, its query, markers that must be listed: "county" / "plan" / none)
    ("subjects.index", {}, "county"),
    ("inspectors.index", {}, "county"),
    ("review.queue", {"state": "submitted"}, "county"),
    ("review.cases", {}, "county"),
    ("review.serious", {"year": 2026}, "county"),
    ("review.listings", {}, None),
    ("publication.index", {}, None),
    ("visits.index", {}, None),
    ("draws.index", {}, None),
    ("plans.index", {}, "plan"),
    ("plans.filings", {}, None),
    ("dashboards.index", {"year": 2026}, None),
]


@pytest.mark.parametrize("unit", list(REACH))
def test_each_list_page_shows_the_subtree_and_nothing_else(client_request, world, unit):
    counties, plans = REACH[unit]
    client_request.login(f"walker-{unit}", "supervisor", unit)
    for endpoint, query, listed in LIST_PAGES:
        if endpoint == "plans.filings" and unit == "dt-pc":  # filings are kept by the bureaus above
            client_request.get(endpoint, _expected_status=403, **query)
            continue
        seen = _markers(str(client_request.get(endpoint, **query)))
        assert seen <= counties | plans, (endpoint, unit, seen - counties - plans)
        if listed == "county":
            assert counties <= seen, (endpoint, unit, counties - seen)
        elif listed == "plan":
            assert plans <= seen, (endpoint, unit, plans - seen)


@pytest.mark.parametrize("unit", list(REACH))
def test_the_serious_findings_export_follows_the_subtree(client_request, world, unit):
    counties, _plans = REACH[unit]
    client_request.login(f"walker-{unit}", "supervisor", unit)
    response = client_request.get_response("review.serious", format="xlsx", year=2026)
    sheet = load_workbook(io.BytesIO(response.data)).active
    cells = " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None)
    assert {m for m in COUNTIES if m in cells} == counties


def test_the_provincial_dashboard_counts_only_its_own_organisation(client_request, world):
    client_request.login("walker-sx", "supervisor", "sx")
    page = client_request.get("dashboards.index", year=2026)
    text = str(page)
    assert "大同市" in text and "阳泉市" in text and "朔州市" not in text and "朔城区" not in text
    # Three results (not 朔城区's) approved for 2026-09-30, due 2026-11-03, unpublished on 2026-11-27.
    assert page.select_one("#kpi-overdue .kpi__value").get_text() == "3"
    assert page.select_one("#kpi-cases .kpi__value").get_text() == "3"
