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

    # A again: the work that waited is sent, once, by A.
    live_server.sign_in(page, "zhang")
    page.goto(live_server.url_for("inspections.my_visits"))
    [submission] = pwa.wait_for_complete(app, page)
    assert submission.submitted_by_id == world.lead_user.id and len(submission.media) == 4
    page.wait_for_function(OUTBOX_EMPTY)
