"""U+0000 anywhere a user can type is refused with a 4xx and the app's own message — never a 500
(PostgreSQL refuses the character in text; CI runs these again on PostgreSQL)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from fieldapp.inspections.models import Submission
from factories.inspection import API_HEADERS, CHECKLIST_DIR, build_world, submission_body


@pytest.fixture
def app_config():
    return {"CHECKLISTS_DIR": str(CHECKLIST_DIR)}


# Addresses written by hand: a NUL where url_for would never put one is what these test.
@pytest.mark.parametrize(
    "url",
    [
        "/public/results?q=%00",
        "/public/results?county=14%0002",
        "/public/results?%00=1",
        "/public/units/%00",
        "/subjects/?q=a%00b",
        "/dashboards/?division=1406%0002",
        "/review/?division=%00",
    ],
)
def test_a_nul_in_an_address_or_query_is_a_400_page_in_chinese(client, auth, url):
    auth.login("city-supervisor", "supervisor", "city")
    response = client.get(url)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "无法理解此请求" in page
    assert "Traceback" not in page


def test_a_nul_in_a_posted_form_field_is_a_400(client_request):
    client_request.login("city-supervisor", "supervisor", "city")
    client_request.post_response("auth.login", _data={"username": "a\x00b", "password": "x"}, _expected_status=400)


def test_a_nul_in_a_submission_body_is_refused_and_nothing_is_stored(app, auth, client, db):
    world = build_world(auth)
    auth.login("zhang", "inspector", "140602")
    body = submission_body(world)
    first_item = next(iter(body["answers"]))
    body["answers"][first_item] = "符合\x00"
    response = client.post(  # the API at its own address (its contract with the phone)
        "/api/v1/submissions",
        data=json.dumps(body),
        headers=dict(API_HEADERS, **{"Content-Type": "application/json"}),
    )
    assert response.status_code == 400
    assert "U+0000" in json.dumps(response.get_json(), ensure_ascii=False)
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 0
