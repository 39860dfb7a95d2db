"""The phone form: rendering, parsing, add-another without JavaScript, inline validation, old
answer sets after a new checklist version, and ``flask checklists check``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import render_template_string
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from fieldapp.checklists import answer_set, checklist_for_answer_set, evaluate, get_checklist, parse_form
from fieldapp.checklists.models import ChecklistVersion
from conftest import make_app
from factories.cli import english_words

ROOT = Path(__file__).resolve().parent.parent
TEST_CHECKLISTS = ROOT / "tests" / "data" / "checklists"
INSPECTED = date(2021, 6, 10)


@pytest.fixture
def app_config():
    return {"CHECKLISTS_DIR": str(TEST_CHECKLISTS)}


@pytest.fixture
def inspector(client_request):
    client_request.login("inspector1", "inspector", "140602")


FUEL = {"checklist_id": "fuel-dispensers"}


FORM = MultiDict(
    [
        ("p-pledge", "不符合"),
        ("p-complaints_count", "3"),
        ("p-complaints_handled", "符合"),
        ("p-dispenser-0-_block", "1"),
        ("p-dispenser-0-serial", " D1 "),
        ("p-dispenser-0-verified", "符合"),
        ("p-dispenser-0-certificate_valid_until", "2021-06-09"),
        ("p-dispenser-0-nozzle-0-_block", "1"),
        ("p-dispenser-0-nozzle-0-nozzle_no", "1"),
        ("p-dispenser-0-nozzle-0-fuel_grade", "g92"),
        ("p-dispenser-0-nozzle-0-error_pct", "0.31"),
        # a block removed in the browser leaves a gap: blocks close up
        ("p-dispenser-0-nozzle-3-_block", "1"),
        ("p-dispenser-0-nozzle-3-error_pct", "-0.1"),
        ("p-dispenser-2-_block", "1"),
        ("p-dispenser-2-verified", "不符合"),
        ("p-dispenser-2-seal_photos", "a" * 64),
        ("p-dispenser-2-seal_photos", "b" * 64),
        ("p-remarks", ""),
        ("other-pledge", "符合"),
    ]
)


def test_parse_form_builds_nested_answers(app):
    checklist = get_checklist("fuel-dispensers")
    answers = parse_form(checklist, FORM, "p-")
    assert answers == {
        "pledge": "不符合",
        "complaints_count": "3",
        "complaints_handled": "符合",
        "dispenser": [
            {
                "serial": "D1",
                "verified": "符合",
                "certificate_valid_until": "2021-06-09",
                "nozzle": [{"nozzle_no": "1", "fuel_grade": "g92", "error_pct": "0.31"}, {"error_pct": "-0.1"}],
            },
            {"verified": "不符合", "seal_photos": ["a" * 64, "b" * 64]},
        ],
    }
    ev = evaluate(checklist, answers, INSPECTED)
    assert set(f.key for f in ev.findings) == {
        "pledge",
        "dispenser-0-certificate_valid_until",
        "dispenser-0-nozzle-0-error_pct",
        "dispenser-1-verified",
    }


def test_the_form_renders_big_controls_sections_and_progress(app, client_request, inspector):
    page = client_request.get("checklists.show", **FUEL)
    sections = page.select("details.cl-section")
    assert [s["data-section"] for s in sections] == ["station", "dispensers", "closing"]
    assert sections[0].select_one("[data-progress-answered]").text == "0"
    assert sections[0].select_one("[data-progress-required]").text == "2"  # pledge, complaints_count
    radios = page.select("input[type=radio][name=pledge]")
    assert [r["value"] for r in radios] == ["符合", "不符合", "不适用"]
    assert [r["value"] for r in page.select("input[name=dispenser-0-verified]")] == ["符合", "不符合"]  # na: false
    number = page.select_one("input[name=dispenser-0-nozzle-0-error_pct]")
    assert number["inputmode"] == "decimal" and number["data-limit-max"] == "0.3"
    assert page.select_one("input[name=dispenser-0-certificate_valid_until]")["type"] == "date"
    photo = page.select_one("input[name=dispenser-0-seal_photos-file]")
    assert photo["accept"] == "image/*" and photo["capture"] == "environment"
    hidden_item = page.select_one("#cl-complaints_handled")
    assert hidden_item.has_attr("hidden") and hidden_item["data-relevant"] == "${complaints_count} > 0"
    error_item = page.select_one("#cl-dispenser-0-nozzle-0-error_pct")
    assert error_item["hx-post"] == client_request.url_for("checklists.validate", **FUEL)
    assert "closest form" in error_item["hx-include"]
    assert page.select_one("button[name=_add][value=dispenser-0-nozzle]") is not None
    assert page.select_one("template[data-block-template]") is not None
    # No inline scripts or styles (the content security policy forbids them).
    assert not [s for s in page.select("script") if s.string and s.string.strip()]
    assert not page.select("[style]")


def test_add_another_and_remove_work_without_javascript(app, client_request, inspector):
    form = {
        "dispenser-0-_block": "1",
        "dispenser-0-serial": "D1",
        "dispenser-0-nozzle-0-_block": "1",
        "dispenser-0-nozzle-0-error_pct": "0.1",
        "_add": "dispenser",
    }
    page = client_request.post("checklists.show", _data=form, _expected_status=200, **FUEL)
    blocks = [b["data-block"] for b in page.select(".cl-block[data-block]") if "__" not in b["data-block"]]
    assert blocks == ["dispenser-0", "dispenser-0-nozzle-0", "dispenser-1", "dispenser-1-nozzle-0"]
    assert page.select_one("input[name=dispenser-0-serial]")["value"] == "D1"  # nothing typed is lost
    assert page.select_one("input[name=dispenser-0-nozzle-0-error_pct]")["value"] == "0.1"
    assert not page.select(".field__error")  # adding a block does not judge the form yet
    form["_add"] = ""
    form["_remove"] = "dispenser-0"
    page = client_request.post("checklists.show", _data=form, _expected_status=200, **FUEL)
    assert [b["data-block"] for b in page.select(".cl-block[data-block]") if "__" not in b["data-block"]] == []


def test_submitting_shows_errors_findings_and_suggested_result(app, client_request, inspector):
    data = {k[2:]: v for k, v in FORM.items() if k.startswith("p-") and "seal_photos" not in k}
    data["inspection_date"] = "2021-06-10"
    data["dispenser-0-nozzle-0-error_pct"] = "abc"
    page = client_request.post("checklists.show", _data=data, _expected_status=200, **FUEL)
    error = page.select_one("#cl-dispenser-0-nozzle-0-error_pct .field__error")
    assert error.text == "请输入数字，例如 0.25 或 -1.5。"
    assert page.select_one("input[name=dispenser-0-nozzle-0-error_pct]")["value"] == "abc"
    assert page.select_one("[data-suggested-result]")["data-suggested-result"] == "A"
    assert page.select_one("[data-finding=dispenser-0-certificate_valid_until]") is not None
    assert page.select_one("details.cl-section--error[data-section=dispensers]") is not None


def test_inline_validation_returns_the_one_item(app, client_request, inspector):
    data = {
        "_key": "dispenser-0-nozzle-0-error_pct",
        "_prefix": "t1-",
        "_date": "2021-06-10",
        "t1-dispenser-0-_block": "1",
        "t1-dispenser-0-nozzle-0-_block": "1",
        "t1-dispenser-0-nozzle-0-error_pct": "11",
    }
    htmx = {"HX-Request": "true"}
    page = client_request.post("checklists.validate", _data=data, _headers=htmx, _expected_status=200, **FUEL)
    items = page.select(".cl-item")
    assert len(items) == 1 and items[0]["id"] == "cl-t1-dispenser-0-nozzle-0-error_pct"
    assert items[0].select_one(".field__error").text == "请输入 -10 到 10 之间的数值"
    data["t1-dispenser-0-nozzle-0-error_pct"] = "0.31"
    page = client_request.post("checklists.validate", _data=data, _headers=htmx, _expected_status=200, **FUEL)
    assert not page.select(".field__error")
    assert "示值误差超过最大允许误差" in page.select_one(".cl-outcome--fail").text
    client_request.post("checklists.validate", _data={"_key": "nope"}, _expected_status=404, **FUEL)


def test_pages_need_a_login(client_request):
    response = client_request.get_response("checklists.show", _expected_status=302, **FUEL)
    assert response.location.startswith(client_request.url_for("auth.login"))


def test_english_labels(app, client_request, inspector):
    client_request.post("core.set_language", _data={"lang": "en", "next": "/"}, _expected_redirect="/")
    page = client_request.get("checklists.show", **FUEL)
    assert "Fuel dispensers in use at filling stations" in page.select_one(".cl-form__title").text


def _new_version_folder(tmp_path):
    folder = tmp_path / "checklists"
    folder.mkdir()
    text = (TEST_CHECKLISTS / "fuel-dispensers.yaml").read_text(encoding="utf-8")
    text = text.replace("version: 1", "version: 2").replace("示值误差", "示值误差（新）")
    text = text.replace("      - id: pledge\n", "      - id: pledge_v2\n").replace("${pledge}", "${pledge_v2}")
    (folder / "fuel-dispensers.yaml").write_text(text, encoding="utf-8")
    return folder


def test_an_old_answer_set_still_renders_after_a_new_version(app, db, _schema, tmp_path):
    old = get_checklist("fuel-dispensers")
    answers = {
        "pledge": "不符合",
        "dispenser": [
            {
                "serial": "D1",
                "verified": "符合",
                "certificate_valid_until": "2021-12-31",
                "nozzle": [{"nozzle_no": "1", "error_pct": "0.31"}],
            }
        ],
    }
    stored = answer_set(old, answers)
    db.session.commit()
    assert stored["definition_sha256"] == old.sha256 and stored["version"] == 1

    newer = make_app(_schema, CHECKLISTS_DIR=str(_new_version_folder(tmp_path)))
    with newer.test_request_context("/"):
        current = get_checklist("fuel-dispensers")
        assert current.version == 2 and current.item("pledge") is None
        then = checklist_for_answer_set(stored)
        assert then.version == 1 and then.sha256 == old.sha256
        ev = evaluate(then, stored["answers"], INSPECTED)
        html = render_template_string(
            '{% from "checklists/_form.html" import render_answers %}{{ render_answers(c, a, ev) }}',
            c=then,
            a=stored["answers"],
            ev=ev,
        )
    page = BeautifulSoup(html, "html.parser")
    assert page.select_one("[data-version]")["data-version"] == "1"
    assert page.select_one("tr[data-path=pledge] th").text == "是否向社会做出公开诚信计量自我承诺"
    assert "示值误差（新）" not in html and "示值误差" in html
    assert page.select_one("[data-finding=dispenser-0-nozzle-0-error_pct]") is not None
    assert db.session.scalar(select(ChecklistVersion.version).where(ChecklistVersion.sha256 == old.sha256)) == 1


def test_snapshots_are_stored_once_per_definition(app, db):
    checklist = get_checklist("fuel-dispensers")
    answer_set(checklist, {})
    answer_set(checklist, {"pledge": "符合"})
    db.session.commit()
    assert db.session.scalar(select(db.func.count()).select_from(ChecklistVersion)) == 1


def _plan_with_items(db, texts):
    from fieldapp.auth.models import Unit
    from fieldapp.plans.models import InspectionItem, Plan, Task

    unit = db.session.scalar(select(Unit).where(Unit.code == "city"))
    plan = Plan(year=2021, unit=unit, title="2021")
    task = Task(plan=plan, number=1, name="计量监督检查")
    for n, text in enumerate(texts, 1):
        task.items.append(InspectionItem(number=n, text=text))
    db.session.add(plan)
    db.session.commit()
    return task


def test_checklists_for_a_task_chooses_by_subject_tags(app, db, tmp_path):
    task = _plan_with_items(db, ["加油站 在用强检计量器具", "登记事项"])
    from fieldapp.checklists import checklists_for, resolve_item

    assert [c.id for c in resolve_item("加油站在用 强检计量器具的检定情况")] == ["fuel-dispensers"]
    assert [c.id for c in checklists_for(task, ["加油站"])] == ["fuel-dispensers"]
    assert checklists_for(task, ["集贸市场"]) == []  # this catalog has no general on-site checklist


def test_cli_check_stores_resolutions_and_fails_on_unresolved_items(app, db, runner):
    task = _plan_with_items(db, ["加油站在用强检计量器具", "无人认领的事项"])
    result = runner.invoke(args=["checklists", "check"])
    assert result.exit_code == 1
    assert "没有检查表：任务 1（计量监督检查），事项 2：无人认领的事项" in result.output
    db.session.expire_all()
    assert [i.checklist_ids for i in db.session.get(type(task), task.id).items] == [["fuel-dispensers"], []]
    db.session.get(type(task), task.id).items[1].text = "加油站在用强检计量器具（第二项）"
    db.session.commit()
    result = runner.invoke(args=["checklists", "check"])
    assert result.exit_code == 0, result.output
    assert "共 2 个抽查事项：2 个已对应检查表，0 个有建议待确认，0 个没有检查表。" in result.output
    assert english_words(result.output) == [], result.output
    result = runner.invoke(args=["checklists", "check", "--lang", "en"])
    assert "2 inspection items: 2 mapped, 0 suggested, 0 without a checklist." in result.output


def test_cli_warns_when_a_file_changed_without_a_new_version(app, db, runner):
    checklist = get_checklist("fuel-dispensers")
    db.session.add(
        ChecklistVersion(checklist_id=checklist.id, version=checklist.version, sha256="0" * 64, definition={})
    )
    db.session.commit()
    result = runner.invoke(args=["checklists", "check"])
    assert result.exit_code == 1 and "内容已改但版本号未变：fuel-dispensers 第 1 版" in result.output
    assert english_words(result.output, allowed={"version"}) == [], result.output


def test_every_item_of_the_seed_plan_resolves_to_a_real_checklist():
    """Acceptance: every 抽查事项 of the seed's 21 tasks resolves to a checklist in checklists/."""
    from fieldapp.checklists.catalog import known_tags, load_directory
    from fieldapp.checklists.results import result_table
    from fieldapp.plans.importer import read_plan

    real = load_directory(ROOT / "checklists", known_tags(ROOT / "data" / "tags.yaml"), set(result_table().categories))
    if not real:
        pytest.skip("no checklist has been moved into checklists/ yet")
    _, parsed = read_plan((ROOT / "data" / "plan-2021-shuozhou.txt").read_bytes(), "plan-2021-shuozhou.txt")
    assert len(parsed.tasks) == 21
    missing = [
        (t.number, item)
        for t in parsed.tasks
        for item in t.items
        if not any(c.covers_text(item) for c in real.values())
    ]
    assert missing == []
