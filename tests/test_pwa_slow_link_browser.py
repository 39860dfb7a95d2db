"""Acceptance on a phone (Playwright, Debian's Chromium, service worker on): a 10 MB photo over a
very slow link. The phone scales it down and keeps it; the tab is closed while its upload is half
way, and opened again hours later (the phone's clock moved on): the upload resumes from what the
office already has and the photo arrives whole, once."""

from __future__ import annotations

import io
import random
from datetime import timedelta

import pytest
from sqlalchemy import select

import phone_app as pwa
from fieldapp import clock
from fieldapp.extensions import db as _db
from fieldapp.inspections.models import MediaFile, Submission
from factories.inspection import app_config  # noqa: F401  (fixture: the test checklists)
from phone_app import phone, phone_page, world  # noqa: F401  (fixtures: the phone, its page, the world)

pytestmark = pytest.mark.browser

SLOW = {"offline": False, "latency": 150, "downloadThroughput": 200 * 1024, "uploadThroughput": 96 * 1024}


def ten_megabyte_photo(tmp_path):
    """A 4000 × 3000 photo of noise: about 10 MB as the camera saves it, still large once scaled."""
    rng = random.Random(7)
    out = io.BytesIO()
    from PIL import Image

    Image.frombytes("RGB", (4000, 3000), rng.randbytes(4000 * 3000 * 3)).save(out, "JPEG", quality=90)
    path = tmp_path / "camera.jpg"
    path.write_bytes(out.getvalue())
    return path


def photo_on_server() -> MediaFile | None:
    _db.session.expire_all()
    found = _db.session.scalars(select(MediaFile).where(MediaFile.kind == "photo")).first()
    _db.session.rollback()
    return found


def test_a_large_photo_over_a_slow_link_resumes_after_the_tab_was_closed_for_hours(
    world, live_server, phone, phone_page, tmp_path, app
):
    camera = ten_megabyte_photo(tmp_path)
    assert camera.stat().st_size > 8 * 1024 * 1024
    page = phone_page
    live_server.sign_in(page, "zhang")
    page.goto(live_server.url_for("inspections.my_visits"))
    pwa.wait_for_sw(page)
    page.goto(live_server.url_for("inspections.visit_form", visit_id=world.visit.id))
    pwa.fill(page, world, camera)
    phone.new_cdp_session(page).send("Network.emulateNetworkConditions", SLOW)
    pwa.submit(page, live_server)
    hashes = pwa.phone_hashes(page)

    # Half way through the photo's upload the tab is closed.
    def half_way() -> bool:
        found = photo_on_server()
        return found is not None and 0 < found.received < found.size

    while not half_way():
        page.wait_for_timeout(100)
    received_before = photo_on_server().received
    page.close()
    assert not photo_on_server().complete

    # Five hours later (the phone's clock too) the app is opened again, on a better link.
    page = phone.new_page()
    page.set_default_timeout(20000)
    page.clock.install(time=clock.now() + timedelta(hours=5))
    puts = []
    page.on("request", lambda r: puts.append(r.headers.get("content-range")) if r.method == "PUT" else None)
    page.goto(live_server.url_for("inspections.my_visits"))
    [submission] = pwa.wait_for_complete(app, page)
    pwa.assert_bytes_identical(app, submission, hashes)
    assert len(_db.session.scalars(select(MediaFile)).all()) == 4  # no second copy of the photo
    assert len(_db.session.scalars(select(Submission)).all()) == 1
    photo_starts = [int(r.split()[1].split("-")[0]) for r in puts if r]
    assert photo_starts and min(photo_starts) >= received_before, (received_before, puts)
