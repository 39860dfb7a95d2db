"""One result per task of a merged visit, from the submission through approval, publication and
every export: a finding in one task never becomes the result of another."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from fieldapp.inspections.models import Submission
from fieldapp.publication import operations as publication
from fieldapp.publication.models import PublishedResult
from fieldapp.review import operations as review
from fieldapp.review.models import FollowUpCase, InspectionResult
from factories.inspection import API_HEADERS, add_merged_tasks, build_world, submission_body
from factories.inspection import app_config  # noqa: F401  (fixtures: the test checklists)


@pytest.fixture
def world(app, auth, client):
    w = add_merged_tasks(build_world(auth))
    auth.login("zhang", "inspector", "140602")
    return w


def merged_body(w, **overrides) -> dict:
    """Fuel task: a broken seal (a finding); marks task: clean; certification task: no such business."""
    body = submission_body(w)
    t, m = w.task.id, w.marks.id
    body["task_ids"] = [t, m, w.certs.id]
    body["answers"][f"a.{t}.fuel-dispensers-test.seals"] = "不符合"
    body["answers"][f"a.{m}.marks-test.licensed_use"] = "符合"
    body.pop("result_code"), body.pop("suggested_result"), body.pop("override_reason")
    body["task_results"] = [{"task_id": w.certs.id, "no_activity": True}]
    body.update(overrides)
    return body


# The API is called at its own address: that address is its contract with the phone.
def send(client, body):
    return client.post("/api/v1/submissions", json=body, headers=API_HEADERS)


def stored_tasks(db) -> dict[int, dict]:
    sub = db.session.scalar(select(Submission).order_by(Submission.id.desc()))
    return {t["task_id"]: t for t in sub.body["tasks"]}


def test_each_task_keeps_its_own_findings_suggestion_and_result(world, client, db):
    response = send(client, merged_body(world))
    assert response.status_code == 201, response.json
    tasks = stored_tasks(db)
    fuel, marks, certs = tasks[world.task.id], tasks[world.marks.id], tasks[world.certs.id]
    assert [f["text"]["zh"] for f in fuel["findings"]] == ["加油机铅封损坏"]
    assert fuel["suggested_result"] == fuel["result_code"] == "A"
    assert fuel["follow_up_measures"] == ["case"]
    assert marks["findings"] == [] and marks["suggested_result"] == marks["result_code"] == "1"
    assert marks["follow_up_measures"] == ["none"]
    assert certs["no_activity"] is True and certs["result_code"] == "F" and certs["findings"] == []


def test_a_task_with_no_such_business_asks_nothing_of_its_checklist(world, client, db):
    body = merged_body(world)
    assert f"a.{world.certs.id}.licences-test.certificate_valid" not in body["answers"]
    assert send(client, body).status_code == 201
    # Without the declaration the same unanswered item is required: the declaration is what lets it pass.
    body = merged_body(world, uuid="0b5a7f1e-2f61-4b3e-9f0e-3c1d2a4b5c6d", task_results=[])
    response = send(client, body)
    assert response.status_code == 422
    assert any("认证证书是否有效" in e for e in response.json["errors"])


def test_a_different_result_needs_a_reason_for_that_task_only(world, client, db):
    choices = [{"task_id": world.marks.id, "result_code": "E"}, {"task_id": world.certs.id, "no_activity": True}]
    response = send(client, merged_body(world, task_results=choices))
    assert response.status_code == 422
    assert len(response.json["errors"]) == 1 and response.json["errors"][0].startswith("第 7 项任务")
    choices[0]["override_reason"] = "当场已规范商标使用"
    assert send(client, merged_body(world, task_results=choices)).status_code == 201
    tasks = stored_tasks(db)
    assert tasks[world.marks.id]["result_code"] == "E"
    assert tasks[world.marks.id]["override_reason"] == "当场已规范商标使用"
    assert tasks[world.task.id]["result_code"] == "A" and tasks[world.task.id]["override_reason"] == ""


def test_a_result_chosen_against_the_answers_takes_no_follow_up_that_contradicts_it(world, client, db, auth):
    """The marks task's answers are clean (suggested: 未发现问题, no follow-up needed) but the inspector
    records 不配合检查情节严重; the fuel task has a finding (待后续处理, 移送) but the inspector records
    未发现问题. Published, each pair would contradict itself: 不配合 beside "无需后续处置", 未发现问题
    beside 已移送办案机构."""
    obstructed = {"task_id": world.marks.id, "result_code": "8", "override_reason": "负责人拒绝提供台账"}
    cleared = {"task_id": world.task.id, "result_code": "1", "override_reason": "铅封系检定机构当场更换"}
    no_activity = {"task_id": world.certs.id, "no_activity": True}

    # Chosen by the inspector, a contradicting measure is refused, for its task only and named.
    choices = [dict(obstructed, follow_up_measures=["none"]), no_activity]
    [error] = send(client, merged_body(world, task_results=choices)).json["errors"]
    assert error.startswith("第 7 项任务") and "无需后续处置" in error, error
    choices = [dict(cleared, follow_up_measures=["order"]), no_activity]
    [error] = send(client, merged_body(world, task_results=choices)).json["errors"]
    assert "未发现问题" in error and "责令改正" in error, error

    # Left as suggested, the measures lose what the chosen result contradicts: 未发现问题 over the
    # finding needs no follow-up; 不配合 over clean answers claims none.
    assert send(client, merged_body(world, task_results=[obstructed, cleared, no_activity])).status_code == 201
    tasks = stored_tasks(db)
    assert (tasks[world.marks.id]["result_code"], tasks[world.marks.id]["follow_up_measures"]) == ("8", [])
    assert (tasks[world.task.id]["result_code"], tasks[world.task.id]["follow_up_measures"]) == ("1", ["none"])
    results = {r.task_id: r for r in _approve_and_publish(world, client, db, auth, sent=True)}
    marks, fuel = results[world.marks.id], results[world.task.id]
    assert (marks.result_code, marks.follow_up_measures) == ("8", [])
    assert fuel.result_code == "1" and fuel.follow_up_measures == ["未发现问题或相关问题已规范、已改正，无需后续处置"]
    records = {r.task_id: r for r in db.session.scalars(select(PublishedResult))}
    assert records[world.marks.id].follow_up_public == ""
    assert records[world.task.id].follow_up_public == "未发现问题或相关问题已改正，无需后续处置"


def test_an_older_phone_body_without_task_results_gives_each_task_its_own(world, client, db):
    body = merged_body(world, result_code="A", suggested_result="A", override_reason="")
    body["answers"][f"a.{world.certs.id}.licences-test.certificate_valid"] = "符合"
    del body["task_results"]
    assert send(client, body).status_code == 201
    tasks = stored_tasks(db)
    assert tasks[world.task.id]["result_code"] == "A"
    assert tasks[world.marks.id]["result_code"] == "1" and tasks[world.certs.id]["result_code"] == "1"


def _approve_and_publish(world, client, db, auth, body=None, sent=False):
    assert sent or send(client, body or merged_body(world)).status_code == 201
    sub = db.session.scalar(select(Submission))
    sub.state = "submitted"
    db.session.commit()
    supervisor = auth.create("shuocheng-sup", "supervisor", "140602")
    results = review.approve(sub.id, sub.lock_version, supervisor)
    publication.publish(results, supervisor)
    db.session.commit()
    return results


def test_approval_publication_and_exports_carry_each_tasks_result(world, client, client_request, db, auth):
    _approve_and_publish(world, client, db, auth)
    by_task = {r.task_id: r for r in db.session.scalars(select(InspectionResult))}
    assert by_task[world.task.id].result_code == "A"
    assert by_task[world.marks.id].result_code == "1"
    assert by_task[world.certs.id].result_code == "F"
    assert by_task[world.marks.id].follow_up_measures == ["未发现问题或相关问题已规范、已改正，无需后续处置"]
    cases = db.session.scalars(select(FollowUpCase)).all()
    assert [c.result_id for c in cases] == [by_task[world.task.id].id]

    records = {r.task_name: r for r in db.session.scalars(select(PublishedResult))}
    assert records[world.task.name].result_label == "发现问题待后续处理"
    assert records[world.marks.name].result_label == "未发现问题"
    assert records[world.certs.name].result_label == "未发现开展本次抽查涉及的经营活动"
    for name, record in records.items():
        page = client_request.get("publication.public_record", public_id=record.public_id)
        assert page.select_one('[data-field="task_name"]').get_text(strip=True) == name
        assert page.select_one('[data-field="result_label"]').get_text(strip=True) == record.result_label

    open_csv = client_request.get_response("publication.open_data_csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(open_csv.lstrip("\ufeff"))))
    assert {r["抽查任务"]: r["检查结果"] for r in rows} == {n: r.result_label for n, r in records.items()}
    data = client_request.get_response("publication.open_data_json").json["results"]
    assert {r["task_name"]: r["result"] for r in data} == {n: r.result_label for n, r in records.items()}

    client_request.logout()
    client_request.login("shuocheng-sup", "supervisor", "140602")
    job_page = client_request.post("publication.export_xlsx", _follow_redirects=True)
    [link] = [a for a in job_page.select("a[href]") if a["href"].endswith("/files/national-upload-all.xlsx")]
    job_id = int(link["href"].split("/")[2])
    download = {"endpoint": "jobs.download", "job_id": job_id, "name": "national-upload-all.xlsx"}
    assert link["href"] == client_request.url_for(**download)
    sheet = load_workbook(io.BytesIO(client_request.get_response(**download).data)).active
    header = [c.value for c in sheet[1]]
    lines = [dict(zip(header, (c.value for c in row))) for row in sheet.iter_rows(min_row=2)]
    assert len(lines) == 3
    assert {line["任务名称"]: line["检查结果"] for line in lines} == {n: r.result_label for n, r in records.items()}


def test_an_approved_visit_takes_no_new_first_version(world, client, db, auth):
    first = merged_body(world)
    _approve_and_publish(world, client, db, auth, first)
    # The same submission sent again (a lost response) is still the same record.
    assert send(client, first).status_code == 200
    response = send(client, merged_body(world, uuid="5f0c6a52-8d1b-4c1e-9a47-0e2b8f3d6c11"))
    assert response.status_code == 409
    assert "更正" in response.json["title"]
    assert db.session.query(Submission).count() == 1


def test_client_ids_are_compared_without_case(world, client, db):
    body = merged_body(world)
    body["uuid"] = body["uuid"].upper()
    assert send(client, body).status_code == 201
    sub = db.session.scalar(select(Submission))
    assert sub.uuid == body["uuid"].lower()
    again = send(client, dict(body, uuid=body["uuid"].lower()))
    assert again.status_code == 200 and again.json["id"] == sub.id
    assert client.get(f"/api/v1/submissions/{body['uuid']}", headers=API_HEADERS).json["id"] == sub.id
    assert db.session.query(Submission).count() == 1


def test_the_result_table_holds_every_national_category(app):
    from fieldapp.checklists.results import result_table

    table = result_table()
    national = {"1", "A", "2", "B", "C", "6", "D", "3", "4", "5", "G", "E", "F", "7", "8", "9", "10", "11", "12"}
    assert national <= set(table.categories)
    assert table.categories["F"].label.zh == "未发现开展本次抽查涉及的经营活动"
    assert table.categories["6"].parent == "2" and table.categories["2"].parent == "A"
