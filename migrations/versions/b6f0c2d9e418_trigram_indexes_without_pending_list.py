"""the name-search trigram indexes keep no pending list (GIN ``fastupdate = off``)

Revision ID: b6f0c2d9e418
Revises: c4e8a1f0b7d2
Create Date: 2026-11-30 19:00:00

With GIN's pending list, rows written since the last vacuum wait unsorted and every name search
reads all of them (up to 4 MB per index); without it a write sorts its trigrams into the index at
once. The entries already waiting are moved into the index here.
"""

from alembic import op

revision = "b6f0c2d9e418"
down_revision = "c4e8a1f0b7d2"
branch_labels = None
depends_on = None

INDEXES = ("ix_subject_name_trgm", "ix_published_result_name_trgm")


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for index in INDEXES:
        op.execute(f"ALTER INDEX IF EXISTS {index} SET (fastupdate = off)")
        op.execute(f"SELECT gin_clean_pending_list(c.oid) FROM pg_class c WHERE c.relname = '{index}'")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for index in INDEXES:
        op.execute(f"ALTER INDEX IF EXISTS {index} RESET (fastupdate)")
