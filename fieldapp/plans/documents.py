"""Read a plan published as a Word document (.docx) or as a saved web page (.html) into rows of cell texts.

The rows have the shape the Excel reader gives, so the parser treats every format alike: a merged cell's
text stands in its first row and first column only, the cells it covers are empty (as openpyxl hands
merged Excel cells); every row is as wide as the widest; a line break inside a cell stays a line break.
The text before the first table (title, 文号, issuer, 附件 lines) is read like the printed notice.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser

from .notes import is_section_heading
from .problems import PlanFileError, Problem
from .tables import MAX_SHEET_ROWS, PlanSource, Row, decode, read_notice, read_title_rows, refuse_inflated

# A paragraph after a table that is the plan's note, not the notice's text.
NOTE_LINE = re.compile(r"^\s*(?:注|备注|说明)\s*[:：\d１-９]")
# A merged cell spans at most this many columns or rows (a spreadsheet row is narrower; a plan shorter).
MAX_SPAN = 100
# A document.xml larger than this (uncompressed) is no plan; it is refused before it is parsed.
MAX_DOCUMENT_XML = 50 * 1024 * 1024
# A web page larger than this is no plan's page (the parser reads about 2 MB a second).
MAX_PAGE_MB = 16


@dataclass
class Cell:
    text: str
    colspan: int = 1
    rowspan: int = 1


def cell_text(parts: list[str]) -> str:
    """Lines of a cell, each stripped, empty lines dropped, joined by line breaks."""
    lines = (line.strip() for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


def lay_out(table: list[list[Cell]]) -> list[list[str]]:
    """A table's rows as lists of texts, a cell spanning columns or rows written once, in its first
    column of its first row, and empty in the places it covers."""
    grid: list[list[str]] = []
    covered: dict[int, int] = {}  # column -> rows below still covered by a cell above
    for cells in table:
        active = {column for column, left in covered.items() if left > 0}
        line: list[str] = []
        for cell in cells:
            while len(line) in active:
                line.append("")
            span = max(1, min(cell.colspan, MAX_SPAN))
            if cell.rowspan > 1:
                for column in range(len(line), len(line) + span):
                    covered[column] = min(cell.rowspan, MAX_SHEET_ROWS) - 1
            line.append(cell.text)
            line.extend([""] * (span - 1))
        while active and len(line) <= max(active):
            line.append("")
        for column in active:
            covered[column] -= 1
        grid.append(line)
    return grid


def to_source(filename: str, tables: list[list[list[Cell]]], before: list[str]) -> PlanSource:
    """The rows of the tables one after the other (numbered from 1 on through them all), as wide as the
    widest; the meta data from the lines before the first table and from a title row in the table."""
    rows: list[Row] = []
    number = 0
    for table in tables:
        for cells in lay_out(table):
            number += 1
            if number > MAX_SHEET_ROWS:
                raise PlanFileError("table_too_long", rows=MAX_SHEET_ROWS)
            if any(text.strip() for text in cells):
                rows.append(Row(number, cells))
    if not rows:
        raise PlanFileError("file_no_table")
    widest = max(len(r.cells) for r in rows)
    for r in rows:
        r.cells.extend([""] * (widest - len(r.cells)))
    source = PlanSource(filename, rows)
    source.meta = read_notice([line.replace("\t", " ") for line in before])
    read_title_rows(rows, source.meta)
    return source


# --- Word ----------------------------------------------------------------------------------------


def read_document(data: bytes, filename: str) -> PlanSource:
    """Every table of a .docx in document order; the paragraphs before the first one as the notice. A section
    heading printed as a paragraph above a table (一、食品领域) and a note below one (注：…) are rows of their own
    between the tables' rows, for the parser to read as a category and to point out."""
    import docx
    from docx.exceptions import PythonDocxError
    from docx.opc.exceptions import OpcError
    from docx.table import Table

    before: list[str] = []
    tables: list[list[list[Cell]]] = []
    heading = ""  # the paragraph right before the first table, when it is a section heading
    refuse_inflated(data)  # python-docx reads every part whole
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if archive.getinfo("word/document.xml").file_size > MAX_DOCUMENT_XML:
                raise PlanFileError("file_not_document")
        for block in docx.Document(io.BytesIO(data)).iter_inner_content():
            if isinstance(block, Table):
                if heading:
                    tables.append([[Cell(heading)]])
                    heading = ""
                tables.append(_word_table(block))
                continue
            text = paragraph_text(block._p)
            if not tables:
                before.extend(text.split("\n"))
                heading = text.strip() if is_section_heading(text) else heading if not text.strip() else ""
            elif is_section_heading(text) or NOTE_LINE.match(text):
                tables.append([[Cell(cell_text([text]))]])  # 二、特种设备 above a table, 注：… below: rows of their own
    except (zipfile.BadZipFile, PythonDocxError, OpcError, KeyError, ValueError, TypeError, OSError, SyntaxError):
        # lxml's XMLSyntaxError is a SyntaxError; a .docx with no document part is a KeyError; an attribute
        # that is no number (w:gridSpan="x") a ValueError.
        raise PlanFileError("file_not_document") from None
    return to_source(filename, tables, before)


# Text of a paragraph in document order: inserted (tracked) text, content controls, fields and hyperlinks
# included, deleted text (w:delText) and tab stops (w:pPr/w:tabs/w:tab) not, a drawing's fallback copy once.
_VISIBLE = "[not(ancestor::mc:Fallback) and not(ancestor::w:moveFrom) and not(ancestor::w:pPr)]"
_TEXT_XPATH = " | ".join(f".//w:{tag}{_VISIBLE}" for tag in ("t", "tab", "br", "cr"))
_ROWS_XPATH = "./w:tr | ./w:sdt/w:sdtContent/w:tr | ./w:customXml/w:tr"
_CELLS_XPATH = "./w:tc | ./w:sdt/w:sdtContent/w:tc | ./w:customXml/w:tc"
_MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


@lru_cache(maxsize=1)
def _text_elements():
    from docx.oxml.ns import nsmap
    from lxml import etree

    return etree.XPath(_TEXT_XPATH, namespaces={**nsmap, "mc": _MC})


def paragraph_text(p) -> str:
    """A ``w:p``'s text as Word shows it with changes accepted (python-docx's ``Paragraph.text`` leaves out
    the runs inside ``w:ins``, content controls and fields: a tracked correction would be lost)."""
    out = []
    for element in _text_elements()(p):
        tag = element.tag.rsplit("}", 1)[-1]
        out.append(element.text or "" if tag == "t" else "\t" if tag == "tab" else "\n")
    return "".join(out)


def _word_table(table) -> list[list[Cell]]:
    """A Word table's rows: a cell that continues a vertical merge (``w:vMerge``) is empty, a cell
    spanning grid columns (``w:gridSpan``) spans them, cells a row skips (``w:gridBefore``) are empty."""
    from docx.table import _Cell

    rows = []
    for tr in table._tbl.xpath(_ROWS_XPATH):
        cells = [Cell("", tr.grid_before)] if tr.grid_before else []
        for tc in tr.xpath(_CELLS_XPATH):
            continued = tc.vMerge == "continue"
            cells.append(Cell("" if continued else _word_cell_text(_Cell(tc, table)), tc.grid_span))
        rows.append(cells)
    return rows


def _word_cell_text(cell) -> str:
    """The cell's paragraphs one a line (a line break inside a paragraph stays one); a table nested in
    the cell adds its rows, cells divided by spaces, a row's bare number (a 序号 column) numbering it: 1、…"""
    lines = [paragraph_text(paragraph._p) for paragraph in cell.paragraphs]
    for nested in cell.tables:
        for row in nested.rows:
            texts = (cell_text([paragraph_text(p._p) for p in c.paragraphs]) for c in row.cells)
            parts = list(dict.fromkeys(t.replace("\n", " ") for t in texts if t))
            if len(parts) > 1 and _BARE_NUMBER.match(parts[0]):
                parts[:2] = [f"{parts[0].strip()}、{parts[1]}"]  # a 序号 column: the rows are a numbered list
            lines.append(" ".join(parts))
    return cell_text(["\n".join(lines)])


_BARE_NUMBER = re.compile(r"^\s*[0-9０-９]{1,2}\s*$")


# --- web page ------------------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)


def decode_page(data: bytes) -> str:
    """A web page's text: by its byte order mark, else the charset its meta tag declares (when the page
    decodes so), else as any plan file's text (:func:`fieldapp.plans.tables.decode`)."""
    match = _META_CHARSET.search(data[:4096])
    declared = match.group(1).decode("ascii") if match else None
    if declared and declared.lower().startswith("utf-16"):
        declared = None  # a page without a BOM is no UTF-16, whatever its tag says (as browsers read it)
    return decode(data, declared)


def looks_like_html(data: bytes) -> bool:
    """A web page whatever its name: markup first, an ``<html>`` or a ``<table>`` in it."""
    head = data[:65536].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<") and (b"<html" in head[:4096] or b"<table" in head)


class _PageTables(HTMLParser):
    """Every table of a page with its rows and cells (a table nested in a cell is a table of its own and
    marks the outer one as layout); the page's text in order, and where in it each table starts (the
    text before the plan table is read like the printed notice); scripts and styles skipped."""

    _SKIPPED = {"script", "style", "template", "noscript"}
    _BREAKS = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[Cell]]] = []
        self.layout: set[int] = set()  # indexes of tables that hold another table
        self.text: list[str] = []
        self.starts: list[int] = []  # each table's start as an index into ``text``
        self.ends: dict[int, int] = {}  # where each closed table ends in ``text``
        self._open: list[tuple[int, list[str] | None]] = []  # (table index, the open cell's text parts)
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIPPED:
            self._skip += 1
        elif tag == "table":
            if self._open:
                self.layout.add(self._open[-1][0])
            self.tables.append([])
            self.starts.append(len(self.text))
            self._open.append((len(self.tables) - 1, None))
        elif self._open and tag == "tr":
            self._close_cell()
            self.tables[self._open[-1][0]].append([])
        elif self._open and tag in ("td", "th"):
            self._close_cell()
            index = self._open[-1][0]
            if not self.tables[index]:
                self.tables[index].append([])
            values = dict(attrs)
            self.tables[index][-1].append(Cell("", _span(values.get("colspan")), _span(values.get("rowspan"))))
            self._open[-1] = (index, [])
        elif tag in self._BREAKS:
            self._text("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self._text("\n")
        else:
            super().handle_startendtag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIPPED:
            self._skip = max(0, self._skip - 1)
        elif tag == "table" and self._open:
            self._close_cell()
            self.ends[self._open.pop()[0]] = len(self.text)
        elif self._open and tag in ("td", "th", "tr"):
            self._close_cell()
        elif tag in self._BREAKS:
            self._text("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self._text(re.sub(r"\s+", " ", data))

    def _text(self, text: str) -> None:
        self.text.append(text)
        parts = self._open[-1][1] if self._open else None
        if parts is not None:
            parts.append(text)

    def _close_cell(self) -> None:
        index, parts = self._open[-1]
        if parts is not None:
            self.tables[index][-1][-1].text = cell_text(parts)
            self._open[-1] = (index, None)
            self.text.append("\n")


def _span(value: str | None) -> int:
    try:
        return max(1, min(int((value or "1").strip()), MAX_SHEET_ROWS))
    except ValueError:
        return 1


def _width(grid: list[list[str]]) -> int:
    return max(map(len, grid), default=0)


def _lines(parts: list[str]) -> list[str]:
    return [line.strip() for line in "".join(parts).split("\n") if line.strip()]


def _with_headings(parser: _PageTables, tables: dict[int, list[list[Cell]]], chosen: list[int]) -> list:
    """The chosen tables with, as rows of their own, a section heading printed right above the first, the
    headings and notes between them and the notes under the last (as :func:`read_document` does)."""
    out: list[list[list[Cell]]] = []
    for position, index in enumerate(chosen):
        if position == 0:
            lines = _lines(parser.text[: parser.starts[index]])[-1:]
            kept = [line for line in lines if is_section_heading(line)]
        else:
            lines = _lines(parser.text[parser.ends.get(chosen[position - 1], 0) : parser.starts[index]])
            kept = [line for line in lines if is_section_heading(line) or NOTE_LINE.match(line)]
        out.extend([[Cell(line)]] for line in kept)
        out.append(tables[index])
    if chosen:
        after = _lines(parser.text[parser.ends.get(chosen[-1], len(parser.text)) :])
        out.extend([[Cell(line)]] for line in after if NOTE_LINE.match(line))
    return out


def read_web_page(data: bytes, filename: str) -> PlanSource:
    """The plan table of a saved web page: the tables whose rows have a header, and the tables after one
    that have its columns (a table a page broke into parts). Layout tables (holding another table) are
    left; other tables with rows of several cells are named in a warning, not read."""
    from .columns import find_header

    if len(data) > MAX_PAGE_MB * 1024 * 1024:
        raise PlanFileError("page_too_large", size=MAX_PAGE_MB)
    parser = _PageTables()
    parser.feed(decode_page(data))
    parser.close()
    tables = [(i, t) for i, t in enumerate(parser.tables) if t]
    grids = {i: lay_out(t) for i, t in tables}
    leaves = {i for i, _ in tables if i not in parser.layout}
    chosen: list[int] = []
    for index, _ in tables:
        if any(find_header(cells) for cells in grids[index][:50]):
            chosen.append(index)
        elif chosen and index in leaves and _width(grids[index]) == _width(grids[chosen[-1]]):
            chosen.append(index)
    chosen = chosen or sorted(leaves)
    before = "".join(parser.text[: parser.starts[chosen[0]]]).split("\n") if chosen else []
    source = to_source(filename, _with_headings(parser, dict(tables), chosen), before)
    for index in sorted(leaves - set(chosen)):
        if any(sum(1 for c in cells if c) >= 3 for cells in grids[index]):
            first = next(c for cells in grids[index] for c in cells if c)
            source.problems.append(Problem("other_table", params={"text": first[:40]}))
    return source
