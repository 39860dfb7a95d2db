"""Acceptance on a phone (Playwright, Debian's Chromium, service worker on): a day without signal.
Two visits filled offline with photos and signatures, the tab closed and opened again still
offline, then sent exactly once each; the password changed while work waits; the connection lost
in the middle of a large photo's upload."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy import select

import phone_app as pwa
from fieldapp.auth.models import User
from fieldapp.extensions import db as _db
from fieldapp.inspections.models import MediaFile, Submission
from factories.inspection import add_visit, app_config  # noqa: F401  (fixtures: the test checklists)
from phone_app import phone, phone_page, photo, world  # noqa: F401  (fixtures: the phone, its page, a photo, the world)

pytestmark = pytest.mark.browser


def keep_offline(page, visit_id: int) -> None:
    page.locator(f'[data-offline-toggle][data-visit-id="{visit_id}"]').click()
    page.wait_for_function(
        f"() => document.querySelector('[data-offline-state=\"{visit_id}\"]').textContent.includes('可离线使用')"
    )


def the_evening_before(page, live_server, *visit_ids: int) -> None:
    """Signed in with signal, the visits kept for offline use."""
    live_server.sign_in(page, "zhang")
    page.goto(live_server.url_for("inspections.my_visits"))
    pwa.wait_for_sw(page)
    page.wait_for_selector("html[data-app-ready]", state="attached")
    for visit_id in visit_ids:
        keep_offline(page, visit_id)


def fill_and_queue(page, live_server, world, photo, serial: str) -> None:
    page.goto(live_server.url_for("inspections.visit_form", visit_id=world.visit.id))
    pwa.fill(page, world, photo)
    page.fill(f'input[name="a.{world.task.id}.fuel-dispensers-test.dispenser-0-serial"]', serial)
    pwa.submit(page, live_server)


def serials() -> dict[int, list[str]]:
    _db.session.expire_all()
    out: dict[int, list[str]] = {}
    for s in _db.session.scalars(select(Submission).order_by(Submission.id)):
        out.setdefault(s.visit_id, []).append(s.body["tasks"][0]["answer_sets"][0]["answers"]["dispenser"][0]["serial"])
    _db.session.rollback()
    return out


def test_two_visits_filled_offline_survive_closing_the_tab_and_arrive_once_each(
    world, live_server, phone, phone_page, photo, app
):
    second = add_visit(world, name="朔州市民福加油站有限公司")
    page = phone_page
    the_evening_before(page, live_server, world.visit.id, second.id)
    phone.set_offline(True)
    fill_and_queue(page, live_server, world, photo, "JJ-2019-001")
    fill_and_queue(page, live_server, SimpleNamespace(task=world.task, visit=second), photo, "JJ-2019-002")
    page.wait_for_function("() => document.querySelector('[data-outbox-count]').textContent === '2'")
    hashes = pwa.phone_hashes(page)
    page.close()

    # Later, still without signal: a new tab has everything.
    page = phone.new_page()
    page.set_default_timeout(20000)
    page.goto(live_server.url_for("inspections.my_visits"))
    page.wait_for_function("() => document.querySelector('[data-outbox-count]').textContent === '2'")
    assert sorted(pwa.phone_hashes(page)) == sorted(hashes) and len(hashes) == 8
    assert serials() == {}

    phone.set_offline(False)
    rows = pwa.wait_for_complete(app, page, count=2)
    assert serials() == {world.visit.id: ["JJ-2019-001"], second.id: ["JJ-2019-002"]}
    for row in rows:
        assert len(row.media) == 4 and all(m.complete for m in row.media)
    page.wait_for_function("() => document.querySelector('[data-outbox-count]').textContent === '0'")
    page.click("[data-outbox-send]")
    page.wait_for_timeout(1000)
    assert len(pwa.wait_for_complete(app, page, count=2)) == 2


def test_work_waiting_when_the_password_changed_is_sent_after_signing_in_again(
    world, live_server, phone, phone_page, photo, app
):
    page = phone_page
    the_evening_before(page, live_server, world.visit.id)
    phone.set_offline(True)
    fill_and_queue(page, live_server, world, photo, "JJ-2019-001")
    page.wait_for_function("() => document.querySelector('[data-outbox-count]').textContent === '1'")
    user = _db.session.scalar(select(User).where(User.username == "zhang"))
    user.set_password("Xin-mima-2026")
    _db.session.commit()

    phone.set_offline(False)
    login = page.locator("[data-outbox-login]")
    login.wait_for(state="visible", timeout=30000)
    assert "数据不会丢失" in login.inner_text()
    login.locator("a").click()
    page.fill("#username", "zhang")
    page.fill("#password", "Xin-mima-2026")
    page.click("main form button[type=submit]")
    page.wait_for_url(live_server.url_for("inspections.my_visits"))
    [submission] = pwa.wait_for_complete(app, page)
    assert len(submission.media) == 4
    page.wait_for_function("() => document.querySelector('[data-outbox-count]').textContent === '0'")


def test_signal_lost_in_the_middle_of_a_large_photo_upload(world, live_server, phone, phone_page, tmp_path, app):
    import io
    import random

    from PIL import Image

    rng = random.Random(3)
    big = tmp_path / "big.jpg"
    out = io.BytesIO()
    Image.frombytes("RGB", (1600, 1200), rng.randbytes(1600 * 1200 * 3)).save(out, "JPEG", quality=95)
    big.write_bytes(out.getvalue())
    page = phone_page
    puts = []

    def lose_signal_mid_upload(route):
        puts.append(route.request.headers.get("content-range"))
        if len(puts) == 2:
            route.fetch()  # the server stores this piece; the phone never hears back
            phone.set_offline(True)
            route.abort("internetdisconnected")
        else:
            route.continue_()

    the_evening_before(page, live_server, world.visit.id)
    page.route("**/api/v1/submissions/*/media/*", lose_signal_mid_upload)
    fill_and_queue(page, live_server, world, big, "JJ-2019-001")
    for _ in range(100):  # route handlers run only while Playwright is called
        if len(puts) >= 2:
            break
        page.wait_for_timeout(200)
    page.wait_for_timeout(1500)
    _db.session.expire_all()
    [half] = _db.session.scalars(select(Submission)).all()
    assert half.state == "incomplete"
    photo_file = next(m for m in half.media if m.kind == "photo")
    assert 0 < photo_file.received < photo_file.size
    _db.session.rollback()
    hashes = pwa.phone_hashes(page)

    phone.set_offline(False)
    page.click("[data-outbox-send]")
    [submission] = pwa.wait_for_complete(app, page)
    pwa.assert_bytes_identical(app, submission, hashes)
    assert len(_db.session.scalars(select(MediaFile)).all()) == 4  # no duplicate photo
