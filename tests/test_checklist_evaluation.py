"""Evaluating answer sets: outcomes, findings, validation errors, hidden items, suggested result."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from fieldapp.checklists import check_result_choice, choose_result, evaluate
from fieldapp.checklists.definition import load_file
from fieldapp.checklists.catalog import known_tags
from fieldapp.checklists.results import ResultChoiceInvalid, result_table

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "checklists" / "fuel-dispensers.yaml"
COPY = ROOT / "tests" / "data" / "checklists" / "fuel-dispensers.yaml"
INSPECTED = date(2021, 6, 10)


@pytest.fixture(params=[p for p in (REAL, COPY) if p.exists()], ids=lambda p: p.parent.name)
def fuel(request):
    """The real dispenser checklist once it is in checklists/, and the engine's own copy."""
    return load_file(request.param, known_tags(ROOT / "data" / "tags.yaml"), set(result_table().categories))


@pytest.fixture
def copy_checklist():
    return load_file(COPY, None, None)


def two_by_two(errors=("0.10", "-0.05", "0.30", "0.31"), valid_until="2021-12-31"):
    """Two dispensers with two nozzles each."""
    it = iter(errors)
    return {
        "pledge": "符合",
        "dispenser": [
            {
                "serial": f"D{d}",
                "verified": "符合",
                "certificate_valid_until": valid_until,
                "nozzle": [{"nozzle_no": str(n), "error_pct": next(it)} for n in (1, 2)],
            }
            for d in (1, 2)
        ],
    }


def finding_keys(evaluation):
    return [f.key for f in evaluation.findings]


def test_two_dispensers_two_nozzles_plus_0_31_is_a_finding_0_30_is_not(fuel):
    ev = evaluate(fuel, two_by_two(), INSPECTED)
    assert ev.outcome("dispenser-1-nozzle-0-error_pct") == "合格"  # +0.30
    assert ev.outcome("dispenser-1-nozzle-1-error_pct") == "问题"  # +0.31
    assert [k for k in finding_keys(ev) if k.endswith("error_pct")] == ["dispenser-1-nozzle-1-error_pct"]
    finding = next(f for f in ev.findings if f.key == "dispenser-1-nozzle-1-error_pct")
    assert finding.severity == "major" and finding.follow_up == "立案调查"
    assert finding.where.zh.startswith("加油机 2 › 油枪 2 › ")
    assert finding.value == "0.31"
    assert ev.outcome("dispenser") == "问题"
    assert ev.outcome("dispenser-0-nozzle") == "合格" and ev.outcome("dispenser-1-nozzle") == "问题"


@pytest.mark.parametrize(
    "value, outcome",
    [
        ("0.3", "合格"),
        ("0.300", None),
        ("-0.30", "合格"),
        ("-0.31", "问题"),
        ("0.29", "合格"),
        ("+0.31", "问题"),
        ("０.３１", "问题"),
        ("0,31", "问题"),
        ("0.31%", "问题"),
    ],
)
def test_decimal_limits_without_float_surprises(copy_checklist, value, outcome):
    answers = two_by_two(errors=(value, "0", "0", "0"))
    ev = evaluate(copy_checklist, answers, INSPECTED)
    key = "dispenser-0-nozzle-0-error_pct"
    assert ev.outcome(key) == outcome
    if outcome is None:  # three decimals where two are allowed: a type error, kept as typed
        assert [e.code for e in ev.errors[key]] == ["type"]
        assert ev.answers["dispenser"][0]["nozzle"][0]["error_pct"] == "0.300"


def test_a_certificate_that_expired_the_day_before_is_a_finding(fuel):
    ev = evaluate(fuel, two_by_two(errors=("0", "0", "0", "0"), valid_until="2021-06-09"), INSPECTED)
    assert ev.outcome("dispenser-0-certificate_valid_until") == "问题"
    assert "dispenser-0-certificate_valid_until" in finding_keys(ev)
    on_the_day = evaluate(fuel, two_by_two(errors=("0", "0", "0", "0"), valid_until="2021-06-10"), INSPECTED)
    assert on_the_day.outcome("dispenser-0-certificate_valid_until") == "合格"
    assert not [k for k in finding_keys(on_the_day) if "certificate" in k]


def test_a_hidden_item_stays_unanswered_and_unrequired(fuel):
    answers = two_by_two()
    answers["dispenser"][0]["verified"] = "不符合"  # the certificate date is not asked any more
    ev = evaluate(fuel, answers, INSPECTED)
    key = "dispenser-0-certificate_valid_until"
    assert key in ev.hidden
    assert key not in ev.errors and key not in ev.results
    assert "certificate_valid_until" not in ev.answers["dispenser"][0]  # the stale answer is dropped
    assert "certificate_valid_until" in ev.answers["dispenser"][1]
    # Asked (and required) when shown: unanswered, it is an error.
    answers["dispenser"][0]["verified"] = "符合"
    del answers["dispenser"][0]["certificate_valid_until"]
    ev = evaluate(fuel, answers, INSPECTED)
    assert [e.code for e in ev.errors[key]] == ["required"]


def test_an_item_hidden_behind_a_hidden_item_is_hidden_too(copy_checklist):
    answers = {"complaints_count": "0", "complaints_handled": "不符合", "handling_notes": "old text"}
    ev = evaluate(copy_checklist, answers, INSPECTED)
    assert {"complaints_handled", "handling_notes"} <= ev.hidden
    assert "handling_notes" not in ev.answers and "handling_notes" not in ev.errors
    answers["complaints_count"] = "2"
    ev = evaluate(copy_checklist, answers, INSPECTED)
    assert ev.answers["handling_notes"] == "old text" and ev.outcome("complaints_handled") == "问题"


def test_required_constraint_and_type_errors(copy_checklist, app):
    answers = two_by_two()
    answers["complaints_count"] = "-1"
    answers["dispenser"][1]["nozzle"][0]["error_pct"] = "12"
    answers["dispenser"][0]["nozzle"][1]["error_pct"] = "abc"
    del answers["pledge"]
    ev = evaluate(copy_checklist, answers, INSPECTED)
    assert [e.code for e in ev.errors["pledge"]] == ["required"]
    constraint = ev.errors["complaints_count"][0]
    assert constraint.code == "constraint"
    assert constraint.text("zh") == "请输入0到10000之间的整数"
    assert constraint.text("en") == "Enter a whole number from 0 to 10000"
    assert ev.errors["dispenser-1-nozzle-0-error_pct"][0].text("en") == "Enter a value between -10 and 10"
    wrong = ev.errors["dispenser-0-nozzle-1-error_pct"][0]
    assert wrong.code == "type" and wrong.text("en") == "Enter a number, such as 0.25 or -1.5."
    assert wrong.text("zh") != wrong.text("en")
    # A wrong answer is neither an outcome nor a finding, and is kept to be shown again.
    assert ev.outcome("dispenser-0-nozzle-1-error_pct") is None
    assert ev.answers["dispenser"][0]["nozzle"][1]["error_pct"] == "abc"
    assert not ev.is_valid


def test_repeat_counts_and_constraints_across_blocks(copy_checklist):
    ev = evaluate(copy_checklist, {"dispenser": []}, INSPECTED)
    assert [e.code for e in ev.errors["dispenser"]] == ["required"]
    answers = two_by_two()
    answers["dispenser_total"] = "1"  # fewer than the two dispensers checked
    ev = evaluate(copy_checklist, answers, INSPECTED)
    assert ev.errors["dispenser_total"][0].text("zh") == "总数不能少于已检查的加油机数"
    answers["dispenser_total"] = "2"
    assert "dispenser_total" not in evaluate(copy_checklist, answers, INSPECTED).errors


def test_relevance_inside_a_nozzle_block(copy_checklist):
    answers = two_by_two()
    answers["dispenser"][1]["nozzle"][1]["retest_error_pct"] = "0.2"
    answers["dispenser"][0]["nozzle"][0]["retest_error_pct"] = "0.2"  # error 0.10: not asked
    ev = evaluate(copy_checklist, answers, INSPECTED)
    assert "dispenser-0-nozzle-0-retest_error_pct" in ev.hidden
    assert "dispenser-1-nozzle-1-retest_error_pct" not in ev.hidden
    assert ev.answers["dispenser"][1]["nozzle"][1]["retest_error_pct"] == "0.2"
    assert "retest_error_pct" not in ev.answers["dispenser"][0]["nozzle"][0]


def test_no_findings_suggests_no_problem_and_findings_suggest_the_right_category(copy_checklist):
    clean = two_by_two(errors=("0", "0", "0", "0"))
    ev = evaluate(copy_checklist, clean, INSPECTED)
    assert ev.findings == [] and ev.suggested_result == "1" and ev.suggested_measures == ["none"]
    clean["pledge"] = "不符合"  # only 责令改正
    ev = evaluate(copy_checklist, clean, INSPECTED)
    assert ev.suggested_result == "E" and ev.suggested_measures == ["order"]
    ev = evaluate(copy_checklist, two_by_two(), INSPECTED)  # an error beyond the limit: 立案调查
    assert ev.suggested_result == "A" and "case" in ev.suggested_measures
    assert result_table().label(ev.suggested_result, "zh") == "发现问题待后续处理"


def test_the_result_table_has_every_official_category():
    labels = {c.label.zh for c in result_table().categories.values()}
    assert {
        "未发现问题",
        "发现问题已责令改正",
        "发现问题待后续处理",
        "未按规定公示应当公示的信息",
        "公示信息隐瞒真实情况、弄虚作假",
        "通过登记的住所（经营场所）无法联系",
        "未发现开展本次抽查涉及的经营活动",
        "已关闭停业或正在组织清算",
        "不配合检查情节严重",
        "已注销",
        "已吊销",
        "已撤销",
        "已迁出",
    } <= labels
    assert all(c.label.en for c in result_table().categories.values())


def test_overriding_the_suggestion_needs_a_written_reason(app):
    assert check_result_choice("A", "A", "") is None
    assert check_result_choice("A", "E", "") is not None
    assert check_result_choice("A", "E", "   ") is not None
    assert check_result_choice("A", "E", "现场已当场整改完毕") is None
    assert check_result_choice("1", "Q", "理由理由理由") is not None
    assert check_result_choice("1", "1,A", "理由理由理由") is not None
    record = choose_result("A", "E", " 现场已当场整改完毕 ")
    assert record == {"suggested": "A", "result": "E", "overridden": True, "reason": "现场已当场整改完毕"}
    with pytest.raises(ResultChoiceInvalid):
        choose_result("A", "6", "")


def test_evaluation_to_json_is_json_safe(copy_checklist):
    import json

    data = evaluate(copy_checklist, two_by_two(), INSPECTED).to_json()
    text = json.dumps(data, ensure_ascii=False)
    assert data["definition_sha256"] == copy_checklist.sha256
    assert "示值误差超过最大允许误差" in text and data["outcomes"]["dispenser-1-nozzle-1-error_pct"] == "问题"
