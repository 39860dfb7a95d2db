"""The two axe findings of the phone trial stay fixed: review tables that scroll sideways can be
reached with the keyboard (scrollable-region-focusable), no table header is empty
(empty-table-header); and every public page describes itself to search engines."""

from __future__ import annotations

import pytest

from factories import publication as pf
from factories import review as rf
from fieldapp.extensions import db
from accessibility import axe
from phone_app import phone_tab

pytestmark = pytest.mark.browser


@pytest.fixture
def page(browser, live_server, app, auth):
    yield from phone_tab(browser, service_workers="block")


def test_review_and_publication_tables_pass_the_two_axe_rules(auth, live_server, page):
    auth.create("boss", "admin", "city")
    _t, _s, _v, sub = rf.scenario()
    pf.approved_result(pf.subject(seq=7, name="朔州市平鲁区某加油站"), pf.task(number=8))
    db.session.commit()
    live_server.sign_in(page, "boss")
    for endpoint, args in (
        ("review.submission", {"submission_id": sub.id}),
        ("calendar.index", {}),
        ("publication.index", {}),
    ):
        path = live_server.url_for(endpoint, **args)
        page.goto(path)
        assert page.locator("table").count() >= 1, path
        assert axe(page) == [], path


def test_public_pages_have_a_meta_description(live_server, page, app):
    for endpoint in ("core.index", "publication.public_results", "auth.login"):
        path = live_server.url_for(endpoint)
        page.goto(path)
        descriptions = page.locator('meta[name="description"]')
        assert descriptions.count() == 1, path
        assert len(descriptions.get_attribute("content")) > 10, path
