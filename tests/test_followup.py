"""Follow-up cases go to the bureau with jurisdiction over the subject; credit consequences."""

from __future__ import annotations

from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from factories import review as rf
from fieldapp.audit import AuditEvent
from fieldapp.review.models import AbnormalListingProposal, FollowUpCase, InspectionResult


# Pages compute legal clocks from today in China: every test runs on the frozen clock (2026-11-27 10:00).
pytestmark = pytest.mark.usefixtures("frozen_clock")


ORDER = "违反本部门相关规定，责令改正；后续跟踪由日常监管部门负责"
REFER = "发现案件线索，初步固定相关证据后移送办案机构依法依规处理"


def approve(client_request, sub):
    client_request.post(
        "review.decide_submission",
        _data={"lock_version": sub.lock_version},
        submission_id=sub.id,
        decision="approve",
    )


def _close(client_request, case, _expected_status=302, **data):
    """The case form's post: close the follow-up case with a date and a note."""
    return client_request.post(
        "review.case", _data={"lock_version": 1, **data}, _expected_status=_expected_status, case_id=case.id
    )


def _decide_listing(client_request, proposal, _expected_status=302, **data):
    return client_request.post_response(
        "review.decide",
        _data={"lock_version": proposal.lock_version, **data},
        _expected_status=_expected_status,
        proposal_id=proposal.id,
    )


def test_a_city_inspection_with_a_finding_opens_a_case_for_the_subjects_county(client_request, db):
    # The city bureau inspects a subject in 平鲁区: the case goes to 平鲁区局 (谁管辖、谁负责).
    t = rf.task()
    s = rf.subject(division="140603")
    v = rf.visit(s, [t], unit_code="city", inspectors=[rf.inspector("甲", "city"), rf.inspector("乙", "city")])
    finding = {"item": "pledge", "text": "未作出诚信计量承诺", "severity": "minor", "follow_up": "责令改正"}
    sub = rf.submission(v, rf.answers_body([t], result_code="A", measures=[ORDER], findings=[finding]))
    db.session.commit()
    client_request.login("city-sup", "supervisor", "city")
    approve(client_request, sub)

    case = db.session.scalar(select(FollowUpCase))
    assert case.assigned_unit.division_code == "140603"
    assert case.status == "open" and case.measures == [ORDER]
    client_request.logout()

    # 平鲁区's supervisor sees it on their case list and dashboard; 朔城区's does not.
    client_request.login("pinglu-sup", "supervisor", "140603")
    assert s.name in client_request.get("review.cases").select_one("#cases").get_text()
    client_request.get("review.case", case_id=case.id)
    client_request.logout()
    client_request.login("shuocheng-sup", "supervisor", "140602")
    assert s.name not in client_request.get("review.cases").select_one("#cases").get_text()
    client_request.get("review.case", _expected_status=404, case_id=case.id)
    _close(client_request, case, _expected_status=404, closed_on="2026-10-20", note="x")
    client_request.logout()

    # Closing needs a date and a note; then it is 完结 with both, and logged.
    client_request.login("pinglu-sup", "supervisor", "140603")
    version = {"lock_version": case.lock_version}
    page = _close(client_request, case, _expected_status=422, closed_on="2026-10-20", note="", **version)
    assert page.select_one(".field--error")
    _close(client_request, case, _expected_status=422, closed_on="2026-09-01", note="已整改", **version)  # too early
    _close(client_request, case, closed_on="2026-10-20", note="已整改到位", **version)
    db.session.expire_all()
    case = db.session.get(FollowUpCase, case.id)
    assert (case.status, case.closed_on, case.closing_note) == ("closed", date(2026, 10, 20), "已整改到位")
    actions = [
        e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "follow_up_case"))
    ]
    assert actions == ["open", "close"]


def test_no_case_when_no_follow_up_is_needed(client_request, db):
    _, _, _, sub = rf.scenario()
    client_request.login("sup", "supervisor", "140602")
    approve(client_request, sub)
    assert db.session.scalar(select(FollowUpCase)) is None


def test_unreachable_subject_proposes_abnormal_listing_for_confirmation(client_request, db):
    _, s, _, sub = rf.scenario(result_code="A,6", measures=["停止检查，反馈至日常监管部门依法依规处理"])
    client_request.login("sup", "supervisor", "140602")
    approve(client_request, sub)
    proposal = db.session.scalar(select(AbnormalListingProposal))
    assert proposal.status == "proposed" and proposal.unit.division_code == "140602"
    assert proposal.decide_by == date(2026, 10, 20)  # 10 working days after 09-30: 10-08 … 10-20, Sat 10-10 counts
    page = client_request.get("review.listings")
    assert s.name in page.select_one("#proposals").get_text()
    # Rejecting needs a reason; confirming does not.
    refused = _decide_listing(client_request, proposal, _expected_status=422, decision="reject")
    assert "请填写驳回建议的理由。" in refused.text  # refused: the list again, the reason on the proposal
    db.session.expire_all()
    assert db.session.get(AbnormalListingProposal, proposal.id).status == "proposed"
    _decide_listing(client_request, proposal, decision="confirm")
    db.session.expire_all()
    assert db.session.get(AbnormalListingProposal, proposal.id).status == "confirmed"
    # A second decision on the old version is refused.
    _decide_listing(client_request, proposal, decision="reject", note="x")
    db.session.expire_all()
    assert db.session.get(AbnormalListingProposal, proposal.id).status == "confirmed"


def test_a_firm_not_found_on_one_visit_for_two_tasks_is_proposed_for_listing_once(client_request, db):
    # One trip (进一次门) for two tasks finds nobody at the registered address: each task records
    # 无法联系 as its own result, but the firm is one firm, not found once.
    s = rf.subject()
    t1, t2 = rf.task(), rf.task(name="加油站登记事项检查")
    v = rf.visit(s, [t1, t2], inspectors=[rf.inspector("张三"), rf.inspector("李四")])
    sub = rf.submission(
        v, rf.answers_body([t1, t2], result_code="6", measures=["停止检查，反馈至日常监管部门依法依规处理"])
    )
    # A later visit of another task that also finds nobody is another fact, proposed on its own.
    t3 = rf.task(name="广告发布登记检查")
    later = rf.visit(s, [t3], inspectors=[rf.inspector("王五"), rf.inspector("赵六")])
    sub_later = rf.submission(later, rf.answers_body([t3], result_code="6", inspected_on=date(2026, 10, 30)))
    db.session.commit()
    client_request.login("sup", "supervisor", "140602")
    approve(client_request, sub)
    assert len(db.session.scalars(select(InspectionResult).where(InspectionResult.result_code == "6")).all()) == 2
    [proposal] = db.session.scalars(select(AbnormalListingProposal)).all()
    assert proposal.subject_id == s.id and proposal.reason_code == "6"
    approve(client_request, sub_later)
    assert len(db.session.scalars(select(AbnormalListingProposal)).all()) == 2


def test_unfiled_annual_report_proposes_abnormal_listing_with_its_reason(client_request, db, app):
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
    client_request.login("sup", "supervisor", "140602")
    approve(client_request, sub)
    proposal = db.session.scalar(select(AbnormalListingProposal))
    assert (proposal.status, proposal.reason_code) == ("proposed", "B")
    assert proposal.decide_by == date(2026, 10, 20)
    assert "未按规定公示应当公示的信息" in client_request.get("review.listings").select_one("#proposals").get_text()


def test_a_finding_without_the_listing_mark_proposes_no_listing(client_request, db):
    finding = {
        "item": "ii_capital",
        "text": "未按规定公示股东出资即时信息",
        "severity": "major",
        "follow_up": "责令改正",
        "result": "B",
    }
    _, _, _, sub = rf.scenario(result_code="B", measures=[ORDER], findings=[finding])
    client_request.login("sup", "supervisor", "140602")
    approve(client_request, sub)
    assert db.session.scalar(select(AbnormalListingProposal)) is None  # 即时信息: listed only after a 责令 deadline


def test_subject_findings_across_tasks_and_years(client_request, db):
    s = rf.subject()
    for year, code in ((2025, "E"), (2026, "A")):
        t = rf.task(rf.plan(year), name=f"{year}年计量检查")
        v = rf.visit(s, [t], inspectors=[rf.inspector()])
        sub = rf.submission(
            v, rf.answers_body([t], result_code=code, inspected_on=date(year, 9, 1)), inspected_on=date(year, 9, 1)
        )
        db.session.commit()
        client_request.login("sup", "supervisor", "140602")
        approve(client_request, sub)
    page = client_request.get("review.subject_findings", subject_id=s.id)
    rows = page.select("#subject-findings tbody tr")
    assert [r.select("td")[0].get_text() for r in rows] == ["2026", "2025"]
    partial = client_request.get_response("review.subject_findings", _headers={"HX-Request": "true"}, subject_id=s.id)
    assert "<html" not in partial.get_data(as_text=True)
    other = rf.subject(division="140603")
    db.session.commit()
    client_request.get("review.subject_findings", _expected_status=404, subject_id=other.id)


def test_export_of_subjects_with_serious_findings(client_request, db):
    _, bad, _, sub_bad = rf.scenario(result_code="A", measures=[REFER])
    _, fine, _, sub_fine = rf.scenario(result_code="1")
    client_request.login("sup", "supervisor", "140602")
    approve(client_request, sub_bad)
    approve(client_request, sub_fine)
    r = client_request.get_response("review.serious", format="xlsx", year=2026)
    assert r.mimetype.endswith("spreadsheetml.sheet")
    ws = load_workbook(BytesIO(r.data)).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:2] == ("统一社会信用代码/注册号", "企业名称")
    assert [row[1] for row in rows[1:]] == [bad.name]
    assert rows[1][0] == bad.uscc
    client_request.get_response("review.serious", format="xlsx", year=2025)


def test_the_subject_page_shows_its_inspection_history(client_request, db):
    _, s, _, sub = rf.scenario(result_code="E")
    client_request.login("sup", "supervisor", "140602")
    approve(client_request, sub)
    page = client_request.get("subjects.detail", subject_id=s.id)
    history = page.select_one("#inspection-history #subject-inspections")
    assert history is not None
    assert "发现问题已责令改正" in history.get_text()
    assert history.select_one(f'a[href="{client_request.url_for("review.subject_findings", subject_id=s.id)}"]')


@pytest.mark.parametrize("language,opened,closed", [("zh_CN", "未完结", "已完结"), ("en", "Open", "Completed")])
def test_the_case_log_names_each_state_in_the_users_language(client_request, db, language, opened, closed):
    # The log of a case shows "(opened) → (closed)" in words, never the stored codes "open" / "closed".
    _, _, _, sub = rf.scenario(result_code="A", measures=[ORDER])
    db.session.commit()
    client_request.login("sup", "supervisor", "140602")
    approve(client_request, sub)
    case = db.session.scalar(select(FollowUpCase))
    _close(client_request, case, closed_on="2026-10-20", note="已整改到位", lock_version=case.lock_version)
    client_request.post("core.set_language", _data={"lang": language, "next": "/"})

    log = client_request.get("review.case", case_id=case.id).select(".audit-log__event")
    texts = [" ".join(event.get_text(" ").split()) for event in log]
    assert len(texts) == 2
    states = [text[text.rindex("(") + 1 : text.rindex(")")] for text in texts]
    assert states == [opened, f"{opened} → {closed}"]  # no stored code ("open", "closed"), no empty side


@pytest.mark.parametrize(
    "decision,note,message",
    [
        ("reject", "", "请填写驳回建议的理由。"),
        ("reject", "经核实" + "。" * 2000, "2000"),
        ("confirm", "。" * 2001, "2000"),
    ],
)
def test_a_listing_decision_sent_back_keeps_the_note_beside_its_reason(client_request, db, decision, note, message):
    # A note over 2000 characters was a bare 400 page, the note gone; a rejection without one a redirect.
    _, _, _, sub = rf.scenario(result_code="A,6", measures=["停止检查，反馈至日常监管部门依法依规处理"])
    client_request.login("sup", "supervisor", "140602")
    approve(client_request, sub)
    proposal = db.session.scalar(select(AbnormalListingProposal))
    page = client_request.post(
        "review.decide",
        _data={"lock_version": proposal.lock_version, "decision": decision, "note": note},
        _expected_status=422,
        proposal_id=proposal.id,
    )
    form = page.find("form", action=client_request.url_for("review.decide", proposal_id=proposal.id))
    assert message in form.select_one(".field__error").get_text()
    assert form.find("textarea", attrs={"name": "note"}).get_text() == note
    db.session.expire_all()
    assert db.session.get(AbnormalListingProposal, proposal.id).status == "proposed"


def test_a_tampered_listing_decision_is_a_bad_request(client_request, db):
    _, _, _, sub = rf.scenario(result_code="A,6", measures=["停止检查，反馈至日常监管部门依法依规处理"])
    client_request.login("sup", "supervisor", "140602")
    approve(client_request, sub)
    proposal = db.session.scalar(select(AbnormalListingProposal))
    for data in ({"decision": "maybe", "lock_version": 1}, {"decision": "confirm", "lock_version": "x"}):
        client_request.post_response("review.decide", _data=data, _expected_status=400, proposal_id=proposal.id)


def test_a_corrected_result_keeps_its_follow_up_case_in_step(client_request, db):
    # Publication's correction of a result (operations.correct) asks the rule of approval again: a case
    # the new result no longer needs is closed with the correction's reason, one it needs is opened,
    # and a case already closed (the problem rectified) is neither closed again nor reopened.
    from fieldapp.publication import operations
    from factories import publication as pf

    finding = {"item": "pledge", "text": "未作出诚信计量承诺", "severity": "minor", "follow_up": "责令改正"}
    wrong, fine, rectified = rf.subject("甲加油站"), rf.subject("乙加油站"), rf.subject("丙加油站")
    subs = []
    for s, code in ((wrong, "A"), (fine, "1"), (rectified, "A")):
        t = rf.task(name=f"{s.name}计量检查")
        v = rf.visit(s, [t], inspectors=[rf.inspector(f"{s.name}甲"), rf.inspector(f"{s.name}乙")])
        problem = {"measures": [ORDER], "findings": [finding]} if code == "A" else {}
        subs.append(rf.submission(v, rf.answers_body([t], result_code=code, **problem)))
    db.session.commit()
    client_request.login("sup", "supervisor", "140602")
    for sub in subs:
        approve(client_request, sub)
    client_request.logout()

    def case_of(subject):
        return db.session.scalar(select(FollowUpCase).where(FollowUpCase.subject_id == subject.id))

    def result_of(subject):
        return db.session.scalar(select(InspectionResult).where(InspectionResult.subject_id == subject.id))

    assert case_of(wrong).status == "open" and case_of(fine) is None
    done = case_of(rectified)
    client_request.login("sup", "supervisor", "140602")
    _close(client_request, done, closed_on="2026-11-20", note="已整改到位")
    client_request.logout()
    sup = pf.supervisor("140602")
    records = operations.publish([result_of(s) for s in (wrong, fine, rectified)], sup)
    db.session.commit()

    reason = "检查结果录入错误，实为未发现问题"
    operations.correct(records[0], sup, reason, result_code="1")
    operations.correct(records[1], sup, "补录：发现问题待后续处理", result_code="A")
    operations.correct(records[2], sup, "复核更正为未发现问题", result_code="1")
    db.session.commit()
    db.session.expire_all()
    closed = case_of(wrong)
    assert (closed.status, closed.closing_note, closed.closed_on) == ("closed", reason, date(2026, 11, 27))
    event = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.object_type == "follow_up_case", AuditEvent.object_id == closed.id, AuditEvent.action == "close"
        )
    )
    assert event.reason == reason and event.to_state == "closed"
    assert case_of(fine).status == "open"
    kept = case_of(rectified)
    assert (kept.status, kept.closing_note, kept.closed_on) == ("closed", "已整改到位", date(2026, 11, 20))
    again = operations.current_version(result_of(rectified).id)
    operations.correct(again, sup, "复核：仍待后续处理", result_code="A")
    db.session.commit()
    assert case_of(rectified).status == "closed"  # a closed case is not reopened
