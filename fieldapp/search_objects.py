"""Database objects for fast name search that the models do not describe (FTS5 tables and
triggers on SQLite, pg_trgm indexes on PostgreSQL). Migrations create them; autogenerate and the
migration test must not mistake them for drift."""

from __future__ import annotations

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
