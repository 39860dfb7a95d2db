"""A county supervisor draws a round on a 360 px phone: commitment, witness, confirmation, results;
then the public page shows the same commitment."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from factories.draws import draw_day, make_subjects, make_task, make_team  # noqa: F401  (draw_day: the clock)

from fieldapp.draws.models import Draw, DrawCommitment

pytestmark = pytest.mark.browser


def test_drawing_a_round_on_a_phone(live_server, phone, auth, db):
    task = make_task(ratio="0.1")
    make_subjects({"A": 10, "B": 20, "C": 10, "D": 5})
    make_team(count=5)
    db.session.commit()
    auth.create("sc-walker", "supervisor", "140602")
    page = phone.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    live_server.sign_in(page, "sc-walker")
    page.goto(live_server.url_for("draws.index"))
    page.click(f"#task-{task.id} a.draw-cell")
    expect(page.locator("#commit-step")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.check("#commit-step input[value=witness]")
    page.fill("#external_description", "王五，市纪委监委派驻纪检组")
    page.click("#commit-step button[type=submit]")
    expect(page.locator("#draw-step")).to_be_visible()
    commitment = db.session.scalar(select(DrawCommitment))
    expect(page.locator("#draw-step code.hash")).to_have_text(commitment.commitment_hex)
    page.fill("#witness", "见证人 王五 10:00")
    # Without the confirmation the browser does not even send the form (the server refuses it
    # too: tests/test_draw_pages.py).
    assert page.locator("#confirm").get_attribute("required") is not None
    page.click("#draw-step button[type=submit]")
    expect(page.locator("#witness")).to_have_value("见证人 王五 10:00")
    assert db.session.scalar(select(Draw)) is None
    page.check("#confirm")
    page.click("#draw-step button[type=submit]")
    expect(page.locator("ol.draw-selection > li").first).to_be_visible()
    draw = db.session.scalar(select(Draw))
    assert draw.witness == "见证人 王五 10:00"
    expect(page.locator("ol.draw-selection > li")).to_have_count(len(draw.selections))
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    box = page.locator("#draw-step button, ol.draw-selection summary").first.bounding_box()
    assert box["height"] >= 44
    page.goto(live_server.url_for("draws.public_detail", draw_id=draw.id))
    expect(page.locator('[data-field="commitment"]')).to_have_text(commitment.commitment_hex)
    assert errors == []
