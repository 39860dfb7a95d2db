"""What a page of a plan's PDF may hold before pdfplumber lays it out: a PDF is a program, and a few
kilobytes can ask for more than any page of a plan. Each page is first run through pdfminer with a device
that only counts — the bytes of its content streams (decompressed no further than the budget, form
XObjects counted each time they are drawn), the text shown and the lines drawn — and refused past any
budget; a page ruled finer than any plan's table is refused before the table finder runs. Measured before,
in the upload request: 292 KB of compressed blank content took 14 s and 964 MB, 264 KB of text runs 274 s
and 2.2 GB, 9 KB of a 60 × 60 grid 66 s. The plans printed by WeasyPrint here and the PDFs Debian ships
have pages of at most 33 KB of content, 2,600 characters, 264 ruled lines and 144 crossings of them."""

from __future__ import annotations

import io
import itertools
import zlib
from operator import itemgetter

from .problems import PlanFileError

MAX_PAGE_CONTENT = 2 * 1024 * 1024  # bytes of content streams, forms counted each time drawn
MAX_PAGE_TEXT = 30_000  # bytes of the strings shown (two a character in the fonts Word embeds)
MAX_PAGE_SHOWS = 5_000  # strings shown (Word shows a line or a run at once)
MAX_TEXT = 400_000  # bytes of the strings shown on all pages
MAX_CROSSINGS = 1_500  # ruled lines across × ruled lines down: the table finder's work grows with them
MAX_PAGE_LINES = 2_000  # path segments drawn (a rectangle counts four)
MIN_DRAW_COST = 1024  # what drawing a form costs at least, so that empty forms drawn a million times count


class _OverBudget(Exception):
    pass


def check_pages(pages) -> None:
    """PlanFileError ``pdf_too_dense`` naming the first page (of pdfminer ``pages``) over a budget."""
    from pdfminer.pdfinterp import PDFResourceManager

    manager = PDFResourceManager(caching=True)
    device, interpreter_class = _counting(manager)
    for number, page in enumerate(pages, 1):
        device.content = device.text = device.lines = device.shows = 0
        try:
            interpreter_class(manager, device).process_page(page)
        except _OverBudget:
            raise PlanFileError("pdf_too_dense", page=number) from None
        device.total += device.text
        if device.total > MAX_TEXT:
            raise PlanFileError("pdf_too_dense", page=number)


def check_crossings(page) -> None:
    """PlanFileError ``pdf_too_dense`` for a pdfplumber ``page`` ruled finer than any plan's table."""
    across = {round(e["top"], 1) for e in page.edges if e["orientation"] == "h"}
    down = {round(e["x0"], 1) for e in page.edges if e["orientation"] == "v"}
    if len(across) * len(down) > MAX_CROSSINGS:
        raise PlanFileError("pdf_too_dense", page=page.page_number)


def _counting(manager):
    from pdfminer.pdfdevice import PDFDevice
    from pdfminer.pdfinterp import PDFPageInterpreter
    from pdfminer.pdftypes import stream_value

    class Counter(PDFDevice):
        content = text = lines = shows = total = 0

        def render_string(self, textstate, seq, ncs, graphicstate) -> None:
            self.text += sum(len(s) for s in seq if isinstance(s, bytes))
            self.shows += 1
            if self.text > MAX_PAGE_TEXT or self.shows > MAX_PAGE_SHOWS:
                raise _OverBudget

        def paint_path(self, graphicstate, stroke, fill, evenodd, path) -> None:
            self.lines += sum(4 if segment[0] == "re" else 1 for segment in path)
            if self.lines > MAX_PAGE_LINES:
                raise _OverBudget

        def charge(self, size: int) -> None:
            self.content += max(size, MIN_DRAW_COST)
            if self.content > MAX_PAGE_CONTENT:
                raise _OverBudget

    device = Counter(manager)

    class Interpreter(PDFPageInterpreter):
        def execute(self, streams) -> None:
            for obj in streams:
                try:
                    stream = stream_value(obj)
                except Exception:  # not a stream: pdfminer passes over it
                    continue
                device.charge(decoded_size(stream, MAX_PAGE_CONTENT - device.content))
            super().execute(streams)

    return device, Interpreter


def decoded_size(stream, budget: int) -> int:
    """The size of ``stream`` decoded, decoding no further than ``budget`` + 1 bytes (one past the
    budget when it is over it)."""
    if stream.data is not None:
        return len(stream.data)
    data = stream.rawdata or b""
    if stream.decipher:
        data = stream.decipher(stream.objid, stream.genno, data, stream.attrs)
    for name, _params in stream.get_filters():
        data = _decode(str(getattr(name, "name", name)), data, budget + 1)
        if len(data) > budget:
            return len(data)
    return len(data)


def _decode(name: str, data: bytes, limit: int) -> bytes:
    """``data`` through one filter, at most ``limit`` bytes of it; a filter a page's content does not use
    is charged the most it could expand to (its input's length when that is all it does)."""
    from pdfminer.ascii85 import ascii85decode, asciihexdecode
    from pdfminer.lzw import LZWDecoder
    from pdfminer.runlength import rldecode

    if name in ("FlateDecode", "Fl"):
        try:
            return zlib.decompressobj().decompress(data, limit)
        except zlib.error:
            return data[:limit]  # pdfminer reads what it can of it, no more than this
    if name in ("LZWDecode", "LZW"):
        out = bytearray()
        for chunk in LZWDecoder(io.BytesIO(data)).run():
            out += chunk
            if len(out) >= limit:
                break
        return bytes(out[:limit])
    if name in ("ASCII85Decode", "A85"):
        return ascii85decode(data)
    if name in ("ASCIIHexDecode", "AHx"):
        return asciihexdecode(data)
    if len(data) * 128 <= limit:  # RunLength expands 128 times at most
        return rldecode(data)
    return bytes(limit)


def unique_chars(chars: list[dict]) -> list[dict]:
    """``chars`` without those printed again over themselves (bold), in their order: pdfplumber's
    ``dedupe_chars`` (same text, font and size within a point), whose reordering by ``list.index`` took
    9 s for a page of 7,200 characters."""
    from pdfplumber.utils import cluster_objects

    key = itemgetter("upright", "text", "fontname", "size")
    order = {id(c): n for n, c in enumerate(chars)}
    kept = []
    for _, same in itertools.groupby(sorted(chars, key=key), key=key):
        for line in cluster_objects(list(same), itemgetter("doctop"), 1):
            kept += [min(spot, key=itemgetter("doctop", "x0")) for spot in cluster_objects(line, itemgetter("x0"), 1)]
    return sorted(kept, key=lambda c: order[id(c)])
