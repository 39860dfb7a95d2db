"""Acceptance on a phone (Playwright, Debian's Chromium): photos the phone cannot keep. A file that
is not a picture, and photos beyond the phone's storage quota: a clear message in zh-CN, no crash,
and nothing already in the draft lost."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import phone_app as pwa
from factories.inspection import app_config  # noqa: F401  (fixtures: the test checklists)
from phone_app import phone, phone_page, photo, world  # noqa: F401  (fixtures: the phone, its page, a photo, the world)

pytestmark = pytest.mark.browser


def noisy_jpeg(path: Path, seed: int) -> Path:
    """A 1600 × 1200 photo of pure noise: it stays large after the phone's re-encoding."""
    import random

    from PIL import Image

    rng = random.Random(seed)
    img = Image.frombytes("RGB", (1600, 1200), rng.randbytes(1600 * 1200 * 3))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=95)
    path.write_bytes(out.getvalue())
    return path


def test_a_file_that_is_no_picture_and_photos_beyond_the_quota_are_refused_clearly(
    world, live_server, phone_page, photo, tmp_path
):
    page = phone_page
    live_server.sign_in(page, "zhang")
    page.goto(live_server.url_for("inspections.visit_form", visit_id=world.visit.id))
    page.wait_for_selector("form[data-ready=true]")
    # A phone with little room left (set before anything is stored: Chromium applies it from then on).
    usage = page.evaluate("() => navigator.storage.estimate().then(e => e.usage)")
    cdp = page.context.new_cdp_session(page)
    cdp.send("Storage.overrideQuotaForOrigin", {"origin": live_server.url, "quotaSize": usage + 3_000_000})
    t = world.task.id
    prefix = f"a.{t}.fuel-dispensers-test."
    page.fill(f'input[name="{prefix}dispenser-0-serial"]', "JJ-2019-001")
    page.set_input_files(f'input[name="photo.{prefix}pledge"]', str(photo))
    page.wait_for_selector(f'[data-photo-list="{prefix}pledge"] li')
    errors = page.locator("[data-form-errors]")

    # A document picked instead of a photo.
    not_a_photo = tmp_path / "合同.jpg"
    not_a_photo.write_bytes(b"%PDF-1.4 not a picture at all\n" * 100)
    page.set_input_files(f'input[name="photo.{prefix}seals"]', str(not_a_photo))
    page.wait_for_selector("[data-form-errors]:not([hidden])")
    assert "无法读取这张照片" in errors.inner_text()

    # The phone's storage runs out: the photo that does not fit is refused with the reason.
    for n in range(12):
        page.set_input_files(f'input[name="photo.{prefix}seals"]', str(noisy_jpeg(tmp_path / f"n{n}.jpg", n)))
        page.wait_for_timeout(1500)
        if "存储空间" in errors.inner_text():
            break
    else:
        raise AssertionError(f"no storage message: {errors.inner_text()!r}")
    cdp.send("Storage.overrideQuotaForOrigin", {"origin": live_server.url})

    # Nothing already kept was lost, and the form still works.
    page.reload()
    page.wait_for_selector("form[data-ready=true]")
    assert page.input_value(f'input[name="{prefix}dispenser-0-serial"]') == "JJ-2019-001"
    assert page.locator(f'[data-photo-list="{prefix}pledge"] li').count() == 1
    kept = page.locator(f'[data-photo-list="{prefix}seals"] li').count()
    assert pwa.draft(page, world.visit.id)["photos"] == 1 + kept
    assert [e for e in page.errors if "Uncaught" in e or "TypeError" in e] == []


def test_more_photos_for_one_answer_than_the_server_takes_are_refused_at_once(world, live_server, phone_page, tmp_path):
    from fieldapp.inspections.schema import MAX_PHOTOS_PER_FIELD
    from factories.inspection import jpeg_bytes

    page = phone_page
    live_server.sign_in(page, "zhang")
    page.goto(live_server.url_for("inspections.visit_form", visit_id=world.visit.id))
    page.wait_for_selector("form[data-ready=true]")
    prefix = f"a.{world.task.id}.fuel-dispensers-test."
    files = []
    for n in range(MAX_PHOTOS_PER_FIELD + 1):
        path = tmp_path / f"p{n}.jpg"
        path.write_bytes(jpeg_bytes(n % 9, (64 + n, 48)))
        files.append(str(path))
    page.set_input_files(f'input[name="photo.{prefix}pledge"]', files)
    page.wait_for_selector("[data-form-errors]:not([hidden])", timeout=30000)
    assert f"最多 {MAX_PHOTOS_PER_FIELD} 张照片" in page.locator("[data-form-errors]").inner_text()
    assert page.locator(f'[data-photo-list="{prefix}pledge"] li').count() == MAX_PHOTOS_PER_FIELD
    assert pwa.draft(page, world.visit.id)["photos"] == MAX_PHOTOS_PER_FIELD


def test_a_submission_the_phone_cannot_queue_says_so_and_keeps_the_draft(world, live_server, phone_page, photo, app):
    # The phone's storage refuses the outbox's write (full): the inspector is told, the draft and
    # its photo and signatures stay, and sending works once there is room again.
    page = phone_page
    live_server.sign_in(page, "zhang")
    form = live_server.url_for("inspections.visit_form", visit_id=world.visit.id)
    page.goto(form)
    pwa.fill(page, world, photo)
    page.evaluate(
        "() => { FieldappStore.enqueue = () => Promise.reject(new DOMException('full', 'QuotaExceededError')); }"
    )
    page.click("[data-submit-visit]")
    page.wait_for_selector("[data-form-errors]:not([hidden])")
    assert "待发送队列" in page.locator("[data-form-errors]").inner_text()
    assert page.url == form and page.locator("[data-submit-visit]").is_enabled()
    kept = pwa.draft(page, world.visit.id)
    assert kept["photos"] == 1 and kept["signatures"] == 3
    assert [e for e in page.errors if "Uncaught" in e] == []

    page.reload()
    page.wait_for_selector("form[data-ready=true]")
    pwa.submit(page, live_server)
    [submission] = pwa.wait_for_complete(app, page)
    assert len(submission.media) == 4
