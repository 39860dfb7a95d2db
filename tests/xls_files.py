"""Old Excel files (.xls) for the tests, written with xlwt from a workbook built with openpyxl, so an
.xls and an .xlsx hold the same cells: values (text, numbers, dates, booleans), number formats, merged
ranges, error cells (#N/A …), the sheets' order, names and hidden state, and the sheet shown when the
file is opened."""

from __future__ import annotations

import datetime as dt
import io

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def _error_codes() -> dict[str, int]:
    """BIFF's code of each error (xlwt's own table of the texts has #N/A! and #VALUE! wrong)."""
    import xlrd

    return {text: code for code, text in xlrd.error_text_from_code.items()}


ERROR_CODES = _error_codes()


def xlsx_of(*rows: list) -> bytes:
    """An .xlsx of one sheet holding ``rows`` (openpyxl stores "#N/A" and the other error texts as
    error cells, t="e", as Excel does). Made once per use: a workbook records the second it was written."""
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def xls_from_xlsx(data: bytes) -> bytes:
    """The .xls of an .xlsx workbook (as Excel's 另存为 Excel 97-2003 工作簿 writes it)."""
    import xlwt
    from openpyxl import load_workbook

    source = load_workbook(io.BytesIO(data))
    book = xlwt.Workbook(encoding="utf-8")
    styles: dict[str, object] = {}

    def style(number_format: str):
        if number_format not in styles:
            styles[number_format] = xlwt.easyxf(num_format_str=number_format)
        return styles[number_format]

    active = source.worksheets.index(source.active)
    for index, sheet in enumerate(source.worksheets):
        out = book.add_sheet(sheet.title, cell_overwrite_ok=True)
        out.visibility = {"visible": 0, "hidden": 1, "veryHidden": 2}[sheet.sheet_state]
        out.sheet_visible = out.selected = index == active  # WINDOW2: the sheet shown on opening
        merged = {(m.min_row, m.min_col): m for m in sheet.merged_cells.ranges}
        covered = {(r, c) for m in merged.values() for r, c in m.cells}
        for row in sheet.iter_rows():
            for cell in row:
                if (cell.row, cell.column) in covered and (cell.row, cell.column) not in merged:
                    continue  # inside a merged range: written with its first cell
                value = cell.value
                if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                    value = dt.datetime.combine(value, dt.time())
                number_format = "YYYY-MM-DD" if cell.is_date and cell.number_format == "General" else cell.number_format
                if (cell.row, cell.column) in merged:
                    m = merged[cell.row, cell.column]
                    out.write_merge(
                        m.min_row - 1, m.max_row - 1, m.min_col - 1, m.max_col - 1, value, style(number_format)
                    )
                elif cell.data_type == "e":  # an error cell (#N/A …) stays one, not its text
                    out.row(cell.row - 1).set_cell_error(cell.column - 1, ERROR_CODES[value])
                elif value is not None:
                    out.write(cell.row - 1, cell.column - 1, value, style(number_format))
    book.set_active_sheet(active)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def ole2_document() -> bytes:
    """An OLE2 compound file that is no workbook (as a Word .doc or WPS .wps is): an .xls whose
    stream is named otherwise than Workbook."""
    import xlwt

    book = xlwt.Workbook()
    book.add_sheet("Sheet1").write(0, 0, "x")
    buffer = io.BytesIO()
    book.save(buffer)
    data = buffer.getvalue()
    workbook, document = "Workbook".encode("utf-16-le"), "Document".encode("utf-16-le")
    assert data.startswith(OLE2_MAGIC) and data.count(workbook) == 1
    return data.replace(workbook, document)


def damaged_xls(data: bytes) -> bytes:
    """An .xls cut short: the compound file's header promises sectors that are not there."""
    return data[: len(data) // 2]
