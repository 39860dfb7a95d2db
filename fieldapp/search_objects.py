"""Database objects for fast name search that the models do not describe (FTS5 tables and
triggers on SQLite, pg_trgm indexes on PostgreSQL). Migrations create them; autogenerate and the
migration test must not mistake them for drift."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from sqlalchemy import DDL, event, text


def search_key(text: str | None) -> str:
    """The form of a name that name searches index and compare, the stored name's and the typed
    fragment's alike: compatibility characters folded (NFKC: full-width brackets, letters and digits
    to half width, a decomposed character composed), runs of spaces as one, lower case. A name is
    shown as registered; only this form is matched, so ＡＢＣ（民福）, ABC(民福) and abc(民福) are one."""
    return " ".join(unicodedata.normalize("NFKC", text or "").split()).lower()


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
