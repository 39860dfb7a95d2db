"""Cells written to spreadsheets people open: text never runs as a formula.

A subject named ``=HYPERLINK(...)`` (or starting with ``+``, ``-``, ``@``, a tab or CR) would run
in Excel or WPS. In CSV such text gets a leading apostrophe (OWASP's CSV-injection advice); in
.xlsx every text cell is stored as a string (``data_type='s'``), whatever it starts with.

XML 1.0 cannot hold most C0 control characters (a vertical tab pasted from Word, a unit separator
from an old system): openpyxl refuses the whole workbook for one of them. In .xlsx they are dropped
(they print as nothing anywhere); tab, line feed and carriage return are kept. CSV keeps every
character.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# The characters an .xlsx cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE): C0 controls but tab, LF, CR.
XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def csv_cell(value):
    """A CSV value that a spreadsheet program shows as the text it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_row(values: Iterable) -> list:
    return [csv_cell(v) for v in values]


def xlsx_text(value):
    """``value`` as an .xlsx cell can hold it: a str without the control characters XML refuses."""
    if isinstance(value, str):
        return XLSX_ILLEGAL.sub("", value)
    return value


def xlsx_values(values: Iterable) -> list:
    """A row for ``Worksheet.append``: every str as :func:`xlsx_text`, other values as given."""
    return [xlsx_text(v) for v in values]


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
            cell = WriteOnlyCell(sheet, value=xlsx_text(value))
            cell.data_type = "s"
            row.append(cell)
        else:
            row.append(value)
    return row


# What Excel shows in a cell whose formula gave no value (#N/A of a lookup that found nothing …): openpyxl
# reads an error cell of an .xlsx as this text, core.xls an .xls's, and Excel writes it so into a CSV.
EXCEL_ERRORS = frozenset(
    {
        "#NULL!",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#N/A",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#CONNECT!",
        "#BUSY!",
        "#UNKNOWN!",
    }
)


def excel_error(value) -> str | None:
    """The Excel error a cell holds (``#N/A``, ``#VALUE!`` …), from any of the formats, else None."""
    if isinstance(value, str) and "#" in value:
        text = value.strip().upper()
        if text in EXCEL_ERRORS:
            return text
    return None


# A table bureaus exchange has a few dozen columns; a sheet may claim (or reach) 16,384.
MAX_COLUMNS = 256


def sheet_rows(sheet, *, values_only: bool = False) -> Iterator[tuple]:
    """The rows of a read-only openpyxl sheet, each ``MAX_COLUMNS`` cells wide (trim them with ``width``).

    The size a file claims (``<dimension ref="A1:XFD1048576">``) is not trusted: openpyxl pads every
    row to it, so a workbook of a few kilobytes took hours to read. Only the rows actually stored (and
    the gaps between them, as empty rows) are read, and never past ``MAX_COLUMNS`` columns."""
    sheet.reset_dimensions()
    return _readable(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=values_only), sheet.title)


class SheetUnreadable(Exception):
    """A sheet whose stored XML cannot be read: a file cut short, or damaged. ``sheet`` is its title."""

    def __init__(self, sheet: str):
        super().__init__(sheet)
        self.sheet = sheet


# What reading a sheet's XML raises on a damaged part: the XML parsers' errors (both are SyntaxErrors),
# a compressed stream cut short, a cell reference or shared-string index that points nowhere.
DAMAGED_SHEET = (SyntaxError, zipfile.BadZipFile, zlib.error, EOFError, KeyError, IndexError, ValueError)


def _readable(rows: Iterator[tuple], title: str) -> Iterator[tuple]:
    try:
        yield from rows
    except DAMAGED_SHEET:
        raise SheetUnreadable(title) from None


def width(cells: Sequence) -> int:
    """How many cells a row has up to its last one holding a value (cells or plain values)."""
    end = len(cells)
    while end and getattr(cells[end - 1], "value", cells[end - 1]) in (None, ""):
        end -= 1
    return end
