"""axe-core (from npm) finds no accessibility violations on the inspector's pages, on a phone;
logging out on a shared phone says what stays unsent, then removes the inspector's kept pages and
keeps the unsent work in the inspector's own store."""

from __future__ import annotations

import pytest

from fieldapp.inspections.routes_pwa import VISITS_CACHE
from factories.inspection import CHECKLIST_DIR, build_world
from phone_app import phone_tab

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    return {"CHECKLISTS_DIR": str(CHECKLIST_DIR)}


@pytest.fixture
def page(browser, live_server, app, auth):
    yield from phone_tab(browser)


def axe(page) -> list[dict]:
    page.add_script_tag(url="/static/vendor/axe.min.js")
    return page.evaluate(
        """() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}})
             .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 5)})))"""
    )


def test_no_axe_violations_on_the_inspector_pages(auth, live_server, page):
    world = build_world(auth)
    live_server.sign_in(page, "zhang")
    visit = {"visit_id": world.visit.id}
    for endpoint, args in (
        ("inspections.my_visits", {}),
        ("inspections.visit", visit),
        ("inspections.visit_form", visit),
        ("inspections.offline", {}),
    ):
        path = live_server.url_for(endpoint, **args)
        page.goto(path)
        page.wait_for_load_state("networkidle")
        assert axe(page) == [], path
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360, path


def test_logout_on_a_shared_phone_warns_then_removes_the_kept_pages_but_not_the_work(auth, live_server, page):
    world = build_world(auth)
    live_server.sign_in(page, "zhang")
    page.goto(live_server.url_for("inspections.visit_form", visit_id=world.visit.id))
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.goto(live_server.url_for("inspections.my_visits"))  # kept for offline use by the service worker
    page.goto(live_server.url_for("inspections.visit_form", visit_id=world.visit.id))
    page.wait_for_selector("form[data-ready=true]")
    # The one name of the offline cache reaches the page from the server.
    assert page.evaluate("() => FieldappUtil.visitsCache()") == VISITS_CACHE
    assert page.evaluate(f"() => caches.open('{VISITS_CACHE}').then(c => c.keys()).then(k => k.length)") >= 1
    page.locator("#rep-name").fill("王五")
    page.wait_for_function("() => document.querySelector('[data-draft-state]').textContent !== ''")
    assert page.evaluate(f"() => FieldappStore.getDraft({world.visit.id}).then(d => !!d)")
    dialogs = []

    def dismiss(dialog):
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.click("[data-logout-form] button")
    page.wait_for_timeout(500)
    assert dialogs and "1" in dialogs[0] and "下次登录时会自动发送" in dialogs[0]
    # Cancelled: still logged in, nothing deleted.
    assert page.evaluate(f"() => FieldappStore.getDraft({world.visit.id}).then(d => !!d)")
    page.once("dialog", lambda d: d.accept())
    page.click("[data-logout-form] button")
    page.wait_for_url(lambda url: "/my/visits" not in url)
    kept = page.evaluate(f"() => caches.open('{VISITS_CACHE}').then(c => c.keys()).then(k => k.map(r => r.url))")
    assert kept == []
    # The draft stays in this inspector's own database, for the next login.
    names = page.evaluate("() => indexedDB.databases().then(dbs => dbs.map(d => d.name))")
    assert f"fieldapp-u{world.lead_user.id}" in names
    page.goto(live_server.url_for("core.index"))
    assert page.locator("[data-logout-form]").count() == 0  # logged out at the office too
