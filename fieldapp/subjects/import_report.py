"""What an import did (counts, rejects with reasons), and the per-file set of identifiers already seen."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _

from .tables import LineNumbers, place


def row_label(row: int, sheet: str = "") -> str:
    """Where a row is, for people: its number, and its sheet when the table spans several."""
    return _("%(sheet)s, row %(row)s", sheet=sheet, row=row) if sheet else str(row)


def duplicate_reason(first: int, sheets: Sequence[str]) -> str:
    """The reason a row is rejected whose record an earlier line (``first``) of the file has."""
    sheet, row = place(first, sheets)
    if sheet:
        return _("Duplicate of row %(row)s of sheet %(sheet)s of this file", row=row, sheet=sheet)
    return _("Duplicate of line %(line)s of this file", line=row)


@dataclass
class Reject:
    """A row the import did not take (or, as a warning, took with a remark): ``line`` is its row on
    ``sheet`` (named when the table spans several sheets)."""

    line: int
    reasons: list[str]
    ident: str = ""
    name: str = ""
    sheet: str = ""

    @property
    def where(self) -> str:
        return row_label(self.line, self.sheet)


@dataclass
class Tally:
    """What an import did with the records it took (subjects, inspectors, a plan's tasks): new ones,
    changed ones, and ones already as the file has them."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged

    def named(self) -> dict[str, int]:
        """The three counts by name, for a message that says them."""
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


@dataclass
class RowCounts(Tally):
    """What an import of a table did with its rows (the subject directory, the inspector roster)."""

    rows: int = 0
    rejected: int = 0
    rejects: list[Reject] = field(default_factory=list)
    unknown_headers: list[str] = field(default_factory=list)

    def summary(self) -> list[str]:
        return [
            _(
                "%(rows)s rows: %(created)s new, %(updated)s updated, %(unchanged)s unchanged, %(rejected)s rejected",
                rows=self.rows,
                rejected=self.rejected,
                **self.named(),
            )
        ]


@dataclass
class ImportReport(RowCounts):
    source: str = ""
    changes: int = 0
    blank_lines: LineNumbers = field(default_factory=LineNumbers)
    reject_file: str | None = None

    def summary(self) -> list[str]:
        lines = super().summary()
        if self.changes:
            lines.append(_("%(count)s changes recorded in the subjects' history", count=self.changes))
        if self.unknown_headers:
            lines.append(_("Columns ignored: %(names)s", names="、".join(self.unknown_headers)))
        if self.blank_lines:
            lines.append(_("%(count)s blank lines skipped", count=len(self.blank_lines)))
        return lines


class SeenKeys:
    """Identifiers accepted so far in this file, with their line, in a private on-disk SQLite file."""

    def __init__(self, path: str | None = None) -> None:
        """A temporary file, or ``path`` (kept across an interrupted job's attempts)."""
        self.conn = sqlite3.connect(path or "")
        self.conn.execute("CREATE TABLE IF NOT EXISTS seen (key TEXT PRIMARY KEY, line INTEGER) WITHOUT ROWID")

    def forget_after(self, line: int) -> None:
        """Drop keys of lines after ``line`` (a batch whose transaction never committed)."""
        self.conn.execute("DELETE FROM seen WHERE line > ?", (line,))
        self.conn.commit()

    def commit(self) -> None:
        self.conn.commit()

    def lookup(self, keys: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        size = 500
        marks = ",".join("?" * size)
        for start in range(0, len(keys), size):
            chunk = keys[start : start + size]
            chunk = chunk + [chunk[-1]] * (size - len(chunk))  # one statement text, one cached statement
            found.update(self.conn.execute(f"SELECT key, line FROM seen WHERE key IN ({marks})", chunk))
        return found

    def add(self, items: list[tuple[str, int]]) -> None:
        self.conn.executemany("INSERT OR IGNORE INTO seen VALUES (?, ?)", items)

    def close(self) -> None:
        self.conn.close()


def as_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (list, tuple, set, frozenset)):
        return "、".join(sorted(value))
    return str(value)


LOOKUP_CHUNK = 500


def padded_chunks(keys: list, size: int = LOOKUP_CHUNK):
    """``keys`` in lists of exactly ``size`` (the last padded with repeats): every lookup is the same
    SQL text, so the driver's prepared-statement cache holds one statement, not one per list length
    (a million-row import otherwise fills it with large statements and memory grows)."""
    for start in range(0, len(keys), size):
        chunk = list(keys[start : start + size])
        chunk += [chunk[-1]] * (size - len(chunk))
        yield chunk
