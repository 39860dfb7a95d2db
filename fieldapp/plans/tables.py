"""Read a plan file into rows of cell texts: the seed's printed notice (.txt), CSV, or Excel (.xlsx, .xls); Word
documents (.docx) and saved web pages (.html) are read by :mod:`fieldapp.plans.documents`, PDFs by
:mod:`fieldapp.plans.pdf` into the same rows.

Every row keeps the line or sheet-row number it came from, so problems can point at it.
The seed's notice text before the table gives the document number, issue date, issuer and title.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from ..core.cells import DAMAGED_SHEET, SheetUnreadable, sheet_rows, width
from ..core.csv_records import Unreadable, csv_records
from ..core.text_encoding import TextEncodingError, decode_text
from ..core.office_zip import XLSX_STREAMED, inflated_part
from ..core.xls import XlsUnreadable, is_ole2, is_zip, open_workbook
from .problems import PlanFileError, Problem

# A plan has tens of tasks; a sheet is not read past this many rows (stored or skipped).
MAX_SHEET_ROWS = 5000


@dataclass
class Row:
    number: int  # line number (text, CSV) or sheet row number (Excel), counted from 1
    cells: list[str]

    @property
    def filled(self) -> list[str]:
        return [c for c in self.cells if c.strip()]


@dataclass
class DocumentMeta:
    doc_number: str = ""
    issued_on: date | None = None
    issuer: str = ""
    title: str = ""
    year: int | None = None


@dataclass
class PlanSource:
    name: str
    rows: list[Row]
    meta: DocumentMeta = field(default_factory=DocumentMeta)
    problems: list[Problem] = field(default_factory=list)


def decode(data: bytes, declared: str | None = None) -> str:
    """A plan file's text, in the encoding :mod:`fieldapp.core.text_encoding` decides for the whole
    file (UTF-8 with or without BOM, UTF-16 with BOM, GB18030 — or the ``declared`` charset of a web
    page); a file in none of them, or mixing UTF-8 and GB18030 lines, is refused with its words."""
    try:
        return decode_text(data, declared)
    except TextEncodingError as exc:
        raise PlanFileError(exc.code, **exc.params) from None


OLD_EXCEL = (".xls", ".et", ".ett", ".xlt")
WPS_SHEET = (".et", ".ett")  # WPS's own spreadsheet format (read only when it is an .xls inside)
OLD_WORD = (".doc", ".wps", ".wpt", ".dot", ".rtf")
HTML = (".html", ".htm", ".shtml", ".xhtml")


def read_plan_file(data: bytes, filename: str) -> PlanSource:
    """Dispatch on content first (a zip holding ``word/document.xml`` is Word, one holding
    ``xl/workbook.xml`` is Excel, an OLE2 file is read as an old Excel workbook (.xls) and, when it is
    another old Office file, refused with words naming its kind; a web page is read as one whatever its
    name; a PDF is read as one), then on the file name's suffix."""
    from .documents import looks_like_html, read_document, read_web_page
    from .pdf import looks_like_pdf, read_pdf

    suffix = Path(filename).suffix.lower()
    if not data or not data.strip():
        raise PlanFileError("file_empty")
    if looks_like_pdf(data) or suffix == ".pdf":
        return read_pdf(data, filename)
    if data[:5] == b"{\\rtf":
        raise PlanFileError("file_old_word")
    if is_ole2(data):
        return read_workbook(data, filename)
    if suffix in (".xlsx", ".xlsm", ".docx", ".docm") or is_zip(data):
        kind = _zip_kind(data)
        if kind == "word" or (kind is None and suffix in (".docx", ".docm")):
            return read_document(data, filename)
        return read_workbook(data, filename)
    if suffix in HTML or looks_like_html(data):
        return read_web_page(data, filename)  # also an "Excel" or "Word" file that is a web page
    if suffix in OLD_EXCEL + OLD_WORD:  # neither OLE2 nor a web page
        raise PlanFileError(_old_format(suffix, "damaged"))
    if suffix in (".txt", ".csv", ".tsv", ""):
        return read_text(decode(data), filename)
    raise PlanFileError("file_type", suffix=suffix)


def _old_format(suffix: str, kind: str) -> str:
    """The message for an OLE2 file xlrd cannot read (``kind``: not_excel or damaged, see
    :class:`~fieldapp.core.xls.XlsUnreadable`): a Word one for a .doc or .wps, a damaged-workbook one
    for a damaged .xls, else the one for old Office files."""
    if suffix in OLD_WORD:
        return "file_old_word"
    if suffix in WPS_SHEET:
        return "file_old_wps_sheet"
    return "file_not_xls" if kind == "damaged" and suffix in OLD_EXCEL else "file_old_office"


def refuse_inflated(data: bytes, streamed: tuple[str, ...] = ()) -> None:
    """A workbook or document with a part read whole that expands as no plan does (``core.office_zip``)
    is refused before it is opened."""
    inflated = inflated_part(data, streamed)
    if inflated is not None:
        raise PlanFileError("file_inflated", part=inflated.part, packed=inflated.packed_kb, size=inflated.size_mb)


def _zip_kind(data: bytes) -> str | None:
    """ "word" or "excel" by the main part the zip holds; None when it is no zip or holds neither."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    if "word/document.xml" in names:
        return "word"
    return "excel" if "xl/workbook.xml" in names else None


# --- text: the printed notice, TSV, CSV ---------------------------------------------------------


def read_text(text: str, filename: str) -> PlanSource:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise PlanFileError("file_empty")
    lines = text.split("\n")
    delimiter = _delimiter(lines)
    rows = []
    problems: list[Problem] = []
    if delimiter == "\t":
        # The printed table: one task per line, cells divided by tabs, no quoting.
        rows = [Row(i, [c.strip() for c in line.split("\t")]) for i, line in enumerate(lines, 1)]
    else:
        dialect = type("Plan", (csv.excel,), {"delimiter": delimiter})
        for number, record in csv_records(io.StringIO(text, newline=""), dialect):
            if isinstance(record, Unreadable):  # the line is skipped, every line after it is read
                problems.append(Problem(record.code, row=number))
            else:
                rows.append(Row(number, [c.strip() for c in record]))
    source = PlanSource(filename, [r for r in rows if r.filled], problems=problems)
    source.meta = read_notice(lines)
    read_title_rows(source.rows, source.meta)  # a title row of its own above the header (XX局2024年度…计划,,,)
    return source


def _delimiter(lines: list[str]) -> str:
    sample = [line for line in lines if line.strip()][:200]
    tabs = sum(line.count("\t") for line in sample)
    commas = sum(line.count(",") for line in sample)
    semicolons = sum(line.count(";") for line in sample)
    if tabs and tabs * 2 >= commas:
        return "\t"
    return ";" if semicolons > commas else ","


_DOC_NUMBER = re.compile(r"^\s*([\u4e00-\u9fff]{1,12}〔\s*(\d{4})\s*〕\s*\d+\s*号)\s*$")
_DATE_LINE = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*$")
_TITLE = re.compile(r"关于.*(?:计划|通知)")
_TABLE_TITLE = re.compile(r"(\d{4})\s*年(?:度)?.*?(?:抽查|双随机).*?(?:计划|清单)")


_ISSUER_LINE = re.compile(r"^\s*(?:填报单位|制表单位|编制单位|发文单位|发文机关)\s*[:：]\s*([^\s（(]+?局)")


def issuer_in(line: str) -> str:
    """The bureau a title names before the year (XX市场监督管理局2023年度…抽查计划) or a
    ``填报单位：XX局（盖章）`` line names; "" when it names none."""
    if m := _ISSUER_LINE.match(line):
        return m.group(1)
    if m := _TABLE_TITLE.search(line):
        prefix = re.sub(r"^.*[《“\"]", "", line[: m.start()]).strip()
        if prefix.endswith("局"):
            return prefix
    return ""


def _plan_title(line: str) -> str:
    """The plan's own title printed over its table (XX局2024年度“双随机、一公开”抽查工作计划表), when no
    notice (关于印发…的通知) gives one; not a sentence of the notice that names the plan."""
    # a saved page's <title> adds its site: 标题_XX人民政府, 标题 - XX网
    line = next((part for part in re.split(r"\s*[_|｜]\s*|\s+-\s+", line.strip()) if _TABLE_TITLE.search(part)), "")
    return line if len(line) <= 80 and not re.search(r"[。；;，,]", line) else ""


def read_notice(lines: list[str]) -> DocumentMeta:
    """The notice printed before the table: 文号, 发文日期, 发文机关, 标题 and the year."""
    meta = DocumentMeta()
    body = []
    for line in lines:
        if "\t" in line:
            break  # the table starts
        body.append(line.strip())
    previous = ""
    for line in body:
        if not line:
            continue
        if not meta.doc_number and (m := _DOC_NUMBER.match(line)):
            meta.doc_number = re.sub(r"\s+", "", m.group(1))
            meta.year = int(m.group(2))
        elif not meta.title and _TITLE.search(line) and len(line) < 120:
            meta.title = line
        elif m := _DATE_LINE.match(line):
            try:
                meta.issued_on = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                pass
            else:
                meta.issuer = previous if previous.endswith(("局", "分局", "委员会", "政府")) else meta.issuer
        elif m := _TABLE_TITLE.search(line):
            meta.year = int(m.group(1))
            meta.issuer = meta.issuer or issuer_in(line)
            meta.title = meta.title or _plan_title(line)
        elif not meta.issuer and (issuer := issuer_in(line)):
            meta.issuer = issuer
        previous = line
    if not meta.issuer and body:
        first = next((line for line in body if line), "")
        if first.endswith("文件"):
            meta.issuer = first[: -len("文件")].strip()
    if meta.year is None and meta.issued_on:
        meta.year = meta.issued_on.year
    return meta


# --- Excel ------------------------------------------------------------------------------------


def read_workbook(data: bytes, filename: str) -> PlanSource:
    """An Excel workbook, .xlsx or .xls (by its content): the sheet holding the plan's header, a visible one
    before any hidden one."""
    from openpyxl.utils.exceptions import InvalidFileException

    refuse_inflated(data, XLSX_STREAMED)
    try:
        workbook = open_workbook(io.BytesIO(data))
    except XlsUnreadable as exc:
        raise PlanFileError(_old_format(Path(filename).suffix.lower(), exc.kind)) from None
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise PlanFileError("file_not_workbook") from None
    try:
        sheets = [(sheet.title, _sheet_rows(sheet)) for sheet in workbook.worksheets]
        hidden = {sheet.title for sheet in workbook.worksheets if getattr(sheet, "sheet_state", "visible") != "visible"}
        hidden_rows = {sheet.title: _hidden_rows(sheet) for sheet in workbook.worksheets}
    except XlsUnreadable:  # a sheet of the .xls cannot be parsed
        raise PlanFileError("file_not_xls") from None
    except SheetUnreadable:  # a sheet of the .xlsx is cut short or damaged
        raise PlanFileError("file_not_workbook") from None
    finally:
        workbook.close()
    from .columns import find_header

    # A visible sheet with the plan's header; a hidden one (last year's plan, a template) only when none is.
    planned = [s for s in sheets if any(find_header(r.cells) for r in s[1][:50])]
    chosen = next((s for s in planned if s[0] not in hidden), planned[0] if planned else None)
    if chosen is None:
        chosen = next((s for s in sheets if s[1]), (sheets[0][0] if sheets else "", []))
    source = PlanSource(filename, chosen[1])
    if chosen[0] in hidden:
        source.problems.append(Problem("hidden_sheet", params={"sheet": chosen[0]}))
    for row in chosen[1]:
        if row.number in hidden_rows.get(chosen[0], set()):
            source.problems.append(Problem("hidden_row", row=row.number))
    for title, rows in sheets:
        if rows and title != chosen[0]:
            source.problems.append(Problem("other_sheet", params={"sheet": title, "used": chosen[0]}))
    read_title_rows(chosen[1], source.meta)
    return source


def _hidden_rows(sheet) -> set[int]:
    """The numbers of the rows an .xlsx sheet hides (``<row hidden="1">``), read from its XML; an .xls
    sheet's are not known (empty)."""
    source = getattr(sheet, "_get_source", None)
    if source is None:
        return set()
    from lxml import etree

    hidden: set[int] = set()
    try:
        with source() as xml:
            for _, element in etree.iterparse(xml, tag="{*}row", resolve_entities=False, no_network=True):
                if element.get("hidden") in ("1", "true") and (element.get("r") or "").isdigit():
                    hidden.add(int(element.get("r")))
                element.clear()
    except DAMAGED_SHEET:
        raise SheetUnreadable(sheet.title) from None
    return hidden


def read_title_rows(rows: list[Row], meta: DocumentMeta) -> None:
    """A title row above the table may name the year, e.g. XX市市场监督管理局2021年双随机抽查计划.
    So may a title or a 填报单位 row name the issuing bureau."""
    for row in rows[:5]:
        if len(row.filled) == 1 and (m := _TABLE_TITLE.search(row.filled[0])):
            meta.year = int(m.group(1))
            meta.title = meta.title or _plan_title(row.filled[0])
        meta.issuer = meta.issuer or next(filter(None, map(issuer_in, row.filled)), "")


def _sheet_rows(sheet) -> list[Row]:
    """A sheet's non-empty rows, all as wide as the widest; a sheet longer than any plan is refused."""
    rows: list[Row] = []
    for count, row in enumerate(sheet_rows(sheet), 1):
        if count > MAX_SHEET_ROWS:
            raise PlanFileError("file_too_long", sheet=sheet.title, rows=MAX_SHEET_ROWS)
        cells = [_cell_text(cell) for cell in row[: width(row)]]
        if any(c.strip() for c in cells):
            number = next((c.row for c in row if getattr(c, "row", None)), None)
            rows.append(Row(number or count, cells))
    widest = max((len(r.cells) for r in rows), default=0)
    for r in rows:
        r.cells.extend([""] * (widest - len(r.cells)))
    return rows


def _cell_text(cell) -> str:
    value = getattr(cell, "value", None)
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        fmt = getattr(cell, "number_format", "") or ""
        if "%" in fmt:
            return f"{value * 100:g}%"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()
