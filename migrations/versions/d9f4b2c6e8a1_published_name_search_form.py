"""published names searched by their search form (full/half width, NFC/NFD, case as one)

Revision ID: d9f4b2c6e8a1
Revises: b8e2f4a6c1d3
Create Date: 2026-12-01 02:00:00

A name registered with full-width brackets, letters or digits (朔州市（民福）加油站, ＡＢＣ商店,
第１分店), or stored decomposed, was not found by the same name typed half width on a phone.
``published_result.subject_name_key`` holds the name's search form
(:func:`fieldapp.search_objects.search_key`, which the query side uses too), filled here for the
names already published; the trigram index (SQLite: the FTS5 table), the pairs index and the
listing index are built on it instead of the name as registered, which is still what is shown.
"""

import sqlalchemy as sa
from alembic import op

from fieldapp.publication.search_ddl import search_ddl
from fieldapp.search_objects import search_key

revision = "d9f4b2c6e8a1"
down_revision = "b8e2f4a6c1d3"
branch_labels = None
depends_on = None

LISTING = "ix_published_result_listing"
BATCH = 1000


def _fill_keys(bind) -> None:
    """Every published name's search form, in batches by id (the same function the search uses)."""
    last = 0
    while True:
        rows = bind.execute(
            sa.text("SELECT id, subject_name FROM published_result WHERE id > :last ORDER BY id LIMIT :n"),
            {"last": last, "n": BATCH},
        ).all()
        if not rows:
            return
        bind.execute(
            sa.text("UPDATE published_result SET subject_name_key = :key WHERE id = :id"),
            [{"id": row.id, "key": search_key(row.subject_name)} for row in rows],
        )
        last = rows[-1].id


def upgrade():
    bind = op.get_bind()
    search_ddl("subject_name").drop_on(bind)
    op.drop_index(LISTING, table_name="published_result")
    op.add_column("published_result", sa.Column("subject_name_key", sa.Text(), nullable=False, server_default=""))
    _fill_keys(bind)
    op.create_index(LISTING, "published_result", ["published_on", "id", "subject_name_key"])
    search_ddl("subject_name_key").create_on(bind)


def downgrade():
    bind = op.get_bind()
    search_ddl("subject_name_key").drop_on(bind)
    op.drop_index(LISTING, table_name="published_result")
    op.drop_column("published_result", "subject_name_key")
    op.create_index(LISTING, "published_result", ["published_on", "id", "subject_name"])
    search_ddl("subject_name").create_on(bind)
