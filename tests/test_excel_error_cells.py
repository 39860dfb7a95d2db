"""A cell holding an Excel error (#N/A of a lookup that found nothing, #DIV/0!, #VALUE! …) is no value, in
every format: an .xls's error cell was read as empty (a required one told as "missing", an optional one
silently left blank) while the same cell of an .xlsx was imported as the text "#N/A" (a subject named
#N/A). Now a row with an error in a column the importer reads is rejected with a reason naming the column
and the error — the same for .xlsx, .xls and the CSV Excel writes (which holds the error's text) — and
the rejects file keeps the error where it was, to be fixed."""

from __future__ import annotations

import csv
from io import BytesIO

import pytest
from sqlalchemy import select

from factories.rosters import HEADER as ROSTER_HEADER
from factories.rosters import person
from factories.subjects import HEADER
from fieldapp.demo.generator import make_uscc
from fieldapp.inspectors.importer import import_roster_file
from fieldapp.inspectors.models import Inspector
from fieldapp.jobs.models import Job
from fieldapp.subjects.importer import import_subject_file
from fieldapp.subjects.models import Subject
from xls_files import xls_from_xlsx, xlsx_of

COLUMNS = HEADER[:5]  # 统一社会信用代码 企业名称 类型 法定代表人 住所


def subject(n: int) -> list:
    return [make_uscc("E", "140602", 700 + n), f"朔城区第{n}商店有限公司", "有限责任公司", f"法人{n}", f"民福街{n}号"]


def with_cell(row: list, index: int, value) -> list:
    return [*row[:index], value, *row[index + 1 :]]


ROWS = [
    subject(1),
    with_cell(subject(2), 1, "#N/A"),  # line 3: the name, required
    with_cell(subject(3), 3, "#DIV/0!"),  # line 4: the legal representative, optional
    with_cell(subject(4), 0, "#VALUE!"),  # line 5: the only identifier
    subject(5),
]


def error_reason(column: str, error: str) -> str:
    return f"{column}是 Excel 错误值 {error}（公式没有算出结果），不是数据：请在单元格中填入实际的值"


EXPECTED_REJECTS = [
    (3, [error_reason("企业名称", "#N/A")]),
    (4, [error_reason("法定代表人", "#DIV/0!")]),
    (5, [error_reason("统一社会信用代码", "#VALUE!")]),
]


def file_in(kind: str, path, *rows: list):
    if kind == "csv":  # as Excel saves a sheet with error cells as CSV: the error's text
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows(rows)
    else:
        data = xlsx_of(*rows)
        path.write_bytes(xls_from_xlsx(data) if kind == "xls" else data)
    return path


def stored_as_error(path, kind: str, row: int, column: int) -> bool:
    """Whether a workbook holds an error cell (not text) there (0-based)."""
    if kind == "xls":
        import xlrd

        return xlrd.open_workbook(path).sheet_by_index(0).cell(row, column).ctype == xlrd.XL_CELL_ERROR
    from openpyxl import load_workbook

    return load_workbook(path).active.cell(row + 1, column + 1).data_type == "e"


def read_rejects(text: str) -> list[list[str]]:
    return list(csv.reader(text.lstrip("\ufeff").splitlines()))


@pytest.mark.parametrize("kind", ["xlsx", "xls", "csv"])
def test_a_subject_row_with_an_excel_error_is_rejected_naming_it_in_every_format(app, db, tmp_path, kind):
    path = file_in(kind, tmp_path / f"名录.{kind}", COLUMNS, *ROWS)
    if kind != "csv":
        assert stored_as_error(path, kind, row=2, column=1)
    report = import_subject_file(path, tmp_path / "rejects.csv")
    assert [(r.line, r.reasons) for r in report.rejects] == EXPECTED_REJECTS
    stored = dict(db.session.execute(select(Subject.uscc, Subject.name)).all())
    assert stored == {subject(1)[0]: subject(1)[1], subject(5)[0]: subject(5)[1]}
    rejects = read_rejects((tmp_path / "rejects.csv").read_text(encoding="utf-8"))
    assert [row[2:] for row in rejects[1:]] == ROWS[1:4]  # each error where it was, to be fixed


def test_an_excel_error_never_overwrites_or_hides_behind_a_stored_value(app, db, tmp_path):
    """An update whose 住所 is #REF! is rejected: not stored as text, not kept silently as if blank."""
    import_subject_file(file_in("xlsx", tmp_path / "first.xlsx", COLUMNS, subject(1)))
    report = import_subject_file(file_in("xls", tmp_path / "again.xls", COLUMNS, with_cell(subject(1), 4, "#REF!")))
    assert (report.updated, report.unchanged, report.rejected) == (0, 0, 1)
    assert report.rejects[0].reasons == [error_reason("住所", "#REF!")]
    assert db.session.scalar(select(Subject.address)) == subject(1)[4]


@pytest.mark.parametrize("language,words", [("zh_CN", "Excel 错误值 #N/A"), ("en", "holds the Excel error #N/A")])
def test_the_upload_page_offers_the_rows_with_errors_in_the_users_language(
    app, db, client, auth, tmp_path, language, words
):
    auth.login("admin", "admin", "city")
    with client.session_transaction() as session:
        session["lang"] = language
    payload = xls_from_xlsx(xlsx_of(COLUMNS, *ROWS))
    response = client.post(
        "/subjects/import", data={"file": (BytesIO(payload), "名录.xls")}, content_type="multipart/form-data"
    )
    job = db.session.scalar(select(Job))
    assert response.status_code == 302 and job.result["counts"]["rejected"] == 3, job.error
    page = client.get(f"/jobs/{job.id}")
    assert words in page.text
    rejects = read_rejects(client.get(f"/jobs/{job.id}/files/rejects.csv").data.decode("utf-8"))
    assert [row[2:] for row in rejects[1:]] == ROWS[1:4]


@pytest.mark.parametrize("kind", ["xlsx", "xls"])
def test_a_roster_row_with_an_excel_error_is_rejected_naming_it(app, db, tmp_path, kind):
    rows = [person(1), with_cell(person(2), 2, "#N/A"), with_cell(person(3), 0, "#NAME?"), person(4)]
    report = import_roster_file(file_in(kind, tmp_path / f"名录.{kind}", ROSTER_HEADER, *rows), tmp_path / "r.csv")
    assert [(r.line, r.reasons) for r in report.rejects] == [
        (3, [error_reason("有效期至", "#N/A")]),
        (4, [error_reason("姓名", "#NAME?")]),
    ]
    assert sorted(db.session.scalars(select(Inspector.name))) == ["检查员1", "检查员4"]
    rejects = read_rejects((tmp_path / "r.csv").read_text(encoding="utf-8"))
    assert [row[2:] for row in rejects[1:]] == [[str(c) for c in row] for row in rows[1:3]]
