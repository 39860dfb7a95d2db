"""On a 360 px phone, the provincial supervisor drills down province → city → county with htmx
(no page load, the address follows, Back returns) and picks another city from the area list."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from factories.organisation import province_results

pytestmark = pytest.mark.browser


@pytest.fixture
def province(app, auth, frozen_clock):
    """The province's results (``factories.organisation``), seen on 2026-11-27 (the pinned clock)."""
    province_results(auth)


def test_the_province_drills_down_to_a_county_and_back(live_server, phone, auth, province):
    auth.create("sx-supervisor", "supervisor", "sx")
    page = phone.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    live_server.sign_in(page, "sx-supervisor")
    page.goto(live_server.url_for("dashboards.index", year=2026))
    expect(page.locator("h1")).to_contain_text("山西省")
    page.evaluate("window.keptAcrossSwaps = true")  # gone if the browser loads a whole page

    page.locator("#area-table a", has_text="大同市").click()
    expect(page.locator("h1")).to_contain_text("大同市")
    expect(page).to_have_url(re.compile(r"unit=dt&"))
    expect(page.locator("#area-table tbody tr")).to_have_count(3)
    page.locator("#area-table a", has_text="平城区").click()
    expect(page.locator("h1")).to_contain_text("平城区")
    expect(page.locator("#area-table")).to_have_count(0)
    expect(page.locator("#kpi-coverage .kpi__value")).to_have_text("10.0%")
    assert page.evaluate("window.keptAcrossSwaps") is True

    page.go_back()
    expect(page.locator("h1")).to_contain_text("大同市")
    page.locator("#trail a", has_text="山西省").click()
    expect(page.locator("h1")).to_contain_text("山西省")
    page.select_option("select[name=unit]", "yq")
    page.locator("#dashboard form button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("阳泉市")
    expect(page.locator("#area-table tbody tr")).to_have_count(2)
    assert page.evaluate("window.keptAcrossSwaps") is True
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert not errors
