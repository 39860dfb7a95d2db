"""How far an Office Open file (.xlsx, .docx: a zip) may expand where its reader takes a part whole.

openpyxl reads a workbook's shared strings and styles whole on opening (its sheets are streamed);
python-docx reads every part of a document whole. A part that expands past both bounds below is no
export or document (real ones pack 3–10×) but repeated filler: 1.5 MB holding 460 MB of shared
strings took 61 s and 1.2 GB in the upload request itself; a plan workbook whose shared strings
expanded to 180 MB was read in 2 s and 172 MB. Every reader of these files asks here first and
refuses the file in its own words.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

EXPANDED_LIMIT = 50 * 1024 * 1024
EXPANSION_RATIO = 50
# Parts the workbook reader streams row by row: their size is bounded by the row limits instead.
XLSX_STREAMED = ("xl/worksheets/",)


@dataclass(frozen=True)
class Inflated:
    """A part that expands too far: its name in the zip, its packed KB and expanded MB."""

    part: str
    packed_kb: int
    size_mb: int


def inflated_part(source: Path | bytes, streamed: tuple[str, ...] = ()) -> Inflated | None:
    """The first part of the zip ``source`` read whole (not under a ``streamed`` prefix) that expands
    past ``EXPANDED_LIMIT`` and ``EXPANSION_RATIO`` times its packed size; None when there is none or
    ``source`` is no zip (its reader says so)."""
    try:
        with zipfile.ZipFile(source if isinstance(source, Path) else io.BytesIO(source)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    for part in parts:
        if part.filename.startswith(streamed):
            continue
        if part.file_size > EXPANDED_LIMIT and part.file_size > EXPANSION_RATIO * part.compress_size:
            return Inflated(part.filename, part.compress_size // 1024, part.file_size // (1024 * 1024))
    return None
