"""Acceptance on a phone (Playwright, Debian's Chromium, service worker on): one phone shared by two
inspectors. Inspector A queues a visit without signal and logs out; inspector B logs in on the same
phone. B never sees or sends A's work, nor A's visits kept for offline use; A's work stays on the
phone and is sent when A logs in again. Logging out without signal is refused and deletes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

import phone_app as pwa
from fieldapp.extensions import db as _db
from fieldapp.inspections.models import Submission
from factories.inspection import app_config  # noqa: F401  (fixture: the test checklists)
from phone_app import phone, phone_page, photo, world  # noqa: F401  (fixtures: the phone, its page, a photo, the world)

pytestmark = pytest.mark.browser

OUTBOX_EMPTY = "() => document.querySelector('[data-outbox-count]').textContent === '0'"
KEPT_LIST_IS_MINE = """() => caches.open(FieldappUtil.visitsCache())
    .then(c => c.match(FieldappUtil.meta('fieldapp-my-visits'), {ignoreVary: true}))
    .then(r => r ? r.text() : '')
    .then(t => t.includes('<meta name="fieldapp-user" content="' + FieldappUtil.userId() + '">'))"""
OUTBOX_ONE = "() => document.querySelector('[data-outbox-count]').textContent === '1'"


def submissions() -> int:
    _db.session.expire_all()
    count = len(_db.session.scalars(select(Submission)).all())
    _db.session.rollback()
    return count


def queue_offline(page, phone, live_server, world, photo) -> None:
    """A signs in, keeps the visit for offline use, fills and submits it without signal."""
    live_server.sign_in(page, "zhang")
    page.goto(live_server.url_for("inspections.my_visits"))
    pwa.wait_for_sw(page)
    page.wait_for_selector("html[data-app-ready]", state="attached")
    page.locator(f'[data-offline-toggle][data-visit-id="{world.visit.id}"]').click()
    page.wait_for_function(
        f"() => document.querySelector('[data-offline-state=\"{world.visit.id}\"]').textContent.includes('可离线使用')"
    )
    phone.set_offline(True)
    page.goto(live_server.url_for("inspections.visit_form", visit_id=world.visit.id))
    pwa.fill(page, world, photo)
    pwa.submit(page, live_server)
    page.wait_for_function(OUTBOX_ONE)


def asked_questions(page) -> list[str]:
    """Every question the page asks (confirm, alert) is answered yes and kept here."""
    asked: list[str] = []

    def accept(dialog):
        asked.append(dialog.message)
        dialog.accept()

    page.on("dialog", accept)
    return asked


def test_a_shared_phone_keeps_each_inspectors_work_to_themselves_and_sends_it_when_they_return(
    world, auth, live_server, phone, phone_page, photo, app
):
    auth.create("wang", "inspector", "140602", name="王检查")  # B: not on A's visit
    page = phone_page
    asked = asked_questions(page)
    queue_offline(page, phone, live_server, world, photo)

    # Without signal, logging out cannot reach the office: it says so, and nothing is deleted.
    page.click("[data-logout-form] button")
    notice = page.locator("[data-logout-offline]")
    notice.wait_for(state="visible")
    assert "信号" in notice.inner_text()
    assert page.url == live_server.url_for("inspections.my_visits")
    assert page.evaluate("() => FieldappStore.listOutbox().then(x => x.length)") == 1

    # Signal again, but the office cannot take submissions yet: A logs out with the work queued.
    phone.route("**/api/v1/submissions**", lambda route: route.fulfill(status=503, body="busy"))
    phone.set_offline(False)
    page.reload()
    page.wait_for_selector("html[data-app-ready]", state="attached")
    page.wait_for_function(OUTBOX_ONE)
    page.click("[data-logout-form] button")
    page.wait_for_url(live_server.url_for("core.index"))
    assert all("删除" not in question for question in asked), asked
    phone.unroute("**/api/v1/submissions**")

    # B on the same phone: nothing of A's to see, to open without signal, or to send.
    live_server.sign_in(page, "wang")
    page.goto(live_server.url_for("inspections.my_visits"))
    page.wait_for_selector("html[data-app-ready]", state="attached")
    page.wait_for_function(OUTBOX_EMPTY)
    assert page.evaluate("() => FieldappStore.listOutbox().then(x => x.length)") == 0
    page.evaluate("() => FieldappOutbox.flush(true)")
    assert submissions() == 0
    phone.set_offline(True)
    for endpoint in ("inspections.visit", "inspections.visit_form"):
        page.goto(live_server.url_for(endpoint, visit_id=world.visit.id))
        assert world.subject.name not in page.content(), endpoint
    phone.set_offline(False)
    page.goto(live_server.url_for("inspections.my_visits"))
    page.wait_for_selector("html[data-app-ready]", state="attached")
    page.click("[data-logout-form] button")
    page.wait_for_url(live_server.url_for("core.index"))

    # A again: the work that waited is sent, once, by A, and the visit is still kept for offline use.
    live_server.sign_in(page, "zhang")
    page.goto(live_server.url_for("inspections.my_visits"))
    [submission] = pwa.wait_for_complete(app, page)
    assert submission.submitted_by_id == world.lead_user.id and len(submission.media) == 4
    page.wait_for_function(OUTBOX_EMPTY)
    assert "可离线使用" in page.locator(f'[data-offline-state="{world.visit.id}"]').inner_text()


def test_an_inspector_logged_out_by_the_office_leaves_nothing_the_next_one_can_open_or_send(
    world, auth, live_server, phone, phone_page, photo, app
):
    """A's password is changed at the office while A's work waits (A is logged out without pressing
    anything); B signs in on the phone. Without signal B is shown neither A's kept visit pages nor,
    on the offline page, A's outbox; B's pages never send A's work (the office would refuse it and
    leave it stuck). A's next login fetches A's kept visit again and sends the work."""
    auth.create("wang", "inspector", "140602", name="王检查")  # B: not on A's visit
    page = phone_page
    queue_offline(page, phone, live_server, world, photo)
    world.lead_user.set_password("Xin-mima-2026")
    _db.session.commit()
    page.close()

    phone.set_offline(False)
    page = phone.new_page()
    page.set_default_timeout(20000)
    live_server.sign_in(page, "wang")
    # B's task list is kept for offline use from B's first page on, in place of A's.
    page.wait_for_selector("html[data-app-ready]", state="attached")
    pwa.poll(lambda: page.evaluate(KEPT_LIST_IS_MINE))  # a promise: evaluated, not polled by the page

    phone.set_offline(True)
    page.goto(live_server.url_for("inspections.my_visits"))
    assert page.locator("h1").inner_text() == "我的任务"
    page.wait_for_function(OUTBOX_EMPTY)
    page.goto(live_server.url_for("inspections.visit", visit_id=world.visit.id))
    assert world.subject.name not in page.content()
    page.goto(live_server.url_for("inspections.visit_form", visit_id=world.visit.id))
    assert world.subject.name not in page.content()
    page.wait_for_selector("html[data-app-ready]", state="attached")
    assert page.evaluate("() => FieldappUtil.userId()") != str(world.lead_user.id)
    assert page.locator("[data-outbox-count]").first.inner_text() == "0"
    assert page.locator("[data-offline-visits] li").count() == 0

    phone.set_offline(False)
    page.goto(live_server.url_for("inspections.my_visits"))
    page.wait_for_selector("html[data-app-ready]", state="attached")
    page.evaluate("() => FieldappOutbox.flush(true)")
    assert submissions() == 0
    page.click("[data-logout-form] button")
    page.wait_for_url(live_server.url_for("core.index"))

    # A again, the office still busy: the visit A kept for offline use (its copy went with B's
    # logout) is fetched again, and opens without signal.
    live_server.sign_in(page, "zhang", "Xin-mima-2026")
    phone.route("**/api/v1/submissions**", lambda route: route.fulfill(status=503, body="busy"))
    page.goto(live_server.url_for("inspections.my_visits"))
    page.wait_for_selector("html[data-visit-states-fresh]", state="attached")
    phone.set_offline(True)
    page.goto(live_server.url_for("inspections.visit_form", visit_id=world.visit.id))
    page.wait_for_selector("form[data-ready=true]")
    assert world.subject.name in page.content()

    # Signal and the office back: the work that waited is sent, once, by A.
    phone.unroute("**/api/v1/submissions**")
    phone.set_offline(False)
    page.goto(live_server.url_for("inspections.my_visits"))
    [submission] = pwa.wait_for_complete(app, page)
    assert submission.submitted_by_id == world.lead_user.id and len(submission.media) == 4


def test_logging_out_over_a_link_that_carries_nothing_gives_up_and_says_so(world, live_server, phone, phone_page):
    """The phone believes it has signal but nothing gets through (a dead link): after 15 s the
    inspector is told logging out needs a connection, still logged in, with nothing deleted."""
    page = phone_page
    live_server.sign_in(page, "zhang")
    page.clock.install()
    page.goto(live_server.url_for("inspections.my_visits"))
    page.wait_for_selector("html[data-app-ready]", state="attached")
    held = []
    page.route("**/logout", lambda route: held.append(route))  # never answered
    page.click("[data-logout-form] button")
    while not held:
        page.wait_for_timeout(50)
    notice = page.locator("[data-logout-offline]")
    assert notice.is_hidden()
    page.clock.run_for(16000)
    notice.wait_for(state="visible")
    assert page.url == live_server.url_for("inspections.my_visits")
    page.unroute("**/logout")


def test_a_tab_of_the_last_inspector_still_open_never_sends_their_work_as_the_next_ones(
    world, live_server, phone, phone_page, photo, app
):
    """A's tab stays open with A's work queued; A is logged out by the office and B, who works on
    the same visit, logs in in another tab. A's tab must not send A's work under B's login (the
    office would have taken it as B's): it waits, asking for a login, until A logs in again."""
    page = phone_page
    queue_offline(page, phone, live_server, world, photo)
    world.lead_user.set_password("Xin-mima-2026")
    _db.session.commit()
    phone.set_offline(False)
    page.locator("[data-outbox-login]").wait_for(state="visible")

    other = phone.new_page()
    other.set_default_timeout(20000)
    live_server.sign_in(other, "li")  # B, the visit's second inspector
    page.locator("[data-outbox-login]").evaluate("el => { el.hidden = true; }")
    page.click("[data-outbox-send]")
    page.locator("[data-outbox-login]").wait_for(state="visible")
    assert submissions() == 0
    assert page.evaluate("() => FieldappStore.listOutbox().then(x => x.map(i => i.state))") == ["queued"]

    other.goto(live_server.url_for("inspections.my_visits"))
    other.wait_for_selector("html[data-app-ready]", state="attached")
    other.click("[data-logout-form] button")
    other.wait_for_url(live_server.url_for("core.index"))
    live_server.sign_in(other, "zhang", "Xin-mima-2026")
    [submission] = pwa.wait_for_complete(app, other)
    assert submission.submitted_by_id == world.lead_user.id
