"""An adversarial pass over the file imports: workbooks whose later sheets move their columns, hidden
sheets, invisible characters in a header, UTF-16 text, a long title block above the header, and files
of nothing but empty rows. Each file is built here; every valid row must arrive, a bad file is refused
with a message in the user's language."""

from __future__ import annotations

import csv
from io import BytesIO

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from factories.office import SHARED_STRINGS, inflated
from factories.subjects import HEADER
from xls_files import xlsx_of
from fieldapp.demo.generator import make_uscc
from fieldapp.subjects.importer import import_subject_file
from fieldapp.subjects.models import Subject

COLUMNS = HEADER[:5]  # 统一社会信用代码 企业名称 类型 法定代表人 住所


def subject(n: int) -> list:
    return [make_uscc("E", "140602", 400 + n), f"朔城区第{n}商店有限公司", "有限责任公司", f"法人{n}", f"民福街{n}号"]


def stored(db) -> dict[str, tuple[str, str]]:
    rows = db.session.execute(select(Subject.uscc, Subject.name, Subject.legal_representative))
    return {uscc: (name, person) for uscc, name, person in rows}


def expected(*numbers: int) -> dict[str, tuple[str, str]]:
    return {subject(n)[0]: (subject(n)[1], subject(n)[3]) for n in numbers}


def save(book: Workbook, path):
    book.save(path)
    return path


def test_a_later_sheet_with_its_columns_moved_or_an_extra_column_is_read_by_its_own_header(app, db, tmp_path):
    """Sheet2 lists the columns back to front, Sheet3 has 备注 in front: both are the same table, and each
    cell lands in its field (they were passed over whole, silently losing their rows)."""
    book = Workbook()
    book.active.title = "Sheet1"
    book.active.append(COLUMNS)
    book.active.append(subject(1))
    moved = book.create_sheet("Sheet2")
    moved.append(COLUMNS[::-1])
    moved.append(subject(2)[::-1])
    moved.append(["某街1号", "李四", "有限责任公司", "无代码公司", ""])  # row 3: no identifier, rejected
    extra = book.create_sheet("Sheet3")
    extra.append(["备注", *COLUMNS])
    extra.append(["老客户", *subject(3)])
    report = import_subject_file(save(book, tmp_path / "moved.xlsx"), tmp_path / "rejects.csv")
    assert stored(db) == expected(1, 2, 3)
    assert (report.created, [(r.sheet, r.line) for r in report.rejects]) == (3, [("Sheet2", 3)])
    with (tmp_path / "rejects.csv").open(encoding="utf-8-sig", newline="") as fh:
        rejects = list(csv.reader(fh))
    # The rejected row is written under the table's header (the first sheet's, then 备注 that only Sheet3
    # has), each cell under its heading.
    assert rejects[0][3:] == [*COLUMNS, "备注"]
    assert rejects[1][3:] == ["", "无代码公司", "有限责任公司", "李四", "某街1号", ""]


def test_a_hidden_or_very_hidden_sheet_with_the_tables_header_is_imported(app, db, tmp_path):
    """A supervisor who hid a sheet (or an export that hides its later pages) still means its rows: a
    hidden sheet with the table's header is part of the table; a hidden sheet of notes is not."""
    book = Workbook()
    book.active.append(COLUMNS)
    book.active.append(subject(1))
    for n, state in ((2, "hidden"), (3, "veryHidden")):
        sheet = book.create_sheet(f"第{n}页")
        sheet.append(COLUMNS)
        sheet.append(subject(n))
        sheet.sheet_state = state
    notes = book.create_sheet("说明")
    notes.append(["字段", "说明"])
    notes.sheet_state = "hidden"
    report = import_subject_file(save(book, tmp_path / "hidden.xlsx"))
    assert (report.created, report.rejected) == (3, 0) and stored(db) == expected(1, 2, 3)


@pytest.mark.parametrize("invisible", ["\u200b", "\ufeff", "\u00ad", "\u2060"])
def test_a_header_copied_with_invisible_characters_is_read(app, db, tmp_path, invisible):
    """A header pasted from a web page (a zero-width space, a BOM of a second file pasted below the
    first …) was refused as having no 名称 column, which it plainly has."""
    path = tmp_path / "subjects.csv"
    header = [invisible + name + invisible for name in COLUMNS]
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header, subject(1), subject(2)])
    report = import_subject_file(path)
    assert (report.created, report.rejected, report.unknown_headers) == (2, 0, [])
    assert stored(db) == expected(1, 2)


def test_a_roster_header_copied_with_a_zero_width_space_is_read(app, db, tmp_path):
    from fieldapp.inspectors.importer import import_roster_file
    from fieldapp.inspectors.models import Inspector

    path = tmp_path / "roster.csv"
    header = "\u200b姓名,\u200b执法证号,有效期至\u200b,\ufeff单位"
    path.write_text(f"{header}\n检查员1,1406020001,2030-12-31,朔城区市场监督管理局\n", encoding="utf-8")
    import_roster_file(path)
    assert db.session.scalar(select(Inspector.name)) == "检查员1"


def test_a_file_of_a_million_empty_rows_keeps_a_count_not_every_line_number(app, db, tmp_path):
    """A sheet formatted down to its last row exports as CSV rows of commas: every blank line's number
    was kept (50 MB of them: 3.5 million numbers, about 130 MB); now the first thousand and a count. The
    header search stops a hundred rows past the header, so the rows below are read once per pass."""
    from fieldapp.subjects import tables

    path = tmp_path / "subjects.csv"
    blank = "," * (len(COLUMNS) - 1) + "\r\n"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([COLUMNS, subject(1)])
        fh.write(blank * 1_000_000)
        csv.writer(fh).writerow(subject(2))
    with tables.open_table(path) as table:
        rows = list(table.rows)
        assert [line for line, _ in rows] == [2, 1_000_003]
        assert len(table.blank_lines) == 1_000_000 and len(table.blank_lines.first) == tables.LineNumbers.KEEP
    report = import_subject_file(path)
    assert (report.created, len(report.blank_lines)) == (2, 1_000_000)
    assert any("1000000" in line for line in report.summary())


def test_the_header_search_stops_a_hundred_rows_below_the_header(app, monkeypatch):
    from fieldapp.subjects import tables

    looked = 0

    def records():
        nonlocal looked
        yield 1, list(COLUMNS)
        for n in range(2, 10_000_000):
            looked += 1
            yield n, [None] * len(COLUMNS)

    header, rows = tables._header_and_rows(records(), tables.LineNumbers())
    assert header == COLUMNS and looked <= tables.HEADER_SEARCH_ROWS


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_excels_unicode_text_utf16_with_tabs_is_uploaded_whole(client, auth, db, encoding):
    """Excel's 另存为 "Unicode 文本" writes UTF-16 with a BOM and tabs; it was refused as neither UTF-8
    nor GB18030 although its BOM says what it is."""
    from fieldapp.jobs.models import Job, JobStatus

    auth.login("admin", "admin", "city")
    text = "\r\n".join("\t".join(row) for row in [COLUMNS, subject(1), ["", "无代码公司", "", "", ""], subject(2)])
    payload = "\ufeff".encode(encoding) + text.encode(encoding) + b"\r\n".decode().encode(encoding)
    data = {"file": (BytesIO(payload), "名录.txt")}
    response = client.post("/subjects/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    job = db.session.scalar(select(Job))
    assert job.status == JobStatus.DONE, job.error
    assert (job.result["counts"]["created"], job.result["counts"]["rejected"]) == (2, 1)
    assert stored(db) == expected(1, 2)


@pytest.mark.parametrize("name", ["名" * 300 + ".xlsx", "名录.csv", "名录", "../../名录.xlsx", "C:\\导出\\名录.xlsx"])
def test_a_workbook_with_a_long_odd_or_wrong_name_is_imported(client, auth, db, name):
    """A name of 300 characters was cut to 200 — its .xlsx with it — and the workbook saved as
    source.csv, which openpyxl refused by its extension ("cannot be read as an Excel workbook"); so was a
    workbook renamed .csv or sent without an extension. The content decides, not the name."""
    from fieldapp.jobs.models import Job, JobStatus

    auth.login("admin", "admin", "city")
    data = {"file": (BytesIO(xlsx_of(COLUMNS, subject(1), subject(2))), name)}
    response = client.post("/subjects/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    job = db.session.scalar(select(Job))
    assert job.status == JobStatus.DONE, job.error
    assert stored(db) == expected(1, 2) and "/" not in job.title and "\\" not in job.title


def test_the_command_imports_a_workbook_renamed_csv(app, db, runner, tmp_path):
    path = tmp_path / "名录.csv"
    path.write_bytes(xlsx_of(COLUMNS, subject(1)))
    result = runner.invoke(args=["subjects", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert stored(db) == expected(1)


def test_dates_as_excel_cells_serials_chinese_text_or_with_a_time_are_read(app, db, tmp_path):
    """营业期限至 as Excel writes it in every way a bureau's sheet holds it: a date cell with a time, a
    day number that lost its format, 2031年1月2日 as text, full-width digits; a formula without a cached
    value (openpyxl reads None) leaves the field blank, and a row naming no date that exists is rejected."""
    from datetime import date, datetime

    header = [*COLUMNS, "营业期限至"]
    cells = [
        datetime(2030, 12, 31, 17, 30),
        47119,
        "2031年1月2日",
        "２０３２－０３－０４",
        "=DATE(2033,1,1)",
        "2021年2月30日",
    ]
    book = Workbook()
    book.active.append(header)
    for n, cell in enumerate(cells, 1):
        book.active.append([*subject(n), cell])
    report = import_subject_file(save(book, tmp_path / "dates.xlsx"))
    ends = dict(db.session.execute(select(Subject.uscc, Subject.business_term_end)).all())
    assert [ends.get(subject(n)[0]) for n in range(1, 6)] == [
        date(2030, 12, 31),
        date(2029, 1, 1),
        date(2031, 1, 2),
        date(2032, 3, 4),
        None,
    ]
    assert (report.created, [r.line for r in report.rejects]) == (5, [7])


@pytest.mark.parametrize("url", ["/subjects/import", "/inspectors/import"])
@pytest.mark.parametrize("language,words", [("zh_CN", "只有表头"), ("en", "no rows below it")])
def test_an_empty_template_is_refused_saying_it_has_no_rows(client, auth, db, url, language, words):
    """The blank template (a header, perhaps rows of empty cells) was queued and 'imported' as 0 rows."""
    from fieldapp.jobs.models import Job

    header = COLUMNS if url == "/subjects/import" else ["姓名", "执法证号", "有效期至", "单位"]
    auth.login("admin", "admin", "city")
    with client.session_transaction() as session:
        session["lang"] = language
    payload = xlsx_of(["朔州市名录"], header, [None] * len(header), [" "] * len(header))
    response = client.post(url, data={"file": (BytesIO(payload), "模板.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 422 and words in response.text
    assert db.session.scalar(select(Job)) is None


def test_the_command_refuses_an_empty_template_with_a_non_zero_exit(app, db, runner, tmp_path):
    path = tmp_path / "模板.csv"
    path.write_text(",".join(COLUMNS) + "\n,,,,\n", encoding="utf-8")
    result = runner.invoke(args=["subjects", "import", str(path)])
    assert result.exit_code != 0 and "只有表头" in result.output, result.output
    result = runner.invoke(args=["subjects", "import", str(path), "--lang", "en"])
    assert result.exit_code != 0 and "no rows below it" in result.output, result.output


def shared_strings_bomb(entries: int) -> bytes:
    """A workbook whose shared strings are ``entries`` copies of one string (read whole on opening)."""
    return inflated(xlsx_of(COLUMNS, subject(1)), SHARED_STRINGS, entries)


@pytest.mark.parametrize("language,words", [("zh_CN", "解压后达"), ("en", "far more than a table holds")])
def test_a_workbook_whose_shared_strings_expand_hundreds_of_times_is_refused_at_once(client, auth, db, language, words):
    """Shared strings are read whole when a workbook opens: 1.5 MB expanding to 460 MB took 61 s and
    1.2 GB in the upload request (measured). Refused before openpyxl reads it."""
    from fieldapp.jobs.models import Job

    auth.login("admin", "admin", "city")
    with client.session_transaction() as session:
        session["lang"] = language
    payload = shared_strings_bomb(700_000)  # about 60 MB of XML in well under 1 MB
    assert len(payload) < 1024 * 1024
    response = client.post(
        "/subjects/import", data={"file": (BytesIO(payload), "名录.xlsx")}, content_type="multipart/form-data"
    )
    assert response.status_code == 422 and words in response.text and "sharedStrings" in response.text
    assert db.session.scalar(select(Job)) is None


NOTES = [[f"填表说明第{n}条：请按国家企业信用信息公示系统的口径填写。"] for n in range(1, 30)]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_a_header_on_row_30_below_a_block_of_notes_is_found(app, db, tmp_path, kind):
    """29 rows of 填表说明 above the header: the first of them was taken for the header and the file refused
    as having no 名称 column, every row lost. Rows are still numbered as the sheet numbers them."""
    rows = [*NOTES, COLUMNS, subject(1), ["", "无代码公司", "", "", ""], subject(2)]
    path = tmp_path / f"notes.{kind}"
    if kind == "xlsx":
        path.write_bytes(xlsx_of(*rows))
    else:
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows(rows)
    report = import_subject_file(path)
    assert stored(db) == expected(1, 2)
    assert [r.line for r in report.rejects] == [32]


def test_a_roster_header_below_a_block_of_notes_is_found(app, db, tmp_path):
    from fieldapp.inspectors.importer import import_roster_file
    from fieldapp.inspectors.models import Inspector

    path = tmp_path / "roster.xlsx"
    header = ["姓名", "执法证号", "有效期至", "单位"]
    path.write_bytes(xlsx_of(*NOTES, header, ["检查员1", "1406020001", "2030-12-31", "朔城区市场监督管理局"]))
    report = import_roster_file(path)
    assert (report.created, report.rejected) == (1, 0)
    assert db.session.scalar(select(Inspector.name)) == "检查员1"


def test_a_header_further_down_than_fifty_rows_of_notes_is_refused_naming_the_column(app, tmp_path):
    from fieldapp.subjects.tables import TableError

    path = tmp_path / "notes.xlsx"
    path.write_bytes(xlsx_of(*(NOTES * 3), COLUMNS, subject(1)))
    with pytest.raises(TableError, match="名称"):
        import_subject_file(path)


def test_a_two_row_header_with_cells_merged_down_reads_every_column(app, db, tmp_path):
    """Exports with grouped headings merge 统一社会信用代码 over both header rows (A1:A2) and 基本信息 over
    B1:E1; the merged cell's name is only in its first row, so the second row (picked as the header) had no
    identifier column and the file was refused."""
    book = Workbook()
    sheet = book.active
    sheet.append(["统一社会信用代码", "基本信息", None, None, None, "备注"])
    sheet.append([None, *COLUMNS[1:], None])
    sheet.merge_cells("A1:A2")
    sheet.merge_cells("B1:E1")
    sheet.merge_cells("F1:F2")
    sheet.append([*subject(1), "x"])
    sheet.append([*subject(2), ""])
    report = import_subject_file(save(book, tmp_path / "grouped.xlsx"))
    assert (report.created, report.rejected, report.unknown_headers) == (2, 0, ["备注"])
    assert stored(db) == expected(1, 2)


def chartsheet_only() -> bytes:
    from openpyxl.chart import BarChart, Reference

    book = Workbook()
    data = book.active
    data.append([1])
    data.append([2])
    chart = BarChart()
    chart.add_data(Reference(data, min_col=1, min_row=1, max_row=2))
    book.create_chartsheet("图表").add_chart(chart)
    book.remove(data)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def no_worksheet() -> bytes:
    import re
    import zipfile

    source, out = zipfile.ZipFile(BytesIO(xlsx_of(COLUMNS))), BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "xl/workbook.xml":
                body = re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", body)
            target.writestr(item, body)
    return out.getvalue()


@pytest.mark.parametrize("url", ["/subjects/import", "/inspectors/import"])
@pytest.mark.parametrize("build", [chartsheet_only, no_worksheet])
@pytest.mark.parametrize("language,words", [("zh_CN", "文件是空的"), ("en", "The file is empty")])
def test_a_workbook_with_no_worksheet_or_only_a_chart_is_refused_as_empty(
    client, auth, db, url, build, language, words
):
    """Held: a chart sheet is no table; a workbook without any worksheet is empty (422, no job)."""
    from fieldapp.jobs.models import Job

    auth.login("admin", "admin", "city")
    with client.session_transaction() as session:
        session["lang"] = language
    response = client.post(url, data={"file": (BytesIO(build()), "名录.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 422 and words in response.text
    assert db.session.scalar(select(Job)) is None


def test_a_csv_with_mixed_line_endings_and_no_newline_at_the_end_keeps_every_row(app, db, tmp_path):
    """Held: CRLF, a bare CR and LF in one GBK file without a BOM, the last line unterminated."""
    lines = [",".join(row) for row in (COLUMNS, subject(1), subject(2), subject(3), subject(4))]
    text = lines[0] + "\r\n" + lines[1] + "\r" + lines[2] + "\n" + lines[3] + "\r\n" + lines[4]
    path = tmp_path / "mixed.csv"
    path.write_bytes(text.encode("gbk"))
    report = import_subject_file(path)
    assert (report.created, report.rejected) == (4, 0) and stored(db) == expected(1, 2, 3, 4)
