"""Metrology content: market scales record the measured value and the maximum permissible error and
the app judges them (numbers, not a yes/no), goods are re-weighed against the permitted shortfall, and
every metrology item that can fail cites its legal basis."""

from __future__ import annotations

import copy

import pytest

from fieldapp.checklists import evaluate, registry
from fieldapp.checklists.definition import build_checklist
from checklist_answers import INSPECTED, answers_for, can_fail
from checklist_definitions import CODES, FUEL, TAGS, nozzle_items, problems_of

METROLOGY = [
    "market-scales",
    "fuel-dispensers",
    "eyeglass-instruments",
    "medical-instruments",
    "legal-metrology-institutions",
    "measurement-units",
    "prepackaged-net-content",
]


def scales(**block) -> dict:
    checklist = registry().get("market-scales")
    answers = answers_for(checklist)
    answers["scale"][0].update(division_e="2", test_load="1000", mpe="2", goods_reweighed="no")
    answers["scale"][0].update(block)
    return answers


@pytest.mark.parametrize(
    "indication, outcome",
    [
        ("1000", "合格"),
        ("1002", "合格"),
        ("998", "合格"),  # within ±2 g (e = 2 g at 500e: ±1e in use)
        ("1002.1", "问题"),
        ("997.9", "问题"),
        ("1010", "问题"),
    ],
)
def test_market_scale_error_is_judged_against_the_entered_mpe(app, indication, outcome):
    checklist = registry().get("market-scales")
    result = evaluate(checklist, scales(indication=indication), INSPECTED)
    assert result.errors == {}
    assert result.outcome("scale-0-indication") == outcome
    if outcome == "问题":
        finding = next(f for f in result.findings if f.key == "scale-0-indication")
        assert (finding.severity, finding.follow_up, finding.value) == ("major", "立案调查", indication)
        assert finding.where.zh == "计量器具 1 › 秤的示值（放上核查载荷后）"
        assert result.suggested_result == "A"
    else:
        assert result.findings == [] and result.suggested_result == "1"


def test_a_larger_mpe_accepts_what_a_smaller_one_refuses(app):
    checklist = registry().get("market-scales")
    assert evaluate(checklist, scales(indication="1004", mpe="4"), INSPECTED).outcome("scale-0-indication") == "合格"
    assert evaluate(checklist, scales(indication="1004", mpe="2"), INSPECTED).outcome("scale-0-indication") == "问题"


def test_the_measured_value_and_mpe_are_required_numbers(app):
    checklist = registry().get("market-scales")
    answers = scales(indication="1001")
    del answers["scale"][0]["mpe"]
    result = evaluate(checklist, answers, INSPECTED)
    assert [e.code for e in result.errors["scale-0-mpe"]] == ["required"]
    assert result.outcome("scale-0-indication") is None  # not judged without its limit
    answers["scale"][0]["mpe"] = "0"
    assert [e.code for e in evaluate(checklist, answers, INSPECTED).errors["scale-0-mpe"]] == ["constraint"]
    answers["scale"][0]["mpe"] = "两克"
    assert [e.code for e in evaluate(checklist, answers, INSPECTED).errors["scale-0-mpe"]] == ["type"]


def test_each_scale_is_judged_against_its_own_mpe(app):
    checklist = registry().get("market-scales")
    answers = scales(indication="1003", mpe="5")
    second = copy.deepcopy(answers["scale"][0])
    second.update(stall="12号 李四", indication="1003", mpe="1")
    answers["scale"].append(second)
    result = evaluate(checklist, answers, INSPECTED)
    assert result.errors == {}
    assert [f.key for f in result.findings] == ["scale-1-indication"]


@pytest.mark.parametrize("shortfall, finding", [("0", False), ("20", False), ("20.1", True), ("-15", False)])
def test_reweighed_goods_against_the_permitted_shortfall(app, shortfall, finding):
    checklist = registry().get("market-scales")
    answers = scales(indication="1000", goods_reweighed="yes", negative_tolerance="20", shortfall=shortfall)
    result = evaluate(checklist, answers, INSPECTED)
    assert result.errors == {}
    assert [f.key for f in result.findings] == (["scale-0-shortfall"] if finding else [])


def test_not_reweighing_goods_hides_the_shortfall(app):
    checklist = registry().get("market-scales")
    result = evaluate(checklist, scales(indication="1000", shortfall="500", negative_tolerance="1"), INSPECTED)
    assert {"scale-0-shortfall", "scale-0-negative_tolerance"} <= result.hidden and result.findings == []


def test_every_metrology_item_that_can_fail_cites_its_legal_basis(app):
    for checklist_id in METROLOGY:
        checklist = registry().get(checklist_id)
        for item in checklist.walk():
            if can_fail(item):
                assert item.basis and ("《" in item.basis or "JJG" in item.basis), f"{checklist_id}/{item.id}"


# --- the engine: a limit from other answers ---------------------------------------------------------------


def with_reference_limit(limit):
    data = copy.deepcopy(FUEL)
    nozzle = nozzle_items(data)
    nozzle.append({"id": "mpe_pct", "type": "number", "label": {"zh": "最大允许误差", "en": "MPE"}})
    error = next(i for i in nozzle if i["id"] == "error_pct")
    error["limit"] = limit
    return data


def test_a_limit_may_name_another_number_answer():
    checklist = build_checklist(
        with_reference_limit({"tolerance": "${mpe_pct}"}), "checklists/fuel-dispensers.yaml", TAGS, CODES
    )
    error = checklist.by_id["error_pct"]
    assert error.limit_refs == {"tolerance": "mpe_pct"} and not error.has_limit
    assert error.outcome("0.4", None, {"mpe_pct": "0.5"}.get) == "合格"
    assert error.outcome("-0.6", None, {"mpe_pct": "0.5"}.get) == "问题"
    assert error.outcome("0.4", None, {}.get) is None


@pytest.mark.parametrize(
    "limit, problem",
    [
        ({"tolerance": "${nowhere}"}, "limit.tolerance refers to ${nowhere}, which is not another number item"),
        ({"tolerance": "${serial}"}, "limit.tolerance refers to ${serial}, which is not another number item"),
        ({"tolerance": "${error_pct}"}, "limit.tolerance refers to ${error_pct}, which is not another number item"),
        ({"tolerance": "mpe"}, "limit.tolerance must be a number or ${id}"),
        ({"min": "${mpe_pct}", "tolerance": "1"}, "use either limit {min, max} or {target, tolerance}"),
    ],
)
def test_a_bad_limit_reference_is_refused(limit, problem):
    problems = problems_of(with_reference_limit(limit))
    assert any(problem in p for p in problems), problems


def test_a_limit_cannot_reach_into_a_repeat_from_outside():
    data = copy.deepcopy(FUEL)
    data["sections"][0]["items"].append(
        {"id": "outside", "type": "number", "label": {"zh": "外", "en": "Out"}, "limit": {"max": "${error_pct}"}}
    )
    assert any("which is inside a repeat not enclosing this item" in p for p in problems_of(data))


# --- in the form ----------------------------------------------------------------------------------------


def market_scales_form(app, answers=None) -> str:
    from flask import render_template_string

    with app.test_request_context("/"):
        return render_template_string(
            '{% from "checklists/_form.html" import render_checklist %}'
            "{{ render_checklist(c, a, prefix='t1-', locale='zh', inspection_date=d) }}",
            c=registry().get("market-scales"),
            a=answers or {"scale": [{}]},
            d=INSPECTED,
        )


def test_the_form_says_what_the_indication_is_judged_against(app):
    from bs4 import BeautifulSoup

    page = BeautifulSoup(market_scales_form(app), "html.parser")
    item = page.select_one('.cl-item[data-key="scale-0-indication"]')
    limit = "".join(item.select_one(".cl-limit").get_text().split())
    assert limit == "允许范围:“核查载荷（标准砝码或经公平秤确认的标准质量）”±“该载荷下的最大允许误差（±）”"
    assert item.select_one(".cl-number")["data-limit"] == '{"target": "${test_load}", "tolerance": "${mpe}"}'
    shortfall = "".join(page.select_one('.cl-item[data-key="scale-0-shortfall"] .cl-limit').get_text().split())
    assert shortfall == "允许范围:−∞…“该商品称重范围的负偏差”"


@pytest.mark.browser
def test_the_phone_summary_judges_the_indication_against_the_mpe_entered(app, browser):
    from factories.plans import ROOT

    page = browser.new_page()
    page.set_content(
        f'<!doctype html><title>scales</title><form id="f"><div data-checklist-entry data-prefix="t1-">'
        f"{market_scales_form(app)}</div></form>"
    )
    page.add_script_tag(path=str(ROOT / "static" / "js" / "pwa" / "util.js"))
    page.add_script_tag(path=str(ROOT / "static" / "js" / "pwa" / "form-checks.js"))

    def findings(load, mpe, indication):
        for key, value in (("test_load", load), ("mpe", mpe), ("indication", indication)):
            page.fill(f'.cl-item[data-key="scale-0-{key}"] .cl-number', value)
        return page.evaluate("() => FieldappFormChecks.findings(document.getElementById('f')).map(f => f.field)")

    assert findings("1000", "2", "1002") == []
    assert findings("1000", "2", "1002.1") == ["t1-scale-0-indication"]
    assert findings("1000", "5", "1004") == []
    assert findings("1000", "", "1010") == []  # not judged before the MPE is entered
    page.close()


# --- 定量包装商品净含量 ---------------------------------------------------------------------------------


def prepack(role="producer", **lot) -> dict:
    checklist = registry().get("prepackaged-net-content")
    answers = answers_for(checklist)
    answers.update(role=role, c_mark_used="no")
    answers["lot"][0].update(
        min_height="4", char_height="4.0", sampled="yes", batch_size="500", sample_size="50", report="issued"
    )
    answers["lot"][0].update(allowed_t1="3", t1_count="0", t2_count="0")
    answers["lot"][0].update(lot)
    return answers


def test_a_compliant_producer_without_the_c_mark_is_asked_nothing_about_it(app):
    checklist = registry().get("prepackaged-net-content")
    result = evaluate(checklist, prepack(), INSPECTED)
    assert result.errors == {} and result.findings == [] and result.suggested_result == "1"
    # Since the 2023 revision the C mark is voluntary: no mark, no declaration asked; sellers' item hidden.
    assert {"c_mark_declared", "withdrawn"} <= result.hidden


def test_the_c_mark_without_a_self_declaration_is_a_case(app):
    checklist = registry().get("prepackaged-net-content")
    answers = prepack(c_mark_used="yes")
    answers.update(c_mark_used="yes", c_mark_declared="不符合")
    result = evaluate(checklist, answers, INSPECTED)
    assert [(f.key, f.severity, f.follow_up) for f in result.findings] == [("c_mark_declared", "major", "立案调查")]


def test_a_seller_is_asked_about_withdrawing_short_goods_not_about_test_equipment(app):
    checklist = registry().get("prepackaged-net-content")
    result = evaluate(checklist, prepack(role="seller"), INSPECTED)
    assert result.errors == {} and result.findings == []
    assert {"equipment", "equipment_verified", "release_checks", "c_mark_used"} <= result.hidden
    assert "withdrawn" not in result.hidden


@pytest.mark.parametrize("height, finding", [("4.0", False), ("6", False), ("3.9", True), ("2", True)])
def test_net_content_characters_are_judged_against_the_minimum_height_entered(app, height, finding):
    checklist = registry().get("prepackaged-net-content")
    result = evaluate(checklist, prepack(char_height=height), INSPECTED)
    assert result.errors == {}
    assert [(f.key, f.follow_up) for f in result.findings] == ([("lot-0-char_height", "责令改正")] if finding else [])


@pytest.mark.parametrize(
    "t1, t2, found",
    [
        ("3", "0", []),
        ("4", "0", ["lot-0-t1_count"]),  # more units short than the sampling plan allows
        ("1", "1", ["lot-0-t2_count"]),  # no unit may be short by more than twice the tolerable deficiency
    ],
)
def test_short_units_are_judged_against_the_sampling_plan(app, t1, t2, found):
    checklist = registry().get("prepackaged-net-content")
    result = evaluate(checklist, prepack(t1_count=t1, t2_count=t2), INSPECTED)
    assert result.errors == {}
    assert [f.key for f in result.findings] == found
    assert all(f.follow_up == "立案调查" for f in result.findings)


def test_an_unmarked_lot_is_a_case_and_its_marking_details_are_not_asked(app):
    checklist = registry().get("prepackaged-net-content")
    result = evaluate(checklist, prepack(marked="不符合", char_height="1"), INSPECTED)
    assert [(f.key, f.severity, f.follow_up) for f in result.findings] == [("lot-0-marked", "major", "立案调查")]
    assert {"lot-0-marked_correctly", "lot-0-char_height", "lot-0-min_height"} <= result.hidden


def test_results_are_entered_only_once_the_report_is_issued(app):
    checklist = registry().get("prepackaged-net-content")
    result = evaluate(checklist, prepack(report="pending", t1_count="9", t2_count="9"), INSPECTED)
    assert result.errors == {} and result.findings == []
    assert {"lot-0-t1_count", "lot-0-t2_count", "lot-0-average_ok", "lot-0-report_no"} <= result.hidden
