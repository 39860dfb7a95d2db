"""Any submission the server accepts renders: a merged visit sent through the form without
JavaScript and one sent through the API both show on the review page and in the record PDF, each
task with its own result."""

from __future__ import annotations


import pytest
from sqlalchemy import select

from fieldapp.inspections.models import Submission
from checklist_definitions import SCALES
from pdf_reading import pdf_text
from factories.inspection import (
    API_HEADERS,
    add_merged_tasks,
    form_fields,
    build_world,
    jpeg_bytes,
    png_bytes,
    sha,
    submission_body,
)
from factories.inspection import app_config  # noqa: F401  (fixtures: the test checklists)


@pytest.fixture
def world(app, auth, client):
    w = add_merged_tasks(build_world(auth))
    auth.login("zhang", "inspector", "140602")
    return w


def form_post(world, client, client_request):
    t, m, c = world.task.id, world.marks.id, world.certs.id
    page = client_request.get("inspections.visit_form", visit_id=world.visit.id)
    assert page.select_one(f'input[name="no_activity.{c}"]') is not None
    assert page.select_one(f'select[name="result_code.{m}"]') is not None
    data = {
        **form_fields(world, page.select_one('input[name="uuid"]')["value"], seals="不符合"),
        f"a.{m}.marks-test.licensed_use": "符合",
        f"a.{m}.marks-test.licence_until": "",
        f"a.{m}.marks-test.licence_until-na": "不适用",
        f"no_activity.{c}": "1",
        f"follow_up.{t}": ["order", "case"],
    }
    client_request.post(
        "inspections.submit_form", visit_id=world.visit.id, _data=data, _content_type="multipart/form-data"
    )


# The API is called at its own address: that address is its contract with the phone.
def api_post(world, client, client_request):
    files = {"photo": jpeg_bytes(1), "lead": png_bytes(1), "member": png_bytes(2), "rep": png_bytes(3)}
    body = submission_body(world, files)
    body["answers"][f"a.{world.task.id}.fuel-dispensers-test.seals"] = "不符合"
    body["answers"][f"a.{world.marks.id}.marks-test.licensed_use"] = "符合"
    body["answers"][f"a.{world.marks.id}.marks-test.licence_until"] = "不适用"
    body["task_results"] = [
        {"task_id": world.certs.id, "no_activity": True},
        {"task_id": world.task.id, "follow_up_measures": ["order", "case"]},
    ]
    for name in ("result_code", "suggested_result", "override_reason"):
        body.pop(name)
    assert client.post("/api/v1/submissions", json=body, headers=API_HEADERS).status_code == 201
    for data in files.values():
        headers = dict(API_HEADERS, **{"Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"})
        assert (
            client.put(f"/api/v1/submissions/{body['uuid']}/media/{sha(data)}", data=data, headers=headers).status_code
            == 200
        )


@pytest.mark.parametrize("send", [form_post, api_post], ids=["no-javascript form", "api"])
def test_a_merged_submission_renders_on_review_and_in_the_record_pdf(send, world, client, client_request, db, tmp_path):
    send(world, client, client_request)
    sub = db.session.scalar(select(Submission))
    assert sub.state == "submitted"
    client_request.logout()
    client_request.login("shuocheng-sup", "supervisor", "140602")
    page = client_request.get("review.submission", submission_id=sub.id)
    results = {
        int(s["id"].split("-")[1]): s.select_one(".result-code").get_text(strip=True)
        for s in page.select("section.task-answers")
    }
    assert results == {
        world.task.id: "发现问题待后续处理",
        world.marks.id: "未发现问题",
        world.certs.id: "未发现开展本次抽查涉及的经营活动",
    }
    fuel = page.select_one(f"#task-{world.task.id}")
    assert "加油机铅封损坏" in fuel.select_one(".findings").get_text()
    assert "移送办案机构" in fuel.select_one(".follow-up").get_text()
    assert page.select_one(f"#task-{world.marks.id} .findings") is None
    assert "铅封" not in page.select_one(f"#task-{world.marks.id}").get_text()
    # One renderer (the engine's answer rows): outcomes per row, 不适用 shown as such, never a finding.
    rows = {r["data-path"]: r for r in page.select("tr[data-path]")}
    assert rows["seals"]["data-outcome"] == "问题" and "answers__row--finding" in rows["seals"]["class"]
    assert rows["dispenser.1.error_pct"]["data-outcome"] == "合格"
    assert rows["dispenser.1.error_pct"].td.get_text(" ", strip=True) == "0.12 %"
    assert rows["licence_until"]["data-outcome"] == "不适用" and "不适用" in rows["licence_until"].td.get_text()
    assert "answers__row--finding" not in rows["licence_until"]["class"]

    pdf = client_request.get_response("publication.visit_record_pdf", visit_id=world.visit.id)
    assert pdf.mimetype == "application/pdf"
    path = tmp_path / "record.pdf"
    path.write_bytes(pdf.data)
    text = " ".join(pdf_text(path).split())
    assert "加油机铅封损坏" in text and "发现问题待后续处理" in text
    assert "A 发现问题待后续处理" in text and "1 未发现问题" in text
    assert "未发现开展本次抽查涉及的经营活动，本任务的检查项未填写" in text
    assert "商标使用许可有效期至 不适用" in text and "示值误差 0.12 %" in text


def test_review_rows_leave_out_a_section_whose_condition_did_not_hold(app):
    from fieldapp.review.answers import rows_for
    from unittest import mock

    from fieldapp.review.body import AnswerSet

    with mock.patch("fieldapp.review.answers.load_definition", return_value=SCALES):
        rows, title = rows_for(AnswerSet(SCALES["id"], 1, "", {"sells_by_weight": "no"}))
        assert title == "集贸市场计量器具" and [r.label for r in rows] == ["基本情况", "是否称重销售", "结论", "备注"]
        rows, _ = rows_for(AnswerSet(SCALES["id"], 1, "", {"sells_by_weight": "yes", "scale_verified": "符合"}))
        assert [r.label for r in rows] == [
            *("基本情况", "是否称重销售"),
            *("计量器具", "电子秤是否经检定合格", "电子秤照片", "电子秤"),
            *("结论", "备注"),
        ]
