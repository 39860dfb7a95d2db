"""Follow-up cases go to the bureau with jurisdiction over the subject; credit consequences."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook
from sqlalchemy import select

from factories import review as rf
from fieldapp.review.models import AbnormalListingProposal, AuditEvent, FollowUpCase


@pytest.fixture(autouse=True)
def _today(frozen_clock):
    """Pages compute legal clocks from today in China; pin it so the tests do not age."""
    frozen_clock.beijing(2026, 11, 27, 10, 0)


ORDER = "违反本部门相关规定，责令改正；后续跟踪由日常监管部门负责"
REFER = "发现案件线索，初步固定相关证据后移送办案机构依法依规处理"


def soup(r):
    return BeautifulSoup(r.get_data(as_text=True), "html.parser")


def approve(client, sub):
    r = client.post(f"/review/submissions/{sub.id}/approve", data={"lock_version": sub.lock_version})
    assert r.status_code == 302, r.get_data(as_text=True)


def test_a_city_inspection_with_a_finding_opens_a_case_for_the_subjects_county(client, auth, db):
    # The city bureau inspects a subject in 平鲁区: the case goes to 平鲁区局 (谁管辖、谁负责).
    t = rf.task()
    s = rf.subject(division="140603")
    v = rf.visit(s, [t], unit_code="city", inspectors=[rf.inspector("甲", "city"), rf.inspector("乙", "city")])
    finding = {"item": "pledge", "text": "未作出诚信计量承诺", "severity": "minor", "follow_up": "责令改正"}
    sub = rf.submission(v, rf.answers_body([t], result_code="A", measures=[ORDER], findings=[finding]))
    db.session.commit()
    auth.login("city-sup", "supervisor", "city")
    approve(client, sub)

    case = db.session.scalar(select(FollowUpCase))
    assert case.assigned_unit.division_code == "140603"
    assert case.status == "open" and case.measures == [ORDER]
    auth.logout()

    # 平鲁区's supervisor sees it on their case list and dashboard; 朔城区's does not.
    auth.login("pinglu-sup", "supervisor", "140603")
    assert s.name in soup(client.get("/review/cases")).select_one("#cases").get_text()
    assert client.get(f"/review/cases/{case.id}").status_code == 200
    auth.logout()
    auth.login("shuocheng-sup", "supervisor", "140602")
    assert s.name not in soup(client.get("/review/cases")).select_one("#cases").get_text()
    assert client.get(f"/review/cases/{case.id}").status_code == 404
    r = client.post(f"/review/cases/{case.id}", data={"lock_version": 1, "closed_on": "2026-10-20", "note": "x"})
    assert r.status_code == 404
    auth.logout()

    # Closing needs a date and a note; then it is 完结 with both, and logged.
    auth.login("pinglu-sup", "supervisor", "140603")
    r = client.post(
        f"/review/cases/{case.id}", data={"lock_version": case.lock_version, "closed_on": "2026-10-20", "note": ""}
    )
    assert r.status_code == 422 and soup(r).select_one(".field--error")
    r = client.post(
        f"/review/cases/{case.id}",
        data={"lock_version": case.lock_version, "closed_on": "2026-09-01", "note": "已整改"},
    )
    assert r.status_code == 422  # before the inspection
    r = client.post(
        f"/review/cases/{case.id}",
        data={"lock_version": case.lock_version, "closed_on": "2026-10-20", "note": "已整改到位"},
    )
    assert r.status_code == 302
    db.session.expire_all()
    case = db.session.get(FollowUpCase, case.id)
    assert (case.status, case.closed_on, case.closing_note) == ("closed", date(2026, 10, 20), "已整改到位")
    actions = [
        e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "follow_up_case"))
    ]
    assert actions == ["open", "close"]


def test_no_case_when_no_follow_up_is_needed(client, auth, db):
    _, _, _, sub = rf.scenario()
    auth.login("sup", "supervisor", "140602")
    approve(client, sub)
    assert db.session.scalar(select(FollowUpCase)) is None


def test_unreachable_subject_proposes_abnormal_listing_for_confirmation(client, auth, db):
    _, s, _, sub = rf.scenario(result_code="A,6", measures=["停止检查，反馈至日常监管部门依法依规处理"])
    auth.login("sup", "supervisor", "140602")
    approve(client, sub)
    proposal = db.session.scalar(select(AbnormalListingProposal))
    assert proposal.status == "proposed" and proposal.unit.division_code == "140602"
    assert proposal.decide_by == date(2026, 10, 20)  # 10 working days after 09-30: 10-08 … 10-20, Sat 10-10 counts
    page = soup(client.get("/review/listings"))
    assert s.name in page.select_one("#proposals").get_text()
    # Rejecting needs a reason; confirming does not.
    client.post(f"/review/listings/{proposal.id}", data={"lock_version": proposal.lock_version, "decision": "reject"})
    db.session.expire_all()
    assert db.session.get(AbnormalListingProposal, proposal.id).status == "proposed"
    r = client.post(
        f"/review/listings/{proposal.id}", data={"lock_version": proposal.lock_version, "decision": "confirm"}
    )
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(AbnormalListingProposal, proposal.id).status == "confirmed"
    # A second decision on the old version is refused.
    client.post(
        f"/review/listings/{proposal.id}",
        data={"lock_version": proposal.lock_version, "decision": "reject", "note": "x"},
    )
    db.session.expire_all()
    assert db.session.get(AbnormalListingProposal, proposal.id).status == "confirmed"


def test_unfiled_annual_report_proposes_abnormal_listing_with_its_reason(client, auth, db, app):
    # The public-information checklist marks 未按规定期限公示年度报告 as proposing the 经营异常名录
    # (《企业信息公示暂行条例》第十七条); the engine's finding carries it through approval.
    from fieldapp.checklists import evaluate, registry

    checklist = registry().get("public-information")
    answers = {
        "reachable": "reachable",
        "subject_kind": "company",
        "report_year": "2025",
        "report_filed": "不符合",
        "ii_capital": "符合",
        "ii_equity": "不适用",
        "ii_permits": "不适用",
        "ii_ip_pledge": "不适用",
        "ii_penalties": "不适用",
        "ii_true": "符合",
        "remarks": "未报送2025年度报告",
    }
    evaluation = evaluate(checklist, answers, date(2026, 9, 30))
    assert evaluation.errors == {} and evaluation.suggested_result == "B"
    findings = [f.to_json() for f in evaluation.findings]
    assert [(f["item"], f.get("listing")) for f in findings] == [("report_filed", True)]

    _, s, _, sub = rf.scenario(result_code="B", measures=[ORDER], findings=findings)
    auth.login("sup", "supervisor", "140602")
    approve(client, sub)
    proposal = db.session.scalar(select(AbnormalListingProposal))
    assert (proposal.status, proposal.reason_code) == ("proposed", "B")
    assert proposal.decide_by == date(2026, 10, 20)
    assert "未按规定公示应当公示的信息" in soup(client.get("/review/listings")).select_one("#proposals").get_text()


def test_a_finding_without_the_listing_mark_proposes_no_listing(client, auth, db):
    finding = {
        "item": "ii_capital",
        "text": "未按规定公示股东出资即时信息",
        "severity": "major",
        "follow_up": "责令改正",
        "result": "B",
    }
    _, _, _, sub = rf.scenario(result_code="B", measures=[ORDER], findings=[finding])
    auth.login("sup", "supervisor", "140602")
    approve(client, sub)
    assert db.session.scalar(select(AbnormalListingProposal)) is None  # 即时信息: listed only after a 责令 deadline


def test_subject_findings_across_tasks_and_years(client, auth, db):
    s = rf.subject()
    for year, code in ((2025, "E"), (2026, "A")):
        t = rf.task(rf.plan(year), name=f"{year}年计量检查")
        v = rf.visit(s, [t], inspectors=[rf.inspector()])
        sub = rf.submission(
            v, rf.answers_body([t], result_code=code, inspected_on=date(year, 9, 1)), inspected_on=date(year, 9, 1)
        )
        db.session.commit()
        auth.login("sup", "supervisor", "140602")
        approve(client, sub)
    page = soup(client.get(f"/review/subjects/{s.id}/findings"))
    rows = page.select("#subject-findings tbody tr")
    assert [r.select("td")[0].get_text() for r in rows] == ["2026", "2025"]
    partial = client.get(f"/review/subjects/{s.id}/findings", headers={"HX-Request": "true"})
    assert "<html" not in partial.get_data(as_text=True)
    other = rf.subject(division="140603")
    db.session.commit()
    assert client.get(f"/review/subjects/{other.id}/findings").status_code == 404


def test_export_of_subjects_with_serious_findings(client, auth, db):
    _, bad, _, sub_bad = rf.scenario(result_code="A", measures=[REFER])
    _, fine, _, sub_fine = rf.scenario(result_code="1")
    auth.login("sup", "supervisor", "140602")
    approve(client, sub_bad)
    approve(client, sub_fine)
    r = client.get("/review/serious", query_string={"format": "xlsx", "year": 2026})
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(BytesIO(r.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:2] == ("统一社会信用代码/注册号", "企业名称")
    assert [row[1] for row in rows[1:]] == [bad.name]
    assert rows[1][0] == bad.uscc
    assert client.get("/review/serious", query_string={"format": "xlsx", "year": 2025}).status_code == 200


def test_the_subject_page_shows_its_inspection_history(client, auth, db):
    _, s, _, sub = rf.scenario(result_code="E")
    auth.login("sup", "supervisor", "140602")
    approve(client, sub)
    page = soup(client.get(f"/subjects/{s.id}"))
    history = page.select_one("#inspection-history #subject-inspections")
    assert history is not None
    assert "发现问题已责令改正" in history.get_text()
    assert history.select_one(f'a[href="/review/subjects/{s.id}/findings"]')
