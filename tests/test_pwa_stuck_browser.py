"""Acceptance on a phone (Playwright, Debian's Chromium): a submission the server refuses for good
(the visit was reassigned while the inspector filled it in) is kept on the phone, says why in
zh-CN and what to do, and has ways out: export it whole, send it again, delete it after asking."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

import phone_app as pwa
from fieldapp.extensions import db as _db
from fieldapp.inspections.models import Submission
from fieldapp.inspectors.models import Inspector
from factories.inspection import app_config  # noqa: F401  (fixtures: the test checklists)
from phone_app import phone, phone_page, photo, world  # noqa: F401  (fixtures: the phone, its page, a photo, the world)

pytestmark = pytest.mark.browser

STUCK = "[data-outbox-stuck-list] [data-stuck-item]"


def reassign(world, inspector: Inspector) -> None:
    """The office gives the visit's lead role to ``inspector``."""
    lead = next(vi for vi in world.visit.inspectors if vi.role == "lead")
    lead.inspector = inspector
    _db.session.commit()


def stored(page) -> dict:
    return page.evaluate(
        """() => Promise.all([FieldappStore.listOutbox(), FieldappStore.open().then(db => db.count('blobs'))])
            .then(([items, blobs]) => ({states: items.map(i => i.state), blobs}))"""
    )


def fill_and_send_to_a_reassigned_visit(page, live_server, world, photo, other: Inspector) -> None:
    page.goto(live_server.url_for("inspections.visit_form", visit_id=world.visit.id))
    pwa.fill(page, world, photo)
    reassign(world, other)
    pwa.submit(page, live_server)
    page.wait_for_selector(STUCK)


def test_a_submission_refused_for_good_is_kept_exported_sent_again_or_deleted(
    world, live_server, phone_page, photo, app, tmp_path
):
    page = phone_page
    other = Inspector(name="王检查", certificate_number="140602009", unit=world.lead.unit)
    _db.session.add(other)
    _db.session.commit()
    live_server.sign_in(page, "zhang")
    fill_and_send_to_a_reassigned_visit(page, live_server, world, photo, other)
    item = page.locator(STUCK)
    assert "此检查任务不存在或不属于您" in item.inner_text()
    assert "导出文件交给单位" in item.inner_text()
    assert stored(page) == {"states": ["stuck"], "blobs": 4}
    assert pwa.outbox_count(page) == "0"

    # Exported: one file with the body as it would be sent and every file, byte-identical.
    hashes = sorted(pwa.phone_hashes(page))
    with page.expect_download() as download:
        page.click("[data-stuck-export]")
    path = Path(tmp_path) / "export.json"
    download.value.save_as(path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["submission"]["visit_id"] == world.visit.id and "不属于您" in doc["refused_because"]
    assert sorted(hashlib.sha256(base64.b64decode(f["data"])).hexdigest() for f in doc["files"]) == hashes

    # Sent again while still reassigned: refused again, still kept.
    with page.expect_response(lambda r: r.url.endswith("/api/v1/submissions") and r.status == 404):
        page.click("[data-stuck-retry]")
    page.wait_for_selector(STUCK)
    assert stored(page) == {"states": ["stuck"], "blobs": 4}

    # Delete asks first; "no" keeps it, "yes" removes it and its files.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("[data-stuck-delete]")
    page.wait_for_timeout(300)
    assert stored(page) == {"states": ["stuck"], "blobs": 4}
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    page.click("[data-stuck-delete]")
    pwa.poll(lambda: stored(page) == {"states": [], "blobs": 0})
    assert "无法恢复" in asked[0]
    expect(page.locator(STUCK)).to_have_count(0)  # the list is drawn again after the store is emptied
    assert _db.session.scalars(select(Submission)).all() == []

    # Filled again and refused again; once the visit is the inspector's again, "send again" delivers it once.
    reassign(world, world.lead)
    fill_and_send_to_a_reassigned_visit(page, live_server, world, photo, other)
    reassign(world, world.lead)
    page.click("[data-stuck-retry]")
    [submission] = pwa.wait_for_complete(app, page)
    assert len(submission.media) == 4
    pwa.poll(lambda: stored(page) == {"states": [], "blobs": 0})
    expect(page.locator(STUCK)).to_have_count(0)


def test_a_refusal_the_phone_has_no_rule_for_is_kept_with_its_reason_not_retried_forever(
    world, live_server, phone_page, photo
):
    # A proxy or the server refuses the body for good (413 too large): retrying every minute would
    # leave it "waiting" forever; it is kept with the reason and the ways out instead.
    page = phone_page
    live_server.sign_in(page, "zhang")
    posts = []

    def too_large(route):
        posts.append(route.request.method)
        route.fulfill(
            status=413,
            content_type="application/problem+json",
            body='{"status": 413, "title": "提交内容过大。"}',
        )

    page.route("**/api/v1/submissions", too_large)
    page.goto(live_server.url_for("inspections.visit_form", visit_id=world.visit.id))
    pwa.fill(page, world, photo)
    pwa.submit(page, live_server)
    page.wait_for_selector(STUCK)
    assert "提交内容过大" in page.locator(STUCK).inner_text()
    page.wait_for_timeout(3000)
    assert len(posts) == 1 and stored(page) == {"states": ["stuck"], "blobs": 4}
    assert pwa.outbox_count(page) == "0"


def test_a_photo_upload_refused_for_good_is_kept_with_its_reason_not_retried_forever(
    world, live_server, phone_page, photo
):
    # The body arrived; the photo's pieces are refused (the office removed the submission meanwhile).
    page = phone_page
    live_server.sign_in(page, "zhang")
    puts = []

    def gone(route):
        puts.append(route.request.method)
        route.fulfill(
            status=404, content_type="application/problem+json", body='{"status": 404, "title": "没有这份提交。"}'
        )

    page.route("**/api/v1/submissions/*/media/*", gone)
    page.goto(live_server.url_for("inspections.visit_form", visit_id=world.visit.id))
    pwa.fill(page, world, photo)
    pwa.submit(page, live_server)
    page.wait_for_selector(STUCK)
    assert "没有这份提交" in page.locator(STUCK).inner_text()
    page.wait_for_timeout(3000)
    assert len(puts) == 1 and stored(page) == {"states": ["stuck"], "blobs": 4}
    assert pwa.outbox_count(page) == "0"
