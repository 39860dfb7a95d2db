"""Sections with `relevant` (the whole section shown and asked only when it holds) and `help`."""

from __future__ import annotations

import copy
import shutil
from datetime import date

import pytest
import yaml
from bs4 import BeautifulSoup

from fieldapp.checklists import evaluate
from fieldapp.checklists.definition import build_checklist
from fieldapp.checklists.text import ChecklistInvalid
from checklist_definitions import CODES, ROOT, SCALES, TAGS

INSPECTED = date(2021, 6, 10)


def build(data=None):
    return build_checklist(copy.deepcopy(data or SCALES), "checklists/market-scales-sections.yaml", TAGS, CODES)


def problems_of(data):
    with pytest.raises(ChecklistInvalid) as info:
        build(data)
    return [str(p) for p in info.value.problems]


# --- definition ------------------------------------------------------------------------------------


def test_a_section_may_carry_relevant_and_help():
    checklist = build()
    scales = checklist.sections[1]
    assert scales.relevant.source == "${sells_by_weight} = 'yes'"
    assert scales.help.zh == "仅对称重销售的经营者检查"
    assert checklist.sections[0].relevant is None and checklist.sections[0].help is None


def _section(data, n):
    return data["sections"][n]


@pytest.mark.parametrize(
    "break_it, reason",
    [
        (
            lambda d: _section(d, 1).update(relevant="${nope} = 'yes'"),
            "relevant refers to ${nope}, which is not an item",
        ),
        (lambda d: _section(d, 1).update(relevant="${scale_verified} = '符合'"), "an item of this section"),
        (lambda d: _section(d, 2).update(relevant="${scale_serial}"), "inside repeat 'scale'"),
        (lambda d: _section(d, 1).update(relevant="${sells_by_weight} = "), "'relevant' does not parse"),
        (lambda d: _section(d, 1).update(relevant=". = 'yes'"), "'relevant' cannot use '.'"),
        (lambda d: _section(d, 1).update(relevant=True), "'relevant' must be a quoted condition"),
        (lambda d: _section(d, 2).update(relevant="count(${sells_by_weight}) > 0"), "count(${sells_by_weight}) needs"),
        (lambda d: _section(d, 1).update(help="称重"), "help"),
        (lambda d: _section(d, 1).update(hint={"zh": "x", "en": "x"}), "a section must be {id, title"),
    ],
)
def test_broken_section_conditions_are_refused_naming_the_section(break_it, reason):
    data = copy.deepcopy(SCALES)
    break_it(data)
    problems = problems_of(data)
    assert any(reason in p and "section" in p for p in problems), problems


def test_sections_hiding_each_other_are_a_loop():
    data = copy.deepcopy(SCALES)
    _section(data, 0).update(relevant="${remarks}")
    _section(data, 2).update(relevant="${sells_by_weight} = 'no'")
    assert any("relevant conditions form a loop" in p for p in problems_of(data))


def test_a_count_of_a_repeat_in_another_section_is_allowed():
    data = copy.deepcopy(SCALES)
    _section(data, 2).update(relevant="count(${scale}) > 0")
    assert build(data).sections[2].relevant.refs == {"scale"}


# --- evaluation ------------------------------------------------------------------------------------


ALL_ANSWERED = {
    "sells_by_weight": "yes",
    "scale_verified": "不符合",
    "scale_photos": ["m1"],
    "scale": [{"scale_serial": "S-1"}],
    "scale_action": "停用",
    "remarks": "—",
}


def test_a_hidden_section_is_neither_asked_nor_required_and_its_answers_are_dropped():
    checklist = build()
    answers = dict(ALL_ANSWERED, sells_by_weight="no")
    ev = evaluate(checklist, answers, INSPECTED)
    assert ev.hidden_sections == {"scales"}
    assert {"scale_verified", "scale_photos", "scale"} <= ev.hidden
    assert ev.errors == {} and ev.findings == []
    assert set(ev.answers) == {"sells_by_weight", "remarks"}
    # An item depending on an item of the hidden section is judged as if it were unanswered.
    assert "scale_action" in ev.hidden
    assert ev.progress["scales"] == {"answered": 0, "required": 0, "questions": 0}


def test_a_shown_section_is_asked_and_required():
    checklist = build()
    ev = evaluate(checklist, ALL_ANSWERED, INSPECTED)
    assert ev.hidden_sections == set() and ev.errors == {}
    assert [f.key for f in ev.findings] == ["scale_verified"]
    ev = evaluate(checklist, {"sells_by_weight": "yes"}, INSPECTED)
    assert {"scale_verified", "scale_photos", "scale"} <= set(ev.errors)
    # Unanswered: the condition does not hold, so the section is hidden.
    assert evaluate(checklist, {}, INSPECTED).hidden_sections == {"scales"}


# --- the form --------------------------------------------------------------------------------------


def render(app, checklist, answers):
    from flask import render_template_string

    with app.test_request_context("/"):
        ev = evaluate(checklist, answers, INSPECTED)
        html = render_template_string(
            '{% from "checklists/_form.html" import render_checklist %}'
            "{{ render_checklist(c, a, evaluation=ev, inspection_date=d) }}",
            c=checklist,
            a=answers,
            ev=ev,
            d=INSPECTED,
        )
    return BeautifulSoup(html, "html.parser")


def test_the_form_hides_the_section_and_shows_its_help(app):
    checklist = build()
    page = render(app, checklist, {"sells_by_weight": "no"})
    section = page.select_one("details[data-section=scales]")
    assert section["data-relevant"] == "${sells_by_weight} = 'yes'"
    assert section.has_attr("hidden")
    assert section.select_one(".cl-section__help").text == "仅对称重销售的经营者检查"
    assert not page.select_one("details[data-section=general]").has_attr("data-relevant")
    page = render(app, checklist, {"sells_by_weight": "yes"})
    assert not page.select_one("details[data-section=scales]").has_attr("hidden")


# --- in a real browser -----------------------------------------------------------------------------


@pytest.fixture
def app_config(tmp_path_factory):
    folder = tmp_path_factory.mktemp("checklists")
    shutil.copy(ROOT / "tests" / "data" / "checklists" / "fuel-dispensers.yaml", folder)
    (folder / "market-scales-sections.yaml").write_text(yaml.safe_dump(SCALES, allow_unicode=True), encoding="utf-8")
    return {"CHECKLISTS_DIR": str(folder)}


@pytest.mark.browser
def test_a_section_shows_and_hides_live(browser, live_server, auth):
    auth.create("inspector1", "inspector", "140602")
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True, locale="zh-CN", service_workers="block"
    )
    try:
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        live_server.sign_in(page, "inspector1")
        page.goto(
            live_server.url_for("checklists.show", checklist_id="market-scales-sections", inspection_date="2021-06-10")
        )
        page.wait_for_selector(".cl-form--live")
        section = page.locator("details[data-section=scales]")
        assert section.is_hidden()
        page.locator("#cl-sells_by_weight label", has_text="是").click()
        section.wait_for(state="visible")
        assert page.locator("#cl-scale_verified").is_visible()
        page.locator("#cl-scale_verified label", has_text="不符合").click()
        page.locator("#cl-scale_action").wait_for(state="visible")
        # Hiding the section hides what depends on its items too (settled like the server).
        page.locator("#cl-sells_by_weight label", has_text="否").click()
        section.wait_for(state="hidden")
        page.locator("#cl-scale_action").wait_for(state="hidden")
        assert errors == []
    finally:
        context.close()
