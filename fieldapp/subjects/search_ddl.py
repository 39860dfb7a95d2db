"""Name-search indexes the models cannot express, for ``db.create_all()`` and for migrations.

Both are built on ``subject.name_key``, the name's search form
(:func:`fieldapp.search_objects.search_key`: full and half width, composed and decomposed, upper and
lower case, spaced and unspaced Chinese all meet), not on the name as registered, which is what is shown.
PostgreSQL: a pg_trgm GIN index (CJK characters are word characters under the server's C.UTF-8
ctype). SQLite: an FTS5 table with the trigram tokenizer (external content, kept in sync by
triggers), whose insert trigger bulk imports pause (:func:`bulk_insert_subjects`). The statements
are :func:`fieldapp.search_objects.trigram_search`'s.

For an Alembic migration::

    from fieldapp.subjects.search_ddl import create_search_ddl, drop_search_ddl
    def upgrade():  ...; create_search_ddl(op.get_bind())
    def downgrade(): drop_search_ddl(op.get_bind()); ...

Run ``create_search_ddl`` again after any SQLite batch migration that recreates the ``subject``
table (recreating a table drops its triggers).
"""

from __future__ import annotations

from sqlalchemy import text

from ..search_objects import SearchDDL, refresh_search_keys, trigram_search

# The indexed column: the name's search form (migrations before it indexed ``name``).
NAME_KEY = "name_key"


def search_ddl(column: str) -> SearchDDL:
    """The directory's name-search objects over ``column``."""
    return trigram_search("subject", column, pausable=True)


SEARCH = search_ddl(NAME_KEY)
create_search_ddl = SEARCH.create_on
drop_search_ddl = SEARCH.drop_on
attach_search_ddl = SEARCH.attach


def bulk_insert_subjects(session, table, rows: list[dict]) -> None:
    """Insert many subjects in the session's transaction, keeping the search index in step (each
    row's search form is filled by the column's default, :class:`.models.Subject`, unless given)."""
    if not rows:
        return
    if session.get_bind().dialect.name != "sqlite":
        session.execute(table.insert(), rows)
        return
    session.execute(text("INSERT INTO subject_fts_pause (id) VALUES (1)"))
    last_id = session.execute(text("SELECT coalesce(max(id), 0) FROM subject")).scalar()
    session.execute(table.insert(), rows)
    session.execute(
        text(f"INSERT INTO subject_fts(rowid, {NAME_KEY}) SELECT id, {NAME_KEY} FROM subject WHERE id > :last_id"),
        {"last_id": last_id},
    )
    session.execute(text("DELETE FROM subject_fts_pause"))


def search_ddl_present(connection) -> bool:
    dialect = connection.dialect.name
    if dialect == "sqlite":
        found = connection.execute(
            text(
                "SELECT count(*) FROM sqlite_master WHERE name IN ('subject_fts', 'subject_fts_ai', 'subject_fts_pause')"
            )
        ).scalar()
        return found == 3
    if dialect == "postgresql":
        return bool(connection.execute(text("SELECT to_regclass('ix_subject_name_trgm') IS NOT NULL")).scalar())
    return True


def ensure_search_ddl(connection) -> bool:
    """Create the search index where a database lacks it (e.g. built by migrations without it).
    Returns True when it had to be created."""
    if search_ddl_present(connection):
        return False
    create_search_ddl(connection)
    return True


def refresh_name_keys(connection, batch: int = 10_000) -> int:
    """Write each subject's search form where the stored one is not its name's (every row, when
    the column is new or the rule changed: the migrations; after a rename written around the model
    and the importer, by plain SQL: ``flask subjects search-index``). Returns how many rows were
    written (:func:`fieldapp.search_objects.refresh_search_keys`)."""
    return refresh_search_keys(connection, "subject", "name", NAME_KEY, batch)
