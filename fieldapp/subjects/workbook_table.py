"""A workbook's table: the sheets that hold it (one, or an export split over Sheet1, Sheet2 … each with
its header, in any column order), read row by row as one table (see :func:`tables.open_table`).

Parts read whole on opening (shared strings, styles) are checked first for how far they expand.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask_babel import gettext as _

from ..core.cells import SheetUnreadable, sheet_rows
from ..core.office_zip import XLSX_STREAMED, inflated_part
from ..core.xls import XlsUnreadable, open_workbook
from .fields import normalise_header
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
        sheets, headers = _table_sheets(workbook, read)
        header, rows = _sheet_table(sheets[0], 0, blank_lines, read)
        table_header = _table_header([header, *headers[1:]], read)
    except TableError:
        close()
        raise
    except XlsUnreadable as exc:  # a sheet of an .xls that cannot be parsed
        close()
        raise TableError(xls_message(exc)) from None
    except SheetUnreadable as exc:
        close()
        raise TableError(damaged_message(exc)) from None
    columns = len(table_header)

    def sheet_by_sheet():
        for index, sheet in enumerate(sheets):  # each sheet's own header (and titles) passed over
            own_header, own_rows = (
                (header, rows) if index == 0 else _sheet_table(sheet, index * SHEET_STRIDE, blank_lines, read)
            )
            order = _column_order(own_header, table_header, read)
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
        except SheetUnreadable as exc:  # the rows before it are read (and imported)
            raise TableError(damaged_message(exc)) from None
        finally:
            close()

    return table_header, trimmed(), [sheet.title for sheet in sheets]


def damaged_message(exc: SheetUnreadable) -> str:
    """The words for a sheet of an .xlsx whose stored XML cannot be read (cut short or damaged)."""
    return _(
        "The sheet %(sheet)s of the workbook is damaged and cannot be read; open the file in Excel or WPS and "
        "save it again as .xlsx or CSV.",
        sheet=exc.sheet,
    )


def xls_message(exc: XlsUnreadable) -> str:
    """The words for an OLE2 file that is not an Excel workbook, or an .xls that cannot be read."""
    if exc.kind == "not_excel":
        return _(
            "This is an old Office file but not an Excel workbook (a Word or WPS document, perhaps). The import "
            "reads CSV and Excel (.xlsx, .xls) files: save the table as one of them."
        )
    return _("The .xls file is damaged and cannot be read; open it in Excel or WPS and save it again as .xlsx or CSV.")


def _check_expansion(path: Path) -> None:
    """Parts read whole on opening (shared strings, styles) may not expand as no export does
    (``core.office_zip``)."""
    inflated = inflated_part(path, XLSX_STREAMED)
    if inflated is not None:
        raise TableError(
            _(
                "The workbook cannot be read: a part of it (%(part)s) expands from %(packed)s KB to "
                "%(size)s MB, far more than a table holds. Save the table again as .xlsx or CSV.",
                part=inflated.part,
                packed=inflated.packed_kb,
                size=inflated.size_mb,
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


def _table_sheets(workbook, header_columns: Callable[[list[str]], object]) -> tuple[list, list[list[str]]]:
    """The sheets that hold the table, in workbook order. The first is the active sheet, or, when that
    holds no table (a sheet of notes, 填表说明, in front), the first sheet whose header names two columns
    or more that the importer reads (``header_columns`` raises TableError for a header it cannot read);
    with it every sheet whose header maps to the same columns (an export split over Sheet1, Sheet2 …).
    A sheet of notes or of another table is passed over. With them, their headers."""
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
        only = (wide or named or [active])[0]
        return [only], [headers[only.title] or []]
    table = [s for s in worksheets if s is first or _same_table(keys[s.title], keys[first.title])]
    return table, [headers[s.title] or [] for s in table]


def _same_table(columns: object, first: object) -> bool:
    """Whether a sheet's header reads as the first table sheet's: the same fields, in any order
    (a later sheet with its columns moved, or with a column the importer does not read, is the
    same table)."""
    if isinstance(columns, dict) and isinstance(first, dict):
        return columns.keys() == first.keys()
    return columns == first


def _table_header(headers: list[list[str]], reads: Callable[[list[str]], object]) -> list[str]:
    """The header of a table over several sheets: the first sheet's, then each column a later sheet
    names that it does not (备注 on Sheet3 only), so that every cell has its heading (a rejected row is
    written under it, to be fixed and imported again)."""
    table_header = list(headers[0])
    for header in headers[1:]:
        placed = set(_column_order(header, table_header, reads) or range(len(header)))
        table_header += [name for i, name in enumerate(header) if i not in placed and name.strip()]
    return table_header


def _column_order(header: list[str], table_header: list[str], reads: Callable[[list[str]], object]) -> list[int] | None:
    """For a sheet's header, the index of its cell under each of the table's headings (-1: none), so
    each row reads as the table's header says (the importers by the first sheet's columns, the rejects
    file under every heading); None when the sheet's columns stand where the table has them. A field
    the importer reads is found by its field (名称 on one sheet, 企业名称 on another); any other column
    by its name (the second 备注 of a sheet under the table's second 备注)."""
    if header == table_header[: len(header)] and len(header) == len(table_header):
        return None
    order = [-1] * len(table_header)
    fields, table_fields = _fields(header, reads), _fields(table_header, reads)
    for name, index in table_fields.items():
        order[index] = fields.get(name, -1)
    taken = set(order) - {-1}
    unplaced: dict[str, list[int]] = {}
    for i, name in enumerate(header):
        if i not in taken:
            unplaced.setdefault(normalise_header(name), []).append(i)
    for position, name in enumerate(table_header):
        if order[position] == -1 and position not in table_fields.values():
            same = unplaced.get(normalise_header(name))
            order[position] = same.pop(0) if same else -1
    return None if order == list(range(len(table_header))) and len(header) <= len(table_header) else order


def _fields(header: list[str], reads: Callable[[list[str]], object]) -> dict:
    """The columns a header gives the importer, by field ({} when it reads none of them)."""
    try:
        columns = reads(header)
    except TableError:
        return {}
    return columns if isinstance(columns, dict) else {}


def _sheet_header(sheet, reads: Callable[[list[str]], object]) -> list[str] | None:
    """A sheet's header (titles above it passed over); None for a sheet without one."""
    try:
        header, rows = _sheet_table(sheet, 0, LineNumbers(), reads)
    except TableError:
        return None
    rows.close()
    return header
