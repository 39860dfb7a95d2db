"""Acceptance on a phone (Playwright, Debian's Chromium, service worker on): one visit, one line
of versions. A second offline send of a visit asks before replacing the queued one; a returned
visit corrected offline arrives as the next version, replacing the returned one."""

from __future__ import annotations

import pytest
from sqlalchemy import select

import phone_app as pwa
from phone_app import phone, phone_page, photo, world  # noqa: F401  (fixtures: the phone, its page, a photo, the world)
from fieldapp.extensions import db as _db
from fieldapp.inspections.models import Submission
from factories.inspection import app_config  # noqa: F401  (fixtures: the test checklists)

pytestmark = pytest.mark.browser


def keep_offline(page, live_server, visit_id):
    page.goto(live_server.url_for("inspections.my_visits"))
    pwa.wait_for_sw(page)
    page.wait_for_selector("html[data-app-ready]", state="attached")
    page.locator(f'[data-offline-toggle][data-visit-id="{visit_id}"]').click()
    page.wait_for_function(
        f"() => document.querySelector('[data-offline-state=\"{visit_id}\"]').textContent.includes('可离线使用')"
    )


def blob_count(page) -> int:
    return page.evaluate("() => FieldappStore.open().then(db => db.count('blobs'))")


def test_a_second_offline_send_asks_and_replaces_the_queued_one(world, live_server, phone, phone_page, photo, app):
    page = phone_page
    live_server.sign_in(page, "zhang")
    keep_offline(page, live_server, world.visit.id)
    phone.set_offline(True)
    form_url = live_server.url_for("inspections.visit_form", visit_id=world.visit.id)
    page.goto(form_url)
    pwa.fill(page, world, photo)
    pwa.submit(page, live_server)
    page.wait_for_function("() => document.querySelector('[data-outbox-count]').textContent === '1'")
    first = page.evaluate("FieldappStore.listOutbox().then(x => x[0].uuid)")

    # The kept copy of the form is opened again and sent again: the phone asks first.
    page.goto(form_url)
    pwa.fill(page, world, photo)
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    pwa.submit(page, live_server)
    assert asked and "替换" in asked[0]
    items = page.evaluate("FieldappStore.listOutbox().then(x => x.map(i => ({uuid: i.uuid, blobs: i.blobIds.length})))")
    assert len(items) == 1 and items[0]["uuid"] != first
    assert blob_count(page) == items[0]["blobs"]  # the replaced one's photo and signatures are gone

    phone.set_offline(False)
    [submission] = pwa.wait_for_complete(app, page)
    assert submission.uuid == items[0]["uuid"] and submission.version == 1
    page.wait_for_function("() => document.querySelector('[data-outbox-count]').textContent === '0'")
    pwa.poll(lambda: blob_count(page) == 0)
    assert len(_db.session.scalars(select(Submission)).all()) == 1


def test_a_returned_visit_corrected_offline_arrives_as_version_2(
    world, live_server, phone, phone_page, photo, app, auth
):
    from fieldapp.review.operations import return_to_inspector

    page = phone_page
    live_server.sign_in(page, "zhang")
    keep_offline(page, live_server, world.visit.id)
    form_url = live_server.url_for("inspections.visit_form", visit_id=world.visit.id)
    page.goto(form_url)
    pwa.fill(page, world, photo)
    pwa.submit(page, live_server)
    [first] = pwa.wait_for_complete(app, page)
    page.goto(form_url)  # sent and waiting for review: nothing more to send
    assert page.locator("[data-visit-closed]").count() == 1 and page.locator("[data-submit-visit]").count() == 0

    supervisor = auth.create("county-supervisor", "supervisor", "140602")
    return_to_inspector(first.id, first.lock_version, supervisor, "加油机编号写错了，请核对")
    _db.session.commit()

    # With signal, the task list learns of the return and refreshes the kept copy of the form.
    page.goto(live_server.url_for("inspections.my_visits"))
    page.wait_for_selector("html[data-visit-states-fresh]", state="attached")
    phone.set_offline(True)
    page.goto(form_url)
    page.wait_for_selector("form[data-ready=true]")
    assert "加油机编号写错了" in page.locator(".returned-comment").inner_text()
    t = world.task.id
    serial = f'input[name="a.{t}.fuel-dispensers-test.dispenser-0-serial"]'
    assert page.input_value(serial) == "JJ-2019-001"  # the previous answers
    assert page.locator(f'input[name="a.{t}.fuel-dispensers-test.pledge"][value="符合"]').is_checked()
    page.fill(serial, "JJ-2019-002")
    pwa.sign(page, "lead.0")
    pwa.sign(page, "member.1", dx=5)
    pwa.sign(page, "representative", dx=9)
    pwa.poll(lambda: (pwa.draft(page, world.visit.id) or {}).get("signatures") == 3)
    pwa.submit(page, live_server)
    page.wait_for_function("() => document.querySelector('[data-outbox-count]').textContent === '1'")

    phone.set_offline(False)
    rows = []
    deadline = 60
    while deadline:
        _db.session.expire_all()
        rows = _db.session.scalars(select(Submission).order_by(Submission.version)).all()
        _db.session.rollback()
        if len(rows) == 2 and rows[1].state == "submitted":
            break
        page.wait_for_timeout(500)
        deadline -= 1
    assert [r.version for r in rows] == [1, 2]
    assert rows[1].replaces_id == rows[0].id and rows[0].state == "superseded"
    answers = rows[1].body["tasks"][0]["answer_sets"][0]["answers"]
    assert answers["dispenser"][0]["serial"] == "JJ-2019-002"


# The kept copy as a version from before form.js and outbox.js were split in parts wrote it: the
# parts' script tags taken out. Answers how many were taken out.
AS_AN_EARLIER_VERSION = r"""async (path) => {
    const cache = await caches.open(FieldappUtil.visitsCache());
    const kept = await cache.match(path, { ignoreVary: true });
    const part = /\s*<script [^>]*js\/pwa\/(form|outbox)-(draft|photos|signatures|results|submission|requests|send|bar)\.js[^>]*><\/script>/g;
    const html = await kept.text();
    await cache.put(path, new Response(html.replace(part, ""), { headers: kept.headers }));
    return (html.match(part) || []).length;
}"""


def test_a_form_kept_by_an_earlier_version_loads_the_parts_it_does_not_name(
    world, live_server, phone, phone_page, photo, app
):
    """Offline, a kept form that names form.js and outbox.js alone loads their parts from the service
    worker: the form fills, goes to the outbox (the bar counts it) and is sent once there is signal."""
    page = phone_page
    live_server.sign_in(page, "zhang")
    keep_offline(page, live_server, world.visit.id)
    form_url = live_server.url_for("inspections.visit_form", visit_id=world.visit.id)
    assert page.evaluate(AS_AN_EARLIER_VERSION, form_url.removeprefix(live_server.url)) == 8

    phone.set_offline(True)
    page.goto(form_url)
    assert page.locator("script[src$='form-draft.js']").get_attribute("defer") is None  # loaded by form.js
    page.wait_for_selector("[data-outbox-bar][data-outbox-waiting='0']", state="attached")
    pwa.fill(page, world, photo)
    pwa.submit(page, live_server)
    page.wait_for_function("() => document.querySelector('[data-outbox-count]').textContent === '1'")

    phone.set_offline(False)
    [submission] = pwa.wait_for_complete(app, page)
    assert submission.visit_id == world.visit.id
    assert sorted(m.kind for m in submission.media) == ["photo", "signature", "signature", "signature"]
    assert [e for e in page.errors if "Uncaught" in e or "TypeError" in e] == []


def test_a_send_whose_answer_was_lost_is_not_replaced_behind_the_offices_back(
    world, live_server, phone, phone_page, photo, app
):
    # The body reaches the office but its answer never comes back (a request timed out after the
    # server took it), then the signal goes: the form kept for offline use must not throw that
    # submission away for a second one — the office would keep the first without its photos and
    # refuse the second.
    page = phone_page
    live_server.sign_in(page, "zhang")
    keep_offline(page, live_server, world.visit.id)
    taken = []

    def answer_lost(route):
        taken.append(route.fetch().status)
        route.abort("timedout")

    page.context.route("**/api/v1/submissions", answer_lost)  # the service worker's requests too
    # The signal goes before the list can ask the office what became of the visit: had it asked, the
    # kept form would be fetched again, saying the visit was sent, with nothing left to send (a race
    # with going offline below that failed this test in CI).
    page.context.route("**/api/v1/visits/state", lambda route: route.abort("internetdisconnected"))
    form_url = live_server.url_for("inspections.visit_form", visit_id=world.visit.id)
    page.goto(form_url)
    pwa.fill(page, world, photo)
    pwa.submit(page, live_server)
    outbox = "FieldappStore.listOutbox().then(x => x.map(i => i.uuid))"
    pwa.poll(lambda: page.evaluate(outbox) and bool(taken))  # route handlers run inside Playwright calls
    [first] = page.evaluate(outbox)
    assert taken[0] == 201 and [s.uuid for s in _db.session.scalars(select(Submission))] == [first]
    _db.session.rollback()

    # Without signal, the kept form is filled and sent again: the phone cannot ask the office, so
    # it keeps the first (it may have arrived) and says so.
    phone.set_offline(True)
    page.goto(form_url)
    pwa.fill(page, world, photo)
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("[data-submit-visit]")
    page.wait_for_selector("[data-form-errors]:not([hidden])")
    assert "正在发送到单位" in page.locator("[data-form-errors]").inner_text()
    assert page.evaluate(outbox) == [first]

    # The signal is good again: the first arrives whole, once.
    page.context.unroute("**/api/v1/submissions")
    page.context.unroute("**/api/v1/visits/state")
    phone.set_offline(False)
    page.goto(live_server.url_for("inspections.my_visits"))
    [submission] = pwa.wait_for_complete(app, page)
    assert submission.uuid == first and len(submission.media) == 4
