"""On a 360 px phone, a supervisor sees the plan's ratios by credit class asked on the plan page, follows
the ask to what each class draws, and confirms them (a new plan version with her reason)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from accessibility import axe
from factories.draws import classed_task, draw_day, make_subjects, make_team  # noqa: F401  (draw_day: the clock)

from fieldapp.plans.models import Task

pytestmark = pytest.mark.browser


def test_supervisor_follows_the_ask_and_confirms_the_ratios_by_class(live_server, phone, auth, db):
    task = classed_task()
    make_subjects({"A": 200, "B": 100, "C": 40, "D": 10})
    make_team()
    db.session.commit()
    version = task.plan.version
    auth.create("city-sup", "supervisor", "city")
    page = phone.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    live_server.sign_in(page, "city-sup")
    page.goto(live_server.url_for("plans.plan_detail", plan_id=task.plan_id))
    card = page.locator(f"#task-{task.number}")
    expect(card.locator('[data-ask="class-ratios"]')).to_be_visible()
    card.locator('[data-field="ratio"] a').click()
    section = page.locator("#class-ratios")
    expect(section).to_have_attribute("data-confirmed", "no")
    drawn = section.locator("tr[data-class] td[data-unit='140602']")
    expect(drawn).to_have_count(4)
    assert [drawn.nth(i).get_attribute("data-drawn") for i in range(4)] == ["2", "3", "2", "1"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert axe(page) == []
    page.fill("#ratios-reason", "按计划的分类比例抽取")
    page.click("#confirm-class-ratios")
    expect(page.locator("#class-ratios")).to_have_attribute("data-confirmed", "yes")
    db.session.expire_all()
    task = db.session.get(Task, task.id)
    assert task.class_ratios["confirmed"] and task.plan.version == version + 1
    assert task.plan.versions[-1].reason == "按计划的分类比例抽取" and errors == []
