"""published names' pairs of characters, indexed for two-character searches (PostgreSQL)

Revision ID: a7c3e5f9b1d4
Revises: c3e8a1f5d027
Create Date: 2026-11-30 22:30:00

Two characters (超市, 加油) are below a trigram: the public search looked for them in every
published record when few or none hold them. A GIN index on each name's pairs of characters
(``name_pairs``) answers them with one probe. SQLite: nothing (its FTS5 index is trigrams).
"""

from alembic import op

from fieldapp.publication.search_ddl import pairs_ddl

# As this revision made it: over the name as registered (a later one indexes its search form).
PAIRS = pairs_ddl("subject_name")

revision = "a7c3e5f9b1d4"
down_revision = "c3e8a1f5d027"
branch_labels = None
depends_on = None


def upgrade():
    PAIRS.create_on(op.get_bind())


def downgrade():
    PAIRS.drop_on(op.get_bind())
