"""Database objects for fast name search that the models do not describe (FTS5 tables and
triggers on SQLite, pg_trgm indexes on PostgreSQL). Migrations create them; autogenerate and the
migration test must not mistake them for drift."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import DDL, event, text


def search_key(text: str | None) -> str:
    """The form of a name that name searches index and compare, the stored name's and the typed
    fragment's alike: compatibility characters folded (NFKC: full-width brackets, letters, digits
    and the ideographic space to half width, a decomposed character composed), lower case, and
    spacing that does not separate two words dropped: a space between two letters or digits of
    a spaced script stays, one ("Li  Wei" → "li wei"); any other run of spaces, beside a CJK
    character or a bracket, goes ("太原 市" → "太原市", "第1 分店" → "第1分店"). Chinese is written
    without spaces, so a space typed or registered in it never decides. A name is shown as
    registered; only this form is matched, so ＡＢＣ（民福）, ABC(民福) and abc (民福) are one."""
    folded = unicodedata.normalize("NFKC", text or "").strip()
    return _SPACES.sub(_spacing, folded).lower()


_SPACES = re.compile(r"\s+")


def _spaced(char: str) -> bool:
    """A letter, digit or mark of a script that separates its words by spaces (not CJK: wide)."""
    return unicodedata.category(char)[0] in "LNM" and unicodedata.east_asian_width(char) not in "WF"


def _spacing(run: re.Match[str]) -> str:
    """One space where the run separates two words of a spaced script, else none (the run is
    never at an end: the text is stripped)."""
    text, start, end = run.string, run.start(), run.end()
    return " " if _spaced(text[start - 1]) and _spaced(text[end]) else ""


def refresh_search_keys(
    connection, table: str, name: str, key: str, batch: int = 10_000, rule: Callable[[str], str] = search_key
) -> int:
    """Write ``table``'s ``key`` column, the search form of its ``name`` column by ``rule``, where
    the stored one differs, reading the rows in batches by id (the table's key). PostgreSQL: a
    batch's keys in one statement, joined to their rows by an array of ids within the batch's range
    of ids — without the range, the planner hashed the whole table for every batch (a million rows
    read 100 times); SQLite: an executemany. Returns how many rows were written. The migrations that
    add or change the rule run it with the table's search index dropped (each written row would
    otherwise be indexed again, one by one)."""
    read = text(f"SELECT id, {name} AS name, {key} AS key FROM {table} WHERE id > :last ORDER BY id LIMIT :n")
    write_many = text(
        f"UPDATE {table} SET {key} = v.key FROM unnest(CAST(:ids AS integer[]), CAST(:keys AS text[])) "
        f"AS v(id, key) WHERE {table}.id = v.id AND {table}.id BETWEEN :first AND :last"
    )
    write_one = text(f"UPDATE {table} SET {key} = :key WHERE id = :id")
    written, last = 0, 0
    while rows := connection.execute(read, {"last": last, "n": batch}).all():
        stale = [(row.id, new) for row in rows if (new := rule(row.name)) != row.key]
        if stale and connection.dialect.name == "postgresql":
            ids, keys = [i for i, _ in stale], [k for _, k in stale]
            connection.execute(write_many, {"ids": ids, "keys": keys, "first": ids[0], "last": ids[-1]})
        elif stale:
            connection.execute(write_one, [{"id": i, "key": k} for i, k in stale])
        written, last = written + len(stale), rows[-1].id
    return written


SEARCH_TABLE_PREFIXES = ("subject_fts", "published_result_fts")
SEARCH_INDEX_SUFFIXES = ("_trgm", "_pairs")  # pg_trgm, and the published names' pairs of characters


def is_search_object(name: str | None, type_: str) -> bool:
    if not name:
        return False
    if type_ == "table":
        return name.startswith(SEARCH_TABLE_PREFIXES)
    if type_ == "index":
        return name.endswith(SEARCH_INDEX_SUFFIXES)
    return False


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Alembic ``include_object``: leave the search objects alone."""
    return not (reflected and compare_to is None and is_search_object(name, type_))


@dataclass(frozen=True)
class SearchDDL:
    """The statements that create and drop one table's name-search objects, per dialect."""

    create: dict[str, list[str]]
    drop: dict[str, list[str]]

    def statements(self, dialect: str, drop: bool = False) -> list[str]:
        """The exact statements for ``dialect`` ("sqlite" or "postgresql")."""
        return list((self.drop if drop else self.create).get(dialect, []))

    def create_on(self, connection) -> None:
        for statement in self.statements(connection.dialect.name):
            connection.execute(text(statement))

    def drop_on(self, connection) -> None:
        for statement in self.statements(connection.dialect.name, drop=True):
            connection.execute(text(statement))

    def attach(self, target) -> None:
        """Have ``metadata.create_all`` / ``drop_all`` create and drop the objects with ``target``
        (a table, or the metadata itself: then after every table exists, and before any is dropped)."""
        for when, statements_by_dialect in (("after_create", self.create), ("before_drop", self.drop)):
            for dialect, statements in statements_by_dialect.items():
                for statement in statements:
                    event.listen(target, when, DDL(statement).execute_if(dialect=dialect))


def trigram_search(table: str, column: str, pausable: bool = False) -> SearchDDL:
    """The name-search objects of ``table``'s text ``column`` (the table's key is ``id``).

    SQLite: an FTS5 table ``{table}_fts`` with the trigram tokenizer over the column (external
    content), kept in step by triggers and filled from the rows already there. With ``pausable``,
    a row in ``{table}_fts_pause`` pauses the insert trigger, so that a bulk import can index its
    new rows with one INSERT … SELECT instead. PostgreSQL: a pg_trgm GIN index
    ``ix_{table}_name_trgm`` on the column (serves LIKE/ILIKE '%…%' with 3+ characters), without
    GIN's pending list (``fastupdate = off``): with it, rows written since the last vacuum wait in
    an unsorted list that every search reads through (up to 4 MB; 10,000 new rows made a name
    search on 100,000 subjects fifteen times slower)."""
    fts = f"{table}_fts"
    index = f"ix_{table}_name_trgm"
    insert_new = f"INSERT INTO {fts}(rowid, {column}) VALUES (new.id, new.{column});"
    delete_old = f"INSERT INTO {fts}({fts}, rowid, {column}) VALUES ('delete', old.id, old.{column});"
    unpaused = f"WHEN NOT EXISTS (SELECT 1 FROM {fts}_pause) " if pausable else ""
    pause_table = [f"{fts}_pause"] if pausable else []
    sqlite_create = [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({column}, content='{table}', content_rowid='id', "
        "tokenize='trigram')",
        *(f"CREATE TABLE IF NOT EXISTS {name} (id INTEGER PRIMARY KEY)" for name in pause_table),
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} {unpaused}BEGIN {insert_new} END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN {delete_old} END",
        f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF {column} ON {table} BEGIN {delete_old} {insert_new} END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",  # index the rows already there (a migration)
    ]
    triggers = [f"{fts}_ai", f"{fts}_ad", f"{fts}_au"]
    return SearchDDL(
        create={
            "sqlite": sqlite_create,
            "postgresql": [
                "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                f"CREATE INDEX IF NOT EXISTS {index} ON {table} USING gin ({column} gin_trgm_ops) WITH (fastupdate = off)",
            ],
        },
        drop={
            "sqlite": [
                *(f"DROP TRIGGER IF EXISTS {name}" for name in triggers),
                *(f"DROP TABLE IF EXISTS {name}" for name in [fts, *pause_table]),
            ],
            "postgresql": [f"DROP INDEX IF EXISTS {index}"],
        },
    )
