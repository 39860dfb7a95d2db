"""Database objects for fast name search that the models do not describe (FTS5 tables and
triggers on SQLite, pg_trgm indexes on PostgreSQL). Migrations create them; autogenerate and the
migration test must not mistake them for drift."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import DDL, event, text

SEARCH_TABLE_PREFIXES = ("subject_fts", "published_result_fts")
SEARCH_INDEX_SUFFIX = "_trgm"


def is_search_object(name: str | None, type_: str) -> bool:
    if not name:
        return False
    if type_ == "table":
        return name.startswith(SEARCH_TABLE_PREFIXES)
    if type_ == "index":
        return name.endswith(SEARCH_INDEX_SUFFIX)
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

    def attach(self, table) -> None:
        """Have ``metadata.create_all`` / ``drop_all`` create and drop the objects with ``table``."""
        for when, statements_by_dialect in (("after_create", self.create), ("before_drop", self.drop)):
            for dialect, statements in statements_by_dialect.items():
                for statement in statements:
                    event.listen(table, when, DDL(statement).execute_if(dialect=dialect))
