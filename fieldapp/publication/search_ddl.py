"""Name-search indexes on ``published_result.subject_name`` that the models cannot express (as in
:mod:`fieldapp.subjects.search_ddl`, both from :func:`fieldapp.search_objects.trigram_search`): a
pg_trgm GIN index on PostgreSQL, an FTS5 trigram table kept in sync by triggers on SQLite.
Registered for ``db.create_all()`` in the models; for an Alembic migration::

    from fieldapp.publication.search_ddl import create_search_ddl, drop_search_ddl
    def upgrade():  ...; create_search_ddl(op.get_bind())
    def downgrade(): drop_search_ddl(op.get_bind()); ...
"""

from __future__ import annotations

from ..search_objects import trigram_search

SEARCH = trigram_search("published_result", "subject_name")
create_search_ddl = SEARCH.create_on
drop_search_ddl = SEARCH.drop_on
register = SEARCH.attach
