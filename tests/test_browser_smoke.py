"""A real browser logs in on a phone-sized screen."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_login_on_a_phone(live_server, phone, auth):
    auth.create("walker", "supervisor", "140602", name="走访者")
    page = phone.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(live_server.url_for("auth.login"))
    assert page.locator("h1").inner_text() == "登录"
    page.fill("#username", "walker")
    page.fill("#password", auth.PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(live_server.url_for("core.index"))
    assert "走访者" in page.locator(".site-account").inner_text()
    # htmx loaded and nothing was blocked by the content security policy.
    assert page.evaluate("typeof htmx") == "object"
    assert errors == []
    # Nothing overflows a 360 px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
