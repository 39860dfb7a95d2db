"""The plan pages in a real browser on a 360 px phone: public page with live search, task edit."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from factories.plans import city_plan  # noqa: F401  (fixture: the seed plan, published)

pytestmark = pytest.mark.browser


REFUSED_FORM = (
    "Failed to load resource: the server responded with a status of 422"  # Chromium's note, not a script error
)


def watch(page):
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text) if msg.type == "error" and not msg.text.startswith(REFUSED_FORM) else None,
    )
    return errors


def test_public_plan_on_a_phone_with_live_search(live_server, phone, city_plan):
    page = phone.new_page()
    errors = watch(page)
    page.goto(live_server.url_for("plans.public_plan", year=2021))
    assert page.locator("#public-tasks li.task").count() == 21
    assert page.locator("#task-19 [data-field=ratio]").inner_text() == "不低于5%，每年2次"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.fill("#task-search", "特种设备")
    expect(page.locator("#public-tasks li.task")).to_have_count(1)
    assert page.locator("#public-tasks li.task").first.get_attribute("id") == "task-18"
    assert "q=" in page.url  # the filtered list has its own address
    # Touch targets of the search form are large enough.
    box = page.locator(".search-form button").bounding_box()
    assert box["height"] >= 44
    assert errors == []


def test_editing_a_task_on_a_phone(live_server, phone, auth, city_plan):
    auth.create("walker", "supervisor", "city")
    page = phone.new_page()
    errors = watch(page)
    live_server.sign_in(page, "walker")
    page.goto(live_server.url_for("plans.edit_task", plan_id=city_plan.id, number=4))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.fill("#ratio_percent", "80")
    with page.expect_response(lambda r: r.request.method == "POST") as refused:
        page.click("main form.task-form button[type=submit]")
    assert refused.value.status == 422 and refused.value.request.headers.get("hx-request") == "true"
    # htmx swaps the refused form in (base.html's responseHandling)
    expect(page.locator("#field-reason .field__error")).to_be_visible()
    assert page.locator("#ratio_percent").input_value() == "80"  # what was typed is kept
    page.fill("#reason", "拍卖企业数量较多，调整为80%")
    page.click("main form.task-form button[type=submit]")
    page.wait_for_url(f"**/plans/{city_plan.id}*")
    assert page.locator("#task-4 [data-field=ratio]").inner_text() == "80%，每年1次"
    assert "拍卖企业数量较多，调整为80%" in page.locator("#plan-history").inner_text()
    page.screenshot(path=str(live_server_shot()), full_page=False)
    assert errors == []


def live_server_shot():
    import tempfile
    from pathlib import Path

    return Path(tempfile.gettempdir()) / "plans-phone.png"
