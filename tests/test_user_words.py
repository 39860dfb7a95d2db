"""What the browser audit of the supervisor's and the citizen's pages found: words meant for the code
(a finding's severity as stored, ``major``) shown to users, in either language, on screen and on paper."""

from __future__ import annotations

from datetime import date

import pytest

from factories import publication as pf
from factories import review as rf
from fieldapp.inspectors.models import InspectorCategory, InspectorStatus
from fieldapp.inspectors.operations import change_inspector
from fieldapp.publication import operations as publication
from pdf_reading import pdf_text

pytestmark = pytest.mark.usefixtures("frozen_clock")

FINDINGS = [
    {"item": "seal", "text": "加油机铅封损坏", "severity": "serious", "follow_up": "立案调查", "result": "A"},
    {"item": "cert", "text": "检定证书过期", "severity": "major", "follow_up": "责令改正", "result": "A"},
]


@pytest.mark.parametrize(("language", "serious", "major"), [("zh_CN", "严重", "较重"), ("en", "serious", "major")])
def test_a_findings_severity_is_a_word_of_the_pages_language(client_request, db, language, serious, major):
    _, subject, _, sub = rf.scenario(result_code="A", findings=FINDINGS)
    client_request.login("sup", "supervisor", "140602")
    client_request.post("core.set_language", _data={"lang": language, "next": "/"}, _expected_redirect="/")
    badges = client_request.get("review.submission", submission_id=sub.id).select(".findings .badge")
    assert [b.get_text() for b in badges] == [serious, major]
    client_request.post(
        "review.decide_submission", _data={"lock_version": sub.lock_version}, submission_id=sub.id, decision="approve"
    )
    history = client_request.get("review.subject_findings", subject_id=subject.id)
    assert [b.get_text() for b in history.select("#subject-findings .badge")] == [serious, major]


def test_the_printed_record_names_each_severity_in_chinese(client_request, db, tmp_path):
    _, _, visit, _ = rf.scenario(result_code="A", findings=FINDINGS)
    client_request.login("sup", "supervisor", "140602")
    client_request.post("core.set_language", _data={"lang": "en", "next": "/"}, _expected_redirect="/")
    path = tmp_path / "record.pdf"
    path.write_bytes(client_request.get_response("publication.visit_record_pdf", visit_id=visit.id).data)
    text = " ".join(pdf_text(path).split())
    assert "加油机铅封损坏 严重" in text and "检定证书过期 较重" in text
    assert "serious" not in text and "major" not in text


@pytest.mark.parametrize(
    ("language", "statuses", "change"),
    [
        (
            "zh_CN",
            ["在岗", "调离", "退休", "停职"],
            ["状态", "在岗", "调离", "人员类别", "执法人员", "辅助人员（专家或第三方）"],
        ),
        (
            "en",
            ["On duty", "Transferred", "Retired", "Suspended"],
            [
                "Status",
                "On duty",
                "Transferred",
                "Category",
                "Law-enforcement inspector",
                "Assistant (expert or third party)",
            ],
        ),
    ],
)
def test_the_roster_says_statuses_and_categories_in_the_pages_language(client_request, db, language, statuses, change):
    wang = rf.inspector("王五")
    db.session.commit()
    change_inspector(wang, date(2021, 7, 1), status=InspectorStatus.TRANSFERRED, category=InspectorCategory.ASSISTANT)
    db.session.commit()
    client_request.login("sup", "supervisor", "140602")
    client_request.post("core.set_language", _data={"lang": language, "next": "/"}, _expected_redirect="/")
    roster = client_request.get("inspectors.index")
    assert [o.get_text() for o in roster.select("#roster-status option")][1:] == statuses
    assert statuses[1] in roster.select_one(f'[data-inspector="{wang.id}"]').get_text()
    page = client_request.get("inspectors.detail", inspector_id=wang.id)
    history = [
        [td.get_text() for td in page.select(f"#history tr[data-field={f}] td")][1:4] for f in ("status", "category")
    ]
    assert history == [change[:3], change[3:]]
    edit = client_request.get("inspectors.edit", inspector_id=wang.id)
    assert [o.get_text() for o in edit.select("select[name=status] option")] == statuses


@pytest.mark.parametrize(("language", "words"), [("zh_CN", "发现问题待后续处理"), ("en", "Problem found")])
def test_staff_pages_say_the_result_in_the_pages_language(client_request, db, language, words):
    """An English page said the waiting results in Chinese beside the published ones in English."""
    _, subject, _, sub = rf.scenario(result_code="A", findings=FINDINGS)
    client_request.login("sup", "supervisor", "140602")
    client_request.post("core.set_language", _data={"lang": language, "next": "/"}, _expected_redirect="/")
    assert client_request.get("review.submission", submission_id=sub.id).select_one(".result-code").get_text() == words
    client_request.post(
        "review.decide_submission", _data={"lock_version": sub.lock_version}, submission_id=sub.id, decision="approve"
    )
    waiting = client_request.get("publication.index").select_one(".publish-form td[data-label] + td + td + td + td")
    assert waiting.get_text(strip=True) == words
    history = client_request.get("review.subject_findings", subject_id=subject.id)
    assert history.select("#subject-findings td")[4].get_text() == words


@pytest.mark.parametrize(
    ("language", "kind", "count"),
    [("zh_CN", "定向", "已公示 1 条结果"), ("en", "Targeted (定向)", "1 published result")],
)
def test_a_citizen_reads_the_type_of_check_in_the_pages_language(client_request, db, language, kind, count):
    """An English page said 定向 alone, and '1 published results'."""
    record = publication.publish([pf.approved_result()], pf.supervisor("140602"), on=date(2021, 9, 1))[0]
    db.session.commit()
    client_request.post("core.set_language", _data={"lang": language, "next": "/"}, _expected_redirect="/")
    page = client_request.get("publication.public_record", public_id=record.public_id)
    assert page.select_one('[data-field="task_kind"]').get_text() == kind
    found = client_request.get("publication.public_results", q=record.subject_ident)
    assert kind in found.select_one(".result-card__meta").get_text()
    notice = client_request.get("publication.public_task", task_id=record.task_id)
    assert (
        kind in notice.select_one("main p.muted").get_text() and count in notice.select_one("main p.muted").get_text()
    )
