"""The office changes a visit while the inspector's finished form waits offline: a task taken off
(a new draw), a task added, a checklist updated. The submission is refused with a reason naming
the task (422: the phone brings the answers back into the draft and shows why), never accepted
with a task's answers silently dropped or read against a checklist version nobody saw."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import func, select

from fieldapp import clock, events
from fieldapp.checklists import checklists_for
from fieldapp.inspectors.models import Inspector
from fieldapp.inspections.checklist_source import form_key
from fieldapp.inspections.models import Submission
from fieldapp.visits.models import Visit, VisitTask
from factories.inspection import API_HEADERS, add_task, submission_body
from factories.inspection import app_config, world  # noqa: F401  (fixtures: the test checklists, the world with zhang signed in)


def post(client, body):
    return client.post("/api/v1/submissions", json=body, headers=dict(API_HEADERS, **{"Idempotency-Key": body["uuid"]}))


def stored(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Submission))


def test_a_task_taken_off_the_visit_while_the_form_waited_is_named_not_dropped(world, client, db):
    marks = add_task(world, number=7, name="集体商标使用行为的检查", item="集体商标使用行为的检查")
    body = submission_body(world, task_ids=[world.task.id, marks.id])
    body["answers"][f"a.{marks.id}.trademarks.use"] = "不符合"
    # A new draw superseded the trademark task's: it leaves the (still planned) visit.
    db.session.delete(db.session.scalar(select(VisitTask).where(VisitTask.task_id == marks.id)))
    db.session.commit()
    response = post(client, body)
    assert response.status_code == 422, response.json
    text = " ".join(response.json["errors"])
    assert "第 7 项任务" in text and "集体商标使用行为的检查" in text and "撤回" in text
    assert stored(db) == 0
    # Sent again from the form as it now is (one task): accepted.
    assert post(client, submission_body(world)).status_code == 201


def test_a_task_added_to_the_visit_while_the_form_waited_is_named(world, client, db):
    body = submission_body(world)
    add_task(world, number=9, name="认证证书使用行为的检查", item="认证证书使用行为的检查")
    response = post(client, body)
    assert response.status_code == 422
    assert any("第 9 项任务" in e and "新增" in e for e in response.json["errors"]), response.json
    assert stored(db) == 0


def test_answers_for_a_checklist_version_the_server_no_longer_has_are_refused(world, client, db):
    [checklist] = checklists_for(world.task, ["加油站"])
    ref = {"task_id": world.task.id, "id": checklist.id}
    old = submission_body(world, checklists=[dict(ref, version=checklist.version - 1)])
    response = post(client, old)
    assert response.status_code == 422
    assert any("第 3 项任务" in e and "新版本" in e for e in response.json["errors"]), response.json
    assert stored(db) == 0
    assert post(client, submission_body(world, checklists=[dict(ref, version=checklist.version)])).status_code == 201


def test_a_visit_the_office_withdrew_says_so_to_its_inspectors_only(world, client, auth, db):
    body = submission_body(world)
    visit_id = world.visit.id
    db.session.scalar(select(VisitTask).where(VisitTask.visit_id == visit_id)).draw_id = 9001
    wang = auth.create("wang", "inspector", "140602", name="王旁观")
    db.session.add(Inspector(name="王旁观", certificate_number="1406029999", unit=wang.unit, user_id=wang.id))
    db.session.commit()
    # A new draw superseded the visit's draw: the (still planned) visit left without a task goes.
    events.draw_superseded.send(SimpleNamespace(id=9001, task_id=world.task.id))
    db.session.commit()
    assert db.session.get(Visit, visit_id) is None
    for inspector in ("zhang", "li"):  # both inspectors who were on the visit
        auth.logout()
        auth.login(inspector, "inspector", "140602")
        response = post(client, dict(body, uuid=submission_body(world)["uuid"]))
        assert response.status_code == 410, response.json
        title = response.json["title"]
        assert "撤回" in title and clock.today().isoformat() in title and "导出" in title, title
        assert response.json["withdrawn_on"] == clock.today().isoformat()
        assert client.get(f"/api/v1/visits/{visit_id}/offline", headers=API_HEADERS).status_code == 410
    assert stored(db) == 0
    # An inspector of the same unit who never was on it learns nothing: the plain 404.
    auth.logout()
    assert auth.login("wang", "inspector", "140602").status_code == 302
    for visit in (visit_id, visit_id + 1000):
        response = post(client, dict(body, visit_id=visit))
        assert response.status_code == 404, response.json
        assert response.json["title"] == "此检查任务不存在或不属于您。"
        assert "withdrawn_on" not in response.json


def test_the_phone_is_told_when_a_visits_form_changed_so_it_fetches_its_kept_copy_again(world, client, db):
    def forms() -> dict:
        response = client.get("/api/v1/visits/state", headers=API_HEADERS)
        assert response.status_code == 200
        return response.json["forms"]

    before = forms()
    assert set(before) == {str(world.visit.id)} and forms() == before
    add_task(world, number=9, name="认证证书使用行为的检查", item="认证证书使用行为的检查")
    added = forms()
    assert added[str(world.visit.id)] != before[str(world.visit.id)]

    # A checklist's new version changes it too (the office refuses answers to the old one).
    def key(version: int) -> str:
        checklist = SimpleNamespace(id="fuel-dispensers-test", version=version)
        return form_key([SimpleNamespace(visit_task=SimpleNamespace(task_id=world.task.id), checklists=[checklist])])

    assert key(1) != key(2) and key(1) == key(1)


def test_a_visit_sent_has_no_form_to_fetch_again(world, client, db):
    assert post(client, submission_body(world)).status_code == 201
    response = client.get("/api/v1/visits/state", headers=API_HEADERS)
    assert response.json["forms"] == {} and response.json["visits"][str(world.visit.id)]["state"] == "incomplete"
