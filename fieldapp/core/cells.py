"""Cells written to spreadsheets people open: text never runs as a formula.

A subject named ``=HYPERLINK(...)`` (or starting with ``+``, ``-``, ``@``, a tab or CR) would run
in Excel or WPS. In CSV such text gets a leading apostrophe (OWASP's CSV-injection advice); in
.xlsx every text cell is stored as a string (``data_type='s'``), whatever it starts with.
"""

from __future__ import annotations

from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value):
    """A CSV value that a spreadsheet program shows as the text it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_row(values: Iterable) -> list:
    return [csv_cell(v) for v in values]


def text_cells(cells: Iterable) -> None:
    """Mark the string cells of an openpyxl row as text (never formulas)."""
    for cell in cells:
        if isinstance(cell.value, str):
            cell.data_type = "s"


def xlsx_row(sheet, values: Iterable) -> list:
    """A write-only sheet's row: every str as a text cell; other values (dates, numbers, cells) as given."""
    from openpyxl.cell import WriteOnlyCell

    row = []
    for value in values:
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            row.append(cell)
        else:
            row.append(value)
    return row
