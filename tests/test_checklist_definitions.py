"""Loading and validating checklist files: a broken file stops the app, naming file, item, problem."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
import yaml

from fieldapp.checklists.definition import build_checklist, definition_sha256
from fieldapp.checklists.catalog import load_directory
from fieldapp.checklists.text import ChecklistInvalid
from conftest import make_app
from checklist_definitions import CODES, FUEL, TAGS, TEST_CHECKLISTS, nozzle_items, problems_of

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app_config():
    return {"CHECKLISTS_DIR": str(TEST_CHECKLISTS)}


def test_the_test_checklist_is_valid():
    checklist = build_checklist(copy.deepcopy(FUEL), "checklists/fuel-dispensers.yaml", TAGS, CODES)
    assert checklist.item("error_pct").parents == ("dispenser", "nozzle")
    assert checklist.item("certificate_valid_until").parents == ("dispenser",)
    assert str(checklist.item("error_pct").limit_max) == "0.3"


@pytest.mark.parametrize(
    "break_it, item, reason",
    [
        (
            lambda d: nozzle_items(d)[2]["limit"].update(min=1, max=0),
            "error_pct",
            "limit.min must not be above limit.max",
        ),
        (lambda d: nozzle_items(d)[2].update(type="numbr"), "error_pct", "unknown type 'numbr'"),
        (lambda d: nozzle_items(d)[2]["finding"].update(severity="huge"), "error_pct", "severity 'huge'"),
        (lambda d: nozzle_items(d)[2]["finding"].update(follow_up="罚款"), "error_pct", "follow_up '罚款'"),
        (lambda d: nozzle_items(d)[2]["finding"].update(result="Z"), "error_pct", "finding result 'Z'"),
        (lambda d: nozzle_items(d)[2].update(constraint=". >= -10 and"), "error_pct", "'constraint' does not parse"),
        (lambda d: nozzle_items(d)[2]["label"].pop("en"), "error_pct", "'label.en' must be non-empty text"),
        (lambda d: nozzle_items(d)[2].update(requierd=True), "error_pct", "unknown keys ['requierd']"),
        (lambda d: nozzle_items(d)[0].update(id="serial"), "serial", "used twice"),
        (lambda d: nozzle_items(d)[0].update(id="Nozzle-No"), "Nozzle-No", "the id must be lowercase"),
        (
            lambda d: d["sections"][0]["items"][2].update(relevant="${nozzle_no} = '1'"),
            "complaints_handled",
            "inside repeat 'nozzle': not visible from here",
        ),
        (
            lambda d: d["sections"][0]["items"][2].update(relevant="${no_such_item} = '1'"),
            "complaints_handled",
            "${no_such_item}, which is not an item",
        ),
        (
            lambda d: d["sections"][0]["items"][2].update(relevant="count(${pledge}) > 1"),
            "complaints_handled",
            "count(${pledge}) needs a repeat",
        ),
        (
            lambda d: (
                d["sections"][0]["items"][0].update(relevant="${handling_notes} != ''"),
                d["sections"][0]["items"][1].update(relevant="${pledge} = '符合'"),
            ),
            "complaints_count",
            "relevant conditions form a loop",
        ),
        (
            lambda d: d["sections"][1]["items"][0]["items"][2].update(rule="valid"),
            "certificate_valid_until",
            "date rule 'valid'",
        ),
        (
            lambda d: d["sections"][1]["items"][0]["items"][3].update(min=5, max=2),
            "seal_photos",
            "photo 'min' must not be above 'max'",
        ),
        (lambda d: d["sections"][1]["items"][0].update(max=100000), "dispenser", "'max' must be a whole number"),
        (
            lambda d: nozzle_items(d)[1]["choices"].append({"value": "g92", "label": {"zh": "x", "en": "x"}}),
            "fuel_grade",
            "appears twice",
        ),
        (lambda d: nozzle_items(d)[1].update(fail_values=["g95"]), "fuel_grade", "fail value 'g95'"),
        (
            lambda d: d["sections"][2]["items"][1].update(
                finding={"severity": "minor", "follow_up": "责令改正", "text": {"zh": "x", "en": "x"}}
            ),
            "remarks",
            "can never fail",
        ),
        (lambda d: d["sections"][0]["items"][1].update(decimals=-1), "complaints_count", "'decimals'"),
        (lambda d: d["sections"][0]["items"][2].update(relevant=". = '1'"), "complaints_handled", "cannot use '.'"),
    ],
)
def test_broken_definitions_are_refused_naming_the_item(break_it, item, reason):
    data = copy.deepcopy(FUEL)
    break_it(data)
    problems = problems_of(data)
    assert any(
        p.startswith("checklists/fuel-dispensers.yaml: ") and f"item {item!r}" in p and reason in p for p in problems
    ), problems


def test_nesting_three_repeats_deep_is_allowed_four_is_not():
    data = copy.deepcopy(FUEL)
    nozzle_items(data).append(
        {
            "id": "reading",
            "type": "repeat",
            "label": {"zh": "读数", "en": "Reading"},
            "items": [
                {
                    "id": "deep",
                    "type": "repeat",
                    "label": {"zh": "深", "en": "Deep"},
                    "items": [{"id": "x", "type": "text", "label": {"zh": "x", "en": "x"}}],
                }
            ],
        }
    )
    problems = problems_of(data)
    assert any("item 'deep'" in p and "nested at most 3 deep" in p for p in problems), problems


@pytest.mark.parametrize(
    "break_it, reason",
    [
        (lambda d: d.update(id="Fuel dispensers"), "'id' must be lowercase"),
        (lambda d: d.update(id="fuel-dispensers-2"), "must match the file name"),
        (lambda d: d.update(version=0), "'version' must be a whole number"),
        (lambda d: d["applies_to"].update(tags=["加油点"]), "applies_to tag '加油点' is not in data/tags.yaml"),
        (lambda d: d.update(sections=[]), "'sections' must be a non-empty list"),
        (lambda d: d.update(covers="加油站"), "'covers' must be a list"),
        (lambda d: d.update(aliases="加油机检查"), "'aliases' must be a list"),
        (lambda d: d.update(aliases=["加油机检查", " "]), "'aliases' must be a list of non-empty texts"),
        (lambda d: d.update(aliases=["加油机 检查", "加油机检查"]), "'aliases' lists the same text twice"),
        (lambda d: d.update(national_items=["抽查 1"]), "national item code '抽查 1' must be letters"),
        (lambda d: d.update(owner="me"), "unknown keys ['owner']"),
    ],
)
def test_broken_checklist_headers_are_refused(break_it, reason):
    data = copy.deepcopy(FUEL)
    break_it(data)
    assert any(reason in p for p in problems_of(data)), problems_of(data)


def test_aliases_and_national_items_are_optional_and_kept():
    assert build_checklist(copy.deepcopy(FUEL), "checklists/fuel-dispensers.yaml", TAGS, CODES).aliases == []
    data = copy.deepcopy(FUEL)
    data["aliases"] = ["加油机计量监督检查", "加油站计量器具检查"]
    data["national_items"] = ["A1-2.3"]
    checklist = build_checklist(data, "checklists/fuel-dispensers.yaml", TAGS, CODES)
    assert checklist.aliases == ["加油机计量监督检查", "加油站计量器具检查"]
    assert checklist.national_items == ["A1-2.3"]
    assert checklist.definition["aliases"] == data["aliases"]  # stored with the snapshot
    # Aliases are for ranked suggestions, not for the exact resolution by covers.
    assert not checklist.covers_text("加油机计量监督检查")


def test_a_finding_may_propose_the_abnormal_operations_list():
    data = copy.deepcopy(FUEL)
    data["sections"][0]["items"][0]["finding"]["listing"] = True
    checklist = build_checklist(data, "checklists/fuel-dispensers.yaml", TAGS, CODES)
    assert checklist.sections[0].items[0].finding.listing is True
    data["sections"][0]["items"][0]["finding"]["listing"] = "yes"
    assert any("'listing' must be true or false" in p for p in problems_of(data))


def test_all_problems_of_a_file_are_reported_at_once():
    data = copy.deepcopy(FUEL)
    nozzle_items(data)[2]["limit"] = {"min": 1, "max": 0}
    data["sections"][0]["items"][0]["type"] = "tick"
    assert len(problems_of(data)) == 2


def _broken_folder(tmp_path: Path, text_edit) -> Path:
    folder = tmp_path / "checklists"
    folder.mkdir()
    text = (TEST_CHECKLISTS / "fuel-dispensers.yaml").read_text(encoding="utf-8")
    (folder / "fuel-dispensers.yaml").write_text(text_edit(text), encoding="utf-8")
    return folder


def test_the_app_refuses_to_start_on_a_broken_file(_schema, tmp_path):
    folder = _broken_folder(
        tmp_path, lambda t: t.replace("limit: {min: -0.3, max: 0.3}", "limit: {min: 0.3, max: -0.3}")
    )
    with pytest.raises(ChecklistInvalid) as info:
        make_app(_schema, CHECKLISTS_DIR=str(folder))
    message = str(info.value)
    assert "fuel-dispensers.yaml" in message
    assert "item 'error_pct' (in dispenser › nozzle)" in message
    assert "limit.min must not be above limit.max" in message


def test_the_app_refuses_to_start_on_a_file_that_is_not_yaml(_schema, tmp_path):
    folder = _broken_folder(tmp_path, lambda t: t.replace("sections:", "sections: [\n", 1))
    with pytest.raises(ChecklistInvalid) as info:
        make_app(_schema, CHECKLISTS_DIR=str(folder))
    assert "fuel-dispensers.yaml" in str(info.value) and "not valid YAML" in str(info.value)


def test_drafts_and_test_folders_are_not_loaded(tmp_path):
    folder = tmp_path / "checklists"
    (folder / "_drafts").mkdir(parents=True)
    shutil.copy(TEST_CHECKLISTS / "fuel-dispensers.yaml", folder / "fuel-dispensers.yaml")
    (folder / "_drafts" / "broken.yaml").write_text("id: [", encoding="utf-8")
    assert list(load_directory(folder, TAGS, CODES)) == ["fuel-dispensers"]


def test_checklists_are_loaded_once_per_app_not_per_request(app, client_request, monkeypatch):
    client_request.login("inspector1", "inspector", "140602")
    before = app.extensions["fieldapp.checklists"]

    def no_reading(*args, **kwargs):
        raise AssertionError("a checklist file was read during a request")

    monkeypatch.setattr("fieldapp.checklists.definition.read_yaml", no_reading)
    monkeypatch.setattr("fieldapp.checklists.catalog.load_directory", no_reading)
    client_request.get_response("checklists.show", checklist_id="fuel-dispensers")
    client_request.get_response("checklists.index")
    client_request.post_response(
        "checklists.show", checklist_id="fuel-dispensers", _data={"pledge": "符合"}, _expected_status=200
    )
    assert app.extensions["fieldapp.checklists"] is before


def test_the_definition_is_served_as_json_with_its_hash(app, client_request):
    client_request.login("inspector1", "inspector", "140602")
    definition = {"endpoint": "checklists.definition", "checklist_id": "fuel-dispensers"}
    response = client_request.get_response(**definition)
    data = response.get_json()
    assert data["definition"] == FUEL and data["version"] == 1
    assert data["definition_sha256"] == definition_sha256(FUEL)
    client_request.get_response(
        **definition, _headers={"If-None-Match": response.headers["ETag"]}, _expected_status=304
    )


def test_the_sha256_is_of_the_canonical_definition():
    a = copy.deepcopy(FUEL)
    b = yaml.safe_load(yaml.safe_dump(FUEL, allow_unicode=True, sort_keys=True))
    assert definition_sha256(a) == definition_sha256(b)
    b["version"] = 2
    assert definition_sha256(a) != definition_sha256(b)


def test_every_checklist_in_the_real_folder_validates():
    """The checklists the app ships with (the app would not start otherwise)."""
    found = load_directory(ROOT / "checklists", TAGS, CODES)
    for checklist in found.values():
        assert checklist.title.zh and checklist.title.en


def test_the_checklist_pages_name_checklists_by_title_not_by_file(app, client_request):
    client_request.login("inspector1", "inspector", "140602")
    headers = {"Accept-Language": "zh-CN"}
    listing = client_request.get("checklists.index", _headers=headers)
    checklists = app.extensions["fieldapp.checklists"].all()
    assert checklists
    for checklist in checklists:
        card = listing.select_one(f'[data-checklist="{checklist.id}"]')
        assert checklist.title.zh in card.get_text()
        assert checklist.id not in card.get_text()
        page = client_request.get("checklists.show", checklist_id=checklist.id, _headers=headers)
        assert checklist.title.zh in page.select_one("main").get_text()
        assert checklist.id not in page.select_one("main").get_text()
    assert "checklists folder" not in listing.get_text() and "文件夹" not in listing.get_text()
