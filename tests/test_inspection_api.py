"""The phone's API: idempotent submissions, 409 on a changed body, concurrent replays, resumable
and verified media, completeness, resubmissions, and the API's own CSRF protection."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conftest import new_browser
from fieldapp import clock
from fieldapp.inspections.models import MediaFile, Submission
from factories.inspection import API_HEADERS, CHECKLIST_DIR, build_world, jpeg_bytes, png_bytes, sha, submission_body
from factories.inspection import app_config, world  # noqa: F401  (fixtures: the test checklists, the world with zhang signed in)


# The API's addresses are written out on purpose: they are its contract with the phone's outbox
# (static/js/pwa) and with the OpenAPI document, so a test that names them fails when one moves.


def post(client, body, headers=None):
    h = dict(API_HEADERS, **{"Idempotency-Key": body["uuid"]})
    h.update(headers or {})
    return client.post("/api/v1/submissions", json=body, headers=h)


def put(client, uuid, data, start=0, total=None, sha256=None):
    total = len(data) if total is None else total
    end = start + len(data) - 1
    return client.put(
        f"/api/v1/submissions/{uuid}/media/{sha256 or sha(data)}",
        data=data,
        headers=dict(
            API_HEADERS, **{"Content-Range": f"bytes {start}-{end}/{total}", "Content-Type": "application/octet-stream"}
        ),
    )


def count(db, model=Submission):
    return db.session.scalar(select(func.count()).select_from(model))


def test_create_then_replay_returns_the_same_record(world, client, db):
    body = submission_body(world)
    first = post(client, body)
    assert first.status_code == 201, first.json
    assert first.json["state"] == "incomplete"
    assert len(first.json["missing"]) == 4
    again = post(client, body)
    assert again.status_code == 200
    assert again.json["id"] == first.json["id"]
    assert count(db) == 1


def test_same_uuid_with_a_different_body_is_a_conflict(world, client, db):
    body = submission_body(world)
    assert post(client, body).status_code == 201
    changed = dict(body, result_code="A", override_reason="铅封有疑问")
    response = post(client, changed)
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert count(db) == 1
    assert db.session.scalar(select(Submission)).result_code == "1"


def test_twenty_concurrent_replays_make_one_record(world, client, app, db):
    body = submission_body(world)
    cookie = client.get_cookie("session").value
    results, errors = [], []
    barrier = threading.Barrier(20)

    def send():
        c = app.test_client()
        c.set_cookie("session", cookie)
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                r = post(c, body)
                results.append((r.status_code, r.json.get("id")))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=send) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert len(results) == 20
    assert {code for code, _ in results} <= {200, 201}
    assert [code for code, _ in results].count(201) == 1
    assert len({rid for _, rid in results}) == 1
    assert count(db) == 1
    assert count(db, MediaFile) == 4


def test_media_resumable_verified_and_completing(world, client, db, app):
    files = {"photo": jpeg_bytes(2, (1600, 1200)), "lead": png_bytes(1), "member": png_bytes(2), "rep": png_bytes(3)}
    body = submission_body(world, files)
    uuid = body["uuid"]
    assert post(client, body).status_code == 201
    photo = files["photo"]
    half = len(photo) // 2
    # First half arrives.
    r = put(client, uuid, photo[:half], 0, len(photo), sha256=sha(photo))
    assert r.status_code == 200, r.get_data(as_text=True)
    assert r.json["file"]["received"] == half
    # A piece after a gap is refused with the offset to resume from.
    r = put(client, uuid, photo[half + 10 :], half + 10, len(photo), sha256=sha(photo))
    assert r.status_code == 416 and r.json["received"] == half
    # A resend overlapping what the server has (the response to it was lost) is fine.
    r = put(client, uuid, photo[half - 100 :], half - 100, len(photo), sha256=sha(photo))
    assert r.status_code == 200 and r.json["file"]["complete"] is True
    assert r.json["state"] == "incomplete"
    # Bytes that do not match the hash are discarded.
    bad = bytearray(files["lead"])
    bad[-5] ^= 0xFF
    r = put(client, uuid, bytes(bad), sha256=sha(files["lead"]))
    assert r.status_code == 422
    status = client.get(f"/api/v1/submissions/{uuid}/media/{sha(files['lead'])}", headers=API_HEADERS).json
    assert status == {"sha256": sha(files["lead"]), "size": len(files["lead"]), "received": 0, "complete": False}
    for key in ("lead", "member", "rep"):
        assert put(client, uuid, files[key]).status_code == 200
    final = client.get(f"/api/v1/submissions/{uuid}", headers=API_HEADERS).json
    assert final["complete"] is True and final["state"] == "submitted" and final["missing"] == []
    # Stored by hash under MEDIA_ROOT, byte-identical.
    for data in files.values():
        path = Path(app.config["MEDIA_ROOT"]) / sha(data)[:2] / sha(data)[2:4] / sha(data)
        assert path.read_bytes() == data
    submission = db.session.scalar(select(Submission))
    assert submission.completed_at is not None
    assert submission.visit.status == "submitted"
    # A replay after completion changes nothing.
    assert post(client, body).json["state"] == "submitted"


def post_with_signatures(client, body, files: dict[str, bytes]):
    """The phone's way: the body as JSON, the small files beside it (multipart), named by hash."""
    import io

    data = {"submission": (io.BytesIO(json.dumps(body).encode()), "submission.json", "application/json")}
    for name, content in files.items():
        data[name] = (io.BytesIO(content), name, "image/png")
    return client.post(
        "/api/v1/submissions",
        data=data,
        content_type="multipart/form-data",
        headers=dict(API_HEADERS, **{"Idempotency-Key": body["uuid"]}),
    )


def test_signatures_come_with_the_submission_and_only_the_photo_is_left(world, client, db, app):
    files = {"photo": jpeg_bytes(4), "lead": png_bytes(4), "member": png_bytes(5), "rep": png_bytes(6)}
    body = submission_body(world, files)
    signatures = {sha(files[k]): files[k] for k in ("lead", "member", "rep")}
    r = post_with_signatures(client, body, signatures)
    assert r.status_code == 201, r.json
    assert r.json["missing"] == [sha(files["photo"])]
    for data in signatures.values():
        path = Path(app.config["MEDIA_ROOT"]) / sha(data)[:2] / sha(data)[2:4] / sha(data)
        assert path.read_bytes() == data
    # The answer was lost: the same request again is the same record, still waiting for the photo.
    again = post_with_signatures(client, body, signatures)
    assert again.status_code == 200 and again.json["id"] == r.json["id"] and again.json["missing"] == r.json["missing"]
    done = put(client, body["uuid"], files["photo"])
    assert done.json["complete"] is True and done.json["state"] == "submitted"
    assert count(db) == 1


def test_files_beside_the_submission_must_be_its_signatures_and_match_their_hash(world, client, db):
    files = {"photo": jpeg_bytes(5), "lead": png_bytes(7), "member": png_bytes(8), "rep": png_bytes(9)}
    body = submission_body(world, files)
    # A photo is never sent this way; bytes that are not what their name says are refused.
    r = post_with_signatures(client, body, {sha(files["photo"]): files["photo"]})
    assert r.status_code == 422 and "签名" in r.json["title"]
    tampered = bytearray(files["lead"])
    tampered[-5] ^= 0xFF
    r = post_with_signatures(client, body, {sha(files["lead"]): bytes(tampered)})
    assert r.status_code == 422 and "SHA-256" in r.json["title"]
    r = post_with_signatures(client, body, {sha(files["lead"]): b"x" * (65 * 1024)})
    assert r.status_code == 413
    r = client.post(
        "/api/v1/submissions",
        data={"other": "x"},
        content_type="multipart/form-data",
        headers=dict(API_HEADERS, **{"Idempotency-Key": body["uuid"]}),
    )
    assert r.status_code == 400
    assert count(db) == 0


def test_media_already_stored_is_deduplicated(world, client, auth, db):
    files = {"photo": jpeg_bytes(3), "lead": png_bytes(1), "member": png_bytes(2), "rep": png_bytes(3)}
    first = submission_body(world, files)
    post(client, first)
    for data in files.values():
        put(client, first["uuid"], data)
    # The same visit returned, corrected with the same photos: nothing needs sending again.
    sub = db.session.scalar(select(Submission))
    sub.state = "returned"
    sub.review_comment = "请补充加油机编号"
    db.session.commit()
    second = submission_body(
        world, files, replaces=first["uuid"], position={"lat": 39.3301, "lng": 112.4302, "accuracy": 8}
    )
    r = post(client, second)
    assert r.status_code == 201
    assert r.json["complete"] is True and r.json["version"] == 2
    old, new = db.session.scalars(select(Submission).order_by(Submission.id)).all()
    assert old.state == "superseded" and new.replaces_id == old.id


def test_replacing_a_version_that_is_not_returned_is_a_conflict(world, client):
    first = submission_body(world)
    post(client, first)
    second = submission_body(world, replaces=first["uuid"])
    assert post(client, second).status_code == 409


def test_a_second_first_version_from_another_phone_is_a_conflict_not_a_silent_replacement(world, client, db):
    # The same inspector filled the visit on two phones: the office keeps the first, the second
    # hears 409 with the visit's newest version (its phone keeps the answers and explains).
    first = submission_body(world)
    assert post(client, first).status_code == 201
    other = submission_body(world, result_code="A", override_reason="铅封有疑问")
    response = post(client, other)
    assert response.status_code == 409
    assert response.json["visit"]["uuid"] == first["uuid"] and response.json["visit"]["version"] == 1
    assert [s.uuid for s in db.session.scalars(select(Submission))] == [first["uuid"]]
    # Once the office returns it, the other phone's answers go in as the correction.
    db.session.scalar(select(Submission)).state = "returned"
    db.session.commit()
    correction = submission_body(world, replaces=first["uuid"])
    assert post(client, correction).status_code == 201
    assert post(client, first).status_code == 200  # a replay of the first is still the same record


@pytest.mark.parametrize("hours", [-9, 7])
def test_a_phone_clock_hours_off_dates_the_inspection_by_the_server_clock(world, client, db, frozen_clock, hours):
    # 08:30 in Beijing: a phone nine hours behind believes it is 23:30 of the day before.
    frozen_clock.beijing(2026, 11, 27, 8, 30)
    phone_now = clock.now() + timedelta(hours=hours)
    body = submission_body(
        world,
        client_submitted_at=phone_now.isoformat(),
        started_at=(phone_now - timedelta(minutes=40)).isoformat(),
    )
    assert post(client, body, {"X-Fieldapp-Client-Time": phone_now.isoformat()}).status_code == 201
    submission = db.session.scalar(select(Submission))
    assert clock.as_utc(submission.inspected_on) == clock.now()
    assert submission.body["inspected_on"] == "2026-11-27"
    assert clock.as_utc(submission.visit.started_at) == clock.now() - timedelta(minutes=40)
    # Without the phone's time, a clock running ahead still cannot date it in the future.
    later = submission_body(world, client_submitted_at=(clock.now() + timedelta(hours=7)).isoformat())
    db.session.delete(submission)
    db.session.commit()
    assert post(client, later).status_code == 201
    assert clock.as_utc(db.session.scalar(select(Submission)).inspected_on) == clock.now()


def test_an_invalid_body_is_refused_with_reasons_in_chinese(world, client, db):
    body = submission_body(world, check_methods=[], result_code="A")
    body["signatures"] = [s for s in body["signatures"] if s["role"] != "representative"]
    r = post(client, body)
    assert r.status_code == 422
    text = " ".join(r.json["errors"])
    assert "检查方式" in text
    assert "签字" in text
    assert "理由" in text
    assert count(db) == 0
    # A refusal with its reason is accepted instead of the representative's signature.
    body = submission_body(world)
    body["signatures"][2] = {
        "role": "representative",
        "name": "王五",
        "sha256": None,
        "refused": True,
        "reason": "负责人不在场，店员拒绝签字",
    }
    body["media"] = body["media"][:3]
    assert post(client, body).status_code == 201


def test_the_api_needs_its_header_a_same_origin_and_a_session(world, client, app):
    body = submission_body(world)
    r = client.post("/api/v1/submissions", json=body)
    assert r.status_code == 403
    r = post(client, body, {"Origin": "https://evil.example"})
    assert r.status_code == 403
    r = post(client, body, {"Origin": "http://localhost"})
    assert r.status_code == 201
    other = app.test_client()
    assert post(other, submission_body(world)).status_code == 401


def test_an_inspector_not_on_the_visit_gets_404(world, client, client_request):
    client_request.logout()
    client_request.login("stranger", "inspector", "140602")
    assert post(client, submission_body(world)).status_code == 404


class TestWithCsrfOn:
    @pytest.fixture
    def app_config(self):
        return {"CHECKLISTS_DIR": str(CHECKLIST_DIR), "WTF_CSRF_ENABLED": True}

    def test_the_json_api_is_exempt_from_form_tokens(self, app, auth, client, client_request):
        w = build_world(auth)
        token = client_request.get("auth.login").find("input", {"name": "csrf_token"})["value"]
        client_request.post("auth.login", _data={"username": "zhang", "password": auth.PASSWORD, "csrf_token": token})
        assert post(client, submission_body(w)).status_code == 201


def test_openapi_document(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"].startswith("3.")
    assert {"/submissions", "/submissions/{uuid}", "/submissions/{uuid}/media/{sha256}"} <= set(spec["paths"])
    assert "409" in spec["paths"]["/submissions"]["post"]["responses"]


@pytest.mark.parametrize(
    "language,names",
    [
        ("zh_CN", ["主检人员", "检查人员", "被检查对象代表"]),
        ("en", ["Lead inspector", "Inspector", "Subject's representative"]),
    ],
)
def test_signatures_sent_without_names_are_named_by_role_on_review(
    world, client, client_request, app, db, language, names
):
    # The review page showed the stored codes "lead", "member", "representative" in a Chinese page.
    body = submission_body(world)
    for signature in body["signatures"]:
        signature["name"] = ""
    client_request.post_response(
        "inspections.api_create_submission", _json=body, _headers=API_HEADERS, _expected_status=201
    )
    for data in (jpeg_bytes(1), png_bytes(1), png_bytes(2), png_bytes(3)):
        url = f"/api/v1/submissions/{body['uuid']}/media/{sha(data)}"
        assert client.put(url, data=data, headers=API_HEADERS).status_code == 200
    reviewer = new_browser(app)
    reviewer.login("sc-reviewer", "supervisor", "140602")
    reviewer.post("core.set_language", _data={"lang": language, "next": "/"})
    submission = db.session.scalar(select(Submission))
    page = reviewer.get("review.submission", submission_id=submission.id)
    items = page.select("#signatures .signature-list li")
    assert [li.span.get_text(strip=True) for li in items] == names
    assert all(li.img["alt"].count(name) == 1 for li, name in zip(items, names))


def test_a_correction_after_a_return_keeps_the_checks_date_and_its_publication_clock(world, client, db, frozen_clock):
    # 自抽查结束之日起20个工作日内: the check ended on 11-02; correcting its record on 11-20 after a
    # return is not a new check, so neither the record's date nor the 20-working-day clock moves.
    from fieldapp.calendar.workdays import publication_due
    from fieldapp.review.body import inspected_on

    frozen_clock.beijing(2026, 11, 2, 16, 0)
    first = submission_body(world, client_submitted_at=clock.now().isoformat())
    assert post(client, first).status_code == 201
    old = db.session.scalar(select(Submission))
    old.state, old.review_comment = "returned", "请补充加油机编号"
    db.session.commit()
    frozen_clock.beijing(2026, 11, 20, 9, 0)
    second = submission_body(world, replaces=first["uuid"], client_submitted_at=clock.now().isoformat())
    assert post(client, second).status_code == 201
    new = db.session.scalars(select(Submission).order_by(Submission.id)).all()[-1]
    assert new.version == 2 and new.body["inspected_on"] == "2026-11-02"
    assert clock.local_date(new.inspected_on) == clock.local_date(old.inspected_on)
    done = inspected_on(new.body, new.inspected_on)
    assert publication_due(done)[0] == publication_due(clock.local_date(old.inspected_on))[0]


def test_work_sent_from_another_inspectors_page_is_refused_as_a_lost_login(world, client, auth, db):
    """A shared phone: a page of the previous inspector, still open, sends that inspector's work
    with the next one's login. It must not be taken as the next one's submission."""
    body = submission_body(world)
    other = auth.create("wang", "inspector", "140602", name="王检查")
    response = post(client, body, {"X-Fieldapp-User": str(other.id)})
    assert response.status_code == 401 and "登录" in response.json["title"]
    assert count(db) == 0
    assert post(client, body, {"X-Fieldapp-User": str(world.lead_user.id)}).status_code == 201


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'


def test_a_photo_that_is_no_image_withdraws_the_sending_and_says_why(world, client, db, app):
    # The phone's outbox PUTs a photo's bytes as listed; an SVG (or any file that is no JPEG, PNG or
    # WebP) is refused when it is whole: the office keeps nothing of this sending, so the phone takes
    # the answers back into the draft and the same UUID can be sent again without that file.
    files = {"photo": SVG * 3000, "lead": png_bytes(1), "member": png_bytes(2), "rep": png_bytes(3)}
    body = submission_body(world, files)
    assert post(client, body).status_code == 201
    photo = files["photo"]
    half = len(photo) // 2
    assert put(client, body["uuid"], photo[:half], 0, len(photo), sha256=sha(photo)).status_code == 200
    r = put(client, body["uuid"], photo[half:], half, len(photo), sha256=sha(photo))
    assert r.status_code == 422 and r.json["refused"] == sha(photo)
    assert "JPEG" in r.json["title"] and "草稿" in r.json["title"] and r.json["errors"] == [r.json["title"]]
    assert count(db) == 0 and count(db, MediaFile) == 0
    media = Path(app.config["MEDIA_ROOT"])
    assert not [p for p in media.rglob("*") if p.is_file() and p.read_bytes() == photo]  # neither stored nor left
    assert put(client, body["uuid"], photo).status_code == 404  # nothing left to send it to
    # Sent again with a real photo: the same UUID is a new sending, complete once its files arrive.
    files["photo"] = jpeg_bytes(6)
    again = submission_body(world, files, uuid=body["uuid"])
    assert post(client, again).status_code == 201
    for data in files.values():
        last = put(client, again["uuid"], data)
    assert last.json["state"] == "submitted"


def test_a_signature_beside_the_submission_that_is_no_image_is_refused_whole(world, client, db, app):
    files = {"photo": jpeg_bytes(7), "lead": SVG, "member": png_bytes(8), "rep": png_bytes(9)}
    body = submission_body(world, files)
    r = post_with_signatures(client, body, {sha(SVG): SVG})
    assert r.status_code == 422 and "JPEG" in r.json["title"] and "草稿" in r.json["title"]
    assert count(db) == 0
    assert not (Path(app.config["MEDIA_ROOT"]) / sha(SVG)[:2] / sha(SVG)[2:4] / sha(SVG)).exists()


def test_a_correction_whose_photo_is_no_image_leaves_the_returned_version_returned(world, client, db):
    first = submission_body(world)
    assert post(client, first).status_code == 201
    old = db.session.scalar(select(Submission))
    old.state, old.review_comment = "returned", "请补拍加油机铅封照片"
    db.session.commit()
    files = {"photo": SVG * 10, "lead": png_bytes(1), "member": png_bytes(2), "rep": png_bytes(3)}
    second = submission_body(world, files, replaces=first["uuid"])
    assert post(client, second).status_code == 201
    db.session.expire_all()
    assert old.state == "superseded"
    assert put(client, second["uuid"], files["photo"]).status_code == 422
    db.session.expire_all()
    assert [(s.uuid, s.state) for s in db.session.scalars(select(Submission))] == [(first["uuid"], "returned")]
    # The returned version can still be corrected: the same UUID again, with a photo.
    files["photo"] = jpeg_bytes(8)
    assert post(client, submission_body(world, files, uuid=second["uuid"], replaces=first["uuid"])).status_code == 201
