"""The checklist library beyond the seed (food production, food sales, catering, small food workshops,
industrial product quality, price marking, enterprise standards): each cites its legal basis per
item, maps reworded plan items through ``covers`` and ``aliases``, and answers realistic visits with
the findings, follow-ups and official result an inspector expects."""

from __future__ import annotations

from datetime import timedelta

import pytest

from fieldapp.checklists import evaluate, registry
from fieldapp.checklists.definition import squash
from fieldapp.checklists.results import result_table
from checklist_answers import INSPECTED, PHOTO, answers_for, can_fail
from factories.plans import seed_tasks

LIBRARY = [
    "food-production",
    "food-sales",
    "catering",
    "food-workshops",
    "industrial-products",
    "price-marking",
    "enterprise-standards",
]

# Items as other bureaus word them in their plans (national list wording, short forms, the rule's wording).
REWORDED = {
    "food-production": [
        "食品生产者监督检查",
        "对食品生产者的行政检查",
        "食品生产企业日常监督检查（含食品添加剂生产企业）",
    ],
    "food-sales": ["食品销售者监督检查", "超市食品安全检查", "对保健食品经营者的行政检查"],
    "catering": ["餐饮服务提供者监督检查", "学校食堂食品安全情况的检查", "对餐饮服务提供者的行政检查"],
    "food-workshops": ["食品生产加工小作坊监督检查", "小作坊监督检查"],
    "industrial-products": ["工业产品质量监督检查", "重点工业产品质量安全检查", "产品标识标注检查"],
    "price-marking": ["明码标价检查", "对经营者价格活动的行政检查", "价格欺诈行为检查"],
    "enterprise-standards": ["企业标准自我声明公开情况检查", "企业执行标准公开情况检查"],
}


# The seed's items as another bureau words them: each still reaches its checklist (and only it).
REWORDED_SEED = {
    "加油站计量监督检查（在用加油机）": "fuel-dispensers",
    "对加油站计量行为的行政检查": "fuel-dispensers",
    "农贸市场计量器具检查": "market-scales",
    "医院在用强检计量器具检查": "medical-instruments",
    "眼镜制配计量监督检查": "eyeglass-instruments",
    "法定计量单位使用情况检查": "measurement-units",
    "对计量检定机构的行政检查": "legal-metrology-institutions",
    "电梯使用单位监督检查": "special-equipment",
    "对特种设备使用单位的行政检查": "special-equipment",
    "企业公示信息抽查": "public-information",
    "市场主体登记事项检查": "registration-items",
    "3C认证获证产品检查": "ccc-certification",
    "检验检测机构资质认定检查": "testing-laboratories",
    "地理标志使用检查": "collective-certification-marks",
    "电子商务经营者披露信息的检查": "ecommerce-platforms",
}


def fold(text: str) -> str:
    """Spaces and punctuation removed: how a plan item is compared with covers and aliases."""
    return "".join(ch for ch in squash(text) if ch.isalnum())


def matches(checklist, text: str) -> bool:
    folded = fold(text)
    return any(fold(t) in folded for t in checklist.covers + checklist.aliases)


def get(checklist_id):
    checklist = registry().get(checklist_id)
    assert checklist is not None, checklist_id
    return checklist


def filled(checklist_id):
    """The checklist and compliant answers to all of it (``checklist_answers.answers_for``)."""
    checklist = get(checklist_id)
    return checklist, answers_for(checklist)


# --- the library as a whole ---------------------------------------------------------------------------


def test_every_library_checklist_is_loaded_with_covers_and_aliases(app):
    for checklist_id in LIBRARY:
        checklist = get(checklist_id)
        assert len(checklist.covers) >= 2 and len(checklist.aliases) >= 4, checklist_id
        assert checklist.legal_basis and checklist.description.zh


def test_every_item_that_can_fail_cites_its_legal_basis(app):
    for checklist_id in LIBRARY:
        checklist = get(checklist_id)
        for item in checklist.walk():
            if can_fail(item):
                assert item.basis and "《" in item.basis, f"{checklist_id}/{item.id}"


def test_results_use_the_official_result_categories(app):
    codes = set(result_table().categories)
    for checklist_id in LIBRARY:
        for item in get(checklist_id).walk():
            if item.finding is not None and item.finding.result is not None:
                assert item.finding.result in codes, f"{checklist_id}/{item.id}"


@pytest.mark.parametrize("checklist_id", LIBRARY)
def test_reworded_plan_items_reach_the_checklist_and_no_other(app, checklist_id):
    for text in REWORDED[checklist_id]:
        hits = {c.id for c in registry().all() if matches(c, text)}
        assert hits == {checklist_id}, (text, hits)


@pytest.mark.parametrize("text, expected", sorted(REWORDED_SEED.items()))
def test_reworded_seed_items_reach_their_checklist_and_no_other(app, text, expected):
    assert {c.id for c in registry().all() if matches(c, text)} == {expected}


def test_every_specific_checklist_has_aliases(app):
    for checklist in registry().all():
        if checklist.covers:  # the general on-site checklist (现场核查) covers nothing by wording
            assert len(checklist.aliases) >= 3, checklist.id


def test_aliases_are_not_shared_between_checklists(app):
    seen: dict[str, str] = {}
    for checklist in registry().all():
        for text in checklist.covers + checklist.aliases:
            key = fold(text)
            assert seen.get(key, checklist.id) == checklist.id, (text, seen.get(key), checklist.id)
            seen[key] = checklist.id


def test_no_library_checklist_takes_over_an_item_of_the_seed(app):
    for task in seed_tasks():
        for text in task.items:
            assert not {c.id for c in registry().resolve_item(text)} & set(LIBRARY), (task.number, text)


# --- food production ----------------------------------------------------------------------------------


def test_food_production_compliant_visit_finds_nothing(app):
    checklist = get("food-production")
    result = evaluate(checklist, answers_for(checklist, blocks=3), INSPECTED)
    assert result.errors == {} and result.findings == []
    assert result.suggested_result == "1"
    assert "entrusted_records" in result.hidden  # asked only of contract producers


def test_food_production_expired_health_certificate_and_untested_release(app):
    checklist = get("food-production")
    answers = answers_for(checklist, blocks=2)
    answers["staff"][1]["health_certificate_until"] = (INSPECTED - timedelta(days=1)).isoformat()
    answers["release_testing"] = "不符合"
    answers["entrusted"] = "yes"
    answers["entrusted_records"] = "不符合"
    result = evaluate(checklist, answers, INSPECTED)
    assert result.errors == {}
    found = {f.key: (f.severity, f.follow_up) for f in result.findings}
    assert found == {
        "staff-1-health_certificate_until": ("minor", "责令改正"),
        "release_testing": ("major", "立案调查"),
        "entrusted_records": ("minor", "责令改正"),
    }
    assert result.suggested_result == "A"  # a case to follow up outranks 责令改正
    assert set(result.suggested_measures) == {"order", "case"}


def test_food_production_illegal_additive_is_a_serious_case(app):
    checklist, answers = filled("food-production")
    answers["no_non_food_substances"] = "不符合"
    result = evaluate(checklist, answers, INSPECTED)
    assert [(f.key, f.severity, f.follow_up) for f in result.findings] == [
        ("no_non_food_substances", "serious", "立案调查")
    ]
    assert "不适用" not in checklist.by_id["no_non_food_substances"].values


# --- food sales ---------------------------------------------------------------------------------------


def test_food_sales_items_follow_what_the_shop_sells(app):
    checklist, answers = filled("food-sales")
    answers["sales_kind"] = ["prepackaged"]
    result = evaluate(checklist, answers, INSPECTED)
    assert {
        "bulk_labels",
        "wholesale_records",
        "produce_records",
        "special_separate",
        "imported_labels",
        "health_certificates",
    } <= result.hidden
    assert "prepackaged_labels" not in result.hidden
    answers["sales_kind"] = ["bulk", "produce", "wholesale", "special", "imported"]
    for key in (
        "bulk_labels",
        "wholesale_records",
        "produce_records",
        "special_separate",
        "imported_labels",
        "health_certificates",
        "prepackaged_labels",
    ):
        answers[key] = "符合"
    result = evaluate(checklist, answers, INSPECTED)
    assert result.errors == {} and result.findings == []


def test_food_sales_counted_expired_food_is_a_case_with_photos(app):
    checklist, answers = filled("food-sales")
    answers["expired_found"] = "3"
    answers.pop("expired_photos", None)
    result = evaluate(checklist, answers, INSPECTED)
    assert [e.code for e in result.errors["expired_photos"]] == ["required"]
    answers["expired_photos"] = [PHOTO]
    result = evaluate(checklist, answers, INSPECTED)
    assert result.errors == {}
    assert [(f.key, f.follow_up, f.value) for f in result.findings] == [("expired_found", "立案调查", "3")]
    assert result.outcome("expired_found") == "问题"
    answers["expired_found"] = "0"
    assert evaluate(checklist, answers, INSPECTED).outcome("expired_found") == "合格"
    answers["expired_found"] = "-1"
    assert [e.code for e in evaluate(checklist, answers, INSPECTED).errors["expired_found"]] == ["constraint"]


def test_food_sales_small_breaches_are_ordered_corrected(app):
    checklist, answers = filled("food-sales")
    answers["premises"] = "不符合"
    answers["self_inspection"] = "不符合"
    result = evaluate(checklist, answers, INSPECTED)
    assert {f.follow_up for f in result.findings} == {"责令改正"}
    assert result.suggested_result == "E"
    assert result.suggested_measures == ["order"]


# --- catering -----------------------------------------------------------------------------------------


def catering_answers(kind: str) -> dict:
    checklist, answers = filled("catering")
    answers.update(
        canteen_kind=kind, sample_dish="午餐 红烧肉", sample_grams="150", sample_hours="50", licensed_supplier="不适用"
    )
    return answers


def test_catering_restaurant_is_not_asked_for_food_samples(app):
    checklist = get("catering")
    result = evaluate(checklist, catering_answers("restaurant"), INSPECTED)
    assert result.errors == {} and result.findings == []
    assert {"sample_grams", "sample_hours", "licensed_supplier"} <= result.hidden
    assert "samples" in result.hidden_sections


@pytest.mark.parametrize(
    "grams, hours, failing",
    [
        ("125", "48", set()),  # the limits themselves pass
        ("124", "48", {"sample_grams"}),
        ("200", "47", {"sample_hours"}),
        ("100", "24", {"sample_grams", "sample_hours"}),
    ],
)
def test_school_canteen_food_samples_are_weighed_and_timed(app, grams, hours, failing):
    checklist = get("catering")
    answers = catering_answers("canteen")
    answers.update(sample_grams=grams, sample_hours=hours)
    result = evaluate(checklist, answers, INSPECTED)
    assert result.errors == {}
    assert {f.key for f in result.findings} == failing
    assert result.suggested_result == ("E" if failing else "1")


def test_school_canteen_ordering_from_an_unlicensed_supplier_is_a_case(app):
    checklist = get("catering")
    answers = catering_answers("canteen")
    answers["licensed_supplier"] = "不符合"
    answers["tableware_disinfected"] = "不符合"
    result = evaluate(checklist, answers, INSPECTED)
    assert {(f.key, f.follow_up) for f in result.findings} == {
        ("licensed_supplier", "立案调查"),
        ("tableware_disinfected", "立案调查"),
    }
    assert result.suggested_result == "A"


# --- small food workshops ------------------------------------------------------------------------------


def test_food_workshop_unregistered_and_forbidden_product(app):
    checklist, answers = filled("food-workshops")
    answers.update(registered="不符合", permitted_products="不符合", products="婴幼儿辅助食品")
    answers.pop("registration_valid_until", None)
    result = evaluate(checklist, answers, INSPECTED)
    assert result.errors == {}
    assert "registration_valid_until" in result.hidden
    assert {(f.key, f.severity) for f in result.findings} == {
        ("registered", "major"),
        ("permitted_products", "serious"),
    }
    assert result.suggested_measures == ["case"]


def test_food_workshop_registration_date_is_optional_but_checked_when_given(app):
    checklist, answers = filled("food-workshops")
    answers.pop("registration_valid_until")
    assert evaluate(checklist, answers, INSPECTED).errors == {}
    answers["registration_valid_until"] = (INSPECTED - timedelta(days=30)).isoformat()
    result = evaluate(checklist, answers, INSPECTED)
    assert [f.key for f in result.findings] == ["registration_valid_until"]


# --- industrial products ----------------------------------------------------------------------------------


def test_industrial_products_licence_asked_only_for_listed_products(app):
    checklist, answers = filled("industrial-products")
    result = evaluate(checklist, answers, INSPECTED)
    assert "licence_held" in result.hidden and result.findings == []
    answers["licensed_product"] = "yes"
    answers["licence_held"] = "不符合"
    result = evaluate(checklist, answers, INSPECTED)
    assert [(f.key, f.severity, f.follow_up) for f in result.findings] == [("licence_held", "serious", "立案调查")]


def test_industrial_products_missing_markings_and_false_marks(app):
    checklist, answers = filled("industrial-products")
    answers.update(
        name_maker_address="不符合",
        warnings="不符合",
        true_marks="不符合",
        sampled_for_testing="yes",
        sample_record="CY-2024-031，3件",
    )
    result = evaluate(checklist, answers, INSPECTED)
    assert result.errors == {}
    assert {f.key: f.follow_up for f in result.findings} == {
        "name_maker_address": "责令改正",
        "warnings": "责令改正",
        "true_marks": "立案调查",
    }
    assert result.suggested_result == "A"
    answers.pop("sample_record")
    assert "sample_record" in evaluate(checklist, answers, INSPECTED).errors


# --- price marking ----------------------------------------------------------------------------------------


def price_answers(**changes) -> dict:
    checklist, answers = filled("price-marking")
    answers.update(
        business_kind=["goods", "pay_after"],
        sampled="20",
        unmarked="0",
        overcharged="0",
        goods_content="符合",
        services_content="符合",
        bill_itemised="符合",
    )
    answers.update(changes)
    return answers


def test_price_marking_clean_shop(app):
    result = evaluate(get("price-marking"), price_answers(), INSPECTED)
    assert result.errors == {} and result.findings == [] and result.suggested_result == "1"
    assert {"online_pages", "venue_duties", "reference_price_true"} <= result.hidden


def test_price_marking_unmarked_goods_are_ordered_corrected_and_overcharging_is_a_case(app):
    checklist = get("price-marking")
    result = evaluate(checklist, price_answers(unmarked="4", receipts=[PHOTO]), INSPECTED)
    assert [(f.key, f.follow_up) for f in result.findings] == [("unmarked", "责令改正")]
    assert result.suggested_result == "E"
    result = evaluate(checklist, price_answers(overcharged="1", receipts=[PHOTO]), INSPECTED)
    assert [(f.key, f.follow_up) for f in result.findings] == [("overcharged", "立案调查")]
    assert result.suggested_result == "A"


def test_price_marking_counts_cannot_exceed_the_sample_and_need_receipts(app):
    checklist = get("price-marking")
    result = evaluate(checklist, price_answers(unmarked="21"), INSPECTED)
    assert [e.code for e in result.errors["unmarked"]] == ["constraint"]
    answers = price_answers(overcharged="2")
    del answers["receipts"]
    result = evaluate(checklist, answers, INSPECTED)
    assert [e.code for e in result.errors["receipts"]] == ["required"]


def test_price_marking_false_reference_price_is_fraud(app):
    checklist = get("price-marking")
    answers = price_answers(
        has_promotion="yes", reference_price_true="不符合", gifts_shown="不适用", no_price_fraud="不符合"
    )
    result = evaluate(checklist, answers, INSPECTED)
    assert {(f.key, f.severity) for f in result.findings} == {
        ("reference_price_true", "major"),
        ("no_price_fraud", "serious"),
    }
    assert result.suggested_measures == ["case"]


# --- enterprise standards ----------------------------------------------------------------------------------


def test_enterprise_standards_national_standard_only_skips_own_standard_items(app):
    checklist, answers = filled("enterprise-standards")
    answers["standard_kinds"] = ["national"]
    result = evaluate(checklist, answers, INSPECTED)
    assert result.errors == {} and result.findings == []
    assert "own_standard" in result.hidden_sections
    assert {"indicators_published", "not_below_mandatory"} <= result.hidden


def test_enterprise_standards_unpublished_own_standard(app):
    checklist, answers = filled("enterprise-standards")
    answers.update(
        standard_kinds=["own"],
        standard_numbers="Q/SZ 0001S-2024 《苦荞茶》",
        published="不符合",
        indicators_published="不符合",
        test_methods="符合",
        numbered="符合",
        not_below_mandatory="符合",
        below_recommended_declared="不适用",
    )
    result = evaluate(checklist, answers, INSPECTED)
    assert result.errors == {}
    assert {"published_current", "platform_screenshot"} <= result.hidden
    assert {f.key for f in result.findings} == {"published", "indicators_published"}
    assert result.suggested_result == "E"  # 责令限期改正 (标准化法第三十八条)


def test_enterprise_standard_below_the_mandatory_standard_is_a_case(app):
    checklist, answers = filled("enterprise-standards")
    answers.update(
        standard_kinds=["own", "group"],
        indicators_published="符合",
        test_methods="符合",
        numbered="符合",
        not_below_mandatory="不符合",
        below_recommended_declared="符合",
    )
    result = evaluate(checklist, answers, INSPECTED)
    assert [(f.key, f.follow_up) for f in result.findings] == [("not_below_mandatory", "立案调查")]
