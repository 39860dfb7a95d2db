"""The checklist content in ``checklists/*.yaml``: it loads with the engine, every 抽查事项 of the seed
plan resolves to a checklist for the subjects its task selects, and the content behaves as an
inspector expects (limits, dates, conditional items, findings and the result they suggest)."""

from __future__ import annotations

import copy
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from fieldapp.checklists import evaluate, registry
from fieldapp.checklists.definition import squash
from fieldapp.checklists.items import FOLLOW_UPS, SEVERITIES
from fieldapp.checklists.items_more import RepeatItem
from checklist_answers import INSPECTED, PHOTO, answers_for, can_fail
from factories.plans import seed_tasks

ROOT = Path(__file__).resolve().parent.parent
CHECKLIST_DIR = ROOT / "checklists"

# Which checklists answer each task of the seed (tags choose among them at a subject).
EXPECTED = {
    1: {"market-scales", "fuel-dispensers", "eyeglass-instruments", "medical-instruments"},
    2: {"legal-metrology-institutions"},
    3: {"measurement-units"},
    4: {"auction-licences"},
    5: {"ad-business-records"},
    6: {"ecommerce-platforms"},
    7: {"ad-publishing-registration"},
    8: {"production-licence"},
    9: {"production-licence"},
    10: {"trademark-agencies"},
    11: {"patent-authenticity"},
    12: {"trademark-use"},
    13: {"collective-certification-marks"},
    14: {"direct-selling", "registration-items", "public-information"},
    15: {"voluntary-certification"},
    16: {"ccc-certification"},
    17: {"testing-laboratories"},
    18: {"special-equipment"},
    19: {"registration-items", "public-information", "trademark-use", "patent-authenticity", "wildlife-trade-services"},
    20: {"registration-items", "public-information", "trademark-use", "patent-authenticity", "wildlife-trade-services"},
    21: {"registration-items", "public-information", "trademark-use", "patent-authenticity", "wildlife-trade-services"},
}


# --- the seed plan --------------------------------------------------------------------------------


def as_task(texts: list[str]) -> SimpleNamespace:
    """A task as the engine reads it: items with text and (not yet stored) checklist ids."""
    return SimpleNamespace(items=[SimpleNamespace(text=t, checklist_ids=[]) for t in texts], name="")


def ids(checklists) -> set[str]:
    return {c.id for c in checklists}


def test_the_seed_has_21_tasks_with_items():
    tasks = seed_tasks()
    assert [t.number for t in tasks] == list(range(1, 22))
    assert all(t.items for t in tasks)
    assert len(next(t for t in tasks if t.number == 17).items) == 10  # the ten points of task 17


# --- loading ------------------------------------------------------------------------------------------


def test_every_checklist_file_loads_with_the_engine(app):
    files = {p.stem for p in CHECKLIST_DIR.glob("*.yaml")}
    loaded = ids(registry().all())
    assert loaded == files
    assert set().union(*EXPECTED.values()) <= loaded
    for checklist in registry().all():
        assert checklist.version >= 1
        assert checklist.legal_basis, checklist.id
        assert re.search(r"[\u4e00-\u9fff]", checklist.title.zh) and checklist.title.en
        assert checklist.description is not None and checklist.description.zh and checklist.description.en


def test_no_draft_is_left_unvalidated_in_the_checklist_folder():
    # Drafts live in _drafts/ (not loaded); everything else in the folder is a checklist the app loads.
    for path in CHECKLIST_DIR.glob("*.y*ml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["id"] == path.stem


# --- every inspection item resolves ---------------------------------------------------------------------


@pytest.mark.parametrize("number", range(1, 22))
def test_every_item_of_the_task_resolves_to_its_checklists(app, number):
    task = next(t for t in seed_tasks() if t.number == number)
    found = set()
    for text in task.items:
        resolved = ids(registry().resolve_item(text))
        assert resolved, f"task {number}: no checklist for {text!r}"
        assert resolved <= EXPECTED[number], (number, text, resolved)
        if number != 1:  # task 1's four places each have their own checklist
            assert len(resolved) == 1, (number, text, resolved)
        found |= resolved
    assert found == EXPECTED[number]
    # The unsplit cell (an importer that keeps it whole) resolves to the same checklists.
    assert ids(registry().resolve_item(task.whole)) == EXPECTED[number]


@pytest.mark.parametrize("number", range(1, 22))
def test_every_subject_the_task_selects_gets_a_checklist_for_every_item(app, number):
    task = next(t for t in seed_tasks() if t.number == number)
    if task.tags is None:
        pytest.skip("the plan importer reads the scope's tags")
    for tag_set in [{tag} for tag in task.tags] or [set()]:
        chosen = ids(registry().checklists_for(as_task(task.items), tag_set))
        assert chosen, (number, tag_set)
        assert chosen <= EXPECTED[number]
        if number == 1:
            continue
        for text in task.items:  # no item is left without a checklist for this subject
            assert ids(registry().resolve_item(text)) & chosen, (number, tag_set, text)


@pytest.mark.parametrize(
    "tags, expected",
    [
        ({"加油站"}, {"fuel-dispensers"}),
        ({"集贸市场"}, {"market-scales"}),
        ({"眼镜制配"}, {"eyeglass-instruments"}),
        ({"医疗机构"}, {"medical-instruments"}),
        ({"检验检测机构"}, {"medical-instruments"}),
        ({"加油站", "眼镜制配"}, {"fuel-dispensers", "eyeglass-instruments"}),
        ({"拍卖企业"}, {"onsite-general"}),  # no item's checklist fits: the general on-site one
    ],
)
def test_task_1_the_subjects_tags_choose_the_checklist(app, tags, expected):
    task = next(t for t in seed_tasks() if t.number == 1)
    assert ids(registry().checklists_for(as_task(task.items), tags)) == expected
    assert ids(registry().checklists_for(as_task([task.whole]), tags)) == expected


# --- the shape of the content -----------------------------------------------------------------------


def all_items():
    for checklist in registry().all():
        for item in checklist.walk():
            yield checklist, item


def test_every_item_that_can_fail_says_what_the_finding_is_and_what_follows(app):
    checked = 0
    for checklist, item in all_items():
        if can_fail(item):
            assert item.finding is not None, f"{checklist.id}/{item.id} can fail but has no finding"
        if item.finding is not None:
            checked += 1
            assert item.finding.follow_up in FOLLOW_UPS, f"{checklist.id}/{item.id}"
            assert item.finding.severity in SEVERITIES, f"{checklist.id}/{item.id}"
            assert item.finding.text.zh and item.finding.text.en, f"{checklist.id}/{item.id}"
    assert checked > 250


def test_labels_are_in_chinese_and_english(app):
    for checklist, item in all_items():
        assert re.search(r"[\u4e00-\u9fff]", item.label.zh), f"{checklist.id}/{item.id}"
        assert re.search(r"[A-Za-z]", item.label.en), f"{checklist.id}/{item.id}"
        assert not re.search(r"[\u4e00-\u9fff]", item.label.en[:1]), f"{checklist.id}/{item.id}"


def test_every_checklist_ends_with_the_inspectors_remarks(app):
    for checklist in registry().all():
        last = checklist.sections[-1]
        assert any(i.type == "text" and i.raw.get("multiline") for i in last.items), checklist.id


def test_serious_findings_are_not_merely_ordered_corrected(app):
    # Cheating, forgery and falsified data are cases or referrals, never just 责令改正.
    for checklist, item in all_items():
        if item.finding is not None and item.finding.severity == "serious":
            assert item.finding.follow_up in ("立案调查", "移送"), f"{checklist.id}/{item.id}"


def test_fuel_dispenser_structure_others_rely_on(app):
    checklist = registry().get("fuel-dispensers")
    dispenser = checklist.by_id["dispenser"]
    nozzle = checklist.by_id["nozzle"]
    assert isinstance(dispenser, RepeatItem) and nozzle.parents == ("dispenser",)
    error = checklist.by_id["error_pct"]
    assert (error.unit, error.decimals) == ("%", 2)
    assert (error.limit_min, error.limit_max) == (Decimal("-0.3"), Decimal("0.3"))
    assert error.constraint is not None and error.constraint_message.zh
    assert checklist.by_id["certificate_valid_until"].rule == "on_or_after_inspection"
    for item_id in (
        "pledge",
        "complaints_handled",
        "standard_measure",
        "metrology_rules",
        "ledger_filed",
        "serial",
        "manufacturer",
        "model",
        "verified",
        "certificate_posted",
        "seals_intact",
        "no_board_swap",
        "no_encoder_tampering",
        "anti_cheat_lock",
        "nameplate_photo",
        "nozzle_no",
        "fuel_grade",
        "repeatability_pct",
    ):
        assert item_id in checklist.by_id, item_id


def test_special_equipment_offers_every_kind_of_equipment(app):
    kinds = registry().get("special-equipment").by_id["eq_type"]
    labels = {label.zh for _, label in kinds.choices}
    assert {"电梯", "锅炉", "起重机械", "客运索道", "大型游乐设施", "场（厂）内专用机动车辆", "压力管道"} <= labels
    assert any(label.startswith("压力容器") for label in labels)


def test_covers_match_the_seed_text_without_spaces(app):
    for checklist in registry().all():
        for cover in checklist.covers:
            assert cover == squash(cover), (checklist.id, cover)


# --- answering whole checklists ---------------------------------------------------------------------


def test_every_checklist_can_be_filled_compliant_with_no_finding(app):
    for checklist in registry().all():
        result = evaluate(checklist, answers_for(checklist, blocks=2), INSPECTED)
        assert result.errors == {}, (checklist.id, {k: [str(e) for e in v] for k, v in result.errors.items()})
        assert result.findings == [], (checklist.id, [f.key for f in result.findings])
        assert result.suggested_result == "1"


def test_every_failing_answer_is_a_finding_with_a_follow_up(app):
    for checklist in registry().all():
        result = evaluate(checklist, answers_for(checklist, failing=True), INSPECTED)
        assert result.errors == {}, (checklist.id, {k: [str(e) for e in v] for k, v in result.errors.items()})
        assert result.findings, checklist.id
        failing_keys = {
            key for key, r in result.results.items() if r.outcome == "问题" and not isinstance(r.item, RepeatItem)
        }
        assert failing_keys == {f.key for f in result.findings}
        assert all(f.follow_up in FOLLOW_UPS for f in result.findings)
        assert result.suggested_result != "1"


# --- fuel dispensers -----------------------------------------------------------------------------------


def dispensers(checklist, errors: list[list[str]]) -> dict:
    answers = answers_for(checklist)
    template = answers["dispenser"][0]
    answers["dispenser"] = []
    for n, nozzle_errors in enumerate(errors, 1):
        block = dict(template, serial=f"JY-{n:03d}")
        block["nozzle"] = [
            dict(template["nozzle"][0], nozzle_no=str(k), error_pct=e) for k, e in enumerate(nozzle_errors, 1)
        ]
        answers["dispenser"].append(block)
    return answers


def test_fuel_dispensers_two_by_two_error_limit(app):
    checklist = registry().get("fuel-dispensers")
    result = evaluate(checklist, dispensers(checklist, [["0.30", "-0.30"], ["0.31", "0.12"]]), INSPECTED)
    assert result.errors == {}
    assert [f.key for f in result.findings] == ["dispenser-1-nozzle-0-error_pct"]
    finding = result.findings[0]
    assert (finding.severity, finding.follow_up) == ("major", "立案调查")
    assert finding.where.zh == "加油机 2 › 油枪 1 › 示值误差"
    assert result.outcome("dispenser-0-nozzle-0-error_pct") == "合格"  # +0.30% is within the limit
    assert result.outcome("dispenser") == "问题"


def test_fuel_dispenser_error_outside_the_plausible_range_is_refused_with_a_message(app):
    checklist = registry().get("fuel-dispensers")
    result = evaluate(checklist, dispensers(checklist, [["12"]]), INSPECTED)
    assert [e.code for e in result.errors["dispenser-0-nozzle-0-error_pct"]] == ["constraint"]
    assert "-10" in result.errors["dispenser-0-nozzle-0-error_pct"][0].text("zh")


def test_fuel_dispenser_certificate_expired_the_day_before_is_a_finding(app):
    checklist = registry().get("fuel-dispensers")
    answers = dispensers(checklist, [["0.1"], ["0.1"]])
    answers["dispenser"][0]["certificate_valid_until"] = (INSPECTED - timedelta(days=1)).isoformat()
    answers["dispenser"][1]["certificate_valid_until"] = INSPECTED.isoformat()
    result = evaluate(checklist, answers, INSPECTED)
    assert [f.key for f in result.findings] == ["dispenser-0-certificate_valid_until"]


def test_fuel_dispenser_conditional_items(app):
    checklist = registry().get("fuel-dispensers")
    answers = dispensers(checklist, [["0.1"]])
    answers["complaints_count"] = "0"
    answers.pop("complaints_handled")
    block = answers["dispenser"][0]
    block["year_made"] = "2004"  # before the anti-cheating requirement
    block.pop("anti_cheat_lock")
    block["seals_intact"] = "不符合"
    block.pop("seal_photos", None)
    result = evaluate(checklist, answers, INSPECTED)
    assert {"complaints_handled", "dispenser-0-anti_cheat_lock"} <= result.hidden
    assert "complaints_handled" not in result.errors
    assert [e.code for e in result.errors["dispenser-0-seal_photos"]] == ["required"]  # evidence of the broken seal
    assert [f.key for f in result.findings] == ["dispenser-0-seals_intact"]
    assert result.findings[0].follow_up == "立案调查"

    answers["complaints_count"] = "3"
    block["year_made"] = "2012"
    block["seal_photos"] = [PHOTO]
    result = evaluate(checklist, answers, INSPECTED)
    assert {"complaints_handled", "dispenser-0-anti_cheat_lock"} <= set(result.errors)  # now asked
    assert "dispenser-0-seal_photos" not in result.errors


# --- other checklists ------------------------------------------------------------------------------------


def test_public_information_unreachable_suggests_its_official_result(app):
    checklist = registry().get("public-information")
    answers = answers_for(checklist)
    answers["reachable"] = "unreachable"
    result = evaluate(checklist, answers, INSPECTED)
    assert result.errors == {}
    assert [f.key for f in result.findings] == ["reachable"]
    assert result.suggested_result == "6"
    # Handed back to day-to-day supervision (反馈), not referred for a case (移送).
    assert [f.follow_up for f in result.findings] == ["反馈"]
    assert result.suggested_measures == ["feedback"]
    assert {"report_filed", "ar_finance_true", "ii_capital"} <= result.hidden

    del answers["address_photos"]
    assert "address_photos" in evaluate(checklist, answers, INSPECTED).errors


@pytest.mark.parametrize(
    "item_id, expected",
    [
        ("report_filed", "B"),  # 未按规定公示应当公示的信息
        ("ii_capital", "B"),
        ("ar_finance_true", "C"),  # 公示信息隐瞒真实情况、弄虚作假
        ("ar_contact_true", "C"),
    ],
)
def test_public_information_findings_map_to_the_official_categories(app, item_id, expected):
    checklist = registry().get("public-information")
    answers = answers_for(checklist)
    answers[item_id] = "不符合"
    result = evaluate(checklist, answers, INSPECTED)
    assert result.suggested_result == expected
    assert result.findings and result.findings[0].result == expected


def test_public_information_for_an_individual_business_skips_company_items(app):
    checklist = registry().get("public-information")
    answers = answers_for(checklist)
    answers["subject_kind"] = "individual"
    result = evaluate(checklist, answers, INSPECTED)
    assert {"ar_capital_true", "ar_equity_true", "ii_capital", "ii_permits"} <= result.hidden
    assert "ar_finance_true" not in result.hidden


@pytest.mark.parametrize(
    "kind, shown, hidden",
    [
        ("elevator", {"elevator_alarm", "elevator_key", "elevator_maintainer"}, {"boiler_water", "safety_valve_until"}),
        ("boiler", {"boiler_water", "safety_valve_until"}, {"elevator_alarm", "daily_trial_run"}),
        ("amusement", {"daily_trial_run", "passenger_notice"}, {"elevator_alarm", "quick_door_interlock"}),
    ],
)
def test_special_equipment_items_follow_the_kind_of_equipment(app, kind, shown, hidden):
    checklist = registry().get("special-equipment")
    answers = answers_for(checklist)
    answers["unit"][0]["eq_type"] = kind
    result = evaluate(checklist, answers, INSPECTED)
    assert result.errors == {}
    assert {f"unit-0-{i}" for i in hidden} <= result.hidden
    assert not {f"unit-0-{i}" for i in shown} & result.hidden


def test_special_equipment_overdue_periodic_inspection_is_a_case(app):
    checklist = registry().get("special-equipment")
    answers = answers_for(checklist)
    answers["unit"][0]["next_inspection"] = (INSPECTED - timedelta(days=1)).isoformat()
    result = evaluate(checklist, answers, INSPECTED)
    assert [(f.key, f.follow_up) for f in result.findings] == [("unit-0-next_inspection", "立案调查")]


def test_eyeglass_shop_without_eye_tests_needs_no_refractometer(app):
    checklist = registry().get("eyeglass-instruments")
    answers = answers_for(checklist)
    answers["services"] = ["ready_made"]
    answers["refractometer_present"] = "不符合"
    result = evaluate(checklist, answers, INSPECTED)
    assert {"refractometer_present", "trial_lens_present"} <= result.hidden
    assert result.findings == []
    answers["services"] = ["refraction", "fitting"]
    result = evaluate(checklist, answers, INSPECTED)
    assert [f.key for f in result.findings] == ["refractometer_present"]


def test_production_licence_food_contact_items_only_for_food_contact_products(app):
    checklist = registry().get("production-licence")
    answers = answers_for(checklist)
    answers["product_category"] = "industrial"
    result = evaluate(checklist, answers, INSPECTED)
    assert {"materials_food_grade", "hygiene_ok"} <= result.hidden
    answers["product_category"] = "food_contact"
    answers["materials_food_grade"] = "不符合"
    result = evaluate(checklist, answers, INSPECTED)
    assert [(f.key, f.severity) for f in result.findings] == [("materials_food_grade", "serious")]


def test_patent_claims_that_are_not_in_force_are_passing_off(app):
    checklist = registry().get("patent-authenticity")
    answers = answers_for(checklist)
    answers["patent"][0]["status"] = "lapsed"
    result = evaluate(checklist, answers, INSPECTED)
    assert [(f.key, f.follow_up) for f in result.findings] == [("patent-0-status", "立案调查")]
    answers["marks_patents"] = "no"
    result = evaluate(checklist, answers, INSPECTED)
    assert "patent" in result.hidden and result.findings == []


# --- as a form ----------------------------------------------------------------------------------------------


def test_every_checklist_renders_as_a_form_with_its_items(app, client_request):
    client_request.login("content-inspector", "inspector", "140602")
    for checklist in registry().all():
        page = client_request.get("checklists.show", checklist_id=checklist.id, _headers={"Accept-Language": "zh-CN"})
        page = page.get_text(" ")
        squashed = squash(page)
        assert squash(checklist.title.zh) in squashed, checklist.id
        for section in checklist.sections:
            assert squash(section.title.zh) in squashed, (checklist.id, section.id)
            for item in section.items:
                assert squash(item.label.zh) in squashed, (checklist.id, item.id)


# --- the phone judges the content's conditions as the server does -----------------------------------------


def _variants(checklist) -> list[dict]:
    """Answer sets that walk the content's conditions: all compliant, all failing, and each answer
    of each choice item (at the top and in the first block of each repeat)."""
    base = answers_for(checklist, blocks=2)
    out = [base, answers_for(checklist, failing=True, blocks=2)]

    def each_choice(items, block, setter):
        for item in items:
            if isinstance(item, RepeatItem):
                inner = block[item.id][0]
                each_choice(item.children(), inner, lambda i, v, inner=inner: inner.__setitem__(i, v))
            elif item.type in ("choice", "check"):
                values = item.values if item.type == "choice" else ["符合", "不符合", "不适用"]
                original = block[item.id]
                for value in values:
                    setter(item.id, [value] if getattr(item, "multiple", False) else value)
                    out.append(copy.deepcopy(base))
                setter(item.id, original)

    each_choice([i for s in checklist.sections for i in s.items], base, base.__setitem__)
    return out


def _condition_cases(checklist, answers: dict) -> list[list]:
    cases = []

    def walk(items, block, path):
        for item in items:
            if isinstance(item, RepeatItem):
                for index, inner in enumerate(block.get(item.id) or []):
                    walk(item.children(), inner, path + [item.id, index])
                continue
            if item.relevant is not None:
                cases.append([item.relevant.source, answers, path, None, item.relevant.evaluate(answers, tuple(path))])
            value = block.get(item.id)
            if item.constraint is not None and value is not None:
                cases.append(
                    [
                        item.constraint.source,
                        answers,
                        path,
                        value,
                        item.constraint.evaluate(answers, tuple(path), value),
                    ]
                )

    walk([i for s in checklist.sections for i in s.items], answers, [])
    return cases


@pytest.mark.browser
def test_conditions_of_the_content_give_the_same_answers_in_chromium(app, browser):
    cases = []
    for checklist in registry().all():
        for answers in _variants(checklist):
            cases.extend(_condition_cases(checklist, answers))
    assert len(cases) > 5000 and {c[4] for c in cases} == {True, False}
    page = browser.new_page()
    page.set_content("<!doctype html><title>conditions</title>")
    page.add_script_tag(path=str(ROOT / "static" / "js" / "conditions.js"))
    mismatches = page.evaluate(
        """(cases) => cases.filter(([text, answers, path, self, expected]) =>
               window.FieldappConditions.evaluate(text, answers, path, self) !== expected
           ).map(([text, answers, path, self, expected]) => [text, path, self, expected])""",
        cases,
    )
    page.close()
    assert mismatches == []


def test_the_feedback_follow_up_reads_clearly(app):
    from flask import render_template_string

    assert "反馈" in FOLLOW_UPS
    shown = render_template_string("{{ follow_up_label('反馈') }}|{{ follow_up_label('移送') }}")
    assert shown == "反馈日常监管部门处理|移送"


def test_the_form_shows_the_description_and_each_items_legal_basis(app):
    from bs4 import BeautifulSoup
    from flask import render_template_string

    checklist = registry().get("public-information")
    with app.test_request_context("/"):
        html = render_template_string(
            '{% from "checklists/_form.html" import render_checklist %}'
            "{{ render_checklist(c, {}, inspection_date=d) }}",
            c=checklist,
            d=INSPECTED,
        )
    page = BeautifulSoup(html, "html.parser")
    assert page.select_one(".cl-form__description").text == checklist.description.zh
    basis = page.select_one("#cl-reachable .cl-item__basis")
    assert basis["id"] == "reachable-basis" and basis.text == "依据：《企业经营异常名录管理暂行办法》"
    assert "reachable-basis" in page.select_one("#cl-reachable [aria-describedby]")["aria-describedby"]
    # An item without a basis gets no basis line.
    assert page.select_one("#cl-address_photos .cl-item__basis") is None
