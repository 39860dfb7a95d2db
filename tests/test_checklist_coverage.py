"""Any bureau's plan is handled: every item of the national list (市场监管总局随机抽查事项清单, as the
sources in ``tests/data/national-items.yaml`` print it) maps to the checklist that is about it — and
only to it — through the app's own resolver, and items as provinces and counties word them reach the
same checklists. The checklists written for them (商标印制, 文物经营, 化妆品经营, 医疗器械经营) behave
as an inspector expects."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from fieldapp.checklists import evaluate, registry
from fieldapp.checklists.mapping import MAPPED, map_text
from checklist_answers import INSPECTED, answers_for

DATA = Path(__file__).resolve().parent / "data"
NATIONAL_FILE = DATA / "national-items.yaml"
NATIONAL = yaml.safe_load(NATIONAL_FILE.read_text(encoding="utf-8"))["items"]
PROVINCIAL = yaml.safe_load((DATA / "provincial-items.yaml").read_text(encoding="utf-8"))["items"]


def cited_sources(path: Path) -> set[str]:
    """The source keys the fixture's header gives a URL for."""
    header = [line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("#")]
    keys, text = set(), "\n".join(header)
    for match in re.finditer(r"^#\s{3}(\S+)\s+.*?(https?://\S+)", text, flags=re.M | re.S):
        keys.add(match.group(1))
    return keys


def expected(entry) -> list[str]:
    wanted = entry["checklist"]
    return sorted(wanted) if isinstance(wanted, list) else [wanted]


def test_the_national_fixture_holds_only_what_its_sources_print():
    assert len(NATIONAL) == 21
    names = [i["name"] for i in NATIONAL]
    assert len(set(names)) == len(names)
    sources = cited_sources(NATIONAL_FILE)
    assert sources == {"gd-2019", "gx-lq", "prov-2021", "hs-2017"}
    for item in NATIONAL:
        assert item["sources"] and set(item["sources"]) <= sources, item["name"]
        assert set(item) <= {"category", "name", "code", "objects", "basis", "sources", "checklist"}


@pytest.mark.parametrize("item", NATIONAL, ids=[i["name"] for i in NATIONAL])
def test_every_national_item_maps_to_the_checklist_about_it_and_no_other(app, item):
    mapping = map_text(registry(), item["name"], item.get("code", ""))
    assert mapping.state in MAPPED, (item["name"], mapping)
    assert mapping.checklist_ids == [item["checklist"]]


@pytest.mark.parametrize("item", NATIONAL, ids=[i["name"] for i in NATIONAL])
def test_a_national_item_written_with_its_category_or_number_still_maps(app, item):
    # Plans copy the list's category in front (登记事项检查：…) or number the items (1. …).
    category = item.get("category")
    for text in (f"1．{item['name']}", f"（{category}）{item['name']}" if category else item["name"]):
        mapping = map_text(registry(), text)
        assert mapping.state in MAPPED and item["checklist"] in mapping.checklist_ids, (text, mapping)


def test_the_whole_list_in_one_cell_maps_to_every_checklist_it_names(app):
    # The province's 2021 task lists its national items in one cell, separated by semicolons.
    cell = "；".join(i["name"] for i in NATIONAL if "prov-2021" in i["sources"]) + "。"
    wanted = {i["checklist"] for i in NATIONAL if "prov-2021" in i["sources"]}
    mapping = map_text(registry(), cell)
    assert mapping.state in MAPPED and set(mapping.checklist_ids) == wanted


def test_no_checklist_claims_a_national_code_the_list_was_not_read_for(app):
    # `national_items` holds only codes read from the list itself; the fixture has the codes read.
    read = {i["code"] for i in NATIONAL if i.get("code")}
    for checklist in registry().all():
        assert set(checklist.national_items) <= read, checklist.id


@pytest.mark.parametrize("item", PROVINCIAL, ids=[f"{i['source']}:{i['text']}" for i in PROVINCIAL])
def test_items_as_provinces_and_counties_word_them_reach_their_checklist(app, item):
    mapping = map_text(registry(), item["text"], item.get("code", ""))  # a province's own code maps nothing
    wanted = expected(item)
    if item.get("mapped"):
        assert mapping.state in MAPPED and sorted(mapping.checklist_ids) == wanted, mapping
        return
    if mapping.state in MAPPED:
        assert sorted(mapping.checklist_ids) == wanted, mapping
        return
    top = [s["id"] for s in mapping.suggestions[: len(wanted)]]
    assert sorted(top) == wanted, mapping


# Items of the same lists about something else that a checklist's wording might wrongly claim (Zhejiang's
# codes C08-C10 and B04): they may be suggested, for a supervisor to confirm, but never mapped.
NOT_ABOUT = [
    ("特种设备生产单位双随机抽查记录表", "special-equipment"),  # makers, not users
    ("特种设备检验检测单位双随机抽查记录表", "special-equipment"),
    ("特种设备销售单位双随机抽查记录表", "special-equipment"),
    ("化妆品生产企业双随机抽查记录表", "cosmetics-sales"),  # makers, not retailers
]


@pytest.mark.parametrize("text, checklist_id", NOT_ABOUT)
def test_an_item_about_something_else_is_not_mapped_to_the_checklist(app, text, checklist_id):
    mapping = map_text(registry(), text)
    assert checklist_id not in mapping.checklist_ids, mapping


# --- 商标印制行为的检查 ------------------------------------------------------------------------------


def test_trademark_printer_forging_labels_is_a_case(app):
    checklist = registry().get("trademark-printing")
    answers = answers_for(checklist)
    answers["no_infringing_labels"] = "不符合"
    result = evaluate(checklist, answers, INSPECTED)
    assert result.errors == {}
    assert [(f.key, f.severity, f.follow_up) for f in result.findings] == [
        ("no_infringing_labels", "serious", "立案调查")
    ]


def test_trademark_printer_without_label_orders_is_asked_about_none(app):
    checklist = registry().get("trademark-printing")
    answers = answers_for(checklist, failing=True)
    answers["prints_labels"] = "no"
    result = evaluate(checklist, answers, INSPECTED)
    assert {"order_register", "no_infringing_labels", "orders_sampled"} <= result.hidden
    assert [f.key for f in result.findings] == ["printing_licensed"]


# --- 文物经营活动经营资格的检查 ------------------------------------------------------------------------


def test_an_antique_dealer_trading_in_relics_is_referred_to_the_relics_authority(app):
    checklist = registry().get("cultural-relics-trade")
    answers = answers_for(checklist)
    answers["kind"] = "other"
    answers["deals_in_relics"] = "yes"
    result = evaluate(checklist, answers, INSPECTED)
    assert result.errors == {}
    assert {"relic_shop_approved", "auction_permit"} <= result.hidden  # the licensed-trade section
    assert [(f.key, f.follow_up) for f in result.findings] == [("deals_in_relics", "移送")]


def test_a_relic_auctioneer_is_asked_about_its_permit_not_a_shops_approval(app):
    checklist = registry().get("cultural-relics-trade")
    answers = answers_for(checklist)
    answers["kind"] = "relic_auction"
    answers["auction_permit"] = "不符合"
    result = evaluate(checklist, answers, INSPECTED)
    assert {"relic_shop_approved", "shop_no_auctions", "deals_in_relics"} <= result.hidden
    assert [(f.key, f.severity) for f in result.findings] == [("auction_permit", "serious")]


# --- 登记事项检查: capital and people ----------------------------------------------------------------


@pytest.mark.parametrize(
    "kind, paid_in, shown, hidden",
    [
        ("company", "yes", {"paid_in_true", "representative_eligible"}, set()),
        ("company", "no", {"representative_eligible"}, {"paid_in_true"}),
        ("individual", "yes", {"identities_genuine"}, {"paid_in_required", "paid_in_true", "representative_eligible"}),
        ("rep_office", "yes", {"representative_eligible"}, {"paid_in_required", "paid_in_true"}),
    ],
)
def test_registration_capital_and_people_follow_the_kind_of_business(app, kind, paid_in, shown, hidden):
    checklist = registry().get("registration-items")
    answers = answers_for(checklist)
    answers["subject_kind"] = kind
    answers["paid_in_required"] = paid_in
    result = evaluate(checklist, answers, INSPECTED)
    assert result.errors == {}
    assert hidden <= result.hidden and not shown & result.hidden


def test_a_borrowed_identity_is_a_case(app):
    checklist = registry().get("registration-items")
    answers = answers_for(checklist)
    answers["identities_genuine"] = "不符合"
    result = evaluate(checklist, answers, INSPECTED)
    assert [(f.key, f.severity, f.follow_up) for f in result.findings] == [
        ("identities_genuine", "serious", "立案调查")
    ]


# --- 化妆品经营者 -------------------------------------------------------------------------------------


def test_a_salon_is_asked_about_the_cosmetics_it_uses_and_a_shop_is_not(app):
    checklist = registry().get("cosmetics-sales")
    answers = answers_for(checklist)
    answers["kind"] = ["shop"]
    result = evaluate(checklist, answers, INSPECTED)
    assert result.errors == {} and result.findings == []
    assert {"salon_obligations", "online_info_matches", "online_licence_shown"} <= result.hidden
    answers["kind"] = ["uses", "online"]
    answers["salon_obligations"] = "不符合"
    result = evaluate(checklist, answers, INSPECTED)
    assert not {"salon_obligations", "online_info_matches"} & result.hidden
    assert [(f.key, f.follow_up) for f in result.findings] == [("salon_obligations", "立案调查")]


def test_cosmetics_made_up_by_the_retailer_is_a_serious_case(app):
    checklist = registry().get("cosmetics-sales")
    answers = answers_for(checklist)
    answers["no_self_made"] = "不符合"
    result = evaluate(checklist, answers, INSPECTED)
    assert [(f.key, f.severity, f.follow_up) for f in result.findings] == [("no_self_made", "serious", "立案调查")]


# --- 医疗器械经营企业 ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "classes, asked, not_asked",
    [
        (["class1"], set(), {"class2_filed", "class3_licensed", "sales_records"}),
        (["class2"], {"class2_filed"}, {"class3_licensed", "sales_records"}),
        (["class2", "class3"], {"class2_filed", "class3_licensed", "sales_records"}, set()),
    ],
)
def test_device_permits_follow_the_classes_traded(app, classes, asked, not_asked):
    checklist = registry().get("medical-device-retail")
    answers = answers_for(checklist)
    answers["classes"] = classes
    result = evaluate(checklist, answers, INSPECTED)
    assert result.errors == {} and result.findings == []
    assert not_asked <= result.hidden and not asked & result.hidden


def test_unregistered_devices_on_sale_are_a_serious_case(app):
    checklist = registry().get("medical-device-retail")
    answers = answers_for(checklist)
    answers["all_registered"] = "不符合"
    result = evaluate(checklist, answers, INSPECTED)
    assert [(f.key, f.severity, f.follow_up) for f in result.findings] == [("all_registered", "serious", "立案调查")]
