"""Acceptance, end to end in Chromium: an approved dispenser inspection with a finding is published by
the county supervisor; a citizen on a phone finds it by name fragment and by credit code; its page shows
the public fields only; its PDF has extractable Chinese text, the CJK font embedded, and a QR code that
decodes to the page's address."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from factories import publication as f
from pdf_reading import assert_cjk_embedded, pdf_text, qr_codes

pytestmark = pytest.mark.browser


def _collect_errors(page):
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return errors


def test_publish_then_a_citizen_finds_and_checks_it(live_server, browser, phone, auth, db, tmp_path: Path):
    from datetime import date

    from fieldapp.publication import operations

    result = f.approved_result()
    uscc = result.subject.uscc
    sup = auth.create("shuocheng-sup", "supervisor", "140602", name="朔城审核员")
    # another firm's result, already published, so that the search visibly narrows the list
    operations.publish(
        [f.approved_result(f.subject(2, "朔城区恒达眼镜店"), result_code="1", follow_up=[])], sup, on=date(2021, 7, 1)
    )
    db.session.commit()

    # The county supervisor previews and publishes.
    office = browser.new_context(locale="zh-CN")
    page = office.new_page()
    errors = _collect_errors(page)
    live_server.sign_in(page, "shuocheng-sup")
    page.goto(live_server.url_for("publication.index"))
    page.click(f"a[href='/publication/results/{result.id}/preview']")
    page.wait_for_url(f"**/publication/results/{result.id}/preview")
    assert page.locator('dd[data-field="result_label"]').inner_text() == "发现问题已责令改正"
    page.click("main form button[type=submit]")
    page.wait_for_url("**/public/results/*")
    record_url = page.url
    assert errors == []
    office.close()

    # A citizen on a phone: active search by a fragment of the name, then by the credit code.
    page = phone.new_page()
    errors = _collect_errors(page)
    page.goto(live_server.url_for("publication.public_results"))
    cards = page.locator("#results .result-card__name")
    expect(cards).to_have_count(2)
    page.locator("#q").press_sequentially("民福加油")  # typing: htmx active search, no submit
    expect(cards).to_have_count(1)
    assert cards.all_inner_texts() == ["朔州市朔城区中石化民福加油站"]
    expect(page).to_have_url(re.compile(r"/public/results\?q=%E6%B0%91"))  # in the address, to share or reload
    page.fill("#q", "没有这家企业")
    expect(page.locator("#results .no-results")).to_be_visible()
    page.select_option("#county", "140603")  # a filter searches at once as well
    expect(page).to_have_url(re.compile("division=140603"))
    page.select_option("#county", "")
    page.fill("#q", uscc)
    expect(page).to_have_url(re.compile(f"q={uscc}"))  # this search's answer has been swapped in
    expect(cards).to_have_count(1)
    assert cards.all_inner_texts() == ["朔州市朔城区中石化民福加油站"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.click("#results .result-card__name")  # leaving the box must not search again (and drop the click)
    expect(page).to_have_url(record_url)  # a boosted link: htmx swaps the page and pushes the address
    expect(page.locator("h1")).to_have_text("朔州市朔城区中石化民福加油站")

    fields = dict(
        zip(
            page.locator("dd[data-field]").evaluate_all("els => els.map(e => e.dataset.field)"),
            page.locator("dd[data-field]").all_inner_texts(),
        )
    )
    assert fields["subject_name"] == "朔州市朔城区中石化民福加油站" and fields["subject_ident"] == uscc
    assert fields["result_label"] == "发现问题已责令改正" and fields["inspected_on"] == "2021-06-15"
    # The fields the page shows, written out on purpose (pinned: snapshot.PUBLIC_FIELDS but result_code).
    assert set(fields) == {
        "plan_name",
        "subject_name",
        "subject_ident",
        "inspecting_unit_name",
        "task_kind",
        "task_name",
        "inspected_on",
        "result_label",
        "follow_up_public",
        "published_on",
    }
    html = page.content()
    for secret in (
        *f.SECRETS,
        *[m.sha256 for m in result.submission.media],
    ):
        assert secret not in html
    assert page.locator("main img").count() == 0
    shown_hash = page.locator("[data-hash]").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert errors == []

    # Its PDF: Chinese text extractable, the CJK font embedded, the QR code leads back to this page.
    pdf_link = page.locator("a[href$='.pdf']").first.get_attribute("href")
    response = phone.request.get(live_server.url + pdf_link)  # the link the page gives, followed
    assert response.ok and response.headers["content-type"] == "application/pdf"
    path = tmp_path / "record.pdf"
    path.write_bytes(response.body())
    assert_cjk_embedded(path)
    text = pdf_text(path).replace(" ", "")
    assert "朔州市朔城区中石化民福加油站" in text and uscc in text and shown_hash in text
    [decoded] = qr_codes(path, tmp_path)
    assert decoded == f"{record_url}?h={shown_hash}"
    page.goto(decoded)
    assert page.locator("[data-hash]").inner_text() == shown_hash
    assert "flash--success" in page.locator(".verify-result").get_attribute("class")


def test_search_works_without_javascript(live_server, browser, db):
    from datetime import date

    from fieldapp.publication import operations

    result = f.approved_result()
    operations.publish([result], f.supervisor("140602"), on=date(2021, 7, 1))
    db.session.commit()
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    page.goto(live_server.url_for("publication.public_results"))
    page.fill("#q", "民福")
    page.select_option("#county", "140602")
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url("**/public/results?*")
    assert page.locator("#results .result-card__name").all_inner_texts() == ["朔州市朔城区中石化民福加油站"]
    page.select_option("#county", "140603")
    page.click("form[role=search] button[type=submit]")
    page.locator("#results .no-results").wait_for()
    context.close()


def test_a_long_name_without_break_stays_inside_a_phone_screen(live_server, phone, db):
    """A 200-letter romanised firm name has no break opportunity: on every public page it wraps
    inside the 360 px screen instead of widening the page (which hid its end off the screen)."""
    from datetime import date

    from fieldapp.publication import operations

    name = ("ZHONGSHIHUAMINFUJIAYOUZHAN" * 8)[:197] + "END"
    result = f.approved_result(f.subject(1, name=name))
    [record] = operations.publish([result], f.supervisor("140602"), on=date(2021, 7, 1))
    db.session.commit()
    page = phone.new_page()
    pages = {
        "search": live_server.url_for("publication.public_results", q="ZHONGSHIHUA"),
        "record": live_server.url_for("publication.public_record", public_id=record.public_id),
        "subject": live_server.url_for("publication.public_subject", ident=record.subject_ident),
        "task": live_server.url_for("publication.public_task", task_id=record.task_id),
    }
    widths = {}
    for label, url in pages.items():
        page.goto(url)
        expect(page.get_by_text(name).first).to_be_visible()
        widths[label] = page.evaluate("document.documentElement.scrollWidth")
    assert widths == dict.fromkeys(pages, 360)
