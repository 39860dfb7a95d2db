"""Reading and writing the tables bureaus exchange: CSV (UTF-8, UTF-8 with BOM, GB18030), .xlsx and .xls.

Rows are streamed: a file of any size is read one row at a time (openpyxl in read-only mode for
.xlsx; an old .xls, at most 65,536 rows a sheet, is held in memory by xlrd, one sheet parsed at a
time: :mod:`fieldapp.core.xls`). Used by the subject and inspector importers.
"""

from __future__ import annotations

import csv
import os
import io
import itertools
import zipfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import current_app, has_request_context
from flask_babel import force_locale
from flask_babel import gettext as _

from ..errors import InvalidInput
from ..core.cells import csv_row, width
from ..core.csv_records import Unreadable, csv_records
from ..core.text_encoding import UTF16_BOMS, TextEncodingError, detect_encoding
from ..core.xls import is_ole2, is_zip

if TYPE_CHECKING:
    from _csv import Writer

SAMPLE_BYTES = 256 * 1024  # what tells a table from other files (the encoding is decided on the whole file)
# Columns the rejects file adds in front of the rows (the sheet only for a table over several sheets);
# they are ignored when the file is read back.
REJECT_COLUMNS = ("工作表", "行号", "拒绝原因")
# A table over several sheets numbers its lines sheet by sheet: the sheet's place among the table's
# sheets × SHEET_STRIDE + the row on that sheet (Excel allows 1,048,576 rows), so lines keep the
# workbook's order (a job resumes after a line) and a table on one sheet keeps its row numbers.
SHEET_STRIDE = 10_000_000


@contextmanager
def default_locale():
    """Messages in the default language (zh_CN) when running outside a request (commands, jobs)."""
    if has_request_context():
        yield
        return
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_CN")):
        yield


class TableError(InvalidInput):
    """The file as a whole cannot be read (wrong format, no header …)."""


class LineNumbers:
    """Line numbers counted, the first ``KEEP`` of them kept: a file of millions of blank lines (a
    sheet whose empty rows were formatted to the bottom) held each number in memory (3.5 million,
    about 130 MB, for 50 MB of empty CSV rows)."""

    KEEP = 1000

    def __init__(self, count: int = 0) -> None:
        self.count = count
        self.first: list[int] = []

    def append(self, line: int) -> None:
        self.count += 1
        if len(self.first) < self.KEEP:
            self.first.append(line)

    def extend(self, lines) -> None:
        for line in lines:
            self.append(line)

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[int]:
        return iter(self.first)


@dataclass
class Table:
    """A header and an iterator of ``(line_number, cells)``; blank rows are skipped. ``sheets`` names
    the sheets of a workbook's table (see :func:`place`)."""

    header: list[str]
    rows: Iterator[tuple[int, list]]
    encoding: str = ""
    blank_lines: LineNumbers = field(default_factory=LineNumbers)
    sheets: list[str] = field(default_factory=list)


def place(line: int, sheets: Sequence[str]) -> tuple[str, int]:
    """The sheet (named only when the table spans several) and the row on it of a table's line."""
    if len(sheets) < 2:
        return "", line
    return sheets[line // SHEET_STRIDE], line % SHEET_STRIDE


def _is_blank(cells) -> bool:
    if cells.count(None) == len(cells):  # the empty rows between a sheet's stored rows, quickly
        return True
    return all(c is None or str(c).strip() == "" for c in cells)


def _dialect(sample: str) -> type[csv.Dialect]:
    """Excel's CSV dialect (``""`` inside quotes, quoted commas and newlines) with the delimiter
    the header uses: only the delimiter is guessed, never the quoting rules."""
    header = sample.lstrip("\ufeff").split("\n", 1)[0]
    unquoted = "".join(part for i, part in enumerate(header.split('"')) if i % 2 == 0)
    counts = {d: unquoted.count(d) for d in (",", "\t", ";")}
    delimiter = max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","
    return type("Upload", (csv.excel,), {"delimiter": delimiter})


def _csv_rows(fh, blank_lines: LineNumbers, reads=None) -> tuple[list[str], Iterator[tuple[int, list]]]:
    sample = fh.read(64 * 1024)
    fh.seek(0)
    return _header_and_rows(csv_records(fh, _dialect(sample)), blank_lines, reads)


# Exports often carry a title row (XX名录库 …) or merged group headings (基本信息 | 登记信息) above the
# header: within this many rows, a row filling fewer than half the cells of the fullest is passed over.
TITLE_ROWS = 5
# Past a header, the search for a fuller row stops after this many rows (blank ones too): a header
# followed by a million empty rows was read to the end to find its header, once per pass.
HEADER_SEARCH_ROWS = 100
# A header the importer cannot read is looked for this many rows further down (a block of notes above it).
TITLE_BLOCK_ROWS = 50


def _filled(cells) -> int:
    return sum(1 for c in cells if c is not None and str(c).strip())


def _header_and_rows(
    records: Iterator[tuple[int, Any]],
    blank_lines: LineNumbers,
    reads: Callable[[list[str]], object] | None = None,
):
    """The header (the first row that is not a title above it) and the rows after it. With ``reads``
    (what the importer reads from a header), a header it cannot read is looked for further down, past
    a long block of notes (a header on row 30), as the first row it reads."""
    ahead: list[tuple[int, Any]] = []
    skipped: list[int] = []
    for looked, (line, cells) in enumerate(records, 1):
        if ahead and looked > HEADER_SEARCH_ROWS:  # the rows below a header are the rows' to read
            if _is_blank(cells) and not isinstance(cells, Unreadable):
                skipped.append(line)
            else:
                ahead.append((line, cells))
            break
        if isinstance(cells, Unreadable):
            if not ahead:
                raise TableError(_("Line %(line)s, the header: %(reason)s", line=line, reason=cells.reason))
        elif _is_blank(cells):
            if ahead:
                skipped.append(line)
            continue
        ahead.append((line, cells))
        if len(ahead) > TITLE_ROWS:
            break
    fullest = max((_filled(c) for _, c in ahead if not isinstance(c, Unreadable)), default=0)
    if not fullest:
        raise TableError(_("The file is empty."))
    start = next(i for i, (_, c) in enumerate(ahead) if not isinstance(c, Unreadable) and _filled(c) * 2 > fullest)
    header, header_line, pending = _header_text(ahead[start][1]), ahead[start][0], ahead[start + 1 :]
    if start and ahead[start - 1][0] == header_line - 1 and not isinstance(ahead[start - 1][1], Unreadable):
        header = _merged_down(header, ahead[start - 1][1])
    if reads is not None and _columns_of(header, reads) is None:
        pending = [*pending, *itertools.islice(records, TITLE_BLOCK_ROWS)]
        for i, (line, cells) in enumerate(pending):
            if not isinstance(cells, Unreadable) and _columns_of(_header_text(cells), reads) is not None:
                header, header_line, pending = _header_text(cells), line, pending[i + 1 :]
                break
    blank_lines.extend(n for n in skipped if n > header_line)

    def rows():
        for line, cells in pending:
            if _is_blank(cells) and not isinstance(cells, Unreadable):
                blank_lines.append(line)
                continue
            yield line, cells
        for line, cells in records:
            if _is_blank(cells) and not isinstance(cells, Unreadable):
                blank_lines.append(line)
                continue
            yield line, cells

    return header, rows()


def _merged_down(header: list[str], above) -> list[str]:
    """A header under a row of grouped headings (基本信息 over B1:E1), where a column's name was merged
    down over both rows (统一社会信用代码 over A1:A2) and so stands only in the row above: an empty header
    cell takes the name above it. A title row above (one filled cell) gives nothing."""
    if _filled(above) < 2:
        return header
    names = _header_text(above)
    size = max(len(header), len(names))
    padded = [*header, *[""] * (size - len(header))]
    return [h if h.strip() or i >= len(names) else names[i] for i, h in enumerate(padded)]


def _header_text(cells) -> list[str]:
    return ["" if c is None else str(c) for c in cells[: width(cells)]]


def _named_columns(header: list[str]) -> tuple[str, ...]:
    """What a header names when the importer does not say: its titles (two at least)."""
    named = tuple(h.strip() for h in header)
    if sum(1 for h in named if h) < 2:
        raise TableError(_("The file is empty."))
    return named


def _columns_of(header: list[str] | None, header_columns: Callable[[list[str]], object]) -> object:
    """What the importer reads from a header (None when it cannot read it, or it names fewer than two)."""
    if header is None:
        return None
    try:
        _named_columns(header)
        return header_columns(header)
    except TableError:
        return None


def display_name(filename: str | None) -> str:
    """An uploaded file's name as shown to people: its last part, no control characters."""
    text = "".join(ch for ch in str(filename or "") if ch.isprintable()).replace("\\", "/")
    return Path(text).name[:200]


def save_upload(upload, folder: Path, check_header: Callable[[list[str]], object]) -> dict[str, str]:
    """Save an uploaded table into a job's folder, named by what it is (``source.xlsx``, ``source.xls``
    or ``source.csv``: its first bytes say, not the name it was sent with), and check its header with
    ``check_header`` (what the importer reads from a header, as for :func:`open_table`; it raises
    TableError: nothing is queued). Returns the job's parameters for the file: ``file``, its name, and
    for a CSV ``encoding``, its text encoding decided here on the whole file once — the job opens the
    file with it (see :func:`open_table`) rather than reading the whole file again to decide it."""
    received = folder / "upload"
    upload.save(received)
    with received.open("rb") as fh:
        head = fh.read(8)
    name = "source" + (".xlsx" if is_zip(head) else ".xls" if is_ole2(head) else ".csv")
    received.rename(folder / name)
    with default_locale(), open_table(folder / name, check_header) as table:
        check_header(table.header)
    return {"file": name, "encoding": table.encoding} if name.endswith(".csv") else {"file": name}


# How files that are no table begin: PDF, PNG, JPEG, GIF, gzip, RAR, 7-Zip.
NOT_TABLE_STARTS = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"Rar!", b"7z\xbc\xaf")
TEXT_BYTES = bytes([9, 10, 12, 13, *range(32, 256)])


def is_table(path: Path, head: bytes) -> bool:
    """Whether a file may be a table: a zip must be a workbook (a .docx is a zip too), and text is
    not more than 1 % control bytes (a stray NUL in a cell is kept; a UTF-16 file, with its BOM, is
    read as UTF-16)."""
    if is_zip(head):
        try:
            with zipfile.ZipFile(path) as archive:
                return any(name.startswith("xl/") for name in archive.namelist())
        except (zipfile.BadZipFile, OSError):
            return True  # a broken workbook: told so by the workbook reader
    if head.startswith(NOT_TABLE_STARTS):
        return False
    return head.startswith(UTF16_BOMS) or len(head.translate(None, TEXT_BYTES)) * 100 <= len(head)


def _with_rows(header: list[str], rows: Iterator[tuple[int, list]], header_columns) -> Iterator[tuple[int, list]]:
    """The rows, refused (TableError) when the header has none below it: an empty template uploaded
    by mistake is told so, not imported as nothing (a header the importer cannot read is told first)."""
    if header_columns is not None:
        header_columns(header)
    first = next(rows, None)
    if first is None:
        raise TableError(_("The table has a header row but no rows below it."))
    return itertools.chain([first], rows)


@contextmanager
def open_table(
    path: str | Path, header_columns: Callable[[list[str]], object] | None = None, encoding: str | None = None
):
    """Open a CSV, .xlsx or .xls file as a :class:`Table` (a context manager: the file is closed after).

    ``header_columns`` gives what the importer reads from a header (raising TableError when it reads
    nothing): a workbook's sheets whose headers give the same are read as one table. ``encoding`` is a
    CSV's text encoding as an earlier opening of the same file decided it (:func:`save_upload`);
    without it, it is decided here (:mod:`fieldapp.core.text_encoding`)."""
    path = Path(path)
    blank_lines = LineNumbers()
    with path.open("rb") as raw:
        head = raw.read(SAMPLE_BYTES)
    if not is_ole2(head) and not is_table(path, head):
        raise TableError(
            _(
                "This is not a CSV or Excel file. The import reads CSV (UTF-8 or GB18030) and Excel files (.xlsx, "
                ".xls): save the table as one of them."
            )
        )
    if is_zip(head) or is_ole2(head):
        from .workbook_table import workbook_rows  # it reads tables with this module's helpers

        header, rows, sheets = workbook_rows(path, blank_lines, header_columns)
        try:
            yield Table(
                header,
                _with_rows(header, rows, header_columns),
                "xls" if is_ole2(head) else "xlsx",
                blank_lines,
                sheets,
            )
        finally:
            rows.close()
        return
    try:
        encoding = encoding or detect_encoding(path)
    except TextEncodingError as exc:
        raise TableError(str(exc)) from None
    with open(path, encoding=encoding, newline="", errors="strict") as fh:
        try:
            header, rows = _csv_rows(fh, blank_lines, header_columns)
            yield Table(header, _with_rows(header, rows, header_columns), encoding, blank_lines)
        except UnicodeDecodeError:
            raise TableError(str(TextEncodingError("encoding_broken"))) from None


class RejectWriter:
    """Rejected rows as they were, with the line number (and the sheet, for a table over several
    sheets) and the reason, as UTF-8 CSV with a BOM (Excel opens it correctly); the user fixes the
    rows and imports this file again."""

    def __init__(self, path: str | Path | None, header: list[str], sheets: Sequence[str] = ()):
        self.path = Path(path) if path else None
        self.header = [str(h) for h in header]
        self.sheets = list(sheets)
        self.count = 0
        self._fh: io.TextIOWrapper[io.BufferedWriter] | None = None  # text over the bytes it counts
        self._writer: Writer | None = None
        self._reason_cols = [i for i, h in enumerate(self.header) if h.strip() in REJECT_COLUMNS]

    def write(self, line: int, cells: list, reasons: list[str]) -> None:
        self.count += 1
        if self.path is None:
            return
        if self._writer is None:
            self._fh = io.TextIOWrapper(self.path.open("wb"), encoding="utf-8-sig", newline="")
            self._writer = csv.writer(self._fh)
            own = list(REJECT_COLUMNS if len(self.sheets) > 1 else REJECT_COLUMNS[1:])
            self._writer.writerow(csv_row([*own, *self._strip(self.header)]))
        values = ["" if c is None else str(c) for c in cells]
        sheet, row = place(line, self.sheets)
        where = [sheet, row] if len(self.sheets) > 1 else [row]
        self._writer.writerow(csv_row([*where, "；".join(reasons), *self._strip(values)]))

    def position(self) -> int:
        """Bytes written so far, on disk (a job's checkpoint)."""
        if self._fh is None:
            return 0
        self._fh.flush()
        os.fsync(self._fh.fileno())
        return self._fh.buffer.tell()

    def resume(self, size: int, count: int) -> None:
        """Go on with a file an interrupted run wrote: keep its first ``size`` bytes (the committed rows)."""
        self.count = count
        if self.path is None or not size:
            return
        with self.path.open("r+b") as fh:
            fh.truncate(size)
        self._fh = io.TextIOWrapper(self.path.open("ab"), encoding="utf-8", newline="")
        self._writer = csv.writer(self._fh)

    def _strip(self, values: list) -> list:
        return [v for i, v in enumerate(values) if i not in self._reason_cols]

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
