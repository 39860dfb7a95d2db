"""Which text encoding a CSV file is in, decided on the whole file before any row is read.

A sample is not enough: a GB18030 export whose first rows are all digits and an English header, its
Chinese names further down, was taken for UTF-8 and failed part-way, after rows were imported. The
file is streamed once in chunks:

- a BOM says UTF-8 or UTF-16 (Excel's "Unicode text"), and the rest must decode so;
- a file that decodes as UTF-8 to its end is UTF-8 (the common case, an incremental decode in C);
- otherwise it must decode as GB18030 (Excel's CSV in China), line by line, and no line of it may be
  plainly UTF-8: one that decodes as UTF-8 and holds at least ``UTF8_EVIDENCE`` characters of three
  bytes (Chinese). GB18030 text passes for such UTF-8 only by chance — a few characters, never a
  line of names — while GB18030 reads UTF-8 Chinese as other Chinese characters without any error,
  so a file that is half UTF-8 and half GB18030 would be imported half garbled: it is refused.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from flask_babel import gettext as _

from .tables import UTF16_BOMS, TableError

CHUNK_BYTES = 1024 * 1024
# Characters of three bytes or more (Chinese) on one line that make the line UTF-8 beyond chance.
UTF8_EVIDENCE = 4
_NOT_LONG_LEADS = bytes(range(0xE0))  # what is not the first byte of a UTF-8 character of 3–4 bytes


def detect_encoding(path: Path) -> str:
    """``utf-8-sig``, ``utf-16``, ``utf-8`` or ``gb18030`` for the whole file; :class:`TableError` for
    a file in none of them, or mixing UTF-8 and GB18030 lines."""
    with path.open("rb") as fh:
        head = fh.read(4)
        fh.seek(0)
        if head.startswith(codecs.BOM_UTF8):
            _decodes_to_the_end(fh, "utf-8")
            return "utf-8-sig"
        if head.startswith(UTF16_BOMS):
            _decodes_to_the_end(fh, "utf-16")
            return "utf-16"
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            for chunk in _chunks(fh):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
            return "utf-8"
        except UnicodeDecodeError:
            fh.seek(0)
        return _gb18030_unmixed(fh)


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
        raise TableError(_("The file mixes text encodings; save it again as CSV (UTF-8).")) from None


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
                raise TableError(
                    _(
                        "Line %(line)s is neither UTF-8 nor GB18030 text. Save the file as CSV (UTF-8) or .xlsx.",
                        line=number,
                    )
                ) from None
            gb_line = gb_line or number
        else:
            if not utf8_line and len(line.translate(None, _NOT_LONG_LEADS)) >= UTF8_EVIDENCE:
                utf8_line = number
        if gb_line and utf8_line:
            raise TableError(
                _(
                    "The file mixes text encodings: line %(utf8)s is UTF-8 and line %(gbk)s is GB18030 (GBK), "
                    "so part of it would be read as the wrong characters. Nothing was imported: save the "
                    "whole table again as CSV (UTF-8) and import it.",
                    utf8=utf8_line,
                    gbk=gb_line,
                )
            )
    return "gb18030"
