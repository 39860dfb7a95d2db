"""Name-search indexes on ``published_result.subject_name_key`` (the name's search form) that the models cannot express (as in
:mod:`fieldapp.subjects.search_ddl`, both from :func:`fieldapp.search_objects.trigram_search`): a
pg_trgm GIN index on PostgreSQL, an FTS5 trigram table kept in sync by triggers on SQLite.
Registered for ``db.create_all()`` in the models; for an Alembic migration::

    from fieldapp.publication.search_ddl import create_search_ddl, drop_search_ddl
    def upgrade():  ...; create_search_ddl(op.get_bind())
    def downgrade(): drop_search_ddl(op.get_bind()); ...

PostgreSQL also indexes the name's pairs of characters (:data:`PAIRS`): two characters are a
common query (超市, 加油) and below a trigram, so without it a pair that no published name holds
was looked for in every record (100 ms and more at 100,000 records); with it, one index probe.
"""

from __future__ import annotations

from ..search_objects import SearchDDL, refresh_search_keys, trigram_search

PAIRS_INDEX = "ix_published_result_name_pairs"
# Each pair of adjacent characters of a name, lower-cased (as ILIKE compares), once.
PAIRS_FUNCTION = (
    "CREATE OR REPLACE FUNCTION name_pairs(name text) RETURNS text[] LANGUAGE sql IMMUTABLE STRICT "
    "PARALLEL SAFE AS $$ SELECT coalesce(array_agg(DISTINCT lower(substr(name, i, 2))), '{}') "
    "FROM generate_series(1, char_length(name) - 1) AS i $$"
)
# The indexed column: the name's search form (fieldapp.search_objects.search_key), not the name as
# registered, so full- and half-width, composed and decomposed, upper and lower case all meet.
NAME_KEY = "subject_name_key"


def pairs_ddl(column: str) -> SearchDDL:
    """The pairs index over ``column`` (migrations before the search form name ``subject_name``)."""
    return SearchDDL(
        create={
            "postgresql": [
                PAIRS_FUNCTION,
                f"CREATE INDEX IF NOT EXISTS {PAIRS_INDEX} ON published_result USING gin (name_pairs({column})) "
                "WITH (fastupdate = off)",
            ]
        },
        drop={"postgresql": [f"DROP INDEX IF EXISTS {PAIRS_INDEX}", "DROP FUNCTION IF EXISTS name_pairs(text)"]},
    )


def search_ddl(column: str) -> SearchDDL:
    """Every name-search object of the published names, over ``column``."""
    trigrams, pairs = trigram_search("published_result", column), pairs_ddl(column)
    return SearchDDL(
        create={**trigrams.create, "postgresql": trigrams.create["postgresql"] + pairs.create["postgresql"]},
        drop={**trigrams.drop, "postgresql": pairs.drop["postgresql"] + trigrams.drop["postgresql"]},
    )


PAIRS = pairs_ddl(NAME_KEY)
SEARCH = search_ddl(NAME_KEY)
create_search_ddl = SEARCH.create_on
drop_search_ddl = SEARCH.drop_on
register = SEARCH.attach


def refresh_name_keys(connection, batch: int = 10_000) -> int:
    """Write each published name's search form where the stored one is not its name's (the rule
    changed: the migration; a name written by plain SQL: ``flask publication search-index``).
    Returns how many records were written (:func:`fieldapp.search_objects.refresh_search_keys`)."""
    return refresh_search_keys(connection, "published_result", "subject_name", NAME_KEY, batch)
