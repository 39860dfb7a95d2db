"""Driving the inspector's phone app (the PWA) in Playwright: the inspection world with nobody signed in,
a dispenser photo, the phone without a user-agent override, its page, signing in, signing on a canvas, filling and sending the fuel-dispenser form, and waiting
for the server to hold the complete submission. Modules use the fixtures by importing them."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from conftest import PHONE
from fieldapp.extensions import db as _db
from fieldapp.inspections.models import Submission
from factories.inspection import build_world, jpeg_bytes


@pytest.fixture
def world(app, auth):
    """The inspection world (``factories.inspection``) with nobody signed in: the phone signs in itself."""
    return build_world(auth)


@pytest.fixture
def photo(tmp_path) -> Path:
    """A 1200 × 900 JPEG of a dispenser on disk, for the form's photo input."""
    path = tmp_path / "dispenser.jpg"
    path.write_bytes(jpeg_bytes(5, (1200, 900)))
    return path


@pytest.fixture
def phone(browser):
    """The shared phone context, without its user-agent override: Chromium does not apply an
    override to service-worker requests, and the session's "strong" protection (bound to the
    user agent) would then log the phone out on the service worker's first page fetch."""
    context = browser.new_context(**PHONE)
    yield context
    context.close()


@pytest.fixture
def phone_page(phone, live_server):
    phone.grant_permissions(["geolocation"], origin=live_server.url)
    phone.set_geolocation({"latitude": 39.3312, "longitude": 112.4325, "accuracy": 18})
    page = phone.new_page()
    page.set_default_timeout(20000)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type in ("error", "warning") else None)
    page.errors = errors
    return page


def wait_for_sw(page):
    page.wait_for_function(
        "() => navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=20000
    )


def sign(page, key: str, dx: int = 0):
    canvas = page.locator(f'[data-sig="{key}"] canvas')
    canvas.evaluate("c => c.scrollIntoView({block: 'center'})")
    box = canvas.bounding_box()
    x, y = box["x"] + 20, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(x + i * 20 + dx, y + (12 if i % 2 else -12), steps=2)
    page.mouse.up()


def poll(check, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError("condition not reached")


def draft(page, visit_id: int) -> dict:
    return page.evaluate(
        "id => FieldappStore.getDraft(id).then(d => d ? {fields: d.fields, photos: Object.values(d.photos || {}).flat().length,"
        " signatures: Object.keys(d.signatures || {}).length} : null)",
        visit_id,
    )


def fill(page, world, photo: Path):
    t = world.task.id
    p = f"a.{t}.fuel-dispensers-test."
    page.wait_for_selector("form[data-ready=true]")
    page.locator(f'input[name="{p}pledge"][value="符合"]').check()
    page.locator(f'input[name="{p}seals"][value="符合"]').check()
    page.fill(f'input[name="{p}dispenser-0-serial"]', "JJ-2019-001")
    page.fill(f'input[name="{p}dispenser-0-error_pct"]', "0.12")
    add_photo_and_sign(page, world, photo, p)
    page.wait_for_function("() => document.querySelector('input[name=lat]').value !== ''")


def add_photo_and_sign(page, world, photo: Path, prefix: str):
    """The pledge's photo, the representative's name and the three signatures, kept in the draft."""
    page.set_input_files(f'input[name="photo.{prefix}pledge"]', str(photo))
    page.wait_for_selector(f'[data-photo-list="{prefix}pledge"] li')
    page.fill("#rep-name", "王五")
    sign(page, "lead.0")
    sign(page, "member.1", dx=5)
    sign(page, "representative", dx=9)
    poll(lambda: (draft(page, world.visit.id) or {}).get("signatures") == 3)


def submit(page, live_server):
    page.click("[data-submit-visit]")
    try:
        page.wait_for_url(live_server.url_for("inspections.my_visits"), timeout=15000)
    except Exception:
        errors = page.locator("[data-form-errors]").inner_text()
        state = page.evaluate(
            "[document.querySelector('[data-draft-state]').textContent, document.querySelector('[data-submit-visit]').disabled, location.href]"
        )
        outbox = page.evaluate("FieldappStore.listOutbox().then(x => x.length)")
        raise AssertionError(f"not sent: {errors!r} {page.errors} {state} {outbox}") from None


def phone_hashes(page) -> list[str]:
    """SHA-256 the page computes from the Blobs it keeps for the queued submission(s)."""
    return page.evaluate(
        """async () => {
            const items = await FieldappStore.listOutbox();
            const out = [];
            for (const item of items) for (const id of item.blobIds) {
                const rec = await FieldappStore.getBlob(id);
                out.push(await FieldappStore.sha256Hex(rec.blob));
            }
            return out;
        }"""
    )


def wait_for_complete(app, page=None, count=1, timeout=60) -> list[Submission]:
    """Poll the database; with ``page``, keep Playwright's loop turning meanwhile (route handlers
    run only while the test is inside a Playwright call)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        _db.session.expire_all()
        rows = _db.session.scalars(select(Submission)).all()
        _db.session.rollback()
        if len(rows) >= count and all(r.state == "submitted" for r in rows):
            return rows
        if page is not None:
            page.wait_for_timeout(300)
        else:
            time.sleep(0.3)
    raise AssertionError(f"not complete: {[(r.uuid, r.state) for r in rows]}")


def assert_bytes_identical(app, submission: Submission, hashes: list[str]):
    stored = {m.sha256 for m in submission.media}
    assert set(hashes) == stored
    for m in submission.media:
        data = (Path(app.config["MEDIA_ROOT"]) / m.storage_key).read_bytes()
        assert hashlib.sha256(data).hexdigest() == m.sha256 and m.complete


SW_VERSION_JS = """() => new Promise(resolve => {
    const sw = navigator.serviceWorker.controller;
    if (!sw) return resolve(null);
    const channel = new MessageChannel();
    channel.port1.onmessage = event => resolve(event.data);
    sw.postMessage({type: 'version'}, [channel.port2]);
    setTimeout(() => resolve(null), 1000);
})"""


def sw_version(page):
    return page.evaluate(SW_VERSION_JS)


def outbox_count(page) -> str:
    return page.locator("[data-outbox-count]").first.inner_text()


def phone_tab(browser, **options):
    """A page in a new phone context (``PHONE`` and ``options``), 20 s timeouts; the context closes after.
    A fixture yields from it: ``yield from phone_tab(browser, service_workers="block")``."""
    context = browser.new_context(**PHONE, **options)
    page = context.new_page()
    page.set_default_timeout(20000)
    yield page
    context.close()
