"""Spreadsheets in and out: text that looks like a formula never runs in an export (CSV and .xlsx
opened back), and an uploaded CSV is read with the csv module's full quoting on the whole file."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from sqlalchemy import select

from fieldapp.core.cells import csv_cell, csv_row, xlsx_row
from fieldapp.subjects.importer import import_subject_file
from fieldapp.subjects.models import Subject
from factories.subjects import GOOD1, GOOD2, HEADER

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_csv_cells_starting_like_a_formula_are_neutralised(text):
    assert csv_cell(text) == "'" + text
    assert csv_cell("朔州市加油站") == "朔州市加油站"
    assert csv_cell(-5) == -5


def test_xlsx_text_cells_are_stored_as_strings_not_formulas():
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("x")
    sheet.append(xlsx_row(sheet, [*HOSTILE, 3]))
    out = io.BytesIO()
    book.save(out)
    cells = next(openpyxl.load_workbook(io.BytesIO(out.getvalue())).active.iter_rows())
    assert [c.data_type for c in cells] == ["s"] * len(HOSTILE) + ["n"]
    assert [c.value for c in cells[:5]] == HOSTILE[:5]  # (XML keeps a lone CR as a line break)


def _no_formula(xlsx: bytes) -> list:
    book = openpyxl.load_workbook(io.BytesIO(xlsx))
    return [c.coordinate for ws in book.worksheets for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_every_export_opens_without_a_formula(app, db, client_request, auth):
    from factories import publication as pf
    from fieldapp.publication.operations import publish

    hostile = '=HYPERLINK("http://x","y")'
    result = pf.approved_result(pf.subject(name=hostile))
    db.session.commit()
    publisher = auth.create("shuocheng-sup", "supervisor", "140602")
    publish([result], publisher)
    db.session.commit()
    client_request.login("shuocheng-sup", "supervisor", "140602")
    from fieldapp.publication import exports, queries

    national = exports.national_xlsx(queries.unit_records(publisher, limit=100))  # what the export job writes
    assert _no_formula(national) == []
    cells = [c.value for row in openpyxl.load_workbook(io.BytesIO(national)).active.iter_rows() for c in row]
    assert hostile in cells
    serious = client_request.get_response("review.serious", format="xlsx")
    assert _no_formula(serious.data) == []
    open_data = client_request.get_response("publication.open_data_csv").get_data(as_text=True)
    rows = list(csv.reader(io.StringIO(open_data.lstrip("\ufeff"))))
    assert any("'" + hostile in row for row in rows), rows
    for row in rows:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row), row


def test_serious_findings_xlsx_has_no_formula(app):
    from types import SimpleNamespace as NS
    from datetime import date

    from fieldapp.review.export import serious_findings_xlsx

    subject = NS(
        uscc=GOOD1,
        registration_number=None,
        ident=GOOD1,
        name='=HYPERLINK("http://x","y")',
        legal_representative="@cmd",
        division_code="140602",
    )
    result = NS(
        subject=subject,
        inspecting_unit=NS(name="+unit"),
        task=NS(number=1, name="-task"),
        inspected_on=date(2026, 9, 30),
        result_code="A",
        follow_up_measures=["=1"],
        findings=[{"text": "=2"}],
    )
    body = serious_findings_xlsx([result])
    assert _no_formula(body) == []
    values = [c.value for row in openpyxl.load_workbook(io.BytesIO(body)).active.iter_rows() for c in row]
    assert '=HYPERLINK("http://x","y")' in values and "@cmd" in values


def test_rejected_rows_file_neutralises_formulas(app, tmp_path):
    path = tmp_path / "in.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerow(["=1+1", '=HYPERLINK("http://x","y")', "", "", "", "朔城区", "", "", "", "", "", ""])
    rejects = tmp_path / "rejects.csv"
    report = import_subject_file(path, rejects)
    assert report.rejected == 1
    text = rejects.read_text(encoding="utf-8-sig")
    for row in csv.reader(io.StringIO(text)):
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row), row


def _subject_csv(path, row, encoding="utf-8-sig", delimiter=","):
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh, delimiter=delimiter)
        writer.writerow(HEADER)
        writer.writerow(row)
    return path


def _row(name, representative="王强", address="朔城区民福街1号"):
    return [GOOD1, name, "有限责任公司", representative, address, "朔城区", "零售业", "A", "2021-03-01", "存续", "", ""]


@pytest.mark.parametrize(
    "case,name,address",
    [
        ("doubled_quotes", '朔州市"鑫源"加油站有限公司', "朔城区民福街1号"),
        ("quoted_comma", "朔州市鑫源加油站有限公司,分公司", "朔城区, 民福街1号"),
        ("embedded_newline", "朔州市鑫源加油站有限公司", "朔城区\n民福街1号"),
        ("quote_comma_and_newline", '"鑫源",加油站\n有限公司', '民福街"1"号,\r\n二层'),
    ],
)
def test_csv_quoting_is_read_exactly(app, db, tmp_path, case, name, address):
    report = import_subject_file(_subject_csv(tmp_path / f"{case}.csv", _row(name, address=address)))
    assert (report.created, report.rejected) == (1, 0), report.rejects
    subject = db.session.scalar(select(Subject).where(Subject.ident == GOOD1))
    assert subject.name == name.strip()
    assert subject.legal_representative == "王强"
    assert subject.address.replace("\r\n", "\n") == address.replace("\r\n", "\n").strip()


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gb18030"])
def test_csv_with_bom_or_gb18030_and_quoting_is_read_exactly(app, db, tmp_path, encoding):
    name = '朔州市"鑫源"加油站,有限公司'
    report = import_subject_file(_subject_csv(tmp_path / "enc.csv", _row(name), encoding=encoding))
    assert (report.created, report.rejected) == (1, 0), report.rejects
    subject = db.session.scalar(select(Subject).where(Subject.ident == GOOD1))
    assert (subject.name, subject.legal_representative) == (name, "王强")


def test_a_tab_separated_file_with_quotes_is_read_exactly(app, db, tmp_path):
    name = '朔州市"鑫源"加油站\t有限公司'
    report = import_subject_file(_subject_csv(tmp_path / "tabs.csv", _row(name), delimiter="\t"))
    assert (report.created, report.rejected) == (1, 0), report.rejects
    subject = db.session.scalar(select(Subject).where(Subject.ident == GOOD1))
    assert (subject.name, subject.legal_representative) == (name, "王强")


def test_csv_row_helper_keeps_numbers_and_plain_text():
    assert csv_row([1, "a", "=b", None]) == [1, "a", "'=b", None]
    assert GOOD2
