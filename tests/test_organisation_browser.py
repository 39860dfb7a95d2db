"""The organisation page in a real browser: a file chosen, what it would change read, loaded on confirming."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from factories.organisation import demo_city_changed
from fieldapp.auth.models import Unit
from fieldapp.extensions import db

pytestmark = pytest.mark.browser


def test_upload_preview_and_confirm(live_server, browser, auth, tmp_path):
    auth.create("city-admin", "admin", "city", name="市局管理员")
    path = tmp_path / "组织机构.yaml"
    path.write_bytes(demo_city_changed())
    context = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 800})
    page = context.new_page()
    try:
        live_server.sign_in(page, "city-admin")
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="组织机构").click()
        page.set_input_files("#organisation-file", str(path))
        page.get_by_role("button", name="查看将带来的变化").click()
        expect(page.locator("#preview-added")).to_contain_text("综合行政执法支队")
        expect(page.locator("#preview-added")).to_contain_text("第一大队")
        expect(page.locator("#preview-renamed")).to_contain_text("食品安全协调处")
        assert db.session.scalar(select(Unit).where(Unit.code == "city-zf")) is None  # not before confirming
        page.get_by_role("button", name="确认导入这些单位").click()
        page.wait_for_url(live_server.url_for("auth.organisation"))
        expect(page.locator(".flash--success")).to_contain_text("新增 2 个单位，更名 1 个，调整上级 1 个")
        db.session.expire_all()
        brigade = db.session.scalar(select(Unit).where(Unit.code == "city-zf-1"))
        assert brigade is not None and brigade.parent.code == "city-zf"
    finally:
        context.close()
