"""Read a plan published as a PDF attachment (a text PDF, as Word or WPS prints one) into rows of cell texts.

The ruled tables of every page are read with pdfplumber, one after the other (a table running over several
pages, its header printed again on each page or not, is one table to the parser, which skips a repeated
header); the text above the first table is read like the printed notice (title, 文号, issuer, date). A cell's
lines are joined where the text only wrapped at the cell's edge and kept apart where a line ends before it
(an item a line, a break after 。 or before 2.). A merged cell's text stands in its first row and column, as
in the other formats. A PDF with no text layer (a scan), one that needs a password and a damaged one are
refused with words saying what to upload instead.
"""

from __future__ import annotations

import io
import logging
import re
from contextlib import contextmanager
from dataclasses import dataclass, field

from .documents import NOTE_LINE, Cell, to_source
from .notes import is_section_heading
from .pdf_budget import check_crossings, check_pages, unique_chars
from .problems import PlanFileError, Problem
from .tables import PlanSource

# A plan's PDF is a few pages of notice and tens of tasks; larger files are no plan (and cost seconds a page).
MAX_PDF_MB = 32
MAX_PAGES = 60
# A line ending so, or a next line starting with an item's number, is a line of its own, not a wrapped one.
_HARD_END = tuple("。：:；;！？!?")
_ITEM_START = re.compile(
    r"^\s*(?:\d{1,2}\s*[.、．)）]|[（(]\s*[一二三四五六七八九十\d]{1,3}\s*[）)]|[一二三四五六七八九十]{1,3}\s*、)"
)
_ASCII_WORD = re.compile(r"[A-Za-z0-9]")
_OPENING = set("（(《“‘【[〔")
_CLOSING = set("）)》”’】]〕，。、；：！？,.;:!?%％")

Bbox = tuple[float, float, float, float]


def looks_like_pdf(data: bytes) -> bool:
    """A PDF whatever its name: the ``%PDF-`` mark within its first kilobyte."""
    return b"%PDF-" in data[:1024]


@dataclass
class _Line:
    chars: list[dict]
    text: str = ""

    @property
    def x0(self) -> float:
        return self.chars[0]["x0"]

    @property
    def x1(self) -> float:
        return self.chars[-1]["x1"]

    @property
    def top(self) -> float:
        return min(c["top"] for c in self.chars)

    @property
    def size(self) -> float:
        return max(c["size"] for c in self.chars)


@dataclass
class _Block:
    """A table or a paragraph of a page, with where it starts (page, top) for reading order."""

    top: float
    text: str = ""
    table: list[list[Cell]] | None = None


@dataclass
class _Pages:
    blocks: list[_Block] = field(default_factory=list)
    scanned: list[int] = field(default_factory=list)  # numbers of pages with images and no text
    damaged: int = 0  # pdfminer's complaints about content it could not read (a page's text may be missing)


# pdfminer's modules that complain when a page's content or an object is broken (its fonts' do not).
_DAMAGE_LOGGERS = ("pdfminer.pdfinterp", "pdfminer.pdfparser", "pdfminer.psparser", "pdfminer.pdftypes")


class _Complaints(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(_DAMAGE_LOGGERS):
            self.count += 1


@contextmanager
def _complaints():
    """pdfminer's warnings while a PDF is read, counted (and kept off the command line's output)."""
    handler = _Complaints()
    logger = logging.getLogger("pdfminer")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def read_pdf(data: bytes, filename: str) -> PlanSource:
    """The plan table of a PDF: every ruled table in page order, the section headings and notes printed
    between and under them as rows of their own (as :func:`fieldapp.plans.documents.read_document` reads
    a Word document), the paragraphs before the first table as the notice."""
    if len(data) > MAX_PDF_MB * 1024 * 1024:
        raise PlanFileError("pdf_too_large", size=MAX_PDF_MB)
    if not looks_like_pdf(data) or b"%%EOF" not in data[-2048:]:
        raise PlanFileError("pdf_damaged")  # not a PDF, or cut short (its end is missing)
    pages = _read_pages(data)
    before: list[str] = []
    tables: list[list[list[Cell]]] = []
    heading = ""  # the paragraph right before the first table, when it is a section heading
    for block in pages.blocks:
        if block.table is not None:
            if heading:
                tables.append([[Cell(heading)]])
                heading = ""
            tables.append(block.table)
        elif not tables:
            before.append(block.text)
            heading = block.text if is_section_heading(block.text) else ""
        elif is_section_heading(block.text) or NOTE_LINE.match(block.text):
            tables.append([[Cell(block.text)]])
    if not any(len(table) > 1 for table in tables):
        raise PlanFileError("pdf_scanned" if pages.scanned or not pages.blocks else "pdf_no_table")
    source = to_source(filename, tables, before)
    if pages.scanned:
        pages_text = "、".join(map(str, pages.scanned[:20]))
        source.problems.append(Problem("pdf_scanned_pages", params={"pages": pages_text}))
    if pages.damaged:
        source.problems.append(Problem("pdf_damaged_parts"))
    return source


def _read_pages(data: bytes) -> _Pages:
    """Every page's tables and paragraphs in reading order; PlanFileError for a PDF that cannot be read."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
    from pdfminer.pdfparser import PDFSyntaxError
    from pdfminer.psexceptions import PSException
    from pdfplumber.utils.exceptions import MalformedPDFException, PdfminerException

    pages = _Pages()
    try:
        with _complaints() as complaints, pdfplumber.open(io.BytesIO(data)) as pdf:
            if len(pdf.pages) > MAX_PAGES:
                raise PlanFileError("pdf_too_long", pages=MAX_PAGES)
            check_pages([page.page_obj for page in pdf.pages])  # before any is laid out
            for number, page in enumerate(pdf.pages, 1):
                blocks = _page_blocks(page)
                if not blocks and page.images:
                    pages.scanned.append(number)
                pages.blocks.extend(_Block(number * 100000 + b.top, b.text, b.table) for b in blocks)
            pages.damaged = complaints.count
    except PlanFileError:
        raise
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else None
        if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)):
            raise PlanFileError("pdf_encrypted") from None
        raise PlanFileError("pdf_damaged") from None
    except (MalformedPDFException, PDFSyntaxError, PSException, ValueError, TypeError, KeyError, IndexError):
        raise PlanFileError("pdf_damaged") from None
    except (AttributeError, AssertionError, ZeroDivisionError, OSError, RecursionError):
        # pdfminer reaches these on objects that are not what the PDF says they are
        raise PlanFileError("pdf_damaged") from None
    return pages


def _page_blocks(page) -> list[_Block]:
    """A page's ruled tables (two rows and two columns at least) and its paragraphs outside them."""
    chars = [c for c in unique_chars(page.chars) if c["text"].strip()]  # text printed twice for bold: once
    if not chars:
        return []
    found = [t for t in _find_tables(page) if len(t.rows) >= 2 and max(len(r.cells) for r in t.rows) >= 2]
    boxes = [t.bbox for t in found]  # pdfplumber works a table's box out anew on every ask
    blocks = [_Block(box[1], table=_table_cells(t, chars)) for t, box in zip(found, boxes, strict=True)]
    outside = [c for c in chars if not any(_inside(c, box) for box in boxes)]
    lines = _lines(outside)
    if lines:
        left = min(line.x0 for line in lines)
        right = max(page.width - left, max(line.x1 for line in lines))
        blocks.extend(_Block(top, text) for top, text in _paragraphs(lines, left, right))
    blocks.sort(key=lambda b: b.top)
    return blocks


def _find_tables(page) -> list:
    """The page's ruled tables, a cell left open at the page's end (a merged cell going on over the next
    page, drawn without its bottom or top line) closed where its side lines end."""
    check_crossings(page)
    sides = [e for e in page.edges if e["orientation"] == "v" and e["height"] > 2]
    ends = sorted({round(e[key], 1) for e in sides for key in ("top", "bottom")})
    return page.find_tables({"explicit_horizontal_lines": ends})


def _table_cells(table, chars: list[dict]) -> list[list[Cell]]:
    """The table's rows: each cell's text, and an empty cell where a merged cell above or left covers it."""
    rows = []
    for row in table.rows:
        near = [c for c in chars if _inside(c, row.bbox)]  # a row's cells lie within its box: each looks there
        cells = []
        for bbox in row.cells:
            mine = [c for c in near if _inside(c, bbox)] if bbox is not None else []
            cells.append(Cell(_cell_text(mine, bbox) if mine else ""))
        rows.append(cells)
    return rows


def _inside(char: dict, bbox: Bbox | None) -> bool:
    if bbox is None:
        return False
    x = (char["x0"] + char["x1"]) / 2
    y = (char["top"] + char["bottom"]) / 2
    return bbox[0] <= x <= bbox[2] and bbox[1] <= y <= bbox[3]


def _cell_text(chars: list[dict], bbox: Bbox) -> str:
    """A cell's lines, joined where the text wrapped at the cell's edge. The cell's padding is taken as
    the smallest gap on the left (so centred text wraps between the same edges)."""
    lines = _lines(chars)
    pad = max(0.0, min(line.x0 for line in lines) - bbox[0])
    return "\n".join(text for _, text in _paragraphs(lines, bbox[0] + pad, bbox[2] - pad))


def _lines(chars: list[dict]) -> list[_Line]:
    """Characters grouped into lines (their tops within half a character), each read left to right; a space
    between Latin words or numbers set apart, none between Chinese characters spread out by justification."""
    lines: list[_Line] = []
    for char in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        if lines and abs(char["top"] - lines[-1].chars[0]["top"]) <= char["size"] / 2:
            lines[-1].chars.append(char)
        else:
            lines.append(_Line([char]))
    for line in lines:
        line.chars.sort(key=lambda c: c["x0"])
        parts = [line.chars[0]["text"]]
        for before, char in zip(line.chars, line.chars[1:]):
            apart = char["x0"] - before["x1"] > char["size"] * 0.25
            latin = _ASCII_WORD.match(before["text"][-1:]) and _ASCII_WORD.match(char["text"][:1])
            parts.append((" " if apart and latin else "") + char["text"])
        line.text = "".join(parts).strip()
    return lines


def _paragraphs(lines: list[_Line], left: float, right: float) -> list[tuple[float, str]]:
    """Lines joined into paragraphs (with their tops) where a line only wrapped: it spans from the left
    edge to where the next line's first word would not have fitted, ends with no 。 or ：, and the next
    line follows right below and starts no numbered item."""
    out: list[tuple[float, str]] = []
    previous: _Line | None = None
    for line in lines:
        if previous is not None and out and _wraps(previous, line, left, right):
            top, text = out[-1]
            latin = _ASCII_WORD.match(text[-1:]) and _ASCII_WORD.match(line.text[:1])
            out[-1] = (top, text + (" " if latin and text[-1:].isalpha() else "") + line.text)
        else:
            out.append((line.top, line.text))
        previous = line
    return out


def _wraps(previous: _Line, line: _Line, left: float, right: float) -> bool:
    size = previous.size
    if previous.text.endswith(_HARD_END) or _ITEM_START.match(line.text):
        return False
    if line.top - previous.top > 2 * size or previous.x0 - left > 3 * size:
        return False
    return right - previous.x1 < _first_word_width(line) + size * 0.3


def _first_word_width(line: _Line) -> float:
    """The width of what the line starts with that could not stay on the line above: its first Latin word,
    or its first Chinese character with an opening bracket before it and closing punctuation after it
    (neither may stand alone at a line's end or start, so they move down together)."""
    chars = line.chars
    start = 0
    while start < len(chars) - 1 and chars[start]["text"] in _OPENING:
        start += 1
    end = start
    if _ASCII_WORD.match(chars[start]["text"]):
        while (
            end + 1 < len(chars)
            and _ASCII_WORD.match(chars[end + 1]["text"])
            and chars[end + 1]["x0"] - chars[end]["x1"] <= chars[end]["size"] * 0.25
        ):
            end += 1
    while end + 1 < len(chars) and chars[end + 1]["text"] in _CLOSING:
        end += 1
    return chars[end]["x1"] - chars[0]["x0"]
