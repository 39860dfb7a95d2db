"""The inspector's list (我的任务) is rendered once per change of what it shows and kept per
inspector: every input changed shows at once, no inspector ever gets another's page or token."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from bs4 import BeautifulSoup
from conftest import new_browser
from flask import current_app

from factories import PASSWORD
from factories.inspection import CHECKLIST_DIR, add_task, add_visit, build_world, list_changes
from fieldapp.inspections.models import Submission
from fieldapp.inspectors.models import Inspector
from fieldapp.visits.models import VisitInspector


@pytest.fixture
def app_config():
    return {"CHECKLISTS_DIR": str(CHECKLIST_DIR)}


@pytest.fixture
def world(app, auth, client_request, frozen_clock):  # frozen_clock: 2026-11-27 10:00 in Beijing
    w = build_world(auth)
    client_request.login("zhang", "inspector", "140602")
    return w


def _store():
    return current_app.extensions["fieldapp_my_visits_pages"]


def _page(client_request) -> BeautifulSoup:
    return client_request.get("inspections.my_visits")


def _titles(page: BeautifulSoup, group: str) -> list[str]:
    return [a.get_text() for a in page.select(f"#group-{group} ~ ul .visit-card__title a")]


def test_the_list_is_rendered_again_only_when_something_it_shows_changed(world, client_request, db):
    first = _page(client_request)
    assert _page(client_request).select_one("main").decode() == first.select_one("main").decode()
    assert _store().hits == 1
    world.subject.address = "朔城区新建路9号"
    db.session.commit()
    assert "朔城区新建路9号" in _page(client_request).get_text()
    assert _store().hits == 1


def test_each_input_of_the_list_changes_the_page(world, client_request, db, frozen_clock):
    changes = list_changes(world)
    for change, shown in changes:
        _page(client_request)
        change()
        db.session.commit()
        assert shown in _page(client_request).get_text(), shown
    add_task(world, number=9, name="新增合并任务", item="另一事项")
    assert "新增合并任务" in _page(client_request).get_text()
    add_visit(world, name="新分配加油站", window_end=date(2026, 12, 1))
    assert "新分配加油站" in _titles(_page(client_request), "due")
    # A submission, its review and a comment move the visit between groups.
    submission = Submission(
        uuid="00000000-0000-4000-8000-000000000001",
        body_sha256="x" * 64,
        visit_id=world.visit.id,
        body={},
        state="submitted",
    )
    db.session.add(submission)
    db.session.commit()
    assert "朔州市改名加油站" in _titles(_page(client_request), "done")
    submission.state, submission.review_comment = "returned", "请补拍铅封照片"
    db.session.commit()
    page = _page(client_request)
    assert "朔州市改名加油站" in _titles(page, "returned") and "请补拍铅封照片" in page.get_text()
    submission.review_comment = "请补拍铅封照片和铭牌"
    db.session.commit()
    assert "请补拍铅封照片和铭牌" in _page(client_request).get_text()
    # The day: a visit whose window ended yesterday is overdue today.
    assert "新分配加油站" in _titles(_page(client_request), "due")
    frozen_clock.set(datetime(2026, 12, 2, 10, 0))
    assert "新分配加油站" in _titles(_page(client_request), "overdue")
    # Unassigned: gone from the list.
    db.session.query(VisitInspector).filter(VisitInspector.inspector_id == world.lead.id).delete()
    db.session.commit()
    assert _page(client_request).select(".visit-card") == []


def test_language_flashes_and_tokens_are_each_requests_own(world, client_request, client, db, app):
    assert _page(client_request).h1.get_text(strip=True) == "我的任务"
    visits = client_request.url_for("inspections.my_visits")
    client_request.post("core.set_language", _data={"lang": "en", "next": visits}, _expected_redirect=visits)
    assert _page(client_request).h1.get_text(strip=True) == "My visits"
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "一条提示")]
    assert "一条提示" in _page(client_request).get_text()
    assert "一条提示" not in _page(client_request).get_text()
    with client.session_transaction() as session:
        own = session["csrf_token"]
    # Another inspector: their own list (never the first one's page) and their own token.
    other = new_browser(app)
    other.post("auth.login", _data={"username": "li", "password": PASSWORD})
    listed = other.get("inspections.my_visits")
    assert "李协查" in listed.select_one(".site-account").get_text()
    assert "张检查" not in listed.select_one(".site-account").get_text()
    assert listed.select_one("[data-logout-form] input[name=csrf_token]")["value"] != own
    assert world.subject.name in listed.get_text()


def test_a_new_co_inspector_is_shown(world, client_request, db):
    stranger = Inspector(name="王外人", certificate_number="14060299999", unit=world.lead.unit)
    db.session.add(stranger)
    db.session.commit()
    _page(client_request)
    world.visit.inspectors.append(VisitInspector(inspector=stranger, role="member", position=2))
    db.session.commit()
    assert "王外人" in _page(client_request).get_text()  # a co-inspector now, whose name is shown
