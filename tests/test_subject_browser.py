"""Subject search in a real browser on a phone: answers as the user types (htmx), and without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from fieldapp.demo.generator import make_uscc
from fieldapp.subjects.models import Subject, Tag
from fieldapp.subjects.vocabulary import ensure_tags

pytestmark = pytest.mark.browser


@pytest.fixture
def directory(db, auth):
    ensure_tags()
    station = db.session.scalar(select(Tag).where(Tag.name == "加油站"))
    names = ["朔州市鑫源加油站有限公司", "怀仁市金旺加油站", "朔城区明辉眼镜店"] + [
        f"朔城区第{n}号便利店" for n in range(30)
    ]
    for n, name in enumerate(names):
        code = make_uscc("E", "140681" if "怀仁" in name else "140602", n + 1)
        subject = Subject(
            ident=code, uscc=code, name=name, kind="enterprise", division_code="140681" if "怀仁" in name else "140602"
        )
        if "加油站" in name:
            subject.tags = [station]
        db.session.add(subject)
    db.session.commit()
    auth.create("walker", "supervisor", "140602", name="走访者")


def log_in(page, live_server, auth):
    live_server.sign_in(page, "walker")


def result_names(page):
    return sorted(page.locator(".subject-card__name").all_inner_texts())


def test_results_follow_the_typing_without_a_page_load(live_server, phone, auth, directory):
    page = phone.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, live_server, auth)
    page.goto(live_server.url_for("subjects.index"))
    assert len(result_names(page)) == 20  # first page of the 32 visible in 朔城区
    page.evaluate("window.__sameDocument = true")
    page.locator("#subject-q").press_sequentially("加油", delay=80)
    expect(page.locator(".subject-card__name")).to_have_count(1)
    # The county supervisor of 朔城区 never sees 怀仁市's station.
    assert result_names(page) == ["朔州市鑫源加油站有限公司"]
    assert page.evaluate("window.__sameDocument") is True  # swapped in place, no navigation
    assert "q=" in page.url  # the address can be bookmarked and reloaded
    page.locator("#subject-q").fill("眼镜")
    expect(page.locator(".subject-card__name")).to_have_text(["朔城区明辉眼镜店"])
    assert result_names(page) == ["朔城区明辉眼镜店"]
    page.reload()
    assert result_names(page) == ["朔城区明辉眼镜店"]
    assert page.locator("#subject-q").input_value() == "眼镜"
    assert errors == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_search_works_as_a_plain_form_without_javascript(live_server, browser, auth, directory):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740}, locale="zh-CN")
    try:
        page = context.new_page()
        log_in(page, live_server, auth)
        page.goto(live_server.url_for("subjects.index"))
        page.fill("#subject-q", "便利店")
        page.click(".subject-search__more > summary")  # the filters fold away on a phone
        page.select_option("#subject-county", "140602")
        page.click("form.subject-search button[type=submit]")
        page.wait_for_url("**/subjects/?q=*")
        assert len(result_names(page)) == 20
        page.click("a[rel=next]")
        assert len(result_names(page)) == 10
        assert "page=2" in page.url and "q=" in page.url
    finally:
        context.close()
