"""Acceptance on a phone (Playwright, Debian's Chromium): the office takes a task off the visit
(a new draw) while the inspector's finished form waits to be sent. The phone is told why, in zh-CN,
the answers come back into the draft — the taken-off task's too, kept through later edits though
the form no longer shows them — and once the office puts the task back they are on the form again
and arrive with the rest. Nothing is accepted with a task's answers silently dropped."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import select

import phone_app as pwa
from fieldapp import clock, events
from fieldapp.extensions import db as _db
from fieldapp.inspections.models import Submission
from fieldapp.visits.models import Visit, VisitTask
from factories.inspection import add_task, app_config  # noqa: F401  (fixtures: the test checklists)
from phone_app import phone, phone_page, photo, world  # noqa: F401  (fixtures: the phone, its page, a photo, the world)

pytestmark = pytest.mark.browser


def marks_answer(world) -> str:
    return f"a.{world.marks.id}.marks-test.licensed_use"


def take_off(world) -> None:
    _db.session.delete(_db.session.scalar(select(VisitTask).where(VisitTask.task_id == world.marks.id)))
    _db.session.commit()


def put_back(world) -> None:
    world.visit.tasks.append(VisitTask(task=world.marks))
    _db.session.commit()


def test_a_task_taken_off_while_the_form_waits_is_named_and_its_answers_kept(
    world, live_server, phone_page, photo, app
):
    world.marks = add_task(world, number=7, name="集体商标使用行为的检查", item="集体商标、证明商标使用行为的检查")
    page = phone_page
    live_server.sign_in(page, "zhang")
    form = live_server.url_for("inspections.visit_form", visit_id=world.visit.id)
    page.goto(form)
    pwa.fill(page, world, photo)
    page.locator(f'input[name="{marks_answer(world)}"][value="不符合"]').check()
    page.wait_for_timeout(300)
    take_off(world)
    pwa.submit(page, live_server)
    pwa.poll(lambda: page.evaluate("() => FieldappStore.listOutbox().then(x => x.length)") == 0)
    assert _db.session.scalars(select(Submission)).all() == []

    # Back on the form (as the office now has it): why, in Chinese, with every answer kept.
    page.goto(form)
    page.wait_for_selector("form[data-ready=true]")
    errors = page.locator("[data-form-errors]").inner_text()
    assert "第 7 项任务" in errors and "撤回" in errors
    assert page.locator(f'input[name="{marks_answer(world)}"]').count() == 0
    serial = f'input[name="a.{world.task.id}.fuel-dispensers-test.dispenser-0-serial"]'
    assert page.input_value(serial) == "JJ-2019-001"
    page.fill(serial, "JJ-2019-009")  # an edit saves the draft again
    pwa.poll(lambda: pwa.draft(page, world.visit.id)["fields"].get(serial[12:-2]) == "JJ-2019-009")
    assert pwa.draft(page, world.visit.id)["fields"][marks_answer(world)] == "不符合"

    # The office puts the task back: its answer is on the form again and goes with the rest.
    put_back(world)
    page.goto(form)
    page.wait_for_selector("form[data-ready=true]")
    assert page.locator(f'input[name="{marks_answer(world)}"][value="不符合"]').is_checked()
    pwa.submit(page, live_server)
    [submission] = pwa.wait_for_complete(app, page)
    sent = {t["task_id"]: t["answer_sets"][0]["answers"] for t in submission.body["tasks"]}
    assert sent[world.marks.id]["licensed_use"] == "不符合"
    assert sent[world.task.id]["dispenser"][0]["serial"] == "JJ-2019-009"


def test_a_visit_withdrawn_while_the_form_waits_says_when_and_keeps_the_work(
    world, live_server, phone_page, photo, tmp_path
):
    """A new draw supersedes the visit's: the phone says the office withdrew it on which day, not
    that it never was the inspector's, and the work stays on the phone to be exported."""
    page = phone_page
    visit_id = world.visit.id
    _db.session.scalar(select(VisitTask).where(VisitTask.visit_id == visit_id)).draw_id = 9002
    _db.session.commit()
    live_server.sign_in(page, "zhang")
    page.goto(live_server.url_for("inspections.visit_form", visit_id=visit_id))
    pwa.fill(page, world, photo)
    events.draw_superseded.send(SimpleNamespace(id=9002, task_id=world.task.id))
    _db.session.commit()
    assert _db.session.get(Visit, visit_id) is None
    pwa.submit(page, live_server)
    page.wait_for_selector("[data-outbox-stuck-list] [data-stuck-item]")
    text = page.locator("[data-outbox-stuck-list] [data-stuck-item]").inner_text()
    assert "撤回" in text and clock.today().isoformat() in text and "不属于您" not in text, text
    with page.expect_download() as download:
        page.click("[data-stuck-export]")
    path = Path(tmp_path) / "export.json"
    download.value.save_as(path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["submission"]["visit_id"] == visit_id and "撤回" in doc["refused_because"]
    assert len(doc["files"]) == 4


def test_a_task_added_overnight_is_on_the_form_kept_offline_once_the_list_was_seen_with_signal(
    world, live_server, phone, phone_page
):
    """The evening before, the visit is kept for offline use; overnight the office adds a task.
    In the morning the inspector only opens the list with signal, then fills the form at the site
    without signal: the kept form has the added task (before, it was the evening's form, and the
    office refused the work as answering a form it had since changed)."""
    page = phone_page
    live_server.sign_in(page, "zhang")
    my_visits = live_server.url_for("inspections.my_visits")
    page.goto(my_visits)
    pwa.wait_for_sw(page)
    page.wait_for_selector("html[data-app-ready]", state="attached")
    page.locator(f'[data-offline-toggle][data-visit-id="{world.visit.id}"]').click()
    page.wait_for_function(
        f"() => document.querySelector('[data-offline-state=\"{world.visit.id}\"]').textContent.includes('可离线使用')"
    )
    page.goto(my_visits)  # the visit's state as the office has it, noted with the kept copy
    page.wait_for_selector("html[data-visit-states-fresh]", state="attached")

    world.marks = add_task(world, number=7, name="集体商标使用行为的检查", item="集体商标、证明商标使用行为的检查")
    page.goto(my_visits)
    page.wait_for_selector("html[data-visit-states-fresh]", state="attached")
    phone.set_offline(True)
    page.goto(live_server.url_for("inspections.visit_form", visit_id=world.visit.id))
    page.wait_for_selector("form[data-ready=true]")
    assert page.locator(f'input[name="{marks_answer(world)}"]').count() > 0
