"""Hostile input to every form, upload and list page: a 4xx with a message in the user's language,
never a 500, and nothing valid lost. Forms are found the way a user finds them — by following the
links each role sees from the home page — and each one is posted empty, with every field hostile
in turn (the others as the page filled them in), with repeated keys and with invalid UTF-8."""

from __future__ import annotations

import io
import re
import zipfile
from urllib.parse import quote, urlsplit

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from fieldapp.extensions import db
from fieldapp.inspections.models import Submission
from fieldapp.plans.models import Task
from fieldapp.subjects.models import Subject
from factories import review as rf
from factories.plans import HEADER as PLAN_HEADER
from factories.plans import seed_rows, to_xlsx

START = ["/", "/plans/", "/review/", "/review/cases", "/subjects/", "/inspectors/", "/calendar", "/my/visits"]
NEVER_POSTED = ("/logout", "/login", "/language")
HUGE = "99999999999999999999"
# Each field in turn; the others keep the values the page gave them.
PER_FIELD = [HUGE, "x" * 10_000, "1e309", "2021-02-30"]
# Every field at once.
ALL_FIELDS = ["-1", "NaN", "Infinity", "9999-99-99", "0001-01-01", "%_\\[", " "]
INVALID_UTF8 = ["%ff%fe", "%ed%a0%80"]
MESSAGE = re.compile(r'role="alert"|__error|--error|class="conflict')


def _world():
    """A county submission waiting for review, with its plan, task, subject, visit and inspectors."""
    rf.scenario()
    db.session.commit()


def _forms(client) -> dict[tuple, tuple[str, list]]:
    """Every post form on the pages a role reaches from ``START`` (one per action and fields)."""
    forms: dict[tuple, tuple[str, list]] = {}
    seen, queue = set(), list(START)
    while queue and len(seen) < 40:
        url = queue.pop(0)
        pattern = re.sub(r"\d+", "N", urlsplit(url).path)
        if url in seen or pattern in seen:
            continue
        seen.update((url, pattern))
        response = client.get(url)
        assert response.status_code < 500, url
        if "text/html" not in response.content_type:
            continue
        page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        queue += [a["href"] for a in page.find_all("a", href=True) if _local(a["href"])]
        for form in page.find_all("form", method=re.compile("post", re.I)):
            action = form.get("action") or url
            if not action.startswith(NEVER_POSTED):
                fields = _fields(form)
                forms.setdefault((re.sub(r"\d+", "N", action), tuple(n for n, _ in fields)), (action, fields))
    return forms


def _local(href: str) -> bool:
    return href.startswith("/") and not href.startswith(("//", "/static", "/logout", "/public"))


def _fields(form) -> list[tuple[str, str | None]]:
    """(name, value) as the browser would send them; ``None`` for a file input."""
    fields: list[tuple[str, str | None]] = []
    for el in form.find_all(["input", "select", "textarea"]):
        name = el.get("name")
        if not name or (el.get("type") in ("checkbox", "radio") and any(n == name for n, _ in fields)):
            continue
        if el.name == "select":
            option = el.find("option", selected=True) or el.find("option")
            fields.append((name, option.get("value", option.text) if option else ""))
        elif el.get("type") == "file":
            fields.append((name, None))
        else:
            fields.append((name, el.get("value", el.text if el.name == "textarea" else "")))
    return fields


def _post(client, action: str, data: list[tuple[str, str | None]]):
    body = MultiDict([(n, v) for n, v in data if v is not None])
    for name in {n for n, v in data if v is None}:
        body.add(name, (io.BytesIO(b""), "empty.xlsx"))
    return client.post(action, data=body, content_type="multipart/form-data")


def _refused_without_message(response) -> bool:
    return response.status_code == 422 and "text/html" in response.content_type and not MESSAGE.search(response.text)


def _sweep(client, forms: dict) -> list:
    failures = []
    for action, fields in forms.values():
        named = [(n, v) for n, v in fields if v is not None]
        posts = [("empty", [])]
        posts += [(f"{n}={h[:12]}", [(k, h if k == n else v) for k, v in fields]) for n, _ in named for h in PER_FIELD]
        posts += [(f"all={h}", [(k, h if v is not None else None) for k, v in fields]) for h in ALL_FIELDS]
        posts += [(f"{n} twice", fields + [(n, "-1")]) for n, _ in named]
        for label, data in posts:
            response = _post(client, action, data)
            if response.status_code >= 500 or _refused_without_message(response):
                failures.append((action, label, response.status_code))
        for raw in INVALID_UTF8:
            body = "&".join(f"{quote(n)}={raw}" for n, _ in named)
            response = client.post(action, data=body, content_type="application/x-www-form-urlencoded")
            if response.status_code >= 500:
                failures.append((action, raw, response.status_code))
    return failures


@pytest.mark.parametrize(
    "username,role,unit,at_least",
    [
        ("hostile-admin", "admin", "city", 10),
        ("hostile-city", "supervisor", "city", 7),
        ("hostile-county", "supervisor", "140602", 6),
        ("hostile-other-county", "supervisor", "140603", 2),
        ("hostile-inspector", "inspector", "140602", 1),
    ],
)
def test_every_form_refuses_hostile_values_with_a_message_and_never_a_500(client, auth, username, role, unit, at_least):
    _world()
    auth.login(username, role, unit)
    forms = _forms(client)
    assert len(forms) >= at_least, sorted(forms)  # the crawl reaches the role's forms
    failures = _sweep(client, forms)
    assert failures == [], "\n".join(map(str, failures))


def test_another_countys_forms_posted_as_they_were_filled_in_are_refused(client, auth):
    _world()
    auth.login("hostile-county", "supervisor", "140602")
    forms = [form for form in _forms(client).values() if "/review/" in form[0]]
    assert forms
    auth.logout()
    auth.login("hostile-other-county", "supervisor", "140603")
    for action, fields in forms:
        assert _post(client, action, fields).status_code in (403, 404), action
    assert db.session.scalar(select(Submission.state)) == "submitted"


def test_a_lock_version_beyond_the_integer_range_is_refused_not_a_500(client, auth):
    _, _, _, sub = rf.scenario()
    auth.login("hostile-county", "supervisor", "140602")
    response = client.post(f"/review/submissions/{sub.id}/approve", data={"lock_version": HUGE})
    assert response.status_code == 422
    assert db.session.get(Submission, sub.id).state == "submitted"


# --- uploads --------------------------------------------------------------------------------------


def _claims_every_row_and_column(xlsx: bytes, far_row: bool) -> bytes:
    """The same workbook claiming A1:XFD1048576 (and, with ``far_row``, a cell in the last row)."""
    source, out = zipfile.ZipFile(io.BytesIO(xlsx)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', body)
                if far_row:
                    last = b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>'
                    body = body.replace(b"</sheetData>", last + b"</sheetData>")
            target.writestr(item, body)
    return out.getvalue()


def _subject_xlsx(far_row: bool) -> bytes:
    from fieldapp.demo.generator import SUBJECT_HEADER, generate_subjects

    rows = [[row[h] for h in SUBJECT_HEADER] for row in generate_subjects(5, seed=3)]
    return _claims_every_row_and_column(to_xlsx([SUBJECT_HEADER, *rows], merge_blanks=False), far_row)


def test_a_plan_workbook_claiming_a_million_rows_is_read_by_its_stored_rows(client, auth):
    auth.login("admin", "admin", "city")
    plan = to_xlsx([PLAN_HEADER, *seed_rows()])
    response = client.post(
        "/plans/import",
        data={"file": (io.BytesIO(_claims_every_row_and_column(plan, False)), "plan.xlsx"), "year": "2021"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Task)) == 21  # every task, no padded column


def test_a_plan_workbook_with_a_cell_in_its_last_row_is_refused_with_a_message(client, auth):
    auth.login("admin", "admin", "city")
    plan = _claims_every_row_and_column(to_xlsx([PLAN_HEADER, *seed_rows()]), True)
    data = {"file": (io.BytesIO(plan), "plan.xlsx"), "year": "2021", "action": "check"}
    response = client.post("/plans/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "删除表格下方的行" in response.text


@pytest.mark.parametrize("far_row", [False, True])
def test_a_subject_workbook_claiming_every_cell_imports_its_rows(client, auth, far_row):
    auth.login("admin", "admin", "city")
    data = {"file": (io.BytesIO(_subject_xlsx(far_row)), "subjects.xlsx")}
    response = client.post("/subjects/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Subject)) == 5


@pytest.mark.parametrize("url", ["/subjects/import", "/inspectors/import"])
@pytest.mark.parametrize("payload", [b"PK\x03\x04" + b"\x00" * 100, b"PK\x03\x04 not really a zip"])
def test_a_broken_workbook_is_refused_in_the_users_language(client, auth, url, payload):
    auth.login("admin", "admin", "city")
    response = client.post(url, data={"file": (io.BytesIO(payload), "t.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Excel 工作簿" in response.text and "openpyxl" not in response.text and "zip" not in response.text


def _csv(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    from factories.plans import to_csv

    return to_csv(rows, encoding)


def _directory_rows() -> tuple[list[str], list[list[str]]]:
    from fieldapp.demo.generator import SUBJECT_HEADER, generate_subjects

    return SUBJECT_HEADER, [[row[h] for h in SUBJECT_HEADER] for row in generate_subjects(6, seed=5)]


def _variants(header: list[str], rows: list[list[str]]) -> dict[str, tuple[bytes, int]]:
    """Files of the same six rows: (bytes, how many rows must be imported from them)."""
    from openpyxl import Workbook

    book = Workbook()
    for row in [header, *rows]:
        book.active.append(row)
    book.active.merge_cells("B2:B3")
    merged = io.BytesIO()
    book.save(merged)
    formula = [["=cmd|' /C calc'!A0", *row[1:]] if i == 0 else row for i, row in enumerate(rows)]
    return {
        "gbk.csv": (_csv([header, *rows], "gb18030"), 6),
        "bom.csv": (_csv([header, *rows]), 6),
        "formula.csv": (_csv([header, *formula]), 5),
        "reordered.csv": (_csv([header[::-1], *(row[::-1] for row in rows)]), 6),
        "extra.csv": (_csv([[*header, "备注"], *([*row, "x"] for row in rows)]), 6),
        "spaces.csv": (_csv([header, ["  "] * len(header), *rows]), 6),
        "merged.xlsx": (merged.getvalue(), 6),
        "unclosed.csv": (
            "\n".join(_raw_lines([header, *rows])).replace("\n" + rows[1][0], '\n"' + rows[1][0]).encode(),
            5,
        ),
    }


@pytest.mark.parametrize(
    "name",
    ["gbk.csv", "bom.csv", "formula.csv", "reordered.csv", "extra.csv", "spaces.csv", "merged.xlsx", "unclosed.csv"],
)
def test_an_odd_directory_file_imports_every_valid_row(client, auth, name):
    from fieldapp.jobs.models import Job, JobStatus

    auth.login("admin", "admin", "city")
    payload, valid = _variants(*_directory_rows())[name]
    response = client.post(
        "/subjects/import", data={"file": (io.BytesIO(payload), name)}, content_type="multipart/form-data"
    )
    assert response.status_code == 302
    job = db.session.scalar(select(Job))
    assert job.status == JobStatus.DONE, job.error
    assert db.session.scalar(select(func.count()).select_from(Subject)) == valid


# --- query strings on list and search pages -------------------------------------------------------

LIST_PAGES = [
    "/subjects/",
    "/public/results",
    "/inspectors/",
    "/review/",
    "/review/cases",
    "/review/listings",
    "/visits",
    "/draws/",
    "/public/draws",
    "/plans/",
    "/jobs/",
]
SEARCHES = [
    '"',
    "*",
    "-加油",
    "NEAR(a b)",
    "a OR b",
    "AND",
    "()",
    "^:",
    "%",
    "_",
    "\\",
    "[",
    "%_\\[",
    "';--",
    "加" * 3000,
    "\u200b",
]
PARAMETERS = [
    "sort=nonexistent&order=drop",
    "page=0",
    "page=-1",
    "per_page=100000000",
    "page=abc",
    "cpage=-1",
    "state=nope",
    "status=x",
    "division=x",
    "unit=%ff%fe",
    "q=%ed%a0%80",
    "q=a&q=b",
    "task=1e309",
    "year=-1",
]


@pytest.mark.parametrize("page", LIST_PAGES)
def test_list_pages_take_any_search_sort_and_page_without_a_500(client, auth, page):
    rf.scenario()
    auth.login("admin", "admin", "city")
    targets = [f"{page}?q={quote(q)}" for q in SEARCHES] + [f"{page}?{p}" for p in PARAMETERS]
    assert [(t, s) for t in targets if (s := client.get(t).status_code) >= 500] == []


# --- CSV with an unclosed quote, and files that are no table at all -------------------------------

UNCLOSED = "引号未闭合"


def _raw_lines(rows: list[list[str]]) -> list[str]:
    """Rows written out by hand (no quoting), so a test can break one of them."""
    assert not any('"' in cell or "," in cell for row in rows for cell in row)
    return [",".join(row) for row in rows]


def _unclosed_directory(rows_after: int, encoding: str, multiline: bool) -> tuple[bytes, int, list[list[str]]]:
    """A directory whose second row opens a quote it never closes; ``multiline`` gives a later row an
    address on two lines (properly quoted). Returns the file, the broken row's line and the valid rows."""
    from fieldapp.demo.generator import SUBJECT_HEADER, generate_subjects

    rows = [[row[h] for h in SUBJECT_HEADER] for row in generate_subjects(rows_after + 2, seed=11)]
    lines = _raw_lines([SUBJECT_HEADER, *rows])
    name = SUBJECT_HEADER.index("名称")
    broken = rows[1][:name] + ['"' + rows[1][name]] + rows[1][name + 1 :]
    lines[2] = ",".join(broken)
    if multiline:
        address = SUBJECT_HEADER.index("住所")
        row = rows[3]
        row[address] = row[address] + "\n东院"
        lines[4] = ",".join(row[:address] + ['"' + row[address] + '"'] + row[address + 1 :])
    valid = [row for i, row in enumerate(rows) if i != 1]
    return "\r\n".join(lines).encode(encoding) + b"\r\n", 3, valid


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
@pytest.mark.parametrize("rows_after,multiline", [(4, False), (4, True), (300, False)])
def test_an_unclosed_quote_rejects_its_row_and_keeps_every_row_after_it(app, tmp_path, encoding, rows_after, multiline):
    from fieldapp.subjects.importer import import_subject_file

    payload, line, valid = _unclosed_directory(rows_after, encoding, multiline)
    path = tmp_path / "subjects.csv"
    path.write_bytes(payload)
    report = import_subject_file(path, tmp_path / "rejects.csv")
    assert [(r.line, any(UNCLOSED in reason for reason in r.reasons)) for r in report.rejects] == [(line, True)]
    assert (report.created, report.rejected) == (len(valid), 1)
    stored = dict(db.session.execute(select(Subject.ident, Subject.address)).all())
    assert stored == {row[0] or row[1]: row[5] for row in valid}  # each once, the two-line address whole
    assert UNCLOSED in (tmp_path / "rejects.csv").read_text("utf-8-sig")


def test_an_unclosed_quote_on_the_last_line_rejects_only_that_line(app, tmp_path):
    from fieldapp.subjects.importer import import_subject_file

    payload, _, valid = _unclosed_directory(0, "utf-8", False)
    path = tmp_path / "subjects.csv"
    path.write_bytes(payload)
    report = import_subject_file(path)
    assert (report.created, report.rejected, report.rejects[0].line) == (len(valid), 1, 3)


def test_an_unclosed_quote_in_the_roster_keeps_the_people_after_it(app, tmp_path):
    from fieldapp.inspectors.importer import import_roster_file

    rows = [
        ["姓名", "执法证号", "有效期至", "单位", "状态"],
        ["张伟", "1406020001", "2030-12-31", "朔城区市场监督管理局", "在岗"],
        ["刘芳", "1406020002", "2030-12-31", '"朔城区', "在岗"],
        ["陈磊", "1406030001", "2030-06-30", "平鲁区市场监督管理局", "在岗"],
        ["王静", "1406030002", "2030-06-30", "平鲁区市场监督管理局", "在岗"],
    ]
    path = tmp_path / "roster.csv"
    path.write_text("\n".join(",".join(row) for row in rows) + "\n", encoding="utf-8")
    report = import_roster_file(path)
    assert (report.created, report.rejected) == (3, 1)
    assert report.rejects[0].line == 3 and UNCLOSED in report.rejects[0].reasons[0]


@pytest.mark.parametrize("url", ["/subjects/import", "/inspectors/import"])
def test_an_unclosed_quote_in_the_header_refuses_the_file_naming_the_line(client, auth, url):
    auth.login("admin", "admin", "city")
    payload = '姓名,"名称,统一社会信用代码\n甲,乙,91140602MA0NKTHUXL\n'.encode()
    response = client.post(url, data={"file": (io.BytesIO(payload), "t.csv")}, content_type="multipart/form-data")
    assert response.status_code == 422
    alert = BeautifulSoup(response.text, "html.parser").select_one("[role=alert]").get_text()
    assert "第 1 行（表头）" in alert and UNCLOSED in alert, alert


def test_an_unclosed_quote_in_a_plan_csv_skips_only_its_line(app):
    from fieldapp.plans.importer import read_plan
    from fieldapp.plans.problems import describe

    rows = seed_rows()
    broken = next(i for i, row in enumerate(rows) if i and not any("," in cell for cell in row))
    text = _csv([PLAN_HEADER, *rows], "utf-8").decode()
    text = text.replace(f"\n{rows[broken][0]},{rows[broken][1]},", f'\n{rows[broken][0]},"{rows[broken][1]},', 1)
    _, parsed = read_plan(text.encode(), "plan.csv")
    assert [(t.number, t.source_row) for t in parsed.tasks] == [
        (int(r[0]), i + 2) for i, r in enumerate(rows) if i != broken
    ]
    [problem] = [p for p in parsed.problems if p.code == "unclosed_quote"]
    assert problem.row == broken + 2 and UNCLOSED in describe(problem)


def test_records_are_read_as_they_come_not_the_whole_file_first():
    """A runaway quote holds at most MAX_RECORD_LINES lines; the rest of the file is not read ahead."""
    from itertools import chain, count, islice

    from fieldapp.core.csv_records import MAX_RECORD_LINES, Unreadable, csv_records

    taken = 0

    def endless():
        nonlocal taken
        for line in chain(["名称,住所\r\n", '"甲,一号\r\n'], (f"乙{n},{n}号\r\n" for n in count())):
            taken += 1
            yield line

    records = list(islice(csv_records(endless()), 2 * MAX_RECORD_LINES))
    assert isinstance(records[1][1], Unreadable) and records[1][0] == 2
    assert [cells for _, cells in records[2:5]] == [["乙0", "0号"], ["乙1", "1号"], ["乙2", "2号"]]
    assert [line for line, _ in records] == list(range(1, 2 * MAX_RECORD_LINES + 1))
    assert taken <= 2 * MAX_RECORD_LINES + 1


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as docx:
        docx.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        docx.writestr("word/document.xml", "<w:document><w:body><w:p>名称</w:p></w:body></w:document>")
    return out.getvalue()


NOT_TABLES = {
    "report.docx": _docx(),
    "scan.pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + bytes(range(256)) * 4,
    "photo.png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4,
    "noise.csv": bytes((i * 7919 + 13) % 256 for i in range(4096)),
}


@pytest.mark.parametrize("url", ["/subjects/import", "/inspectors/import"])
@pytest.mark.parametrize("name", sorted(NOT_TABLES))
def test_a_file_that_is_no_table_is_refused_saying_what_is_accepted(client, auth, url, name):
    auth.login("admin", "admin", "city")
    data = {"file": (io.BytesIO(NOT_TABLES[name]), name)}
    response = client.post(url, data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    alert = BeautifulSoup(response.text, "html.parser").select_one("[role=alert]").get_text()
    assert "不是 CSV 或 Excel 文件" in alert and ".xlsx" in alert and "GB18030" in alert, alert


def test_a_csv_with_a_stray_nul_is_still_read_as_a_table(app, tmp_path):
    from fieldapp.subjects.tables import open_table

    path = tmp_path / "subjects.csv"
    path.write_bytes("名称,住所\n甲\x00,一号\n".encode() + "乙,二号\n".encode() * 60)
    with open_table(path) as table:
        assert table.header == ["名称", "住所"] and len(list(table.rows)) == 61


def test_a_stray_nul_in_a_cell_is_dropped_and_every_row_is_stored(app, tmp_path):
    """PostgreSQL refuses NUL in text: the import stored nothing (the batch failed) before it was dropped."""
    from factories.subjects import GOOD1, GOOD2
    from fieldapp.subjects.importer import import_subject_file

    path = tmp_path / "subjects.csv"
    path.write_text(
        f"统一社会信用代码,企业名称,所属区县\n{GOOD1},朔州某\x00公司,140602\n{GOOD2},好公司,140681\n", "utf-8"
    )
    report = import_subject_file(path)
    assert (report.created, report.rejected) == (2, 0)
    assert set(db.session.scalars(select(Subject.name))) == {"朔州某公司", "好公司"}


@pytest.mark.parametrize("language,words", [("zh_CN", "不是 Excel 工作簿"), ("en", "not an Excel workbook")])
def test_a_plan_file_that_is_no_workbook_is_refused_in_plain_words(client, auth, language, words):
    auth.login("admin", "admin", "city")
    with client.session_transaction() as session:
        session["lang"] = language
    data = {"file": (io.BytesIO(b"PK\x03\x04 not really a zip"), "plan.xlsx"), "year": "2021", "action": "check"}
    response = client.post("/plans/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 422
    alert = BeautifulSoup(response.text, "html.parser").select_one("[role=alert]").get_text(" ", strip=True)
    assert words in alert and not re.search(r"[a-z][A-Z]|Error|Exception|zip", alert), alert
