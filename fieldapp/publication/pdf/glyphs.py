"""Characters no installed font can draw, printed as their code point instead of an empty box.

WeasyPrint draws text through Pango, which falls back across every font fontconfig knows. A
character none of them has (a CJK Extension B character outside Noto CJK's set such as U+2A6D6,
Extension G, most emoji on a server with the CJK and DejaVu fonts only) printed as the .notdef
box, so the paper copy of 朔城区🔥火锅店 showed □ where something was. Such a character is printed
as 〔U+1F525〕 instead: legible and exact (the page, the open data and the QR code's address keep the
character itself).
"""

from __future__ import annotations

import bisect
import functools
import subprocess
import unicodedata

# Not drawn with a glyph of their own (controls, format characters such as ZWJ and bidi marks,
# marks that combine with the character before, separators): never replaced.
NOT_DRAWN = frozenset({"Cc", "Cf", "Cs", "Mn", "Me", "Zs", "Zl", "Zp"})


@functools.cache
def _coverage() -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """The code points some installed font has, as sorted disjoint (starts, ends); None when
    fontconfig's ``fc-list`` cannot be run (then nothing is replaced)."""
    try:
        listing = subprocess.run(
            ["fc-list", "--format", "%{charset}\n"], capture_output=True, text=True, check=True, timeout=20
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    ranges = []
    for token in listing.split():
        low, _, high = token.partition("-")
        ranges.append((int(low, 16), int(high or low, 16)))
    starts: list[int] = []
    ends: list[int] = []
    for first, last in sorted(ranges):
        if ends and first <= ends[-1] + 1:
            ends[-1] = max(ends[-1], last)
        else:
            starts.append(first)
            ends.append(last)
    return tuple(starts), tuple(ends)


def drawable(char: str) -> bool:
    """Whether some installed font has a glyph for ``char`` (or it needs none)."""
    code = ord(char)
    coverage = _coverage()
    if code < 0x80 or coverage is None or unicodedata.category(char) in NOT_DRAWN:
        return True
    starts, ends = coverage
    index = bisect.bisect_right(starts, code) - 1
    return index >= 0 and code <= ends[index]


def printable(html: str) -> str:
    """``html`` with each character no font can draw written as its code point. Markup is ASCII,
    so only text (and attribute values) can change; a page without such characters is returned as
    it is after one pass over its distinct characters."""
    missing = {ch for ch in set(html) if ord(ch) >= 0x80 and not drawable(ch)}
    if not missing:
        return html
    return html.translate({ord(ch): f"〔U+{ord(ch):04X}〕" for ch in missing})
