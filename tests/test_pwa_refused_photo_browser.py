"""Acceptance on a phone (Playwright, Debian's Chromium): a photo the office refuses as no image (its
bytes are no JPEG, PNG or WebP) is sent once, not again and again; the office keeps nothing of that
sending, and the answers, signatures and photos come back into the visit's draft with the reason in
zh-CN, to be sent again without that photo."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

import phone_app as pwa
from fieldapp.extensions import db as _db
from fieldapp.inspections.models import Submission
from factories.inspection import app_config  # noqa: F401  (fixtures: the test checklists)
from phone_app import phone, phone_page, photo, world  # noqa: F401  (fixtures: the phone, its page, a photo, the world)

pytestmark = pytest.mark.browser

# The kept photo's bytes become an SVG (a phone's own photos are JPEG; a damaged store or another
# client sends anything): its record keeps a hash and size that match, so the bytes arrive whole.
SPOIL_PHOTO = """async () => {
    const db = await FieldappStore.open();
    const rec = (await db.getAll('blobs')).find(r => r.kind === 'photo');
    const blob = new Blob(['<svg xmlns="http://www.w3.org/2000/svg"><rect width="9" height="9"/></svg>'.repeat(400)],
                          {type: 'image/jpeg'});
    Object.assign(rec, {blob: blob, size: blob.size, sha256: await FieldappStore.sha256Hex(blob)});
    await db.put('blobs', rec);
    return rec.sha256;
}"""


def submissions() -> int:
    _db.session.expire_all()
    return _db.session.scalar(select(func.count()).select_from(Submission))


def test_a_photo_that_is_no_image_is_sent_once_and_the_answers_come_back_to_the_draft(
    world, live_server, phone_page, photo, app
):
    page = phone_page
    live_server.sign_in(page, "zhang")
    form = live_server.url_for("inspections.visit_form", visit_id=world.visit.id)
    page.goto(form)
    pwa.fill(page, world, photo)
    spoiled = page.evaluate(SPOIL_PHOTO)
    puts = []
    page.on("request", lambda r: puts.append(r.url) if r.method == "PUT" and spoiled in r.url else None)
    pwa.submit(page, live_server)
    pwa.poll(lambda: pwa.draft(page, world.visit.id) is not None)
    kept = pwa.draft(page, world.visit.id)
    assert kept["photos"] == 1 and kept["signatures"] == 3
    assert page.evaluate("FieldappStore.listOutbox().then(items => items.length)") == 0
    page.wait_for_timeout(2000)
    assert len(puts) == 1 and submissions() == 0  # refused once; the office keeps nothing of it
    page.goto(form)
    page.wait_for_selector("form[data-ready=true]")
    errors = page.locator("[data-form-errors]")
    errors.wait_for(state="visible")
    assert "照片只能是 JPEG、PNG 或 WebP 图片" in errors.inner_text() and "草稿" in errors.inner_text()
    # The inspector takes the photo off and sends the rest again: it arrives whole.
    prefix = f"a.{world.task.id}.fuel-dispensers-test."
    page.locator(f'[data-photo-list="{prefix}pledge"] li button').click()
    pwa.poll(lambda: pwa.draft(page, world.visit.id)["photos"] == 0)
    pwa.submit(page, live_server)
    done = pwa.wait_for_complete(app, page)
    assert [m.kind for m in done[0].media].count("photo") == 0
