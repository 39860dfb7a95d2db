"""A workbook's table: the sheets that hold it (one, or an export split over Sheet1, Sheet2 … each with
its header, in any column order), read row by row as one table (see :func:`tables.open_table`).

Parts read whole on opening (shared strings, styles) are checked first for how far they expand.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

from flask_babel import gettext as _

from ..core.cells import sheet_rows
from ..core.xls import XlsUnreadable, open_workbook
from .tables import (
    SHEET_STRIDE,
    LineNumbers,
    TableError,
    _columns_of,
    _header_and_rows,
    _is_blank,
    _named_columns,
)


def workbook_rows(path: Path, blank_lines: LineNumbers, header_columns: Callable[[list[str]], object] | None):
    """The header, the rows and the sheets' names of a workbook's table (see :func:`_table_sheets`)."""
    _check_expansion(path)
    source = path.open("rb")  # a file, not its name: openpyxl refuses a workbook named .csv or without .xlsx

    def close() -> None:
        workbook.close()
        source.close()

    try:
        workbook = open_workbook(source)  # .xlsx or .xls, by its content
    except XlsUnreadable as exc:
        source.close()
        raise TableError(xls_message(exc)) from None
    except Exception:  # zipfile.BadZipFile, KeyError, InvalidFileException …
        source.close()
        raise TableError(
            _("The file cannot be read as an Excel workbook (.xlsx); save it again as .xlsx or CSV.")
        ) from None
    read = header_columns or _named_columns
    try:
        sheets = _table_sheets(workbook, read)
        header, rows = _sheet_table(sheets[0], 0, blank_lines, read)
    except TableError:
        close()
        raise
    except XlsUnreadable as exc:  # a sheet of an .xls that cannot be parsed
        close()
        raise TableError(xls_message(exc)) from None
    columns = len(header)

    def sheet_by_sheet():
        yield from rows
        for index, sheet in enumerate(sheets[1:], 1):  # each sheet's own header (and titles) passed over
            own_header, own_rows = _sheet_table(sheet, index * SHEET_STRIDE, blank_lines, read)
            order = _column_order(read(own_header), read(header))
            for line, cells in own_rows:
                yield line, cells if order is None else [cells[i] if 0 <= i < len(cells) else None for i in order]

    def trimmed():
        try:
            for line, cells in sheet_by_sheet():
                cells = cells[:columns]  # the importers read cells by the header's columns
                if _is_blank(cells):
                    blank_lines.append(line)
                    continue
                yield line, cells
        except XlsUnreadable as exc:  # a sheet of an .xls that cannot be parsed
            raise TableError(xls_message(exc)) from None
        finally:
            close()

    return header, trimmed(), [sheet.title for sheet in sheets]


def xls_message(exc: XlsUnreadable) -> str:
    """The words for an OLE2 file that is not an Excel workbook, or an .xls that cannot be read."""
    if exc.kind == "not_excel":
        return _(
            "This is an old Office file but not an Excel workbook (a Word or WPS document, perhaps). The import "
            "reads CSV and Excel (.xlsx, .xls) files: save the table as one of them."
        )
    return _("The .xls file is damaged and cannot be read; open it in Excel or WPS and save it again as .xlsx or CSV.")


# A workbook's parts other than its sheets (shared strings, styles) are read whole when it is opened:
# one that expands past this size and ratio is no export (real ones pack 3–10×) but repeated filler —
# 1.5 MB holding 460 MB of shared strings took 61 s and 1.2 GB in the upload request itself.
EXPANDED_LIMIT = 50 * 1024 * 1024
EXPANSION_RATIO = 50


def _check_expansion(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        return  # told by the workbook reader
    for part in parts:
        whole = not part.filename.startswith("xl/worksheets/")  # sheets are streamed
        if whole and part.file_size > EXPANDED_LIMIT and part.file_size > EXPANSION_RATIO * part.compress_size:
            raise TableError(
                _(
                    "The workbook cannot be read: a part of it (%(part)s) expands from %(packed)s KB to "
                    "%(size)s MB, far more than a table holds. Save the table again as .xlsx or CSV.",
                    part=part.filename,
                    packed=part.compress_size // 1024,
                    size=part.file_size // (1024 * 1024),
                )
            )


def _sheet_table(sheet, offset: int, blank_lines: LineNumbers, reads: Callable[[list[str]], object] | None = None):
    """A sheet's header and its rows, numbered from ``offset`` + 1 (read as they are needed)."""

    def records():
        for number, cells in enumerate(sheet_rows(sheet, values_only=True), 1):
            if number >= SHEET_STRIDE:
                raise TableError(_("The sheet %(sheet)s has more rows than Excel allows.", sheet=sheet.title))
            yield offset + number, list(cells)

    return _header_and_rows(records(), blank_lines, reads)


def _table_sheets(workbook, header_columns: Callable[[list[str]], object]) -> list:
    """The sheets that hold the table, in workbook order. The first is the active sheet, or, when that
    holds no table (a sheet of notes, 填表说明, in front), the first sheet whose header names two columns
    or more that the importer reads (``header_columns`` raises TableError for a header it cannot read);
    with it every sheet whose header maps to the same columns (an export split over Sheet1, Sheet2 …).
    A sheet of notes or of another table is passed over."""
    worksheets = list(workbook.worksheets)  # not chart sheets
    if not worksheets:
        raise TableError(_("The file is empty."))
    active = workbook.active if workbook.active in worksheets else worksheets[0]
    order = [active, *(s for s in worksheets if s is not active)]
    headers = {sheet.title: _sheet_header(sheet, header_columns) for sheet in worksheets}
    keys = {title: _columns_of(header, header_columns) for title, header in headers.items()}
    first = next((s for s in order if keys[s.title] is not None), None)
    if first is None:  # none the importer reads: as before, for the importer to say what is missing
        named = [s for s in order if headers[s.title] is not None]
        wide = [s for s in named if sum(1 for h in headers[s.title] or () if h.strip()) >= 2]
        return [(wide or named or [active])[0]]
    return [s for s in worksheets if s is first or _same_table(keys[s.title], keys[first.title])]


def _same_table(columns: object, first: object) -> bool:
    """Whether a sheet's header reads as the first table sheet's: the same fields, in any order
    (a later sheet with its columns moved, or with a column the importer does not read, is the
    same table)."""
    if isinstance(columns, dict) and isinstance(first, dict):
        return columns.keys() == first.keys()
    return columns == first


def _column_order(columns: object, first: object) -> list[int] | None:
    """For a later sheet whose columns stand elsewhere, the index of its cell for each of the first
    sheet's columns (-1: none), so the importer reads every sheet by the first header; None when
    they stand where the first sheet has them."""
    if not isinstance(columns, dict) or not isinstance(first, dict) or columns == first:
        return None
    order = [-1] * (max(first.values(), default=-1) + 1)
    for name, index in first.items():
        order[index] = columns[name]
    return order


def _sheet_header(sheet, reads: Callable[[list[str]], object]) -> list[str] | None:
    """A sheet's header (titles above it passed over); None for a sheet without one."""
    try:
        header, rows = _sheet_table(sheet, 0, LineNumbers(), reads)
    except TableError:
        return None
    rows.close()
    return header
