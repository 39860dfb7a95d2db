"""The submission body's one schema: every shape outside it is a 4xx naming the field (never a
500), raw JSON is bounded, and a stored row always renders on the review page."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from fieldapp.inspections.models import Submission
from fieldapp.inspections.schema import BodyError, parse_json, openapi_schemas
from fieldapp.review import body as reader
from factories.inspection import API_HEADERS, jpeg_bytes, png_bytes, sha, submission_body
from factories.inspection import app_config, world  # noqa: F401  (fixtures: the test checklists, the world with zhang signed in)

pytestmark = pytest.mark.db


# The API's addresses are written out on purpose: they are its contract with the phone's outbox
# (static/js/pwa) and with the OpenAPI document, so a test that names them fails when one moves.


def post_raw(client, data: bytes | str):
    return client.post(
        "/api/v1/submissions", data=data, headers=dict(API_HEADERS, **{"Content-Type": "application/json"})
    )


def stored(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Submission))


def _sig_role_list(b):
    b["signatures"][0]["role"] = ["lead"]


def _sig_sha_object(b):
    b["signatures"][0]["sha256"] = {"$gt": ""}


def _photo_item_not_object(b):
    b["media"][0] = "not an object"


BAD_SHAPES = {
    "answers_as_a_list": (lambda b: b.update(answers=["符合"]), "answers"),
    "answers_as_a_string": (lambda b: b.update(answers="符合"), "answers"),
    "photos_as_a_list": (lambda b: b.update(photos=["x"]), "photos"),
    "photos_items_not_lists_of_hashes": (lambda b: b.update(photos={"a.1.x.y": [{"sha256": 1}]}), "photos"),
    "media_item_not_an_object": (_photo_item_not_object, "media.0"),
    "signature_role_a_list": (_sig_role_list, "signatures.0.role"),
    "signature_sha256_an_object": (_sig_sha_object, "signatures.0.sha256"),
    "result_code_a_list": (lambda b: b.update(result_code=["1"]), "result_code"),
    "visit_id_ten_to_the_twentieth": (lambda b: b.update(visit_id=10**20), "visit_id"),
    "timestamp_year_9999_plus_14": (
        lambda b: b.update(client_submitted_at="9999-12-31T23:59:59-14:00"),
        "client_submitted_at",
    ),
    "timestamp_year_0001_plus_14": (lambda b: b.update(started_at="0001-01-01T00:00:00+14:00"), "started_at"),
    "an_unknown_field": (lambda b: b.update(surprise=1), "surprise"),
    "position_out_of_range": (lambda b: b.update(position={"lat": 91, "lng": 0}), "position.lat"),
}


@pytest.mark.parametrize("shape", sorted(BAD_SHAPES))
def test_a_body_outside_the_schema_is_a_422_naming_the_field(world, client, db, shape):
    mutate, field = BAD_SHAPES[shape]
    body = submission_body(world)
    mutate(body)
    r = client.post("/api/v1/submissions", json=body, headers=API_HEADERS)
    assert r.status_code == 422, r.json
    assert r.mimetype == "application/problem+json"
    assert any(e.startswith(field) for e in r.json["errors"]), r.json["errors"]
    assert stored(db) == 0


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused_with_400(world, client, db, literal):
    text = json.dumps(submission_body(world)).replace('"accuracy": 12', f'"accuracy": {literal}')
    assert literal in text
    r = post_raw(client, text)
    assert r.status_code == 400
    assert stored(db) == 0


def test_a_body_nested_100000_deep_is_refused_with_400(world, client, db):
    r = post_raw(client, "[" * 100_000 + "]" * 100_000)
    assert r.status_code == 400
    deep = json.dumps(dict(submission_body(world), answers={"a.1.x.y": None})).replace("null", "[" * 40 + "]" * 40)
    assert post_raw(client, deep).status_code == 400
    assert stored(db) == 0


def test_a_body_over_the_size_limit_is_refused_with_413(world, client, db):
    body = submission_body(world, override_reason="x" * (3 * 1024 * 1024))
    assert client.post("/api/v1/submissions", json=body, headers=API_HEADERS).status_code == 413
    assert stored(db) == 0


def test_json_parser_bounds_without_a_request():
    with pytest.raises(BodyError):
        parse_json(b'{"a": NaN}')
    with pytest.raises(BodyError):
        parse_json(b"[" * 50 + b"]" * 50)
    with pytest.raises(BodyError) as too_big:
        parse_json(b"[]", max_bytes=1)
    assert too_big.value.status == 413
    assert parse_json('{"a": [1, 2.5, "三"]}'.encode()) == {"a": [1, 2.5, "三"]}


def test_errors_name_the_field_in_chinese(world, client):
    body = submission_body(world)
    body["signatures"][0]["sha256"] = {"x": 1}
    r = client.post("/api/v1/submissions", json=body, headers=dict(API_HEADERS, **{"Accept-Language": "zh-CN"}))
    assert r.status_code == 422
    assert any(e.startswith("signatures.0.sha256") and "类型" in e for e in r.json["errors"]), r.json["errors"]


def test_a_valid_body_is_stored_normalised_and_its_review_page_renders(world, client, client_request, db):
    files = {"photo": jpeg_bytes(1), "lead": png_bytes(1), "member": png_bytes(2), "rep": png_bytes(3)}
    body = submission_body(world, files)
    r = client.post("/api/v1/submissions", json=body, headers=API_HEADERS)
    assert r.status_code == 201, r.json
    for data in files.values():
        client.put(f"/api/v1/submissions/{body['uuid']}/media/{sha(data)}", data=data, headers=API_HEADERS)
    row = db.session.scalar(select(Submission))
    assert row.state == "submitted"
    assert row.body["signatures"][0]["sha256"] == body["signatures"][0]["sha256"]
    assert row.inspected_on.year == 2021
    client_request.logout()
    client_request.login("city-supervisor")
    client_request.get_response("review.submission", submission_id=row.id)


def test_the_review_reader_skips_stored_entries_outside_the_schema():
    body = {
        "signatures": [
            {"role": "lead", "sha256": {"$gt": ""}},
            {"role": ["x"], "sha256": "a" * 64},
            {"role": "subject", "name": "赵六", "sha256": "b" * 64},
        ],
        "tasks": [
            {"task_id": 10**20},
            {"task_id": "x"},
            "junk",
            {"task_id": 3, "result_code": ["A"]},
            {"task_id": 4, "answers": ["not", "a", "dict"], "findings": ["junk", {"text": "t"}]},
        ],
        "position": {"lat": "nan", "lng": 1},
    }
    assert [s["sha256"] for s in reader.signatures(body)] == ["b" * 64]
    tasks = reader.tasks(body)
    assert [(t.task_id, t.findings, [a.answers for a in t.answer_sets]) for t in tasks] == [(4, [{"text": "t"}], [{}])]
    assert reader.position(body) is None


def test_openapi_body_is_generated_from_the_schema(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.1")
    body = spec["components"]["schemas"]["SubmissionBody"]
    assert body == openapi_schemas()["SubmissionBody"]
    assert body["additionalProperties"] is False
    assert body["properties"]["visit_id"]["maximum"] == 2**31 - 1
    refs = json.dumps(spec)
    for name in ("Signature", "Media", "Position"):
        assert f"#/components/schemas/{name}" in refs
        assert name in spec["components"]["schemas"]
