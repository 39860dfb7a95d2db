"""Hostile bodies to the phone's JSON API: not JSON, wrong types, huge arrays, deep nesting, a reused
client UUID, media with the wrong hash, length, type or range — a 4xx with a title, never a 500."""

from __future__ import annotations

from datetime import date

import pytest

from factories.inspection import API_HEADERS, submission_body
from fieldapp.extensions import db
from fieldapp.visits.models import Visit
from factories.inspection import app_config, world  # noqa: F401  (fixtures: the test checklists, the world with zhang signed in)


def _deep(levels: int):
    value: object = 1
    for _ in range(levels):
        value = {"a": [value]}
    return value


NOT_A_SUBMISSION = [
    (b"", "application/json"),
    (b"not json", "application/json"),
    (b"{'uuid': 1}", "application/json"),
    (b'{"uuid": NaN}', "application/json"),
    (b"\xff\xfe{}", "application/json"),
    (b"[1, 2, 3]", "application/json"),
    (b"null", "application/json"),
    (b'"text"', "application/json"),
    (b"{}", "text/plain"),
    (b"[" + b"1," * 200_000 + b"1]", "application/json"),
    (b'{"a": ' * 300 + b"1" + b"}" * 300, "application/json"),
]


@pytest.mark.parametrize("payload,content_type", NOT_A_SUBMISSION)
def test_a_body_that_is_not_a_submission_is_a_4xx_with_a_title(world, client, payload, content_type):
    response = client.post("/api/v1/submissions", data=payload, content_type=content_type, headers=API_HEADERS)
    assert 400 <= response.status_code < 500, response.status_code
    assert response.get_json()["title"]


WRONG_TYPES = [
    {"visit_id": 2**63},
    {"visit_id": -1},
    {"uuid": 12},
    {"uuid": "x" * 10_000},
    {"answers": []},
    {"answers": {"a": {"b": "c"}}},
    {"task_ids": "1"},
    {"task_ids": [2**70]},
    {"check_methods": [None]},
    {"position": {"lat": 1e309}},
    {"position": {"lat": "NaN", "lng": "Infinity"}},
    {"signatures": "x"},
    {"media": [{"sha256": "../../etc/passwd", "size": -1, "kind": "photo", "content_type": "text/html"}]},
    {"media": [{"sha256": "a" * 64, "size": 2**63, "kind": "photo", "content_type": "image/jpeg"}] * 2},
    {"client_submitted_at": "2021-02-30T00:00:00Z"},
    {"client_submitted_at": "9999-12-31T23:59:59Z"},
    {"photos": {"x": ["a" * 64] * 5_000}},
    {"findings": [{"item": "x" * 10_000}] * 50},
    {"deep": _deep(60)},
]


@pytest.mark.parametrize("override", WRONG_TYPES, ids=lambda o: next(iter(o)))
def test_a_submission_with_wrong_types_is_refused_never_a_500(world, client, override):
    response = client.post("/api/v1/submissions", json=submission_body(world, **override), headers=API_HEADERS)
    assert 400 <= response.status_code < 500, response.status_code
    assert response.get_json()["title"]


def test_the_same_uuid_with_another_body_is_a_conflict(world, client):
    body = submission_body(world)
    assert client.post("/api/v1/submissions", json=body, headers=API_HEADERS).status_code == 201
    other = {**body, "result_code": "A", "override_reason": "改了"}
    assert client.post("/api/v1/submissions", json=other, headers=API_HEADERS).status_code == 409
    assert client.post("/api/v1/submissions", json=body, headers=API_HEADERS).status_code == 200


@pytest.mark.parametrize(
    "content_range,cut",
    [
        ("bytes 0-9/10", 10),
        ("bytes 99999999999999999999-99999999999999999999/99999999999999999999", 1),
        ("bytes 5-2/10", 0),
        ("bytes 0-0/0", 0),
        ("bytes -1-5/10", 5),
        ("bytes 0-4/*", 5),
        ("items 0-4/5", 5),
        ("bytes 100-104/105", 5),
    ],
)
def test_media_out_of_range_or_with_the_wrong_hash_is_a_4xx(world, client, content_range, cut):
    body = submission_body(world)
    assert client.post("/api/v1/submissions", json=body, headers=API_HEADERS).status_code == 201
    photo = body["media"][0]
    url = f"/api/v1/submissions/{body['uuid']}/media/{photo['sha256']}"
    headers = {**API_HEADERS, "Content-Range": content_range, "Content-Type": "text/html"}
    response = client.put(url, data=b"\x00" * cut, headers=headers)
    assert 400 <= response.status_code < 500, (content_range, response.status_code)
    wrong = client.put(url, data=b"\xff" * photo["size"], headers={**API_HEADERS, "Content-Type": "image/jpeg"})
    assert wrong.status_code == 422  # the bytes do not hash to the announced SHA-256
    assert (
        client.put(f"/api/v1/submissions/{body['uuid']}/media/{'0' * 64}", data=b"x", headers=API_HEADERS).status_code
        == 404
    )


@pytest.mark.parametrize(
    "answer,message",
    [
        ({"x": 1}, "值的类型不对"),
        (5, "值的类型不对"),
        ("x" * 5000, "值超出允许的范围"),
        (["x" * 5000], "值超出允许的范围"),
    ],
)
def test_an_answer_of_no_accepted_shape_is_one_message_naming_its_field(world, client, answer, message):
    # An answer is text, a list of texts or empty: anything else is one problem of that field, named
    # as the body names it — never pydantic's names for the union's members ("constrained-str").
    body = submission_body(world)
    field = next(iter(body["answers"]))
    body["answers"][field] = answer
    body["findings"] = [{"item": "pledge", "text": {"nested": True}}]
    response = client.post("/api/v1/submissions", json=body, headers=API_HEADERS)
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors == [f"answers.{field}：{message}。", "findings.0.text：值的类型不对。"]


@pytest.mark.parametrize(
    "override,field",
    [
        ({"visit_id": True}, "visit_id"),
        ({"visit_id": "1"}, "visit_id"),
        ({"visit_id": 1.0}, "visit_id"),
        ({"task_ids": [True]}, "task_ids.0"),
    ],
)
def test_an_id_that_is_not_a_json_integer_is_refused(world, client, override, field):
    # The phone sends numbers; true, "1" or 1.0 for an id is not one (each was read as 1, a real id).
    assert world.visit.id == 1 and world.task.id == 1
    body = submission_body(world, **override)
    response = client.post("/api/v1/submissions", json=body, headers=API_HEADERS)
    assert response.status_code == 422
    assert response.get_json()["errors"] == [f"{field}：值的类型不对。"]


def test_a_file_size_of_true_is_refused(world, client):
    body = submission_body(world)
    body["media"][0]["size"] = True
    response = client.post("/api/v1/submissions", json=body, headers=API_HEADERS)
    assert response.status_code == 422
    assert response.get_json()["errors"] == ["media.0.size：值的类型不对。"]


@pytest.mark.parametrize(
    "phone_time",
    [
        "0001-01-01T00:00:00+01:00",  # before year 1 in UTC
        "9999-12-31T23:59:59-01:00",  # after year 9999 in UTC
        "9999-12-31T23:59:59Z",  # an offset that carried the visit's start before year 1
        "0001-01-01T00:00:00Z",
        "1969-12-31T23:59:59Z",
    ],
)
def test_a_phone_clock_no_clock_can_show_is_ignored_not_a_500(world, client, phone_time):
    """X-Fieldapp-Client-Time outside 1970–2100 is no reading of a phone's clock: the submission is
    taken with its own times (the offset from such a time overflowed the calendar: a 500)."""
    body = submission_body(world, started_at="2021-06-01T01:00:00Z")
    headers = {**API_HEADERS, "X-Fieldapp-Client-Time": phone_time}
    response = client.post("/api/v1/submissions", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    assert db.session.get(Visit, world.visit.id).started_at.date() == date(2021, 6, 1)


@pytest.mark.parametrize("origin", ["http://[bad", "http://[::1", "http://a]b:x"])
def test_an_unreadable_origin_is_another_sites(world, client, origin):
    response = client.post(
        "/api/v1/submissions", json=submission_body(world), headers={**API_HEADERS, "Origin": origin}
    )
    assert response.status_code == 403
    assert response.get_json()["title"] == "拒绝来自其他网站的请求。"


@pytest.mark.parametrize(
    "media,field",
    [(5, "media"), (True, "media"), ({"a": 1}, "media"), ([{"sha256": ["x"], "kind": "signature"}], "media.0.sha256")],
)
def test_a_media_list_of_the_wrong_shape_is_named_before_any_file_is_stored(world, client, media, field):
    """The small files that come with a submission were matched against its media list before the
    body was checked: a number or a list where a hash goes was a 500."""
    response = client.post("/api/v1/submissions", json=submission_body(world, media=media), headers=API_HEADERS)
    assert response.status_code == 422
    assert any(error.startswith(f"{field}：") for error in response.get_json()["errors"]), response.get_json()


@pytest.mark.parametrize(
    "method,url,title",
    [
        ("GET", "/api/v1/visits/99999999999999999999/offline", "页面不存在。"),
        ("GET", "/api/v1/nothing-here", "页面不存在。"),
        ("PUT", "/api/v1/visits/state", "此页面不能这样使用。"),
    ],
)
def test_an_api_address_refused_before_its_view_answers_problem_json_in_the_users_language(
    world, client, method, url, title
):
    """The phone shows a refusal's title; an HTML error page there read as a bare "HTTP 404"."""
    response = client.open(url, method=method, headers=API_HEADERS)
    assert response.mimetype == "application/problem+json"
    assert response.get_json() == {"status": response.status_code, "title": title}
