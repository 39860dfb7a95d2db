"""A supervisor reviews on a 360 px phone in Chromium: queue, submission, return with a comment."""

from __future__ import annotations

import pytest

from factories import review as rf

pytestmark = pytest.mark.browser


def test_review_on_a_phone(live_server, phone, auth, db):
    _, s, v, sub = rf.scenario(
        answers={"pledge": "不符合", "dispenser": [{"serial": "A1", "error_pct": 0.5}]},
        findings=[{"item": "pledge", "text": "未作出诚信计量承诺", "severity": "minor", "follow_up": "责令改正"}],
        result_code="A",
    )
    auth.create("phone-sup", "supervisor", "140602", name="审核员")
    page = phone.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    live_server.sign_in(page, "phone-sup")

    page.goto(live_server.url_for("review.queue"))
    assert page.locator("#review-queue").get_attribute("hx-trigger") == "every 30s"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # Filtering by state swaps the queue in place (htmx), the URL follows.
    page.select_option("select[name=state]", "approved")
    page.wait_for_url("**state=approved**")
    assert page.locator("a.queue-item__link").count() == 0
    page.select_option("select[name=state]", "submitted")
    page.wait_for_url("**state=submitted**")
    page.locator("a.queue-item__link", has_text=s.name).click()
    page.wait_for_url(f"**/review/submissions/{sub.id}")
    assert page.locator("tr.answers__row--finding").count() >= 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # Returning without a comment is stopped by the browser (the server also refuses it: test_review.py).
    page.click("text=退回检查人员")
    assert page.locator("textarea[name=comment]").evaluate("e => e.validity.valueMissing") is True
    assert "已退回" not in page.locator("#submission-state").inner_text()
    page.fill("textarea[name=comment]", "请补拍加油机铭牌照片")
    page.click("text=退回检查人员")
    page.wait_for_selector(".flash--success")
    assert "已退回" in page.locator("#submission-state").inner_text()
    assert "请补拍加油机铭牌照片" in page.locator("#audit").inner_text()
    assert errors == []
