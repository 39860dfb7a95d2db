"""Photos: size, format and pixel limits before decoding, a clear error in the form without
JavaScript (never "received" for a dropped file), and no reaching another inspector's file by hash."""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image
from sqlalchemy import func, select

from fieldapp.inspections import media as store
from fieldapp.inspections.models import Submission
from conftest import AuthActions
from factories.inspection import API_HEADERS, form_fields, jpeg_bytes, png_bytes, sha, submission_body
from factories.inspection import app_config, world  # noqa: F401  (fixtures: the test checklists, the world with zhang signed in)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bomb_png(side: int = 12_500) -> bytes:
    """A PNG header announcing ``side`` x ``side`` pixels in a few hundred bytes."""
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", ihdr)
        + _chunk(b"IDAT", zlib.compress(b"\0" * 1000))
        + _chunk(b"IEND", b"")
    )


def webp_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 120, 30)).save(out, "WEBP")
    return out.getvalue()


def form_data(world, photo: tuple[bytes, str] | None = None) -> dict:
    data = form_fields(world)
    if photo:
        data[f"photo.a.{world.task.id}.fuel-dispensers-test.seals"] = (io.BytesIO(photo[0]), photo[1])
    return data


def submissions(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Submission))


def test_a_small_png_announcing_12500_by_12500_pixels_is_refused_before_decoding(world, app):
    data = bomb_png()
    assert len(data) < 1000
    with app.test_request_context():
        with pytest.raises(store.ImageRejected):
            store.open_image(data)


def send_form(client_request, world, photo: tuple, status: int):
    """Post the visit's no-JavaScript form with this photo (bytes, file name); the status is asserted."""
    return client_request.post_response(
        "inspections.submit_form",
        visit_id=world.visit.id,
        _data=form_data(world, photo),
        _content_type="multipart/form-data",
        _expected_status=status,
    )


def test_the_form_refuses_a_pixel_bomb_with_a_clear_error(world, client_request, db):
    r = send_form(client_request, world, (bomb_png(), "big.png"), 422)
    assert "像素" in r.get_data(as_text=True)
    assert submissions(db) == 0


def test_the_form_refuses_a_photo_over_the_byte_limit_before_decoding(world, client_request, db, app):
    app.config["MEDIA_MAX_BYTES"] = 1024
    send_form(client_request, world, (jpeg_bytes(1), "p.jpg"), 422)
    assert submissions(db) == 0


def test_an_svg_photo_in_the_form_is_refused_with_a_clear_error_never_received(world, client_request, db):
    svg = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"
    r = send_form(client_request, world, (svg, "evidence.svg"), 422)
    page = r.get_data(as_text=True)
    assert "evidence.svg" in page and "JPEG" in page and "WebP" in page
    assert "已收到提交" not in page
    assert submissions(db) == 0


@pytest.mark.parametrize("kind", ["jpeg", "png", "webp"])
def test_jpeg_png_and_webp_photos_are_taken(world, client_request, db, kind):
    payload = {"jpeg": jpeg_bytes(2), "png": png_bytes(5), "webp": webp_bytes()}[kind]
    send_form(client_request, world, (payload, f"p.{kind}"), 302)
    sub = db.session.scalar(select(Submission))
    assert any(m.kind == "photo" and m.complete for m in sub.media)


def _visit_of_another_inspector(world, auth):
    from datetime import timedelta

    from fieldapp.extensions import db
    from fieldapp.inspectors.models import Inspector
    from fieldapp.subjects.models import Subject
    from fieldapp.visits.models import Visit, VisitInspector, VisitTask

    user = auth.create("wang", "inspector", "140602", name="王")
    inspector = Inspector(name="王", certificate_number="140602009", unit=user.unit, user_id=user.id)
    subject = Subject(
        ident="91140602MA0K99999X",
        uscc="91140602MA0K99999X",
        name="另一家加油站",
        kind="enterprise",
        division_code="140602",
        tags=list(world.subject.tags),
    )
    visit = Visit(
        subject=subject,
        executing_unit=world.visit.executing_unit,
        division_code="140602",
        window_start=world.visit.window_start,
        window_end=world.visit.window_start + timedelta(days=60),
    )
    visit.tasks.append(VisitTask(task=world.task))
    visit.inspectors.append(VisitInspector(inspector=inspector, role="lead", position=0))
    db.session.add(visit)
    db.session.commit()
    return visit


# The API at its own addresses (its contract with the phone).
def test_another_inspectors_photo_cannot_be_claimed_by_its_hash_and_size(world, client, auth, app):
    files = {"photo": jpeg_bytes(7), "lead": png_bytes(1), "member": png_bytes(2), "rep": png_bytes(3)}
    body = submission_body(world, files)
    assert client.post("/api/v1/submissions", json=body, headers=API_HEADERS).status_code == 201
    for data in files.values():
        client.put(f"/api/v1/submissions/{body['uuid']}/media/{sha(data)}", data=data, headers=API_HEADERS)
    # Another inspector, on another visit he may see, lists the same photo by hash and size only.
    other = _visit_of_another_inspector(world, auth)
    stranger = app.test_client()
    AuthActions(stranger).login("wang")  # an account made with the visit
    own = {"photo": files["photo"], "lead": png_bytes(11), "member": png_bytes(12), "rep": png_bytes(13)}
    claim = submission_body(world, own, visit_id=other.id)
    claim["signatures"] = [
        {"role": "lead", "inspector_id": other.inspectors[0].inspector_id, "name": "王", "sha256": sha(own["lead"])},
        {"role": "representative", "name": "王五", "sha256": sha(own["rep"]), "refused": False, "reason": ""},
    ]
    r = stranger.post("/api/v1/submissions", json=claim, headers=API_HEADERS)
    assert r.status_code == 201, r.json
    assert sha(files["photo"]) in r.json["missing"]
    # The same inspector's own resubmission may reuse what he sent.
    again = submission_body(world, files)
    r = client.post("/api/v1/submissions", json=again, headers=API_HEADERS)
    assert r.status_code in (201, 409), r.json
    if r.status_code == 201:
        assert sha(files["photo"]) not in r.json["missing"]
