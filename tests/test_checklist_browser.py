"""The checklist form in a real phone-sized Chromium: live show/hide, blocks added by cloning,
constraint messages while typing, inline validation through htmx, and a submission that the
server judges the same way."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import PHONE

pytestmark = pytest.mark.browser

TEST_CHECKLISTS = Path(__file__).resolve().parent / "data" / "checklists"


@pytest.fixture
def app_config():
    return {"CHECKLISTS_DIR": str(TEST_CHECKLISTS)}


@pytest.fixture
def phone_without_sw(browser):
    """A 360 px phone; the inspector app's service worker is blocked so that it cannot take over
    (and reload) the page in the middle of a test: these tests are about the form."""
    context = browser.new_context(**PHONE, service_workers="block")
    yield context
    context.close()


@pytest.fixture
def page(live_server, phone_without_sw, auth):
    auth.create("inspector1", "inspector", "140602")
    page = phone_without_sw.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on("console", lambda msg: page.errors.append(msg.text) if msg.type == "error" else None)
    live_server.sign_in(page, "inspector1")
    page.goto(live_server.url_for("checklists.show", checklist_id="fuel-dispensers", inspection_date="2021-06-10"))
    page.wait_for_selector(".cl-form--live")
    return page


def test_items_show_and_hide_as_answers_change(page):
    handled = page.locator("#cl-complaints_handled")
    notes = page.locator("#cl-handling_notes")
    assert handled.is_hidden() and notes.is_hidden()
    page.fill("#complaints_count", "2")
    page.locator("#complaints_count").dispatch_event("input")
    handled.wait_for(state="visible")
    page.locator("#cl-complaints_handled label", has_text="不符合").click()
    notes.wait_for(state="visible")
    # Hiding the parent question hides the one that depended on it too (settled like the server).
    page.fill("#complaints_count", "0")
    page.locator("#complaints_count").dispatch_event("input")
    handled.wait_for(state="hidden")
    notes.wait_for(state="hidden")
    # Inside a block: the certificate date is asked only for a verified dispenser.
    cert = page.locator("#cl-dispenser-0-certificate_valid_until")
    assert cert.is_hidden()
    page.locator("#cl-dispenser-0-verified label", has_text="符合").first.click()
    cert.wait_for(state="visible")
    assert page.errors == []


def test_an_answer_landing_while_the_inspector_is_in_the_field_keeps_what_is_typed(page):
    # The answer to an earlier change arrives after the inspector went back into the box and
    # selected "2" to type over it: the box keeps its selection, so "0" replaces "2" (not "02").
    page.fill("#complaints_count", "2")
    page.locator("#complaints_count").dispatch_event("input")
    page.locator("#cl-complaints_handled").wait_for(state="visible")
    page.evaluate("""() => new Promise(resolve => {
        const input = document.querySelector('#complaints_count');
        input.focus();
        input.select();
        document.addEventListener('htmx:afterRequest', () => setTimeout(resolve, 100), {once: true});
        htmx.trigger('#cl-complaints_count', 'change');
    })""")
    page.keyboard.insert_text("0")
    assert page.input_value("#complaints_count") == "0"
    page.locator("#cl-complaints_handled").wait_for(state="hidden")
    assert page.evaluate("document.activeElement.id") == "complaints_count"
    assert page.errors == []


def test_progress_and_constraint_messages_update_while_typing(page):
    station = page.locator("details[data-section=station]")
    assert station.locator("[data-progress-answered]").inner_text() == "0"
    page.locator("#cl-pledge label", has_text="不符合").click()
    page.wait_for_function(
        "document.querySelector('details[data-section=station] [data-progress-answered]').textContent === '1'"
    )
    page.fill("#dispenser-0-nozzle-0-error_pct", "12")
    page.locator("#dispenser-0-nozzle-0-error_pct").dispatch_event("input")
    message = page.locator("#cl-dispenser-0-nozzle-0-error_pct [data-client-error]")
    message.wait_for()
    assert message.inner_text() == "请输入 -10 到 10 之间的数值"
    page.fill("#dispenser-0-nozzle-0-error_pct", "0.31")
    page.locator("#dispenser-0-nozzle-0-error_pct").dispatch_event("input")
    message.wait_for(state="detached")


def test_inline_validation_through_htmx(page):
    page.fill("#dispenser-0-nozzle-0-error_pct", "0.31")
    page.locator("#dispenser-0-nozzle-0-error_pct").dispatch_event("change")
    page.locator("#cl-dispenser-0-nozzle-0-error_pct .cl-outcome--fail").wait_for()
    assert (
        "示值误差超过最大允许误差" in page.locator("#cl-dispenser-0-nozzle-0-error_pct .cl-outcome--fail").inner_text()
    )
    assert page.input_value("#dispenser-0-nozzle-0-error_pct") == "0.31"
    assert page.errors == []


def test_blocks_are_added_by_cloning_and_the_server_reads_them(page, live_server):
    page.click("button[data-add-block][value=dispenser]")
    page.wait_for_selector(".cl-block[data-block=dispenser-1]")
    # The new dispenser starts with its one required nozzle, numbered for display.
    assert page.locator(".cl-block[data-block=dispenser-1-nozzle-0]").count() == 1
    assert page.locator(".cl-block[data-block=dispenser-1] >> [data-block-number]").first.inner_text() == "2"
    page.click("button[data-add-block][value=dispenser-1-nozzle]")
    page.wait_for_selector(".cl-block[data-block=dispenser-1-nozzle-1]")
    page.fill("#dispenser-1-nozzle-1-error_pct", "0.31")
    page.fill("#dispenser-1-nozzle-0-error_pct", "0.30")
    page.fill("#dispenser-0-nozzle-0-error_pct", "0.1")
    # Remove the first dispenser in the browser: the server closes the gap.
    page.click(".cl-block[data-block=dispenser-0] > button[data-remove-block]")
    assert page.locator(".cl-block[data-block=dispenser-0]").count() == 0
    page.click("main form > button.button--primary")
    page.wait_for_selector("#summary")
    findings = [el.get_attribute("data-finding") for el in page.locator("#summary [data-finding]").all()]
    assert "dispenser-0-nozzle-1-error_pct" in findings
    assert "dispenser-0-nozzle-0-error_pct" not in findings
    assert page.input_value("#dispenser-0-nozzle-1-error_pct") == "0.31"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert page.errors == []


def test_works_without_javascript(browser, live_server, auth):
    auth.create("inspector2", "inspector", "140602")
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 360, "height": 740}, service_workers="block"
    )
    try:
        page = context.new_page()
        live_server.sign_in(page, "inspector2")
        page.goto(live_server.url_for("checklists.show", checklist_id="fuel-dispensers"))
        page.fill("#dispenser-0-serial", "D-9")
        page.click("button[data-add-block][value=dispenser]")
        page.wait_for_selector(".cl-block[data-block=dispenser-1]")
        assert page.input_value("#dispenser-0-serial") == "D-9"
    finally:
        context.close()


def test_a_late_validation_answer_never_overwrites_newer_input(page):
    """On a slow network the inline-validation answer for an old value arrives after the inspector
    has typed a new one: the new value stays."""
    held = []
    page.route("**/checklists/*/validate", lambda route: held.append(route))
    field = page.locator("#complaints_count")
    field.fill("2")
    field.dispatch_event("change")  # validation request for "2" leaves and is held
    deadline = 50
    while not held and deadline:
        page.wait_for_timeout(100)
        deadline -= 1
    assert held, "the inline validation request was not sent"
    field.fill("0")
    field.dispatch_event("input")
    for route in held:
        route.continue_()
    page.wait_for_timeout(1000)
    page.unroute("**/checklists/*/validate")
    assert field.input_value() == "0"
    assert page.locator("#cl-complaints_handled").is_hidden()


def test_a_late_validation_answer_never_leaves_a_dependent_item_visible(page):
    """The answer for the item an inspector just chose arrives after she changed the answer it
    depends on: the swapped-in item is judged again and stays hidden, with its dependants."""
    held = []
    page.fill("#complaints_count", "2")
    page.locator("#complaints_count").dispatch_event("input")
    page.locator("#cl-complaints_handled").wait_for(state="visible")
    page.route("**/checklists/*/validate", lambda route: held.append(route))
    page.locator("#cl-complaints_handled label", has_text="不符合").click()
    page.locator("#cl-handling_notes").wait_for(state="visible")
    deadline = 50
    while not held and deadline:
        page.wait_for_timeout(100)
        deadline -= 1
    assert held, "the inline validation request was not sent"
    page.fill("#complaints_count", "0")
    page.locator("#complaints_count").dispatch_event("input")
    page.locator("#cl-complaints_handled").wait_for(state="hidden")
    for route in held:
        route.continue_()
    page.wait_for_function("() => !document.querySelector('#cl-complaints_handled.htmx-settling')")
    page.wait_for_timeout(500)
    assert page.locator("#cl-complaints_handled").is_hidden()
    assert page.locator("#cl-handling_notes").is_hidden()
    assert page.errors == []
