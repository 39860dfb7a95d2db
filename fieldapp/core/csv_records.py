"""CSV records read so that one broken record costs only itself, streaming, in Excel's dialect.

A quote opened and never closed made the csv module read the rest of the file as one field: every
row after it was lost. Here records are read in strict mode, a record is never longer than
``MAX_RECORD_LINES`` physical lines, and a quoted field that runs away (it reaches the end of the
file, runs past that many lines, or "closes" with text after its quote) makes its record an
:class:`Unreadable` one at its first line; reading goes on from the physical line after it, so each
following record is read exactly once. A quoted cell with text after its closing quote on one line
(``"a"b``) is refused too: the csv module would read it as ``ab``, silently changing the value. A quoted field with a few line breaks (an address on two
lines) is read as before. Only the lines of the record being read are held. A NUL character (a
stray byte in an exported file) is dropped: it is no text, and PostgreSQL refuses it in any text column.
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Iterable, Iterator

from flask_babel import gettext as _

# A cell people type (an address, a note) has a few line breaks, never this many.
MAX_RECORD_LINES = 50


class Unreadable(list):
    """The cells of a record that cannot be read (its first line, as far as it goes) and why
    (``code``: ``unclosed_quote``, ``text_after_quote`` or ``line_too_long``; ``reason``: the words for it)."""

    def __init__(self, cells: Iterable, code: str, reason: str) -> None:
        super().__init__(cells)
        self.code = code
        self.reason = reason


class _RunawayRecord(Exception):
    pass


class _Lines:
    """The physical lines handed to the csv reader: the current record's lines are kept, so a broken
    record's later lines can be read again (``replay``)."""

    def __init__(self, lines: Iterable[str]) -> None:
        self.source = iter(lines)
        self.replay: deque[str] = deque()
        self.taken: list[str] = []
        self.ended_inside = False  # the file ended inside the current record

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if len(self.taken) >= MAX_RECORD_LINES:
            raise _RunawayRecord
        if self.replay:
            line = self.replay.popleft()
        else:
            try:
                line = next(self.source).replace("\x00", "")  # a stray NUL is no text (PostgreSQL refuses it)
            except StopIteration:
                self.ended_inside = bool(self.taken)
                raise
        self.taken.append(line)
        return line

    def start(self) -> None:
        self.taken = []
        self.ended_inside = False


def csv_records(lines: Iterable[str], dialect: type[csv.Dialect] = csv.excel) -> Iterator[tuple[int, list]]:
    """``(first line number, cells)`` for each record of ``lines`` (a text file opened with
    ``newline=""``); a record that cannot be read comes as :class:`Unreadable` cells."""
    strict = type("Strict", (dialect,), {"strict": True})
    source = _Lines(lines)
    reader = csv.reader(source, strict)
    number = 1
    while True:
        source.start()
        try:
            cells = next(reader)
        except StopIteration:
            return
        except (csv.Error, _RunawayRecord) as exc:
            taken = source.taken
            runaway = isinstance(exc, _RunawayRecord) or source.ended_inside or len(taken) > 1
            yield number, _unreadable(taken[0] if taken else "", dialect, runaway)
            source.replay.extendleft(reversed(taken[1:]))
            number += 1
            continue
        yield number, cells
        number += len(source.taken)


def _unreadable(line: str, dialect: type[csv.Dialect], runaway: bool) -> Unreadable:
    """A broken record's first line, read leniently for the rejects file, as :class:`Unreadable`: a
    quote that runs away, a quoted cell with text after its closing quote, or a line too long."""
    try:
        cells = next(csv.reader([line.rstrip("\r\n")], dialect), [])
    except csv.Error:
        return Unreadable([line[:200]], "line_too_long", _("This line cannot be read as CSV (a cell is too long)."))
    if runaway:
        reason = _('Unclosed quote: a cell opens a quote (") on this line that never closes; the line was skipped.')
        return Unreadable(cells, "unclosed_quote", reason)
    reason = _('Misplaced quote: a cell on this line has text after its closing quote ("); the line was skipped.')
    return Unreadable(_cells_as_written(line, dialect), "text_after_quote", reason)


def _cells_as_written(line: str, dialect: type[csv.Dialect]) -> list[str]:
    """A line's cells for the rejects file: a well-quoted cell unquoted, a badly quoted one as written
    (``"a"b`` stays ``"a"b``, not ``ab``), so the person fixing it sees what the file says."""
    quote, delimiter = dialect.quotechar or '"', dialect.delimiter
    raw: list[str] = []
    cell: list[str] = []
    inside = False
    for char in line.rstrip("\r\n"):
        if char == quote:
            inside = not inside
        if char == delimiter and not inside:
            raw.append("".join(cell))
            cell = []
        else:
            cell.append(char)
    raw.append("".join(cell))
    return [_unquoted(text, quote) for text in raw]


def _unquoted(text: str, quote: str) -> str:
    inner = text[1:-1]
    if len(text) > 1 and text[0] == text[-1] == quote and quote not in inner.replace(quote * 2, ""):
        return inner.replace(quote * 2, quote)
    return text
