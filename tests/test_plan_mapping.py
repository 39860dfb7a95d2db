"""Every inspection item has a form: mapped (confirmed, national code, the checklist's wording),
suggested from normalised text, or served by the general on-site checklist — shown on the plan page
and reported by ``flask checklists check --plan``."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from fieldapp.auth.models import Unit
from fieldapp.checklists import checklists_for
from fieldapp.checklists.catalog import Registry, registry
from fieldapp.checklists.mapping import fold, map_text, national_code_in
from fieldapp.plans.importer import import_plan
from fieldapp.plans.models import InspectionItem, Task

OTHER_PLAN = Path(__file__).resolve().parent / "data" / "plans" / "huairen-2022.csv"
OUTSIDE = {  # (task, item): items no checklist of the library is about
    (15, 1): "商品条码使用情况检查",
    (16, 1): "二手车交易市场经营者检查",
    (16, 2): "网络直播营销活动检查",
}


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
    unmapped = {key for key, state in states.items() if state == "none"}
    assert set(OUTSIDE) <= unmapped
    # Reworded items, of the new checklists and the seed's, are suggested, best first …
    for key, checklist in {
        (1, 1): "food-production",
        (6, 1): "enterprise-standards",
        (8, 1): "fuel-dispensers",
        (9, 1): "special-equipment",
        (11, 1): "registration-items",
        (10, 1): "trademark-use",
    }.items():
        assert states[key] == "suggested" and items[key].suggestions[0]["id"] == checklist, key
        assert items[key].checklist_ids == []  # a suggestion is not a mapping
    # … the checklist's own wording decides, with traditional characters and punctuation folded
    assert items[(3, 2)].text == "餐飲服務食品安全情況" and items[(3, 2)].checklist_ids == ["catering"]
    assert items[(5, 2)].checklist_ids == ["price-marking"]
    assert plan.tasks[4].ratio == Decimal("0.00125")  # 0.125%, exactly

    result = runner.invoke(args=["checklists", "check", "--plan", "2022"])
    assert result.exit_code == 1
    reported = [line for line in result.output.splitlines() if line.startswith("没有检查表：")]
    assert len(reported) == len(unmapped)  # exactly the items the plan page shows without a checklist
    for task, number in unmapped:
        text = items[(task, number)].text
        assert any(f"任务 {task}（" in line and f"事项 {number}：{text}" in line for line in reported)
    assert f"2022 年计划共 {len(items)} 个抽查事项：" in result.output


def test_unmapped_and_suggested_items_get_the_general_on_site_checklist(app, db):
    plan = import_other_plan(db)
    barcodes = plan.tasks[14]  # 商品条码使用情况检查: no checklist
    assert [c.id for c in checklists_for(barcodes, [])] == ["onsite-general"]
    fuel = plan.tasks[7]  # reworded: fuel-dispensers suggested, not yet confirmed
    assert [c.id for c in checklists_for(fuel, ["加油站"])] == ["onsite-general"]
    food = plan.tasks[0]  # a suggestion not yet confirmed, and an unmapped item
    assert [c.id for c in checklists_for(food, [])] == ["onsite-general"]
    general = registry().get("onsite-general")
    assert {"what", "conforms", "found", "evidence", "result_category"} <= set(general.by_id)


def test_a_supervisor_confirms_a_suggestion_or_picks_any_checklist(app, db, client_request, runner):
    plan = import_other_plan(db)
    items = items_of(plan)
    unmapped_before = sum(1 for i in items.values() if i.mapping_state == "none")
    client_request.login("huairen-sup", "supervisor", "140681")
    page = client_request.get("plans.plan_detail", plan_id=plan.id)
    suggested = page.select_one(f"#item-{items[(1, 1)].id}")
    assert suggested["data-mapping"] == "suggested"
    assert suggested.select_one("option[selected]")["value"] == "food-production"
    assert page.select_one(f"#item-{items[(15, 1)].id}")["data-mapping"] == "none"
    assert "现场核查" in page.select_one(f"#item-{items[(15, 1)].id}").text

    confirm = {"endpoint": "plans.confirm_item_checklist", "plan_id": plan.id, "item_id": items[(1, 1)].id}
    fragment = client_request.post(
        **confirm, _data={"checklist": "food-production"}, _headers={"HX-Request": "true"}, _expected_status=200
    )
    assert fragment.select_one("li")["data-mapping"] == "confirmed"
    barcode_item = items[(15, 1)]  # a supervisor picks any checklist for an unmapped item
    client_request.post_response(
        "plans.confirm_item_checklist", plan_id=plan.id, item_id=barcode_item.id, _data={"checklist": "onsite-general"}
    )
    refused = client_request.post(**confirm, _data={"checklist": "no-such-list"}, _expected_status=422)
    refused_item = refused.select_one(f"#item-{items[(1, 1)].id}")  # the plan page, the message at the item
    assert refused_item.select_one("[role=alert]").get_text(strip=True) == "请从检查表中选择一项。"
    assert refused_item.select_one("select[name=checklist]") is not None  # its choice is there to make again
    assert refused.select_one(f"#item-{barcode_item.id} [role=alert]") is None
    db.session.expire_all()
    item = db.session.get(InspectionItem, items[(1, 1)].id)
    assert item.mapping_state == "confirmed" and item.checklist_ids == ["food-production"]
    assert item.mapping_confirmed_by_id is not None

    result = runner.invoke(args=["checklists", "check", "--plan", "2022"])
    assert result.output.count("没有检查表：") == unmapped_before - 1  # the barcode item was given a checklist
    assert "事项 1：商品条码使用情况检查" not in result.output
    db.session.expire_all()
    assert db.session.get(InspectionItem, item.id).checklist_ids == ["food-production"]  # a check keeps it
    task = db.session.get(Task, item.task_id)
    assert [c.id for c in checklists_for(task, [])] == ["food-production", "onsite-general"]


def test_an_unknown_checklist_chosen_in_place_is_refused_with_its_message(app, db, client_request):
    # The fragment said why, but with a 200, as if the choice had been saved.
    plan = import_other_plan(db)
    item = items_of(plan)[(1, 1)]
    client_request.login("huairen-sup", "supervisor", "140681")
    fragment = client_request.post(
        "plans.confirm_item_checklist",
        plan_id=plan.id,
        item_id=item.id,
        _data={"checklist": "no-such-list"},
        _headers={"HX-Request": "true"},
        _expected_status=422,
    )
    assert "请从检查表中选择一项。" in fragment.select_one("li").get_text()
    db.session.expire_all()
    assert db.session.get(InspectionItem, item.id).mapping_state == "suggested"


def test_another_county_cannot_map_this_plans_items(app, db, client_request):
    plan = import_other_plan(db)
    item = items_of(plan)[(1, 1)]
    client_request.login("pinglu-sup", "supervisor", "140603")
    client_request.post_response(
        "plans.confirm_item_checklist",
        plan_id=plan.id,
        item_id=item.id,
        _data={"checklist": "catering"},
        _expected_status=404,
    )


def test_national_item_code_maps_before_text(app):
    reg = registry()
    coded = dataclasses.replace(reg.get("price-marking"), national_items=["A0512"])
    local = Registry(reg.folder, {**reg.checklists, "price-marking": coded})
    assert national_code_in("【a0512】经营者价格行为检查") == "A0512"
    assert map_text(local, "【A0512】经营者价格行为检查").state == "code"
    assert map_text(local, "某项检查", code="A0512").checklist_ids == ["price-marking"]
    assert map_text(local, "经营者价格行为检查").state == "suggested"
    assert fold("（1）餐飲服務，食品安全") == "餐饮服务食品安全"


CODED_PLAN = Path(__file__).resolve().parent / "data" / "plans" / "with-item-codes.csv"


def test_a_plan_column_of_national_item_codes_is_read_and_maps_its_items(app, db, monkeypatch):
    from fieldapp.checklists.catalog import EXTENSION
    from fieldapp.plans.cells import split_codes
    from fieldapp.plans.problems import Problem

    reg = registry()
    coded = dataclasses.replace(reg.get("price-marking"), national_items=["A0512"])
    monkeypatch.setitem(app.extensions, EXTENSION, Registry(reg.folder, {**reg.checklists, "price-marking": coded}))
    assert split_codes("1. a0512\n2. B9999") == ["a0512", "B9999"] and split_codes("A1、B2；C3") == ["A1", "B2", "C3"]

    unit = db.session.scalar(select(Unit).where(Unit.division_code == "140681"))
    report = import_plan(CODED_PLAN.read_bytes(), CODED_PLAN.name, unit=unit)
    db.session.commit()
    items = items_of(report.plan)
    # The code column names each item's code, in order: a code maps before the text.
    assert (items[(1, 1)].national_code, items[(1, 1)].mapping_state) == ("A0512", "code")
    assert items[(1, 1)].checklist_ids == ["price-marking"] and items[(1, 1)].text == "某项检查"
    assert items[(1, 2)].national_code == "B9999"  # no checklist has it: the text decides
    assert items[(1, 2)].mapping_state != "code"
    # One code for two items cannot be paired: not used, and said so by row and column.
    assert [i.national_code for i in (items[(2, 1)], items[(2, 2)])] == ["", ""]
    assert items[(3, 1)].national_code == "" and items[(3, 1)].mapping_state != "code"
    problems = {(p.code, p.row): p for p in report.problems}
    mismatch = problems[("item_codes_mismatch", 5)]
    assert mismatch.column.startswith("检查事项编码") and mismatch.params == {"codes": 1, "items": 2}
    assert problems[("item_code_unreadable", 6)].params == {"text": "抽查事项"}
    assert isinstance(mismatch, Problem)
    # Without the column the text alone maps, as before.
    assert map_text(registry(), items[(1, 1)].text).state != "code"


def test_an_item_that_says_too_little_alone_is_suggested_by_its_tasks_name(app):
    from fieldapp.checklists.mapping import NONE, SUGGESTED, map_item

    reg = registry()
    assert map_text(reg, "定期检验情况").state == NONE
    equipment = Task(number=1, name="特种设备使用单位监督检查")
    item = InspectionItem(number=2, text="定期检验情况", task=equipment)
    mapping = map_item(reg, item)
    assert (mapping.state, item.mapping_state, mapping.checklist_ids) == (SUGGESTED, SUGGESTED, [])
    assert not item.checklist_ids
    assert item.suggestions[0]["id"] == "special-equipment"  # for a supervisor to confirm, never mapped
    vague = InspectionItem(number=1, text="定期检验情况", task=Task(number=2, name="其他抽查"))
    assert map_item(reg, vague).state == NONE


def test_an_item_no_wording_names_is_suggested_by_the_subjects_its_task_draws(app):
    from fieldapp.checklists.mapping import NONE, SUGGESTED, map_item

    reg = registry()
    station = Task(number=1, name="加油站联合检查", scope_rule={"tags_any": ["加油站"], "holdings_any": []})
    item = InspectionItem(number=1, text="计量器具检定情况", task=station)
    assert map_text(reg, item.text).state == NONE
    assert map_item(reg, item).state == SUGGESTED and not item.checklist_ids
    assert [s["id"] for s in item.suggestions] == ["fuel-dispensers"]
    anywhere = Task(number=2, name="合同行为检查", scope_rule={"kinds": ["enterprise"], "tags_any": []})
    assert map_item(reg, InspectionItem(number=1, text="格式条款", task=anywhere)).state == NONE


def test_an_item_mapped_to_a_checklist_no_longer_in_the_system_says_so_in_words(app, db, client_request):
    plan = import_other_plan(db)
    item = items_of(plan)[(1, 1)]
    item.mapping_state, item.checklist_ids = "confirmed", ["retired-list"]
    db.session.commit()
    client_request.login("huairen-sup", "supervisor", "140681")
    page = client_request.get("plans.plan_detail", plan_id=plan.id)
    tag = page.select_one(f'#item-{item.id} [data-checklist="retired-list"]')
    assert tag.get_text(strip=True) == "系统中已没有的检查表"
    assert "retired-list" not in page.select_one("main").get_text()
