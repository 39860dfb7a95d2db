"""Acceptance with the real checklist: an inspector fills checklists/fuel-dispensers.yaml on a
phone (every required item the form shows, with photos, position and signatures) and submits;
the submission arrives complete with the engine's answer set, and the supervisor's review page
shows it."""

from __future__ import annotations


import pytest

from factories.inspection import build_world, jpeg_bytes
from conftest import new_browser
from phone_app import phone, phone_page, poll, sign, submit, wait_for_complete  # noqa: F401

pytestmark = pytest.mark.browser

FILL_VISIBLE_REQUIRED = """() => {
  const visible = el => !el.closest('[hidden]') && !el.closest('template');
  const fire = el => { el.dispatchEvent(new Event('input', {bubbles: true})); el.dispatchEvent(new Event('change', {bubbles: true})); };
  let changed = 0;
  for (const item of document.querySelectorAll('[data-checklist-entry] .cl-item[data-required]')) {
    if (!visible(item)) continue;
    const type = item.dataset.type;
    if (type === 'check' || type === 'choice') {
      if (item.querySelector('input:checked')) continue;
      const input = item.querySelector('input[value="符合"]') || item.querySelector('input[type=radio], input[type=checkbox]');
      input.checked = true; fire(input); changed++;
    } else if (['number', 'text', 'date'].includes(type)) {
      const input = item.querySelector('input:not([type=hidden]), textarea');
      if (input.value) continue;
      const rule = input.dataset.rule || '';
      input.value = type === 'number' ? (input.dataset.decimals === '0' ? '0' : '0.1') : type === 'text' ? 'JJ-001'
        : rule === 'before_inspection' ? '2020-03-01' : rule ? '2099-12-31' : '2020-03-01';
      fire(input); changed++;
    }
  }
  return changed;
}"""


def test_fill_the_fuel_dispenser_checklist_and_the_supervisor_sees_it(app, auth, live_server, phone_page, tmp_path):
    world = build_world(auth)
    photo = tmp_path / "station.jpg"
    photo.write_bytes(jpeg_bytes(7, (2000, 1500)))
    page = phone_page
    live_server.sign_in(page, "zhang")
    page.goto(live_server.url_for("inspections.visit_form", visit_id=world.visit.id))
    page.wait_for_selector("form[data-ready=true]")
    assert page.locator('[data-checklist-entry][data-checklist-id="fuel-dispensers"]').count() == 1
    for _ in range(6):
        if page.evaluate(FILL_VISIBLE_REQUIRED) == 0:
            break
        page.wait_for_timeout(300)
    t = world.task.id
    page.set_input_files(f'input[name="photo.a.{t}.fuel-dispensers.pledge"]', str(photo))
    page.wait_for_selector(f'[data-photo-list="a.{t}.fuel-dispensers.pledge"] li')
    for item in page.locator(".cl-item[data-type=photo][data-required]").all():
        if item.is_visible():
            item.locator(".cl-photo-input").set_input_files(str(photo))
    page.fill("#rep-name", "王五")
    for key, dx in (("lead.0", 0), ("member.1", 5), ("representative", 9)):
        sign(page, key, dx)
    poll(
        lambda: (
            page.evaluate(f"() => FieldappStore.getDraft({world.visit.id}).then(d => Object.keys(d.signatures).length)")
            == 3
        )
    )
    page.wait_for_function("() => document.querySelector('input[name=lat]').value !== ''")
    submit(page, live_server)
    [submission] = wait_for_complete(app, page)
    answer_set = submission.body["tasks"][0]["answer_sets"][0]
    assert answer_set["checklist_id"] == "fuel-dispensers" and answer_set["definition_sha256"]
    assert answer_set["answers"]["pledge"] == "符合"
    assert answer_set["answers"]["dispenser"][0]["serial"] == "JJ-001"
    assert submission.result_code == submission.suggested_result
    # The supervisor sees it in the review queue and on its page.
    auth.create("boss", "supervisor", "140602")
    supervisor = new_browser(app)
    supervisor.login("boss")
    assert world.subject.name in supervisor.get_response("review.queue").get_data(as_text=True)
