"""Name-search indexes the models cannot express, for ``db.create_all()`` and for migrations.

Both are built on ``subject.name_key``, the name's search form
(:func:`fieldapp.search_objects.search_key`: full and half width, composed and decomposed, upper and
lower case, runs of spaces all meet), not on the name as registered, which is what is shown.
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

from ..search_objects import SearchDDL, search_key, trigram_search

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


# The names' search form, read and written in batches by id. PostgreSQL: a batch's keys in one
# statement, joined to their rows by an array of ids within the batch's range of ids — without the
# range, the planner hashed the whole table for every batch (a million rows read 100 times).
_READ_NAMES = text("SELECT id, name, name_key FROM subject WHERE id > :last ORDER BY id LIMIT :n")
_WRITE_KEYS = text(
    f"UPDATE subject SET {NAME_KEY} = v.key FROM unnest(CAST(:ids AS integer[]), CAST(:keys AS text[])) "
    "AS v(id, key) WHERE subject.id = v.id AND subject.id BETWEEN :first AND :last"
)
_WRITE_KEY = text(f"UPDATE subject SET {NAME_KEY} = :key WHERE id = :id")


def refresh_name_keys(connection, batch: int = 10_000) -> int:
    """Write each subject's search form where the stored one is not its name's (every row, when
    the column is new: the migration; after a rename written around the model and the importer,
    by plain SQL: ``flask subjects search-index``). Returns how many rows were written."""
    written, last = 0, 0
    while rows := connection.execute(_READ_NAMES, {"last": last, "n": batch}).all():
        stale = [(row.id, key) for row in rows if (key := search_key(row.name)) != row.name_key]
        if stale and connection.dialect.name == "postgresql":
            ids, keys = [i for i, _ in stale], [k for _, k in stale]
            connection.execute(_WRITE_KEYS, {"ids": ids, "keys": keys, "first": ids[0], "last": ids[-1]})
        elif stale:
            connection.execute(_WRITE_KEY, [{"id": i, "key": k} for i, k in stale])
        written, last = written + len(stale), rows[-1].id
    return written
