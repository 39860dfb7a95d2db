"""Every inspection item has a form: mapped (confirmed, national code, the checklist's wording),
suggested from normalised text, or served by the general on-site checklist — shown on the plan page
and reported by ``flask checklists check --plan``."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from fieldapp.auth.models import Unit
from fieldapp.checklists import checklists_for
from fieldapp.checklists.catalog import Registry, registry
from fieldapp.checklists.mapping import fold, map_text, national_code_in
from fieldapp.plans.importer import import_plan
from fieldapp.plans.models import InspectionItem, Task

OTHER_PLAN = Path(__file__).resolve().parent / "data" / "plans" / "huairen-2022.csv"
UNMAPPED = {  # (task, item): reworded items no checklist's wording comes close to
    (1, 2): "食品添加剂使用情况检查",
}
# Reworded seed items that only the checklists' aliases bring close enough to suggest.
BY_ALIAS = {(8, 1): "fuel-dispensers", (9, 1): "special-equipment", (10, 2): "collective-certification-marks"}


def import_other_plan(db):
    unit = db.session.scalar(select(Unit).where(Unit.division_code == "140681"))
    report = import_plan(OTHER_PLAN.read_bytes(), OTHER_PLAN.name, unit=unit)
    db.session.commit()
    return report.plan


def items_of(plan) -> dict[tuple[int, int], InspectionItem]:
    return {(t.number, i.number): i for t in plan.tasks for i in t.items}


def test_another_bureaus_plan_maps_every_item_or_shows_it_unmapped(app, db, runner):
    plan = import_other_plan(db)
    items = items_of(plan)
    assert plan.year == 2022 and len(items) >= 15
    states = {key: item.mapping_state for key, item in items.items()}
    assert set(states.values()) <= {"covers", "suggested", "none"}
    assert {key for key, state in states.items() if state == "none"} == set(UNMAPPED)
    # Reworded items of the new checklists are suggested, best first …
    assert items[(1, 1)].suggestions[0]["id"] == "food-production" and items[(1, 1)].checklist_ids == []
    assert items[(6, 1)].suggestions[0]["id"] == "enterprise-standards"
    assert items[(11, 1)].suggestions[0]["id"] == "registration-items"
    for key, checklist_id in BY_ALIAS.items():
        assert states[key] == "suggested" and items[key].suggestions[0]["id"] == checklist_id, key
    # … the checklist's own wording decides, with traditional characters and punctuation folded
    assert items[(3, 2)].text == "餐飲服務食品安全情況" and items[(3, 2)].checklist_ids == ["catering"]
    assert items[(5, 2)].checklist_ids == ["price-marking"]
    assert plan.tasks[4].ratio == Decimal("0.00125")  # 0.125%, exactly

    result = runner.invoke(args=["checklists", "check", "--plan", "2022"])
    assert result.exit_code == 1
    reported = [line for line in result.output.splitlines() if line.startswith("NO CHECKLIST:")]
    assert len(reported) == len(UNMAPPED)
    for (task, number), text in UNMAPPED.items():
        assert any(f"task {task} (" in line and f"item {number}: {text}" in line for line in reported)
    assert f"{len(items)} inspection items in the 2022 plans:" in result.output


def test_unmapped_and_suggested_items_get_the_general_on_site_checklist(app, db):
    plan = import_other_plan(db)
    fuel = plan.tasks[7]  # 在用燃油加油机计量检定情况检查: only suggested (by an alias), not yet confirmed
    assert [c.id for c in checklists_for(fuel, ["加油站"])] == ["onsite-general"]
    food = plan.tasks[0]  # a suggestion not yet confirmed, and an unmapped item
    assert [c.id for c in checklists_for(food, [])] == ["onsite-general"]
    general = registry().get("onsite-general")
    assert {"what", "conforms", "found", "evidence", "result_category"} <= set(general.by_id)


def test_a_supervisor_confirms_a_suggestion_or_picks_any_checklist(app, db, client, auth, runner):
    plan = import_other_plan(db)
    items = items_of(plan)
    auth.login("huairen-sup", "supervisor", "140681")
    page = BeautifulSoup(client.get(f"/plans/{plan.id}").get_data(as_text=True), "html.parser")
    suggested = page.select_one(f"#item-{items[(1, 1)].id}")
    assert suggested["data-mapping"] == "suggested"
    assert suggested.select_one("option[selected]")["value"] == "food-production"
    assert page.select_one(f"#item-{items[(1, 2)].id}")["data-mapping"] == "none"
    assert "现场核查" in page.select_one(f"#item-{items[(1, 2)].id}").text
    assert page.select_one(f"#item-{items[(8, 1)].id}")["data-mapping"] == "suggested"  # by an alias

    url = f"/plans/{plan.id}/items/{items[(1, 1)].id}/checklist"
    response = client.post(url, data={"checklist": "food-production"}, headers={"HX-Request": "true"})
    assert response.status_code == 200
    fragment = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert fragment.select_one("li")["data-mapping"] == "confirmed"
    fuel_item = items[(8, 1)]
    response = client.post(f"/plans/{plan.id}/items/{fuel_item.id}/checklist", data={"checklist": "fuel-dispensers"})
    assert response.status_code == 302
    assert client.post(url, data={"checklist": "no-such-list"}).status_code == 303
    db.session.expire_all()
    item = db.session.get(InspectionItem, items[(1, 1)].id)
    assert item.mapping_state == "confirmed" and item.checklist_ids == ["food-production"]
    assert item.mapping_confirmed_by_id is not None

    result = runner.invoke(args=["checklists", "check", "--plan", "2022"])
    assert result.output.count("NO CHECKLIST:") == len(UNMAPPED)  # the fuel item picked was only suggested
    db.session.expire_all()
    assert db.session.get(InspectionItem, item.id).checklist_ids == ["food-production"]  # a check keeps it
    task = db.session.get(Task, item.task_id)
    assert [c.id for c in checklists_for(task, [])] == ["food-production", "onsite-general"]


def test_another_county_cannot_map_this_plans_items(app, db, client, auth):
    plan = import_other_plan(db)
    item = items_of(plan)[(1, 1)]
    auth.login("pinglu-sup", "supervisor", "140603")
    assert client.post(f"/plans/{plan.id}/items/{item.id}/checklist", data={"checklist": "catering"}).status_code == 404


def test_national_item_code_maps_before_text(app):
    reg = registry()
    coded = dataclasses.replace(reg.get("price-marking"), national_items=["A0512"])
    local = Registry(reg.folder, {**reg.checklists, "price-marking": coded})
    assert national_code_in("【a0512】经营者价格行为检查") == "A0512"
    assert map_text(local, "【A0512】经营者价格行为检查").state == "code"
    assert map_text(local, "某项检查", code="A0512").checklist_ids == ["price-marking"]
    assert map_text(local, "经营者价格行为检查").state == "suggested"
    assert fold("（1）餐飲服務，食品安全") == "餐饮服务食品安全"
