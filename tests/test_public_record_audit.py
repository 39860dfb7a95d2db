"""An auditor's hostile but legitimate data through every public output: the record page, the search,
the printed record (PDF), the open data (CSV, JSON) and the national upload (.xlsx). What a firm is
called reaches each of them exactly as registered, never runs as markup or a formula, and never
makes the PDF renderer fetch anything."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import unicodedata
from datetime import date

import pytest
from openpyxl import load_workbook

from factories import publication as f
from pdf_reading import assert_cjk_embedded, pdf_fonts, pdf_text
from fieldapp.publication import exports, operations, queries
from fieldapp.publication.pdf import fetcher as pdf_fetcher


@pytest.fixture
def app_config(tmp_path):
    return {"PDF_CACHE_DIR": str(tmp_path / "pdf-cache")}


LONG = ("𠮷" + "朔州市朔城区中石化民福加油站" * 15)[:199] + "店"  # 200 characters, the column's size
NAMES = {
    "ext-b": "𠮷野家𡈼㐂〇号（朔州）有限公司",
    "emoji": "朔城区😀火锅店·老王",
    "rtl-zwj": "\u202e朔城区\u200d家庭农场\u202c👨\u200d👩\u200d👧",
    "combining": "Café Ame\u0301lie 朔州店",
    "long": LONG,
    "script": "<script>alert(1)</script>民福加油站",
    "attr": '"><img src=x onerror=alert(1)>民福',
    "ssrf": '<img src="http://169.254.169.254/latest/meta-data/">民福',
    "file": '<a href="file:///etc/passwd">民福</a><link rel="stylesheet" href="file:///etc/passwd">',
    "js": "javascript:alert(document.cookie)",
    "formula": '=HYPERLINK("http://x","点我")',
    "at": "@SUM(1+1)民福",
    "minus": "-1+2 民福",
    "tab": "\t=1 民福",
}


def _publish(db, name: str, seq: int = 1):
    result = f.approved_result(f.subject(seq, name=name))
    [record] = operations.publish([result], f.supervisor("140602"), on=date(2021, 7, 1))
    db.session.commit()
    return result, record


def pdf_requests(monkeypatch) -> list:
    """The list every URL the PDF renderer asks for is added to (it is still fetched as before)."""
    asked: list = []
    real_fetch = pdf_fetcher.RestrictedFetcher.fetch
    monkeypatch.setattr(
        pdf_fetcher.RestrictedFetcher,
        "fetch",
        lambda self, url, headers=None: asked.append(url) or real_fetch(self, url),
    )
    return asked


def _pdf(client_request, tmp_path, record, asked: list) -> str:
    response = client_request.get_response("publication.public_record_pdf", public_id=record.public_id)
    assert response.mimetype == "application/pdf"
    path = tmp_path / f"{record.public_id}.pdf"
    path.write_bytes(response.data)
    assert_cjk_embedded(path)
    # Nothing from the firm's name was even asked for: only the app's own data: URIs (the QR code).
    assert [url for url in asked if not url.startswith("data:image/png")] == [], asked
    return pdf_text(path)


@pytest.mark.parametrize("case", sorted(NAMES))
def test_a_firms_name_reaches_every_public_output_as_it_is(case, client_request, db, tmp_path, monkeypatch):
    name = NAMES[case]
    result, record = _publish(db, name)
    asked = pdf_requests(monkeypatch)  # every URL the PDF renderer asks for
    # The record page: the name as text, no element made of it.
    soup = client_request.get("publication.public_record", public_id=record.public_id)
    assert soup.select_one('dd[data-field="subject_name"]').get_text() == name
    main = soup.select_one("main")
    assert main.select("script, img, link, iframe, object") == []
    assert not [a for a in main.select("a[href]") if not a["href"].startswith(("/", "#", "http://localhost"))]
    # The search, by a fragment of the name.
    fragment = name.strip("\t")[:6]
    soup = client_request.get("publication.public_results", q=fragment)
    names = [a.get_text() for a in soup.select("#results .result-card__name")]
    assert names == [name], (fragment, names)
    # The firm's and the task's pages.
    soup = client_request.get("publication.public_subject", ident=record.subject_ident)
    assert name in soup.select_one("main").get_text()
    # Open data: the true text; in the CSV text that would run in a spreadsheet is neutralised.
    data = json.loads(client_request.get_response("publication.open_data_json").get_data(as_text=True))
    assert [r["subject_name"] for r in data["results"]] == [name]
    text = client_request.get_response("publication.open_data_csv").get_data(as_text=True)
    [_, row] = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    shown = row[2]
    assert shown == (("'" + name) if name.startswith(("=", "+", "-", "@", "\t", "\r")) else name)
    # The national upload: a text cell with the true text.
    book = load_workbook(io.BytesIO(exports.national_xlsx(queries.unit_records(f.supervisor("140602"), limit=10))))
    cell = book.active.cell(row=2, column=3)
    assert (cell.value, cell.data_type) == (name, "s")
    # The printed record.
    pdf = _pdf(client_request, tmp_path, record, asked)
    flat = unicodedata.normalize("NFC", "".join(pdf.split()))
    visible = unicodedata.normalize("NFC", "".join(ch for ch in name if ch.isprintable() and not ch.isspace()))
    if case == "rtl-zwj":  # drawn right to left as the override asks: every character is there
        assert visible[:7][::-1] in flat.replace("\u200d", ""), pdf
    else:
        assert visible in flat, (visible, pdf)


def test_extension_b_and_emoji_are_drawn_not_boxes(client_request, db, tmp_path):
    """Every character of the name comes from a font that has it (Pango falls back per character):
    a face that lacks it would print the .notdef box, which pdftotext still reads as the character."""
    from fontTools.ttLib import TTCollection

    name = NAMES["ext-b"] + "😀"
    _, record = _publish(db, name)
    response = client_request.get_response("publication.public_record_pdf", public_id=record.public_id)
    path = tmp_path / "r.pdf"
    path.write_bytes(response.data)
    fonts = pdf_fonts(path)
    assert "CJK" in fonts, fonts
    collection = TTCollection("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    cmap = collection.fonts[0].getBestCmap()
    for ch in "𠮷𡈼㐂〇（）":
        assert ord(ch) in cmap, ch
    assert "𠮷野家𡈼㐂〇号" in pdf_text(path).replace(" ", "")


def _words_past_the_edge(path) -> list[str]:
    """Words pdftotext finds (partly) outside their page: text the printed copy loses."""
    import re

    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    width = float(re.search(r'<page width="([\d.]+)"', out).group(1))
    return [
        w
        for x, w in re.findall(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="([\d.]+)"[^>]*>([^<]*)<', out)
        if float(x) > width
    ]


def test_a_long_name_without_break_wraps_inside_the_printed_record_and_notice(client_request, db, tmp_path):
    """A 200-letter name with no space (a foreign firm's romanised name) wrapped nowhere: it ran past
    the page edge and the printed record and the task's notice lost its end."""
    name = ("ZHONGSHIHUAMINFUJIAYOUZHAN" * 8)[:197] + "END"
    result, record = _publish(db, name)
    printed = {
        "record": client_request.get_response("publication.public_record_pdf", public_id=record.public_id),
        "notice": client_request.get_response("publication.public_task_pdf", task_id=result.task_id),
    }
    for kind, response in printed.items():
        path = tmp_path / f"{kind}.pdf"
        path.write_bytes(response.data)
        assert _words_past_the_edge(path) == [], kind
        drawn = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True)
        assert name in "".join(drawn.stdout.split()), kind  # in drawing order: a cell's lines one after another


def test_a_late_evening_utc_approval_is_the_next_beijing_day_everywhere(client_request, db, tmp_path, frozen_clock):
    """Inspected, approved and published at 23:30 UTC on 30 June: 07:30 on 1 July in Beijing, the
    date every public output gives (page, search, PDF, CSV, JSON, national .xlsx)."""
    from datetime import UTC, datetime

    from fieldapp.review.results import record_results

    frozen_clock.set(datetime(2021, 6, 30, 23, 30, tzinfo=UTC))
    result = f.approved_result(f.subject(1, name="朔城区午夜便利店"))
    result.submission.inspected_on = datetime(2021, 6, 30, 23, 30)  # stored naive UTC, as the app stores it
    [result] = record_results(result.submission, f.supervisor("140602"))
    [record] = operations.publish([result], f.supervisor("140602"))
    db.session.commit()
    day = "2021-07-01"
    assert (record.inspected_on.isoformat(), record.published_on.isoformat()) == (day, day)
    soup = client_request.get("publication.public_record", public_id=record.public_id)
    assert [
        soup.select_one(f'dd[data-field="{k}"]').get_text(strip=True) for k in ("inspected_on", "published_on")
    ] == [
        day,
        day,
    ]
    assert day in client_request.get("publication.public_results", q="午夜便利").select_one(".result-card__meta").text
    text = client_request.get_response("publication.open_data_csv").get_data(as_text=True)
    [_, row] = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert (row[9], row[13]) == (day, day)
    [row] = json.loads(client_request.get_response("publication.open_data_json").get_data(as_text=True))["results"]
    assert (row["inspected_on"], row["published_on"]) == (day, day)
    sheet = load_workbook(io.BytesIO(exports.national_xlsx([record]))).active
    assert [sheet.cell(row=2, column=c).value.date().isoformat() for c in (8, 11)] == [day, day]
    path = tmp_path / "r.pdf"
    path.write_bytes(client_request.get_response("publication.public_record_pdf", public_id=record.public_id).data)
    printed = pdf_text(path)
    assert printed.count(day) == 2 and "2021-06-30" not in printed


def test_a_correction_with_markup_in_its_note_is_shown_as_text_with_its_beijing_date(
    client_request, db, tmp_path, frozen_clock, monkeypatch
):
    """The supervisor's correction note is free text: on the page and the PDF it is text, fetches
    nothing, and the correction is dated by the Beijing day it was made (23:30 UTC is the next day)."""
    from datetime import UTC, datetime

    result, record = _publish(db, "朔城区恒达眼镜店")
    result.result_code = "1"
    db.session.commit()
    frozen_clock.set(datetime(2021, 7, 8, 23, 30, tzinfo=UTC))
    note = '结果录入有误<img src="http://169.254.169.254/"><script>alert(1)</script>'
    new = operations.correct(record, f.supervisor("140602"), note)
    db.session.commit()
    soup = client_request.get("publication.public_record", public_id=record.public_id)
    notice = soup.select_one(".corrected-notice")
    assert "2021-07-09" in notice.get_text() and note in notice.get_text()
    assert soup.select_one("main").select("script, img") == []
    assert soup.select_one('dd[data-field="result_label"]').get_text(strip=True) == "未发现问题"
    asked = pdf_requests(monkeypatch)  # every URL the PDF renderer asks for
    flat = "".join(_pdf(client_request, tmp_path, new, asked).split())
    assert "本记录已于2021-07-09更正" in flat and "".join(note.split()) in flat and "未发现问题" in flat
    [row] = json.loads(client_request.get_response("publication.open_data_json").get_data(as_text=True))["results"]
    assert (row["version"], row["result"], row["corrected"]) == (2, "未发现问题", True)


def test_a_control_character_in_a_name_or_finding_does_not_break_the_xlsx_exports(client_request, db, auth):
    """A vertical tab pasted from Word or a unit separator from an old system stored in a firm's name
    or a finding: openpyxl refused the whole workbook, so the unit's national upload job failed and the
    serious-findings list answered 500. The .xlsx cells now drop what XML cannot hold; the CSV keeps it."""
    from sqlalchemy import select

    from fieldapp.jobs.models import Job, JobStatus

    name = "朔州\x0b民福\x1f加油站\x08"
    result = f.approved_result(f.subject(1, name=name))
    result.findings = [{"item": "x", "text": "油枪\x0c漏油", "severity": "serious", "follow_up": True}]
    [record] = operations.publish([result], f.supervisor("140602"), on=date(2021, 7, 1))
    db.session.commit()
    client_request.login("shuocheng", "supervisor", "140602")
    client_request.post_response("publication.export_xlsx", year=2021)
    job = db.session.scalar(select(Job))
    assert job.status == JobStatus.DONE, job.status
    upload = client_request.get_response("jobs.download", job_id=job.id, name="national-upload-2021.xlsx")
    cell = load_workbook(io.BytesIO(upload.data)).active.cell(row=2, column=3)
    assert (cell.value, cell.data_type) == ("朔州民福加油站", "s")
    serious = client_request.get_response("review.serious", format="xlsx")
    values = [c.value for row in load_workbook(io.BytesIO(serious.data)).active.iter_rows() for c in row]
    assert "朔州民福加油站" in values and "油枪漏油" in values
    text = client_request.get_response("publication.open_data_csv").get_data(as_text=True)
    assert name in text  # the open data keeps the text exactly
    assert record.subject_name == name


def test_the_search_page_states_the_csv_rule_the_open_data_applies(client_request, db):
    """The apostrophe the CSV puts before formula-like text is said where the downloads are offered,
    in the visitor's language, so the credit system and citizens know the JSON holds the exact text."""
    from fieldapp.core.cells import FORMULA_STARTS

    _publish(db, "-1+2 民福加油站")
    for _ in range(2):  # built, then from the shared page cache
        rule = client_request.get("publication.public_results").select_one("#open-data-rule").get_text()
        assert "单引号" in rule and "JSON" in rule
        assert all(start in rule for start in ("=", "+", "-", "@")) and len(FORMULA_STARTS) == 6
    text = client_request.get_response("publication.open_data_csv").get_data(as_text=True)
    assert "'-1+2 民福加油站" in text
    data = json.loads(client_request.get_response("publication.open_data_json").get_data(as_text=True))
    assert data["results"][0]["subject_name"] == "-1+2 民福加油站"


def test_a_name_with_full_width_punctuation_is_found_as_registered_and_as_typed(client_request, db):
    """The search folded the query to half width (NFKC) but not the names: a name registered with
    full-width parentheses or letters, the usual form (朔州市（民福）加油站), was not found by its own
    text copied in. Both the text as typed and its half-width form are looked for now."""
    for seq, name in enumerate(("朔州市（民福）加油站", "ＡＢＣ朔州超市", "朔州(平鲁)便利店"), start=1):
        _publish(db, name, seq)
    found = {
        "朔州市（民福）加油站": ["朔州市（民福）加油站"],
        "市（民福）加": ["朔州市（民福）加油站"],
        "（民": ["朔州市（民福）加油站"],
        "ＡＢＣ朔州": ["ＡＢＣ朔州超市"],
        "ＡＢ": ["ＡＢＣ朔州超市"],
        "(平鲁)便": ["朔州(平鲁)便利店"],
        "（平鲁）便": ["朔州(平鲁)便利店"],  # a Chinese keyboard's parentheses, half-width in the registry
        "民福": ["朔州市（民福）加油站"],
    }
    for q, names in found.items():
        soup = client_request.get("publication.public_results", q=q)
        assert [a.get_text() for a in soup.select("#results .result-card__name")] == names, q
    text = client_request.get_response("publication.open_data_csv", q="市（民福）加").get_data(as_text=True)
    assert text.count("朔州市（民福）加油站") == 1


def _no_font_has(char: str) -> bool:
    """Asked of fontconfig directly (not of the module under test)."""
    listing = subprocess.run(["fc-list", f":charset={ord(char):x}", "family"], capture_output=True, text=True)
    return listing.stdout.strip() == ""


def test_a_character_no_font_has_is_printed_as_its_code_point_not_a_box(client_request, db, tmp_path):
    """CJK Extension G (𰀀 U+30000), an Extension B character outside Noto CJK's set (U+2A6D6) and
    most emoji (🔥) have no glyph in the fonts the server has: the printed record showed the empty
    .notdef box. It now prints 〔U+30000〕; the page and open data keep the character."""
    missing = ["\U00030000", "\U0002a6d6", "🔥"]
    if not all(_no_font_has(ch) for ch in missing):
        pytest.skip("a font on this machine draws one of them")
    name = "朔城区\U00030000\U0002a6d6🔥火锅店😀𠮷"
    _, record = _publish(db, name)
    path = tmp_path / "r.pdf"
    path.write_bytes(client_request.get_response("publication.public_record_pdf", public_id=record.public_id).data)
    printed = "".join(pdf_text(path).split())
    assert "朔城区〔U+30000〕〔U+2A6D6〕〔U+1F525〕火锅店😀𠮷" in printed
    soup = client_request.get("publication.public_record", public_id=record.public_id)
    assert soup.select_one('dd[data-field="subject_name"]').get_text() == name
    notice = tmp_path / "n.pdf"
    notice.write_bytes(client_request.get_response("publication.public_task_pdf", task_id=record.task_id).data)
    assert "〔U+1F525〕" in "".join(pdf_text(notice).split())


def test_a_task_name_that_looks_like_a_page_slot_is_shown_as_text(client_request, db):
    """The shared search page is built once with markers where each visitor's query goes; a task name
    (from a plan workbook) holding such a marker split the page at it: every visitor's search page
    answered 500, or got their query pasted into the task's notice."""
    forged = "__fieldapp_slot_evil____fieldapp_slot_q__"  # the markers as they were written
    result = f.approved_result(tsk=f.task(8, name=f"加油站{forged}检查"))
    operations.publish([result], f.supervisor("140602"), on=date(2021, 7, 1))
    db.session.commit()
    for _ in range(2):  # built, then from the page cache
        soup = client_request.get("publication.public_results", q="民福")
        notices = soup.select_one(".task-notices").get_text()
        assert forged in notices and "民福" not in notices


def test_markup_in_an_inspectors_findings_and_notes_fetches_nothing_in_the_visit_record(
    client_request, db, tmp_path, monkeypatch
):
    """The 现场检查记录 prints what the phone sent (findings, answers, the inspector's names): markup
    there is text, and the renderer asks only for the visit's own photos and signatures."""
    ssrf = '<img src="http://169.254.169.254/latest/meta-data/">'
    local = '<link rel="stylesheet" href="file:///etc/passwd"><img src="file:///etc/passwd">'
    result = f.approved_result(f.subject(1, name=f"朔城区{ssrf}加油站"))
    body = dict(result.submission.body)
    task = dict(body["tasks"][0])
    task["findings"] = [{"item": "metrology_rules", "text": f"油枪漏油{local}", "severity": "major"}]
    body["tasks"] = [task]
    body["inspectors"] = [{"name": f"王{ssrf}", "certificate": "晋执法1", "phone": "1"}]
    result.submission.body = body
    result.findings = [{"item": "加油机", "text": f"油枪漏油{local}", "severity": "major", "follow_up": True}]
    db.session.commit()
    asked = pdf_requests(monkeypatch)  # every URL the PDF renderer asks for
    client_request.login("shuocheng", "supervisor", "140602")
    response = client_request.get_response("publication.visit_record_pdf", visit_id=result.visit_id)
    path = tmp_path / "visit.pdf"
    path.write_bytes(response.data)
    media = {m.storage_key.rsplit("/", 1)[-1] for m in result.submission.media}
    outside = [u for u in asked if not u.startswith("data:") and u.rsplit("/", 1)[-1] not in media]
    assert outside == [] and len(asked) - len([u for u in asked if u.startswith("data:")]) >= 2, asked
    printed = "".join(pdf_text(path).split())
    assert "169.254.169.254" in printed and "油枪漏油" in printed  # shown as text


def test_an_approved_result_not_yet_published_is_nowhere_public(client_request, db):
    """The app has no withdrawal: a result is public from its publication on. Before it, approved or
    not, it is in no search, no open data, no national upload and no printable notice."""
    _publish(db, "朔城区已公示加油站")
    hidden = f.approved_result(f.subject(2, name="朔城区未公示加油站"))
    db.session.commit()
    soup = client_request.get("publication.public_results", q="未公示")
    assert soup.select("#results .result-card__name") == []
    assert "未公示" not in client_request.get_response("publication.open_data_csv").get_data(as_text=True)
    assert "未公示" not in client_request.get_response("publication.open_data_json").get_data(as_text=True)
    national = load_workbook(io.BytesIO(exports.national_xlsx(queries.unit_records(f.supervisor("140602")))))
    assert [r[2] for r in national.active.iter_rows(min_row=2, values_only=True)] == ["朔城区已公示加油站"]
    client_request.get("publication.public_subject", ident=hidden.subject.uscc, _expected_status=404)
    soup = client_request.get("publication.public_task", task_id=hidden.task_id)
    assert "未公示" not in soup.get_text()
