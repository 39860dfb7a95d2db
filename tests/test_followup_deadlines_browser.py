"""整改期限 in Chromium: the case list and case page pass the review tables' axe rules, and a
supervisor without JavaScript changes a deadline with its reason through the plain form."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from accessibility import axe
from factories import review as rf
from fieldapp.extensions import db
from fieldapp.review.models import FollowUpCase
from fieldapp.review.operations import approve
from fieldapp.review.rectification import Term
from phone_app import phone_tab

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("frozen_clock")]

ORDER = "违反本部门相关规定，责令改正；后续跟踪由日常监管部门负责"
FINDING = {"item": "pledge", "text": "未作出诚信计量承诺", "severity": "minor", "follow_up": "责令改正"}


@pytest.fixture
def overdue_case(auth) -> FollowUpCase:
    """A 朔城区 case whose deadline (2026-11-20) passed five working days before today (11-27)."""
    sup = auth.create("shuocheng-sup", "supervisor", "140602")
    _t, _s, _v, sub = rf.scenario(result_code="A", measures=[ORDER], findings=[FINDING])
    approve(sub.id, sub.lock_version, sup, "", Term(on=date(2026, 11, 20)))
    db.session.commit()
    return db.session.scalars(select(FollowUpCase)).one()


@pytest.fixture
def page(browser, live_server, app, auth):
    yield from phone_tab(browser, service_workers="block")


def test_the_case_list_and_page_pass_the_axe_rules(live_server, page, overdue_case):
    live_server.sign_in(page, "shuocheng-sup")
    for endpoint, args in (("review.cases", {}), ("review.case", {"case_id": overdue_case.id})):
        path = live_server.url_for(endpoint, **args)
        page.goto(path)
        assert axe(page) == [], path
    page.goto(live_server.url_for("review.cases"))
    assert page.locator("tr.case--overdue .badge--bad").inner_text() == "已逾期 5 个工作日"


def test_a_deadline_changes_through_the_plain_form_without_javascript(live_server, browser, overdue_case):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740}, locale="zh-CN")
    try:
        page = context.new_page()
        page.set_default_timeout(20000)
        live_server.sign_in(page, "shuocheng-sup")
        page.goto(live_server.url_for("review.case", case_id=overdue_case.id))
        page.fill("#rectify_by", "")
        page.fill("#rectify_days", "60")
        page.click("#deadline + form button[type=submit]")
        assert "请填写变更整改期限的理由。" in page.locator("#field-reason").inner_text()
        page.fill("#reason", "企业申请延期整改，经审查同意")
        page.click("#deadline + form button[type=submit]")
        page.wait_for_url(live_server.url_for("review.case", case_id=overdue_case.id))
        assert "2026-12-29" in page.locator("#case-deadline").inner_text()  # 60 working days from 09-30
        assert "企业申请延期整改，经审查同意" in page.locator(".audit-log").inner_text()
    finally:
        context.close()
