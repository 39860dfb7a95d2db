"""Which text encoding a file of text (a CSV, a plan's .txt, a saved web page) is in, decided on the
whole file before any of it is read. The one owner of this rule: the subject, roster and plan
importers all ask here.

A sample is not enough: a GB18030 export whose first rows are all digits and an English header, its
Chinese names further down, was taken for UTF-8 and failed part-way, after rows were imported. The
file is streamed once in chunks:

- a BOM says UTF-8 or UTF-16 (Excel's "Unicode text"), and the rest must decode so;
- a charset the file declares (a web page's ``<meta charset>``) is taken next, when the file decodes
  so (a GB charset through the GB18030 rule below, so a declared GBK page mixing in UTF-8 lines is
  refused too);
- a file that decodes as UTF-8 to its end is UTF-8 (the common case, an incremental decode in C);
- otherwise it must decode as GB18030 (Excel's CSV in China), line by line, and no line of it may be
  plainly UTF-8: one that decodes as UTF-8 and holds at least ``UTF8_EVIDENCE`` characters of three
  bytes (Chinese). GB18030 text passes for such UTF-8 only by chance — a few characters, never a
  line of names — while GB18030 reads UTF-8 Chinese as other Chinese characters without any error,
  so a file that is half UTF-8 and half GB18030 would be imported half garbled: it is refused.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from flask_babel import LazyString
from flask_babel import lazy_gettext as _l

from ..errors import InvalidInput

CHUNK_BYTES = 1024 * 1024
# Characters of three bytes or more (Chinese) on one line that make the line UTF-8 beyond chance.
UTF8_EVIDENCE = 4
_NOT_LONG_LEADS = bytes(range(0xE0))  # what is not the first byte of a UTF-8 character of 3–4 bytes
UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# GB2312 and GBK text often holds characters only their superset GB18030 has: a file declaring one of
# these is read as GB18030.
GB_FAMILY = frozenset({"gb2312", "gbk", "gb18030", "x-gbk", "cp936", "euc-cn", "hz-gb-2312"})

# Why a file's encoding was refused, by code; the plan importer keeps these codes among its problems.
MESSAGES = {
    "encoding_broken": _l("The file mixes text encodings; save it again as CSV (UTF-8)."),
    "encoding_line": _l("Line %(line)s is neither UTF-8 nor GB18030 text. Save the file as CSV (UTF-8) or .xlsx."),
    "encoding_mixed": _l(
        "The file mixes text encodings: line %(utf8)s is UTF-8 and line %(gbk)s is GB18030 (GBK), "
        "so part of it would be read as the wrong characters. Nothing was imported: save the "
        "whole table again as CSV (UTF-8) and import it."
    ),
}


def message(code: str, params: dict) -> str:
    """The words for a refusal (``code`` of :data:`MESSAGES`) in the current language."""
    return str(MESSAGES[code]) % params


class TextEncodingError(InvalidInput):
    """The file is in no encoding the imports read, or mixes two; ``code`` and ``params`` say which
    (see :data:`MESSAGES`), the message is put in words when it is shown, in the reader's language."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(LazyString(message, code, params))


def detect_encoding(source: Path | BinaryIO, declared: str | None = None) -> str:
    """``utf-8-sig``, ``utf-16``, ``utf-8``, ``gb18030`` (or the ``declared`` charset, when the file
    decodes so) for the whole file — a path, or a binary file positioned at its start;
    :class:`TextEncodingError` for a file in none of them, or mixing UTF-8 and GB18030 lines."""
    if isinstance(source, Path):
        with source.open("rb") as fh:
            return _detect(fh, declared)
    return _detect(source, declared)


def decode_text(data: bytes, declared: str | None = None) -> str:
    """The text of a whole file held in memory, in the encoding :func:`detect_encoding` decides."""
    return data.decode(detect_encoding(io.BytesIO(data), declared))


def _detect(fh: BinaryIO, declared: str | None) -> str:
    start = fh.tell()
    head = fh.read(4)
    fh.seek(start)
    if head.startswith(codecs.BOM_UTF8):
        _decodes_to_the_end(fh, "utf-8")
        return "utf-8-sig"
    if head.startswith(UTF16_BOMS):
        _decodes_to_the_end(fh, "utf-16")
        return "utf-16"
    if declared and (encoding := _declared(fh, declared.strip().lower())):
        return encoding
    fh.seek(start)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for chunk in _chunks(fh):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
        return "utf-8"
    except UnicodeDecodeError:
        fh.seek(start)
    return _gb18030_unmixed(fh)


def _declared(fh: BinaryIO, declared: str) -> str | None:
    """The declared charset when the file decodes so (a GB one by the GB18030 rule, which refuses a
    file mixing in UTF-8 lines); None when it does not, or names no charset Python knows."""
    start = fh.tell()
    if declared in ("utf-8", "utf8"):
        return None  # what an undeclared file is read as first
    if declared in GB_FAMILY:
        try:
            return _gb18030_unmixed(fh)
        except TextEncodingError as exc:
            if exc.code == "encoding_mixed":
                raise
            return None  # a line GB18030 cannot read: the declaration is wrong
        finally:
            fh.seek(start)
    try:
        codecs.lookup(declared)
        _decodes_to_the_end(fh, declared)
    except (LookupError, TextEncodingError):
        return None
    finally:
        fh.seek(start)
    return declared


def _chunks(fh: BinaryIO) -> Iterator[bytes]:
    while chunk := fh.read(CHUNK_BYTES):
        yield chunk


def _decodes_to_the_end(fh: BinaryIO, encoding: str) -> None:
    decoder = codecs.getincrementaldecoder(encoding)()
    try:
        for chunk in _chunks(fh):
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise TextEncodingError("encoding_broken") from None


def _lines(fh: BinaryIO) -> Iterator[tuple[int, bytes]]:
    """The file's lines with their numbers; a line of an old Mac file (ended by a bare CR) is a part
    of the LF-ended line it is in, with that line's number."""
    for number, line in enumerate(fh, 1):
        if line.find(b"\r", 0, len(line) - 2) >= 0:  # a CR not ending the line
            for part in line.split(b"\r"):
                yield number, part
        else:
            yield number, line


def _gb18030_unmixed(fh: BinaryIO) -> str:
    """``gb18030`` when every line decodes so and none is plainly UTF-8 (see the module's words)."""
    utf8_line = gb_line = 0
    for number, line in _lines(fh):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            try:
                line.decode("gb18030")
            except UnicodeDecodeError:
                raise TextEncodingError("encoding_line", line=number) from None
            gb_line = gb_line or number
        else:
            if not utf8_line and len(line.translate(None, _NOT_LONG_LEADS)) >= UTF8_EVIDENCE:
                utf8_line = number
        if gb_line and utf8_line:
            raise TextEncodingError("encoding_mixed", utf8=utf8_line, gbk=gb_line)
    return "gb18030"
