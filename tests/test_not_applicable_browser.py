"""On a phone: a number the inspector cannot measure at this subject is answered 不适用 — the box
clears what was typed, the phone's own checks let it through, and the server stores it as no finding."""

from __future__ import annotations

import pytest

from factories.inspection import app_config, jpeg_bytes  # noqa: F401  (app_config: the test checklists)
from phone_app import add_photo_and_sign, draft, phone, phone_page, submit, wait_for_complete, world  # noqa: F401

pytestmark = pytest.mark.browser


def test_a_number_answered_not_applicable_on_the_phone(world, live_server, phone_page, app, tmp_path):
    page = phone_page
    photo = tmp_path / "pledge.jpg"
    photo.write_bytes(jpeg_bytes(3, (800, 600)))
    live_server.sign_in(page, "zhang")
    page.goto(live_server.url_for("inspections.visit", visit_id=world.visit.id))
    page.click("form[data-start-visit] button[type=submit]")
    page.wait_for_url(f"**/my/visits/{world.visit.id}/form")
    page.wait_for_selector("form[data-ready=true]")
    p = f"a.{world.task.id}.fuel-dispensers-test."
    page.locator(f'input[name="{p}pledge"][value="符合"]').check()
    page.locator(f'input[name="{p}seals"][value="符合"]').check()
    page.fill(f'input[name="{p}dispenser-0-serial"]', "JJ-2019-001")
    number = page.locator(f'input[name="{p}dispenser-0-error_pct"]')
    number.fill("0.5")  # beyond ±0.3: a finding while it stands
    box = page.get_by_role("checkbox", name="不适用")
    box.check()
    assert number.input_value() == ""
    number.fill("0.1")
    assert not box.is_checked()  # typing unticks it …
    box.check()  # … and ticking it again clears the number
    assert number.input_value() == ""
    item = page.locator('[data-key="dispenser-0-error_pct"]')
    assert item.locator("input[data-na]").bounding_box()["width"] > 0
    add_photo_and_sign(page, world, photo, p)
    assert draft(page, world.visit.id)["fields"][f"{p}dispenser-0-error_pct-na"] == ["不适用"]
    page.wait_for_function("() => document.querySelector('input[name=lat]').value !== ''")
    submit(page, live_server)
    [submission] = wait_for_complete(app, page)
    [task] = submission.body["tasks"]
    assert task["answer_sets"][0]["answers"]["dispenser"][0]["error_pct"] == "不适用"
    assert task["findings"] == [] and submission.result_code == "1"
    # Quick toggling aborts superseded inline checks (hx-sync replace); nothing else may complain.
    assert [e for e in page.errors if not e.startswith(("htmx:afterRequest", "htmx:sendAbort"))] == []
