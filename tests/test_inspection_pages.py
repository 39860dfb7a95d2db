"""The inspector's pages without JavaScript: 我的任务, the visit, the form (and its plain post),
the manifest and the service worker."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from fieldapp.inspections.models import Submission
from fieldapp.plans.models import Plan, PlanKind, Task
from fieldapp.visits.models import VisitTask
from factories.inspection import add_visit, build_world, form_fields, jpeg_bytes, png_bytes, submission_body
from factories.inspection import app_config  # noqa: F401  (fixtures: the test checklists)


@pytest.fixture
def world(app, auth, client_request):
    w = build_world(auth)
    client_request.login("zhang", "inspector", "140602")
    return w


def test_my_visits_groups_and_details(world, client_request, db):
    add_visit(world, name="逾期加油站", window_end=date.today() - timedelta(days=1))
    returned = add_visit(world, name="退回加油站", window_end=date.today() + timedelta(days=5))
    done = add_visit(world, name="已交加油站", window_end=date.today() + timedelta(days=5))
    for visit, state, comment in ((returned, "returned", "请补拍加油机铅封照片"), (done, "submitted", "")):
        db.session.add(
            Submission(
                uuid=f"00000000-0000-4000-8000-00000000000{visit.id}",
                body_sha256="x" * 64,
                visit_id=visit.id,
                body={},
                state=state,
                review_comment=comment,
            )
        )
    db.session.commit()
    page = client_request.get("inspections.my_visits")
    assert page.h1.get_text(strip=True) == "我的任务"
    groups = {s["aria-labelledby"]: s for s in page.select("section.visit-group")}
    assert [a.get_text() for a in groups["group-returned"].select(".visit-card__title a")] == ["退回加油站"]
    assert "请补拍加油机铅封照片" in groups["group-returned"].get_text()
    assert [a.get_text() for a in groups["group-overdue"].select(".visit-card__title a")] == ["逾期加油站"]
    assert [a.get_text() for a in groups["group-due"].select(".visit-card__title a")] == [world.subject.name]
    assert [a.get_text() for a in groups["group-done"].select(".visit-card__title a")] == ["已交加油站"]
    card = groups["group-due"].select_one(".visit-card")
    text = card.get_text(" ", strip=True)
    assert (
        "朔城区" in text and "朔城区开发北路1号" in text and "李协查" in text and "加油站在用计量器具监督检查" in text
    )
    assert card.select_one("[data-offline-toggle]")["data-offline-source"] == client_request.url_for(
        "inspections.api_visit_offline", visit_id=world.visit.id
    )
    # The unsent count is part of every page of the app.
    assert page.select_one("[data-outbox-bar] [data-outbox-count]") is not None


def test_other_inspectors_and_supervisors_do_not_see_the_visit(world, client_request):
    client_request.logout()
    client_request.login("wang", "inspector", "140603")
    client_request.get("inspections.visit", _expected_status=404, visit_id=world.visit.id)
    assert world.subject.name not in client_request.get("inspections.my_visits").get_text()
    client_request.logout()
    client_request.login("boss", "supervisor", "city")
    client_request.get("inspections.my_visits", _expected_status=403)


def test_visit_page_and_starting_it_records_time_and_position(world, client_request, db):
    page = client_request.get("inspections.visit", visit_id=world.visit.id)
    text = page.get_text(" ", strip=True)
    for expected in (
        world.subject.uscc,
        "王五",
        "0349-2020123",
        "李协查",
        "加油站在用计量器具（加油机）监督检查",
        "实地检查",
        "书面检查",
    ):
        assert expected in text
    form = page.select_one("form[data-start-visit]")
    assert form["action"] == client_request.url_for("inspections.start_visit", visit_id=world.visit.id)
    client_request.post(
        "inspections.start_visit",
        _data={"lat": "39.331", "lng": "112.432", "accuracy": "15"},
        _expected_redirect=client_request.url_for("inspections.visit_form", visit_id=world.visit.id),
        visit_id=world.visit.id,
    )
    db.session.refresh(world.visit)
    assert world.visit.started_at is not None
    assert world.visit.start_position == {"lat": 39.331, "lng": 112.432, "accuracy": 15.0}
    assert world.visit.status == "in_progress"


def test_form_renders_the_checklist_for_the_phone(world, client_request):
    page = client_request.get("inspections.visit_form", visit_id=world.visit.id)
    t = world.task.id
    radios = page.select(f'input[name="a.{t}.fuel-dispensers-test.pledge"]')
    assert [r["value"] for r in radios] == ["符合", "不符合", "不适用"]
    number = page.select_one(f'input[name="a.{t}.fuel-dispensers-test.dispenser-0-error_pct"]')
    assert number["data-limit-min"] == "-0.3" and number["data-limit-max"] == "0.3"
    assert page.select_one("[data-checklist-entry]")["data-prefix"] == f"a.{t}.fuel-dispensers-test."
    assert len(page.select("[data-sig] canvas")) == 3
    assert page.select_one('input[name="rep_refused"]') is not None
    assert re.fullmatch(r"[0-9a-f-]{36}", page.select_one('input[name="uuid"]')["value"])
    for label in page.select("label[for]"):
        assert page.find(id=label["for"]) is not None, label["for"]


def test_the_plain_form_post_creates_a_complete_submission(world, client_request, db, app):
    t = world.task.id
    page = client_request.get("inspections.visit_form", visit_id=world.visit.id)
    uuid = page.select_one('input[name="uuid"]')["value"]
    import io

    data = {
        **form_fields(world, uuid, seals="不符合"),
        "check_methods": ["实地检查", "书面检查"],
        f"photo.a.{t}.fuel-dispensers-test.seals": (io.BytesIO(jpeg_bytes(4, (3000, 2000))), "seal.jpg"),
    }
    client_request.post(
        "inspections.submit_form", _data=data, _content_type="multipart/form-data", visit_id=world.visit.id
    )
    submission = db.session.scalar(select(Submission))
    assert submission.uuid == uuid and submission.state == "submitted"
    assert submission.suggested_result == "A" and submission.result_code == "A"
    assert [f["text"]["zh"] for f in submission.body["server_findings"]] == ["加油机铅封损坏"]
    answer_set = submission.body["tasks"][0]["answer_sets"][0]
    assert answer_set["checklist_id"] == "fuel-dispensers-test"
    assert answer_set["answers"]["seals"] == "不符合"
    assert answer_set["answers"]["dispenser"][0]["serial"] == "JJ-001"
    photo = next(m for m in submission.media if m.kind == "photo")
    from PIL import Image

    with Image.open(Path(app.config["MEDIA_ROOT"]) / photo.storage_key) as img:
        assert max(img.size) == 1600 and img.format == "JPEG"
    # Posting the same form again (a double tap) does not make a second record.
    data[f"photo.a.{t}.fuel-dispensers-test.seals"] = (io.BytesIO(jpeg_bytes(4, (3000, 2000))), "seal.jpg")
    data["sigfile.lead.0"] = (io.BytesIO(png_bytes(1)), "lead.png")
    data["sigfile.member.1"] = (io.BytesIO(png_bytes(2)), "member.png")
    client_request.post(
        "inspections.submit_form", _data=data, _content_type="multipart/form-data", visit_id=world.visit.id
    )
    assert len(db.session.scalars(select(Submission)).all()) == 1


def test_the_plain_form_keeps_answers_and_explains_errors(world, client_request, db):
    t = world.task.id
    page = client_request.post(
        "inspections.submit_form",
        _data={
            "uuid": "6a3c3a4e-8a63-4a43-9d55-1d7b7a0c8f11",
            f"a.{t}.fuel-dispensers-test.pledge": "不符合",
            "rep_name": "王五",
        },
        _expected_status=422,
        visit_id=world.visit.id,
    )
    errors = page.select_one("#form-errors").get_text()
    assert "检查方式" in errors and "签字" in errors
    assert page.select_one(f'input[name="a.{t}.fuel-dispensers-test.pledge"][value="不符合"]').has_attr("checked")
    assert page.select_one('input[name="rep_name"]')["value"] == "王五"
    assert db.session.scalar(select(Submission)) is None


def test_manifest_and_service_worker(client, client_request, app):
    manifest = client_request.get_response("inspections.manifest")
    assert manifest.mimetype == "application/manifest+json"
    data = manifest.json
    assert data["display"] == "standalone" and data["start_url"] == "/my/visits" and data["lang"] == "zh-CN"
    assert re.search(r"[\u4e00-\u9fff]", data["name"])
    sizes = {(i["sizes"], i["purpose"]) for i in data["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in data["icons"]:
        assert client.get(icon["src"]).status_code == 200
    sw = client_request.get_response("inspections.service_worker")
    assert sw.mimetype == "text/javascript"
    assert sw.headers["Cache-Control"] == "no-cache"
    body = sw.get_data(as_text=True)
    assert (
        "/static/vendor/workbox/workbox-sw.js" in body
        and "http" not in body.split("*/", 1)[1].split("workbox.setConfig")[0]
    )
    assert '"url": "/offline"' in body or '"url":"/offline"' in body.replace(" ", "")
    assert "/static/js/pwa/outbox.js" in body and "axe.min.js" not in body
    client_request.get("inspections.offline")
    app.config["PWA_VERSION"] = "v-test-2"
    assert 'const VERSION = "v-test-2"' in client_request.get_response("inspections.service_worker").get_data(
        as_text=True
    )


def test_the_service_worker_keeps_every_script_the_phone_pages_name(world, client_request):
    """Offline, the phone has only the service worker's precache: every script the task list, the
    visit and the form name is in it, and every part of the phone app."""
    sw = client_request.get_response("inspections.service_worker").get_data(as_text=True)
    precached = set(re.findall(r'"url":\s*"([^"]+)"', sw))
    named = set()
    for endpoint, args in (
        ("inspections.my_visits", {}),
        ("inspections.visit", {"visit_id": world.visit.id}),
        ("inspections.visit_form", {"visit_id": world.visit.id}),
    ):
        named |= {script["src"] for script in client_request.get(endpoint, **args).select("script[src]")}
    assert {"/static/js/pwa/form-submission.js", "/static/js/pwa/outbox-send.js"} <= named
    assert sorted(named - precached) == []
    parts = {f"/static/js/pwa/{p.name}" for p in (Path(__file__).parent.parent / "static" / "js" / "pwa").glob("*.js")}
    assert len(parts) > 10 and sorted(parts - precached) == []


def test_a_returned_submission_is_corrected_as_a_new_version(world, client_request, db):
    from fieldapp.inspections.models import Submission as S
    from factories.inspection import API_HEADERS

    first = submission_body(world)
    client_request.post_response(
        "inspections.api_create_submission", _json=first, _headers=API_HEADERS, _expected_status=201
    )
    old = db.session.scalar(select(S))
    old.state, old.review_comment = "returned", "请补拍加油机铅封照片"
    db.session.commit()
    page = client_request.get("inspections.visit_form", visit_id=world.visit.id)
    assert "请补拍加油机铅封照片" in page.select_one(".returned-comment").get_text()
    assert page.select_one('input[name="replaces"]')["value"] == first["uuid"]
    second = submission_body(world, replaces=first["uuid"])
    response = client_request.post_response(
        "inspections.api_create_submission", _json=second, _headers=API_HEADERS, _expected_status=201
    )
    assert response.json["version"] == 2
    db.session.expire_all()
    rows = db.session.scalars(select(S).order_by(S.id)).all()
    assert [r.state for r in rows] == ["superseded", "incomplete"] and rows[1].replaces_id == rows[0].id


def test_tasks_of_a_units_two_plans_with_the_same_number_are_told_apart_on_the_phone(world, client_request, db):
    # A unit's own plan and its 部门联合 plan each have a task 3: the list, the visit page and the form say which.
    joint = Plan(
        year=2021,
        unit=world.task.plan.unit,
        title="2021年度部门联合抽查工作计划",
        kind=PlanKind.JOINT,
        document_key="joint",
    )
    other = Task(plan=joint, number=world.task.number, name="成品油质量联合抽查", executes_county=True)
    db.session.add_all([joint, other])
    world.visit.tasks.append(VisitTask(task=other))
    db.session.commit()
    card = client_request.get("inspections.my_visits").select_one(".visit-card")
    assert [t.get_text() for t in card.select(".tag")] == ["3. 加油站在用计量器具监督检查", "联合3. 成品油质量联合抽查"]
    heads = [
        h.get_text(" ", strip=True)
        for h in client_request.get("inspections.visit", visit_id=world.visit.id).select("h3")
    ]
    assert "联合3. 成品油质量联合抽查" in heads and "3. 加油站在用计量器具监督检查" in heads
