"""the directory's names searched by their search form (full/half width, spaces, case as one)

Revision ID: e3b7c1d9a4f2
Revises: c4d7e9f1a2b5
Create Date: 2026-12-01 04:00:00

The supervisors' subject search compared the typed fragment with the name as registered: ＡＢＣ超市,
abc超市 or 太原　市 (an ideographic space) missed ABC超市 and 太原 市. ``subject.name_key`` holds the
name's search form (:func:`fieldapp.search_objects.search_key`, which the query side uses too, as
``published_result.subject_name_key`` does since d9f4b2c6e8a1), filled here for the subjects
already there; the trigram index (SQLite: the FTS5 table and its triggers) is built on it instead
of the name, which is still what is shown.

A directory holds up to a million subjects or more: the keys are computed in batches of
:data:`BATCH` read by id and written with one statement a batch on PostgreSQL (an array join), an
executemany on SQLite (:func:`fieldapp.subjects.search_ddl.refresh_name_keys`), with the old search
index dropped first and the new one built once at the end. 1,000,000 subjects on a shared 2-core
machine (load 9): 64 s on SQLite, 315 s on PostgreSQL, of which 282 s the UPDATE (each row's new
version entered in the table's seven other indexes); 100,000: 7 s and 27 s.
"""

import sqlalchemy as sa
from alembic import op

from fieldapp.subjects.search_ddl import refresh_name_keys, search_ddl

revision = "e3b7c1d9a4f2"
down_revision = "c4d7e9f1a2b5"
branch_labels = None
depends_on = None

BATCH = 10_000


def upgrade():
    bind = op.get_bind()
    search_ddl("name").drop_on(bind)
    op.add_column("subject", sa.Column("name_key", sa.Text(), nullable=False, server_default=""))
    refresh_name_keys(bind, BATCH)  # the column is new: every row with a name
    search_ddl("name_key").create_on(bind)


def downgrade():
    bind = op.get_bind()
    search_ddl("name_key").drop_on(bind)
    op.drop_column("subject", "name_key")
    search_ddl("name").create_on(bind)
