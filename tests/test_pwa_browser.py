"""Acceptance on a phone (Playwright, Debian's Chromium): online, offline, faults, and a new
service worker while a submission waits. Each checks the server got the submission exactly once,
complete, with every photo and signature byte-identical to what the phone stored."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy import select

from fieldapp.inspections.routes_pwa import VISITS_CACHE
from fieldapp.extensions import db as _db
from fieldapp.inspections.models import Submission
from factories.inspection import app_config, jpeg_bytes  # noqa: F401  (app_config: the test checklists)
from phone_app import phone, phone_page, world  # noqa: F401  (fixtures)
from phone_app import assert_bytes_identical, draft, fill, phone_hashes, poll, submit, sw_version
from phone_app import wait_for_complete, wait_for_sw

pytestmark = pytest.mark.browser


@pytest.fixture
def photo(tmp_path) -> Path:
    path = tmp_path / "dispenser.jpg"
    path.write_bytes(jpeg_bytes(5, (2400, 1800)))  # resized to 1600 px on the phone
    return path


def test_online_fill_photo_position_signatures_submit(world, live_server, phone_page, photo, app):
    page = phone_page
    live_server.sign_in(page, "zhang")
    page.goto(live_server.url_for("inspections.my_visits"))
    page.click(f'.visit-card[data-visit-id="{world.visit.id}"] a.button')
    page.wait_for_selector("html[data-app-ready]", state="attached")
    page.click("form[data-start-visit] button[type=submit]")
    page.wait_for_url(f"**/my/visits/{world.visit.id}/form")
    fill(page, world, photo)
    submit(page, live_server)
    [submission] = wait_for_complete(app, page)
    assert {m.kind for m in submission.media} == {"photo", "signature"} and len(submission.media) == 4
    photo_file = next(m for m in submission.media if m.kind == "photo")
    from PIL import Image

    with Image.open(Path(app.config["MEDIA_ROOT"]) / photo_file.storage_key) as img:
        assert img.format == "JPEG" and max(img.size) == 1600
    answers = submission.body["tasks"][0]["answer_sets"][0]["answers"]
    assert answers["pledge"] == "符合" and answers["dispenser"][0]["serial"] == "JJ-2019-001"
    assert submission.body["position"]["lat"] == pytest.approx(39.3312)
    assert submission.body["start_position"]["lat"] == pytest.approx(39.3312)
    assert submission.result_code == "1"
    page.wait_for_function("() => document.querySelector('[data-outbox-count]').textContent === '0'")
    assert page.evaluate("FieldappStore.listOutbox().then(x => x.length)") == 0
    # The phone deleted its copies only after the server confirmed completeness.
    assert page.evaluate(f"FieldappStore.blobsOfVisit({world.visit.id}).then(x => x.length)") == 0
    assert page.errors == []


def test_offline_draft_outbox_and_a_new_service_worker(world, live_server, phone, phone_page, photo, app):
    page = phone_page
    live_server.sign_in(page, "zhang")
    page.goto(live_server.url_for("inspections.my_visits"))
    wait_for_sw(page)
    toggle = page.locator(f'[data-offline-toggle][data-visit-id="{world.visit.id}"]')
    page.wait_for_selector("html[data-app-ready]", state="attached")
    toggle.click()
    page.wait_for_function(
        f"() => document.querySelector('[data-offline-state=\"{world.visit.id}\"]').textContent.includes('可离线使用')"
    )
    phone.set_offline(True)
    page.reload()
    assert page.locator("h1").inner_text() == "我的任务"
    page.goto(live_server.url_for("inspections.visit", visit_id=world.visit.id))
    assert world.subject.name in page.locator("h1").inner_text()
    page.wait_for_selector("html[data-app-ready]", state="attached")
    page.click("form[data-start-visit] button[type=submit]")  # offline: recorded in the draft
    page.wait_for_url(f"**/my/visits/{world.visit.id}/form")
    fill(page, world, photo)
    before = draft(page, world.visit.id)
    page.reload()
    page.wait_for_selector("form[data-ready=true]")
    after = draft(page, world.visit.id)
    assert after == before and after["photos"] == 1 and after["signatures"] == 3
    t = world.task.id
    assert page.locator(f'input[name="a.{t}.fuel-dispensers-test.pledge"][value="符合"]').is_checked()
    assert page.input_value(f'input[name="a.{t}.fuel-dispensers-test.dispenser-0-serial"]') == "JJ-2019-001"
    assert page.locator(f'[data-photo-list="a.{t}.fuel-dispensers-test.pledge"] li').count() == 1
    inked = page.evaluate(
        """() => { const c = document.querySelector('[data-sig="representative"] canvas');
                   const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                   let dark = 0; for (let i = 0; i < d.length; i += 4) if (d[i] < 128) dark++; return dark; }"""
    )
    assert inked > 50
    submit(page, live_server)
    page.wait_for_function("() => document.querySelector('[data-outbox-count]').textContent === '1'")
    hashes = phone_hashes(page)
    assert len(hashes) == 4
    assert _db.session.scalars(select(Submission)).all() == []

    # A new version of the service worker is deployed while the submission waits; meanwhile the
    # visit's page changed on the server (the firm was renamed).
    page.route("**/api/v1/**", lambda route: route.abort())
    phone.set_offline(False)
    old = sw_version(page)
    world.subject.name = world.subject.name + "（新址）"
    _db.session.commit()
    app.config["PWA_VERSION"] = "deployed-v2"
    # Wait for the page to be taken over without asking the old worker anything meanwhile: the new
    # one skips waiting, but Chromium activates it only once the old one has no event in flight,
    # and a version message every 0.2 s kept the old one busy under load (the new one stayed
    # "installed", waiting, until the test gave up).
    page.evaluate("""() => { window.__swChanged = false;
        navigator.serviceWorker.addEventListener('controllerchange', () => { window.__swChanged = true; }, {once: true});
        return navigator.serviceWorker.getRegistration().then(r => r.update()); }""")
    page.wait_for_function("() => window.__swChanged", timeout=30000)
    assert sw_version(page) == "deployed-v2"
    assert old is not None and old != "deployed-v2"
    # The new version fetches the kept visit page again, so its markup matches the new scripts.
    kept = """([cache, key]) => caches.open(cache).then(c => c.match(key, {ignoreVary: true}))
                  .then(r => r ? r.text() : '')"""
    deadline = time.time() + 30
    while "（新址）" not in page.evaluate(kept, [VISITS_CACHE, f"/my/visits/{world.visit.id}"]):
        assert time.time() < deadline, "the kept visit page was not refreshed by the new version"
        page.wait_for_timeout(200)
    phone.set_offline(True)
    page.goto(live_server.url_for("inspections.visit", visit_id=world.visit.id))  # still cached after the update
    assert world.subject.name in page.locator("h1").inner_text()
    page.goto(live_server.url_for("inspections.my_visits"))
    page.wait_for_function("() => document.querySelector('[data-outbox-count]').textContent === '1'")
    assert phone_hashes(page) == hashes

    # Back online: it arrives exactly once, byte-identical.
    page.unroute("**/api/v1/**")
    phone.set_offline(False)
    [submission] = wait_for_complete(app, page)
    assert_bytes_identical(app, submission, hashes)
    assert submission.body["started_at"]
    page.wait_for_function("() => document.querySelector('[data-outbox-count]').textContent === '0'")
    page.click("[data-outbox-send]")
    page.wait_for_timeout(1000)
    assert len(_db.session.scalars(select(Submission)).all()) == 1


def test_server_errors_and_a_dropped_upload_still_arrive_exactly_once(world, live_server, phone_page, photo, app):
    page = phone_page
    live_server.sign_in(page, "zhang")
    posts = {"n": 0}
    puts = {"n": 0}

    def fail_first_posts(route):
        if route.request.method == "POST" and posts["n"] < 3:
            posts["n"] += 1
            route.fulfill(status=500, body="boom")
        else:
            route.continue_()

    def drop_uploads(route):
        puts["n"] += 1
        if puts["n"] == 1:
            route.abort("connectionreset")  # dropped before the server saw it
        elif puts["n"] == 2:
            route.fetch()  # the server stores the piece, the phone never hears back
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/v1/submissions", fail_first_posts)
    page.route("**/api/v1/submissions/*/media/*", drop_uploads)
    page.goto(live_server.url_for("inspections.visit_form", visit_id=world.visit.id))
    fill(page, world, photo)
    submit(page, live_server)
    hashes = phone_hashes(page)
    deadline = time.time() + 60
    while time.time() < deadline:
        _db.session.expire_all()
        rows = _db.session.scalars(select(Submission)).all()
        if rows and rows[0].state == "submitted":
            break
        page.click("[data-outbox-send]")
        page.wait_for_timeout(700)
    [submission] = wait_for_complete(app, page)
    assert_bytes_identical(app, submission, hashes)
    page.wait_for_function("() => document.querySelector('[data-outbox-count]').textContent === '0'")
    # The signatures came with the body; the photo needed a third try to hear back.
    assert posts["n"] == 3 and puts["n"] >= 3
    assert len(_db.session.scalars(select(Submission)).all()) == 1


def test_a_refused_submission_comes_back_as_the_draft_with_the_reasons(world, live_server, phone_page, photo, app):
    page = phone_page
    live_server.sign_in(page, "zhang")
    refused = {"n": 0}

    def refuse_once(route):
        if route.request.method == "POST" and refused["n"] == 0:
            refused["n"] += 1
            route.fulfill(
                status=422,
                content_type="application/problem+json",
                body='{"status": 422, "title": "x", "errors": ["请补充加油机编号"]}',
            )
        else:
            route.continue_()

    page.route("**/api/v1/submissions", refuse_once)
    page.goto(live_server.url_for("inspections.visit_form", visit_id=world.visit.id))
    fill(page, world, photo)
    submit(page, live_server)
    poll(lambda: page.evaluate("() => FieldappStore.listOutbox().then(x => x.length)") == 0)
    assert _db.session.scalars(select(Submission)).all() == []
    page.goto(live_server.url_for("inspections.visit_form", visit_id=world.visit.id))
    page.wait_for_selector("form[data-ready=true]")
    assert "请补充加油机编号" in page.locator("[data-form-errors]").inner_text()
    t = world.task.id
    assert page.input_value(f'input[name="a.{t}.fuel-dispensers-test.dispenser-0-serial"]') == "JJ-2019-001"
    assert page.locator(f'[data-photo-list="a.{t}.fuel-dispensers-test.pledge"] li').count() == 1
    submit(page, live_server)
    [submission] = wait_for_complete(app, page)
    assert len(submission.media) == 4
