"""不适用 (does not apply at this subject) for number, date and choice items: the engine, the form
fields without JavaScript, the API body and the review page."""

from __future__ import annotations

from datetime import date

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from fieldapp.checklists import build_checklist, evaluate, parse_form
from fieldapp.checklists.text import ChecklistInvalid
from fieldapp.inspections.models import Submission
from factories.inspection import API_HEADERS, CHECKLIST_DIR, build_world, jpeg_bytes, png_bytes, sha, submission_body

INSPECTED = date(2021, 6, 10)


def checklist(**extra):
    """Required number, date and choice items, each able to fail."""
    return build_checklist(
        {
            "id": "na-test",
            "version": 1,
            "title": {"zh": "不适用测试", "en": "Not applicable"},
            "applies_to": {"tags": []},
            "sections": [
                {
                    "id": "main",
                    "title": {"zh": "检查", "en": "Checks"},
                    "items": [
                        {
                            "id": "error",
                            "type": "number",
                            "label": {"zh": "示值误差", "en": "Error"},
                            "limit": {"min": -1, "max": 1},
                            **extra,
                        },
                        {
                            "id": "valid_until",
                            "type": "date",
                            "label": {"zh": "有效期至", "en": "Valid until"},
                            "rule": "on_or_after_inspection",
                            **extra,
                        },
                        {
                            "id": "kind",
                            "type": "choice",
                            "label": {"zh": "类别", "en": "Kind"},
                            "choices": [
                                {"value": "ok", "label": {"zh": "合规", "en": "OK"}},
                                {"value": "bad", "label": {"zh": "违规", "en": "Bad"}},
                            ],
                            "fail_values": ["bad"],
                            **extra,
                        },
                        {
                            "id": "kinds",
                            "type": "choice",
                            "multiple": True,
                            "label": {"zh": "多选", "en": "Several"},
                            "choices": [
                                {"value": "a", "label": {"zh": "甲", "en": "A"}},
                                {"value": "b", "label": {"zh": "乙", "en": "B"}},
                            ],
                            "fail_values": ["b"],
                            **extra,
                        },
                    ],
                }
            ],
        },
        "test",
    )


NA_ALL = {"error": "不适用", "valid_until": "不适用", "kind": "不适用", "kinds": "不适用"}


def test_not_applicable_is_an_answer_never_a_finding_and_satisfies_required_items():
    ev = evaluate(checklist(), NA_ALL, INSPECTED)
    assert ev.is_valid, ev.errors
    assert ev.findings == [] and ev.suggested_result == "1"
    assert {k: ev.outcome(k) for k in NA_ALL} == dict.fromkeys(NA_ALL, "不适用")
    assert ev.answers == NA_ALL
    # The same items still fail when answered.
    bad = evaluate(checklist(), {"error": "2", "valid_until": "2021-06-09", "kind": "bad", "kinds": ["b"]}, INSPECTED)
    assert sorted(f.item_id for f in bad.findings) == ["error", "kind", "kinds", "valid_until"]
    # Unanswered they are still required.
    assert set(evaluate(checklist(), {}, INSPECTED).errors) == set(NA_ALL)


def test_na_false_takes_the_answer_away():
    ev = evaluate(checklist(na=False), NA_ALL, INSPECTED)
    assert {k: e[0].code for k, e in ev.errors.items()} == dict.fromkeys(NA_ALL, "type")
    with pytest.raises(ChecklistInvalid, match="'na' must be true or false"):
        checklist(na="yes")


def test_a_limit_that_refers_to_a_not_applicable_answer_is_not_judged():
    definition = checklist().definition
    definition["sections"][0]["items"].append(
        {"id": "reading", "type": "number", "label": {"zh": "示值", "en": "Reading"}, "limit": {"max": "${error}"}}
    )
    ev = evaluate(build_checklist(definition, "test"), dict(NA_ALL, reading="5"), INSPECTED)
    assert ev.outcome("reading") is None and ev.findings == []


def test_the_form_posts_the_box_for_number_and_date_and_a_choice_for_choice_items():
    c = checklist()
    form = MultiDict(
        [
            ("p-error", "0.5"),  # typed before ticking the box: the box wins
            ("p-error-na", "不适用"),
            ("p-valid_until", ""),
            ("p-valid_until-na", "不适用"),
            ("p-kind", "不适用"),
            ("p-kinds", "a"),
            ("p-kinds", "不适用"),
        ]
    )
    assert parse_form(c, form, "p-") == NA_ALL
    assert parse_form(c, MultiDict([("p-error", "0.5"), ("p-kinds", "a")]), "p-") == {"error": "0.5", "kinds": ["a"]}


def test_the_form_macro_offers_the_answer_and_shows_it_again(app):
    from flask import render_template_string

    c = checklist()
    template = (
        '{% from "checklists/_form.html" import render_checklist %}{{ render_checklist(c, answers, prefix="p-") }}'
    )
    with app.test_request_context():
        page = BeautifulSoup(render_template_string(template, c=c, answers=NA_ALL), "html.parser")
        fresh = BeautifulSoup(render_template_string(template, c=c, answers={}), "html.parser")
    for name in ("p-error-na", "p-valid_until-na"):
        assert page.select_one(f'input[type=checkbox][name="{name}"]').has_attr("checked")
        assert not fresh.select_one(f'input[name="{name}"]').has_attr("checked")
    assert page.select_one('input[name="p-error"]')["value"] == ""
    assert page.select_one('input[type=radio][name="p-kind"][value="不适用"]').has_attr("checked")
    assert page.select_one('input[type=checkbox][name="p-kinds"][value="不适用"]').has_attr("checked")
    with app.test_request_context():
        no_na = BeautifulSoup(render_template_string(template, c=checklist(na=False), answers={}), "html.parser")
    assert no_na.select("[data-na]") == [] and len(page.select("[data-na]")) == 4


@pytest.fixture
def app_config():
    return {"CHECKLISTS_DIR": str(CHECKLIST_DIR)}


def test_an_api_submission_with_a_not_applicable_number_is_clean_and_reviewed_as_such(
    app, auth, client, client_request, db
):
    world = build_world(auth)
    auth.login("zhang", "inspector", "140602")
    files = {"photo": jpeg_bytes(1), "lead": png_bytes(1), "member": png_bytes(2), "rep": png_bytes(3)}
    body = submission_body(world, files)
    t = world.task.id
    body["answers"][f"a.{t}.fuel-dispensers-test.dispenser-0-error_pct-na"] = "不适用"
    body["answers"][f"a.{t}.fuel-dispensers-test.dispenser-0-error_pct"] = ""
    # The API at its own address (its contract with the phone).
    response = client.post("/api/v1/submissions", json=body, headers=API_HEADERS)
    assert response.status_code == 201, response.get_data(as_text=True)
    for data in files.values():
        headers = dict(API_HEADERS, **{"Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"})
        url = f"/api/v1/submissions/{body['uuid']}/media/{sha(data)}"
        assert client.put(url, data=data, headers=headers).status_code == 200
    sub = db.session.scalar(select(Submission))
    [task] = sub.body["tasks"]
    assert task["answer_sets"][0]["answers"]["dispenser"][0]["error_pct"] == "不适用"
    assert task["findings"] == [] and task["suggested_result"] == "1"
    client_request.logout()
    client_request.login("shuocheng-sup", "supervisor", "140602")
    page = client_request.get("review.submission", submission_id=sub.id)
    row = page.select_one('[data-path="dispenser.1.error_pct"]')
    assert "不适用" in row.get_text() and "answers__row--finding" not in row.get("class", [])
