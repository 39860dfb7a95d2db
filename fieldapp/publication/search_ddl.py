"""Name-search indexes on ``published_result`` that the models cannot express (as in
:mod:`fieldapp.subjects.search_ddl`): a pg_trgm GIN index on PostgreSQL, an FTS5 trigram table
kept in sync by triggers on SQLite. Registered for ``db.create_all()`` below; for an Alembic
migration::

    from fieldapp.publication.search_ddl import create_search_ddl, drop_search_ddl
    def upgrade():  ...; create_search_ddl(op.get_bind())
    def downgrade(): drop_search_ddl(op.get_bind()); ...
"""

from __future__ import annotations

from ..search_objects import SearchDDL

SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS published_result_fts USING fts5("
    "subject_name, content='published_result', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS published_result_fts_ai AFTER INSERT ON published_result BEGIN "
    "INSERT INTO published_result_fts(rowid, subject_name) VALUES (new.id, new.subject_name); END",
    "CREATE TRIGGER IF NOT EXISTS published_result_fts_ad AFTER DELETE ON published_result BEGIN "
    "INSERT INTO published_result_fts(published_result_fts, rowid, subject_name) "
    "VALUES ('delete', old.id, old.subject_name); END",
    "CREATE TRIGGER IF NOT EXISTS published_result_fts_au AFTER UPDATE OF subject_name ON published_result BEGIN "
    "INSERT INTO published_result_fts(published_result_fts, rowid, subject_name) "
    "VALUES ('delete', old.id, old.subject_name); "
    "INSERT INTO published_result_fts(rowid, subject_name) VALUES (new.id, new.subject_name); END",
    "INSERT INTO published_result_fts(published_result_fts) VALUES ('rebuild')",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS published_result_fts_ai",
    "DROP TRIGGER IF EXISTS published_result_fts_ad",
    "DROP TRIGGER IF EXISTS published_result_fts_au",
    "DROP TABLE IF EXISTS published_result_fts",
]
POSTGRESQL_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS ix_published_result_name_trgm ON published_result USING gin (subject_name gin_trgm_ops)",
]
POSTGRESQL_DROP = ["DROP INDEX IF EXISTS ix_published_result_name_trgm"]

SEARCH = SearchDDL(
    create={"sqlite": SQLITE_CREATE, "postgresql": POSTGRESQL_CREATE},
    drop={"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP},
)
search_ddl = SEARCH.statements
create_search_ddl = SEARCH.create_on
drop_search_ddl = SEARCH.drop_on
register = SEARCH.attach
