"""On a 360 px phone, a supervisor edits a task's scope rules, watches the pool preview follow,
confirms the rules (a new plan version with her reason) and draws the task."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from factories.draws import draw_day, make_subjects, make_team  # noqa: F401  (draw_day: the clock)
from factories.plans import SEED

from fieldapp.draws.models import Draw
from fieldapp.plans.importer import import_plan
from fieldapp.plans.models import Task
from fieldapp.plans.operations import publish_plan
from fieldapp.subjects.vocabulary import ensure_tags

pytestmark = pytest.mark.browser


def test_supervisor_edits_rules_watches_the_pool_confirms_and_draws(live_server, phone, auth, db):
    plan = import_plan(SEED.read_bytes(), SEED.name).plan
    publish_plan(plan)
    tags = ensure_tags()
    for subject in make_subjects({"B": 8, "D": 2}):
        subject.tags = [tags["集体商标证明商标使用人"]]
    make_subjects({"B": 40}, start=100, kind="individual")
    make_team(count=4, specialties=("知识产权", "商标", "计量"))
    db.session.commit()
    task = db.session.scalar(select(Task).where(Task.plan_id == plan.id, Task.number == 13))
    auth.create("city-sup", "supervisor", "city")  # the city bureau issued the plan and edits it

    page = phone.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    live_server.sign_in(page, "city-sup")
    # The draw page warns: the rules are only proposals.
    page.goto(live_server.url_for("draws.round_page", task_id=task.id, round_=1, unit_code="140602"))
    expect(page.locator('#draw-warnings [data-warning="unconfirmed"]')).to_be_visible()
    page.click("#draw-warnings a")
    expect(page.locator("#scope-state")).to_have_attribute("data-confirmed", "no")
    expect(page.locator("#scope-preview")).to_have_attribute("data-pool", "10")  # mark users only
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    holders = page.locator('input[name="holdings"][value="集体商标证明商标使用人"]')
    holders.uncheck()  # every business of the county, as the text reads literally
    expect(page.locator("#scope-preview")).to_have_attribute("data-pool", "50")
    page.check('input[name="credit_classes"][value="D"]')
    expect(page.locator("#scope-preview")).to_have_attribute("data-pool", "2")
    page.uncheck('input[name="credit_classes"][value="D"]')
    holders.check()
    expect(page.locator("#scope-preview")).to_have_attribute("data-pool", "10")
    expect(page.locator("#scope-preview tr[data-unit='140602']")).to_have_attribute(
        "data-visits", "4"
    )  # B 8×30% → 2, D 2×30%×4 → 2

    page.fill("#reason", "核对名录后仅抽取集体商标、证明商标使用人")
    page.click("#confirm-scope")
    expect(page.locator("#scope-state")).to_have_attribute("data-confirmed", "yes")
    db.session.expire_all()
    assert db.session.get(Task, task.id).plan.version == 2

    page.goto(live_server.url_for("draws.round_page", task_id=task.id, round_=1, unit_code="140602"))
    expect(page.locator("#draw-warnings")).to_have_count(0)
    page.check("#commit-step input[value=witness]")
    page.fill("#external_description", "王五，市纪委监委派驻纪检组")
    page.click("#commit-step button[type=submit]")
    expect(page.locator("#draw-step")).to_be_visible()
    page.fill("#witness", "见证人 王五 10:00")
    page.check("#confirm")
    page.click("#draw-step button[type=submit]")
    expect(page.locator("ol.draw-selection > li").first).to_be_visible()
    draw = db.session.scalar(select(Draw).where(Draw.task_id == task.id))
    assert draw.pool_size == 10 and len(draw.selections) == 4
    assert errors == []
