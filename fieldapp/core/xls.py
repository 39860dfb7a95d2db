"""Old Excel workbooks (.xls: BIFF8, or BIFF5 from Excel 95, inside an OLE2 compound file) read with
xlrd, in the shape of openpyxl's read-only workbook, so the readers of .xlsx read them unchanged.

Registration systems and WPS still export .xls. What the readers use of openpyxl is given the same:
``workbook.worksheets``, ``workbook.active``, ``workbook.close()``; a sheet's ``title``,
``sheet_state``, ``reset_dimensions()`` and ``iter_rows(max_col=, values_only=)`` — one tuple per row
from the first to the last stored one, ``max_col`` cells wide; a cell's ``value``, ``row`` and
``number_format``. Values are as openpyxl gives them: a date cell a datetime (a time below one day),
a whole number an int, a boolean a bool, an error cell its text (``#N/A``, ``#DIV/0!`` …), an empty or
blank cell None; a merged range holds its value in its first cell only (openpyxl's read-only cells do
the same).

xlrd loads the file in memory (an .xls sheet has at most 65,536 rows); the sheets are parsed one at a
time (``on_demand``), the last one kept for the next read.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# xlrd's words for an OLE2 file with no workbook stream (a Word .doc, a WPS .wps …).
_NO_WORKBOOK = "Can't find workbook in OLE2 compound document"
_STATES = {0: "visible", 1: "hidden", 2: "veryHidden"}


class XlsUnreadable(Exception):
    """An OLE2 file that xlrd cannot read: ``kind`` is ``not_excel`` (another Office file: no workbook
    in it) or ``damaged``. The callers say it in their own words."""

    def __init__(self, kind: str):
        super().__init__(kind)
        self.kind = kind


def is_ole2(head: bytes) -> bool:
    """Whether a file's first bytes are an OLE2 compound file's (.xls, .doc, .wps, .et …)."""
    return head.startswith(OLE2_MAGIC)


def is_zip(head: bytes) -> bool:
    """Whether a file's first bytes are a zip's (.xlsx, .docx and every other Office Open file)."""
    return head.startswith(ZIP_MAGIC)


def open_workbook(source: str | Path | IO[bytes]):
    """A workbook by its content: an OLE2 file as an :class:`XlsBook`, anything else through openpyxl
    (read-only, cached values). ``source`` is a path or a binary file; a file is read from its start.
    Raises XlsUnreadable for an OLE2 file xlrd cannot read, openpyxl's errors for the rest."""
    if isinstance(source, (str, Path)):
        with open(source, "rb") as fh:
            head = fh.read(8)
        if is_ole2(head):
            return XlsBook(Path(source).read_bytes())
    else:
        source.seek(0)
        head = source.read(8)
        source.seek(0)
        if is_ole2(head):
            return XlsBook(source.read())
    from openpyxl import load_workbook

    return load_workbook(source, read_only=True, data_only=True)


class XlsCell:
    """A cell as openpyxl's read-only cell gives it to the readers."""

    __slots__ = ("value", "row", "column", "number_format")

    def __init__(self, value: Any, row: int, column: int, number_format: str):
        self.value = value
        self.row = row
        self.column = column
        self.number_format = number_format


class XlsBook:
    """An .xls workbook; ``close()`` frees it (as openpyxl's read-only workbook)."""

    def __init__(self, data: bytes):
        import xlrd

        try:
            book = xlrd.open_workbook(
                file_contents=data, formatting_info=True, on_demand=True, logfile=io.StringIO()
            )  # xlrd's warnings (a truncated file …) would go to stdout: a command's output
        except Exception as exc:  # XLRDError, CompDocError, struct.error, IndexError …: xlrd says little
            raise XlsUnreadable("not_excel" if _NO_WORKBOOK in str(exc) else "damaged") from None
        self._book = book
        self._loaded: int | None = None
        self.worksheets = [XlsSheet(self, index, title) for index, title in enumerate(book.sheet_names())]

    def sheet(self, index: int):
        """xlrd's sheet ``index``, parsed now unless it is the one parsed last (which is let go)."""
        book = self._book
        if self._loaded is not None and self._loaded != index:
            book.unload_sheet(self._loaded)
            self._loaded = None
        try:
            sheet = book.sheet_by_index(index)
        except Exception:  # a record cut short, a bad offset …
            raise XlsUnreadable("damaged") from None
        self._loaded = index
        return sheet

    @property
    def active(self) -> XlsSheet | None:
        """The sheet shown when the file is opened (its WINDOW2 record says so; xlrd does not read the
        book's WINDOW1), else the first selected one, else the first sheet that is not hidden."""
        selected = None
        for candidate in self.worksheets:
            sheet = self.sheet(candidate.index)
            if sheet.sheet_visible:
                return candidate
            selected = selected or (candidate if sheet.sheet_selected else None)
        return selected or next((s for s in self.worksheets if s.sheet_state == "visible"), None)

    @property
    def datemode(self) -> int:
        return self._book.datemode

    def number_format(self, xf_index: int) -> str:
        book = self._book
        try:
            return book.format_map[book.xf_list[xf_index].format_key].format_str
        except (IndexError, KeyError):
            return "General"

    def close(self) -> None:
        self._book.release_resources()
        self._loaded = None


class XlsSheet:
    """A worksheet of an :class:`XlsBook`, read as openpyxl's read-only worksheet is."""

    def __init__(self, book: XlsBook, index: int, title: str):
        self.book = book
        self.index = index
        self.title = title
        visibility = getattr(book._book, "_sheet_visibility", [])  # BOUNDSHEET's, known before the sheet is parsed
        self.sheet_state = _STATES.get(visibility[index] if index < len(visibility) else 0, "visible")

    def reset_dimensions(self) -> None:
        """The rows stored are the rows read (as :func:`fieldapp.core.cells.sheet_rows` asks)."""

    def iter_rows(self, max_col: int | None = None, values_only: bool = False) -> Iterator[tuple]:
        sheet = self.book.sheet(self.index)
        width = max_col if max_col is not None else sheet.ncols
        for rowx in range(sheet.nrows):
            cells = sheet.row(rowx)[:width]
            if values_only:
                row: list = [self._value(cell) for cell in cells]
                row.extend([None] * (width - len(row)))
            else:
                row = [self._cell(cell, rowx + 1, colx + 1) for colx, cell in enumerate(cells)]
                row.extend(XlsCell(None, rowx + 1, colx + 1, "General") for colx in range(len(row), width))
            yield tuple(row)

    def _cell(self, cell, row: int, column: int) -> XlsCell:
        return XlsCell(self._value(cell), row, column, self.book.number_format(cell.xf_index))

    def _value(self, cell) -> Any:
        import xlrd

        kind, value = cell.ctype, cell.value
        if kind == xlrd.XL_CELL_TEXT:
            return value
        if kind == xlrd.XL_CELL_NUMBER:
            return int(value) if value.is_integer() and abs(value) < 2**53 else value
        if kind == xlrd.XL_CELL_DATE:
            return _date(value, self.book.datemode)
        if kind == xlrd.XL_CELL_BOOLEAN:
            return bool(value)
        if kind == xlrd.XL_CELL_ERROR:  # as openpyxl reads an .xlsx's error cell: #N/A, #VALUE! …
            return xlrd.error_text_from_code.get(value, "#N/A")
        return None  # empty, blank (a merged range's other cells, formatting only)


def _date(value: float, datemode: int) -> Any:
    """A date cell's value as openpyxl gives it: a datetime, or a time for a value below one day."""
    import xlrd

    try:
        moment = xlrd.xldate_as_datetime(value, datemode)
    except (ValueError, OverflowError):  # a negative serial or one past year 9999: the number as stored
        return value
    if 0 <= value < 1:
        return moment.time()
    return moment if isinstance(moment, dt.datetime) else value
