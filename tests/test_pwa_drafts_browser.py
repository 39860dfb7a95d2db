"""Acceptance on a phone (Playwright, Debian's Chromium): a form begun and not sent is a draft on
the phone. The task list marks its visit as holding an unsent draft; once the office reassigns the
visit, the draft can no longer be opened from the list (the visit is not the inspector's any more)
and the list says so, in zh-CN, with ways out: export it whole for the office, or delete it after
asking. Before, the draft stayed on the phone where no page showed it. And work held back by a
phone clock days ahead is not stranded once the clock is set right."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

import phone_app as pwa
from fieldapp.extensions import db as _db
from fieldapp.inspectors.models import Inspector
from factories.inspection import app_config  # noqa: F401  (fixtures: the test checklists)
from phone_app import phone, phone_page, photo, world  # noqa: F401  (fixtures: the phone, its page, a photo, the world)

pytestmark = pytest.mark.browser

LEFT = "[data-orphan-drafts] [data-orphan-draft]"


def kept(page, visit_id: int) -> dict:
    return page.evaluate(
        """id => Promise.all([FieldappStore.getDraft(id), FieldappStore.open().then(db => db.count('blobs'))])
            .then(([draft, blobs]) => ({draft: !!draft, blobs}))""",
        visit_id,
    )


def test_a_draft_of_a_visit_reassigned_meanwhile_is_shown_exported_or_deleted(
    world, live_server, phone_page, photo, tmp_path
):
    page = phone_page
    live_server.sign_in(page, "zhang")
    serial = f"a.{world.task.id}.fuel-dispensers-test.dispenser-0-serial"
    page.goto(live_server.url_for("inspections.visit_form", visit_id=world.visit.id))
    page.wait_for_selector("form[data-ready=true]")
    page.fill(f'input[name="{serial}"]', "JJ-2019-001")
    pwa.add_photo_and_sign(page, world, photo, f"a.{world.task.id}.fuel-dispensers-test.")
    hashes = sorted(
        page.evaluate("FieldappStore.open().then(db => db.getAll('blobs')).then(rs => rs.map(r => r.sha256))")
    )
    assert len(hashes) == 4

    # On the list, the visit's card says a draft waits on this phone, unsent.
    my_visits = live_server.url_for("inspections.my_visits")
    page.goto(my_visits)
    card = page.locator(f'.visit-card[data-visit-id="{world.visit.id}"]')
    expect(card.locator("[data-draft-mark]")).to_contain_text("草稿")
    expect(page.locator(LEFT)).to_have_count(0)

    # The office gives the visit to another inspector: the card goes, the draft is named with why.
    other = Inspector(name="王检查", certificate_number="140602009", unit=world.lead.unit)
    _db.session.add(other)
    next(vi for vi in world.visit.inspectors if vi.role == "lead").inspector = other
    _db.session.commit()
    page.goto(my_visits)
    expect(card).to_have_count(0)
    left = page.locator(LEFT)
    expect(left).to_have_count(1)
    assert world.subject.name in left.inner_text() and "不再分配给您" in left.inner_text()

    # Exported: the answers and every photo and signature, byte-identical.
    with page.expect_download() as download:
        left.locator("[data-orphan-export]").click()
    path = Path(tmp_path) / "draft.json"
    download.value.save_as(path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["visit_id"] == world.visit.id and doc["fields"][serial] == "JJ-2019-001"
    assert sorted(hashlib.sha256(base64.b64decode(f["data"])).hexdigest() for f in doc["files"]) == hashes

    # Delete asks first; "no" keeps it, "yes" removes the draft and its files.
    page.once("dialog", lambda dialog: dialog.dismiss())
    left.locator("[data-orphan-delete]").click()
    expect(left).to_have_count(1)
    assert kept(page, world.visit.id) == {"draft": True, "blobs": 4}
    page.once("dialog", lambda dialog: dialog.accept())
    left.locator("[data-orphan-delete]").click()
    expect(page.locator(LEFT)).to_have_count(0)
    assert kept(page, world.visit.id) == {"draft": False, "blobs": 0}


def test_work_held_back_under_a_clock_set_days_ahead_goes_once_the_clock_is_set_right(world, live_server, phone_page):
    """A submission's requests failed while the phone's clock was three days ahead, so it was to be
    tried again at that clock's "in two seconds"; then the phone set its clock right. The next try (the
    list's timer, what runs while the page stays open) sends it, rather than waiting three days for a
    moment no back-off ever asks for."""
    page = phone_page
    live_server.sign_in(page, "zhang")
    page.goto(live_server.url_for("inspections.my_visits"))
    page.wait_for_selector("[data-outbox-bar][data-outbox-waiting='0']")
    answer = {"id": 1, "complete": True, "missing": [], "media": []}
    page.route("**/api/v1/submissions", lambda route: route.fulfill(status=201, json=answer))
    page.evaluate(
        """api => FieldappStore.putOutbox({uuid: FieldappStore.uuid4(), visitId: 1, api, body: {media: []},
            blobIds: [], blobBySha: {}, state: "queued", attempts: 3, failures: 3, posted: true,
            createdAt: new Date().toISOString(), nextAt: Date.now() + 3 * 86400000 + 2000})""",
        live_server.url_for("inspections.api_create_submission"),
    )
    with page.expect_request("**/api/v1/submissions", timeout=10000):
        page.evaluate("FieldappOutbox.flush(false)")
    pwa.poll(lambda: page.evaluate("FieldappStore.listOutbox().then(x => x.length)") == 0)
