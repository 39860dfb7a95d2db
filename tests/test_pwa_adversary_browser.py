"""Acceptance on a phone (Playwright, Debian's Chromium, service worker on): what a rural inspector
does by accident. The same visit filled on two phones of one account, a phone in another time zone
with its clock hours ahead, and two tabs of one form."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

import phone_app as pwa
from fieldapp import clock
from fieldapp.extensions import db as _db
from fieldapp.inspections.models import Submission
from factories.inspection import API_HEADERS, app_config, jpeg_bytes, png_bytes, sha, submission_body  # noqa: F401  (app_config: the test checklists)
from phone_app import phone, phone_page, photo, world  # noqa: F401  (fixtures: the phone, its page, a photo, the world)

pytestmark = pytest.mark.browser


def submissions() -> list[Submission]:
    _db.session.expire_all()
    rows = _db.session.scalars(select(Submission).order_by(Submission.id)).all()
    _db.session.rollback()
    return rows


def test_the_same_visit_sent_from_a_second_phone_is_not_a_silent_replacement(
    world, live_server, phone_page, photo, app, auth, client
):
    page = phone_page
    live_server.sign_in(page, "zhang")
    page.goto(live_server.url_for("inspections.visit_form", visit_id=world.visit.id))
    pwa.fill(page, world, photo)
    # Meanwhile the same inspector sent the visit from the other phone (complete, with its files).
    auth.login("zhang")
    files = {"photo": jpeg_bytes(7), "lead": png_bytes(1), "member": png_bytes(2), "rep": png_bytes(3)}
    first = submission_body(world, files)
    headers = dict(API_HEADERS, **{"Idempotency-Key": first["uuid"]})
    assert client.post("/api/v1/submissions", json=first, headers=headers).status_code == 201
    for data in files.values():
        put(client, first["uuid"], data)
    assert [s.state for s in submissions()] == ["submitted"]

    pwa.submit(page, live_server)
    pwa.poll(lambda: page.evaluate("() => FieldappStore.listOutbox().then(x => x.length)") == 0)
    # The office keeps the first; this phone's answers are back in its draft, with the reason.
    assert [s.uuid for s in submissions()] == [first["uuid"]]
    page.goto(live_server.url_for("inspections.visit_form", visit_id=world.visit.id))
    page.wait_for_selector("form[data-ready=true]")
    assert "单位已收到本次检查的另一版本" in page.locator("[data-conflict]").inner_text()
    t = world.task.id
    assert page.input_value(f'input[name="a.{t}.fuel-dispensers-test.dispenser-0-serial"]') == "JJ-2019-001"
    assert page.locator(f'[data-photo-list="a.{t}.fuel-dispensers-test.pledge"] li').count() == 1


def put(client, uuid: str, data: bytes):
    headers = dict(API_HEADERS, **{"Content-Range": f"bytes 0-{len(data) - 1}/{len(data)}"})
    response = client.put(f"/api/v1/submissions/{uuid}/media/{sha(data)}", data=data, headers=headers)
    assert response.status_code == 200, response.json


@pytest.fixture
def new_york_phone(browser, live_server):
    """A phone set to New York's time zone."""
    for page in pwa.phone_tab(browser, timezone_id="America/New_York"):
        page.context.grant_permissions(["geolocation"], origin=live_server.url)
        page.context.set_geolocation({"latitude": 39.3312, "longitude": 112.4325, "accuracy": 18})
        yield page


@pytest.mark.parametrize("hours", [7, -9])
def test_a_phone_in_another_zone_with_its_clock_hours_off_shows_and_stores_beijing_time(
    world, live_server, new_york_phone, photo, app, hours
):
    page = new_york_phone
    phone_now = clock.now() + timedelta(hours=hours)
    page.clock.set_system_time(phone_now)
    live_server.sign_in(page, "zhang")
    page.goto(live_server.url_for("inspections.visit_form", visit_id=world.visit.id))
    pwa.fill(page, world, photo)
    # "Draft saved at …" is the phone's clock in Beijing time, not New York's.
    saved = page.locator("[data-draft-state]").inner_text()
    beijing = {clock.local(phone_now + timedelta(minutes=m)).strftime("%H:%M") for m in (0, 1, 2)}
    assert any(hhmm in saved for hhmm in beijing), saved
    pwa.submit(page, live_server)
    [submission] = pwa.wait_for_complete(app, page)
    # The inspection is dated by the server's clock: the moment it was submitted, its Beijing day.
    received = clock.as_utc(submission.received_at)
    assert abs(clock.as_utc(submission.inspected_on) - received) < timedelta(minutes=2)
    assert submission.body["inspected_on"] == clock.local_date(received).isoformat()
    _db.session.expire_all()
    visit = _db.session.get(type(world.visit), world.visit.id)
    assert abs(clock.as_utc(visit.started_at) - received) < timedelta(minutes=2)
    _db.session.rollback()


def test_two_tabs_of_one_form_never_silently_drop_each_others_work(world, live_server, phone, phone_page, photo):
    first = phone_page
    live_server.sign_in(first, "zhang")
    url = live_server.url_for("inspections.visit_form", visit_id=world.visit.id)
    first.goto(url)
    first.wait_for_selector("form[data-ready=true]")
    second = phone.new_page()
    second.set_default_timeout(20000)
    second.goto(url)
    second.wait_for_selector("form[data-ready=true]")
    t = world.task.id
    prefix = f"a.{t}.fuel-dispensers-test."
    # A photo in the first tab, then an answer typed in the second (opened before the photo).
    first.set_input_files(f'input[name="photo.{prefix}pledge"]', str(photo))
    first.wait_for_selector(f'[data-photo-list="{prefix}pledge"] li')
    second.fill(f'input[name="{prefix}dispenser-0-serial"]', "JJ-2019-009")
    second.wait_for_timeout(500)
    kept = pwa.draft(first, world.visit.id)
    notice = second.locator("[data-form-errors]")
    # Either both are kept, or the tab that would overwrite says so.
    # The photo stays; the tab that would have overwritten it says so and stops saving.
    assert kept["photos"] == 1
    assert "此草稿已在另一个标签页或窗口中修改" in notice.inner_text()
    second.click("[data-submit-visit]")
    assert "此草稿已在另一个标签页或窗口中修改" in notice.inner_text()
    assert second.evaluate("() => FieldappStore.listOutbox().then(x => x.length)") == 0
    # Opened again, the tab has both.
    second.reload()
    second.wait_for_selector("form[data-ready=true]")
    assert second.locator(f'[data-photo-list="{prefix}pledge"] li').count() == 1
    second.fill(f'input[name="{prefix}dispenser-0-serial"]', "JJ-2019-009")
    pwa.poll(
        lambda: (
            (pwa.draft(first, world.visit.id) or {}).get("fields", {}).get(f"{prefix}dispenser-0-serial")
            == "JJ-2019-009"
        )
    )
    assert pwa.draft(first, world.visit.id)["photos"] == 1


def test_a_server_that_does_not_answer_or_a_gateway_error_keeps_the_work_and_says_so(
    world, live_server, phone_page, photo, app
):
    page = phone_page
    live_server.sign_in(page, "zhang")
    hung = []
    gateway_down = []

    # One handler throughout, switched from holding each request unanswered to a gateway error:
    # unrouting releases a held request to the server, so a retry the phone sent before the
    # switch arrived and the gateway error was never seen (the phone retries within 0.1-0.3 s).
    def api(route):
        if gateway_down:
            route.fulfill(status=502, body="<html>Bad Gateway</html>")
        else:
            hung.append(route)

    page.route("**/api/v1/submissions", api)
    page.goto(live_server.url_for("inspections.visit_form", visit_id=world.visit.id))
    pwa.fill(page, world, photo)
    pwa.submit(page, live_server)
    bar = page.locator("[data-outbox-text]")
    page.wait_for_function(
        "() => document.querySelector('[data-outbox-text]').textContent.includes('服务器未及时响应')", timeout=30000
    )
    assert "1 条待发送" in bar.inner_text() and "已保存在本机" in bar.inner_text()

    gateway_down.append(True)
    page.wait_for_function(
        "() => document.querySelector('[data-outbox-text]').textContent.includes('服务器暂时无法接收')", timeout=30000
    )
    assert "HTTP 502" in bar.inner_text() and pwa.outbox_count(page) == "1"
    assert submissions() == []
    for route in hung:
        try:
            route.abort()
        except Exception:  # the phone gave up on it already
            pass

    page.unroute("**/api/v1/submissions")
    page.click("[data-outbox-send]")
    [submission] = pwa.wait_for_complete(app, page)
    assert len(submission.media) == 4 and len(submissions()) == 1
    page.wait_for_function("() => document.querySelector('[data-outbox-count]').textContent === '0'")
    assert bar.inner_text() == "全部已发送。"
