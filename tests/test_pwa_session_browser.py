"""Acceptance on a phone (Playwright, Debian's Chromium, service worker on): a submission queued
offline is sent after the browser was closed and opened again, without a new login, from another
network address; logging out revokes the phone's device login."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

import phone_app as pwa
from conftest import CHROMIUM_ARGS
from fieldapp.auth.devices import COOKIE_NAME
from fieldapp.auth.models import DeviceLogin
from fieldapp.extensions import db as _db
from fieldapp.inspections.models import Submission
from factories.inspection import CHECKLIST_DIR
from phone_app import photo, world  # noqa: F401  (fixtures: the world with nobody signed in, a dispenser photo)

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    # Behind one proxy: the address the app sees comes from X-Forwarded-For, so the test can
    # move the phone to another network.
    return {"CHECKLISTS_DIR": str(CHECKLIST_DIR), "TRUSTED_PROXIES": 1}


def open_phone(browser, profile: Path, live_server):
    """The phone's browser with its profile on disk (IndexedDB, caches, lasting cookies)."""
    context = browser.browser_type.launch_persistent_context(
        str(profile),
        executable_path=shutil.which("chromium"),
        headless=True,
        args=CHROMIUM_ARGS,
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="zh-CN",
    )
    context.grant_permissions(["geolocation"], origin=live_server.url)
    context.set_geolocation({"latitude": 39.3312, "longitude": 112.4325, "accuracy": 18})
    page = context.pages[0] if context.pages else context.new_page()
    page.set_default_timeout(20000)
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    return context, page


def test_queued_offline_then_browser_restart_sends_without_a_new_login(
    world, live_server, browser, tmp_path, photo, app
):
    profile = tmp_path / "profile"
    context, page = open_phone(browser, profile, live_server)
    live_server.sign_in(page, "zhang")
    page.goto(live_server.url_for("inspections.my_visits"))
    pwa.wait_for_sw(page)
    page.goto(live_server.url_for("inspections.visit_form", visit_id=world.visit.id))
    page.wait_for_selector("form[data-ready=true]")
    context.set_offline(True)
    pwa.fill(page, world, photo)
    pwa.submit(page, live_server)
    page.wait_for_function("() => document.querySelector('[data-outbox-count]').textContent === '1'")
    # The tab first, while still offline: closing the whole browser with the tab open ends the
    # offline emulation before the tab is gone, and the tab, online again for a moment, may send
    # the submission before this test has shown that the reopened browser sends it.
    page.close()
    context.close()
    assert _db.session.scalars(select(Submission)).all() == []

    # The browser is opened again: the session cookie is gone, the device login is not.
    context, page = open_phone(browser, profile, live_server)
    context.clear_cookies(name="session")
    assert COOKIE_NAME in {c["name"] for c in context.cookies()}
    context.set_extra_http_headers({"X-Forwarded-For": "127.0.0.2"})  # another network
    page.goto(live_server.url_for("inspections.my_visits"))
    assert page.url == live_server.url_for("inspections.my_visits")
    [submission] = pwa.wait_for_complete(app, page)
    assert len(submission.media) == 4
    page.wait_for_function("() => document.querySelector('[data-outbox-count]').textContent === '0'")
    device = _db.session.scalar(select(DeviceLogin))
    assert device.is_active and device.last_used_at is not None

    # Logging out revokes this phone's device login.
    page.wait_for_selector("html[data-app-ready]", state="attached")
    page.click("[data-logout-form] button[type=submit]")
    page.wait_for_url(live_server.url_for("core.index"))
    _db.session.expire_all()
    assert _db.session.get(DeviceLogin, device.id).revoked_reason == "logout"
    assert COOKIE_NAME not in {c["name"] for c in context.cookies()}
    _db.session.rollback()
    context.close()
    assert page.errors == []
