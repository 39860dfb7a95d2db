"""public generation: a token the database changes on every change the public search shows

Revision ID: f1a2b3c4d5e6
Revises: b3c1d2e4f5a6
Create Date: 2026-11-30 13:10:00

The public search's page cache and ETags are valid for one value of ``public_generation.value``;
triggers on published_result, subject (renames), unit, task and plan change it, whoever writes.
"""

import sqlalchemy as sa
from alembic import op

from fieldapp.publication.generation import create_triggers, drop_triggers

revision = "f1a2b3c4d5e6"
down_revision = "b3c1d2e4f5a6"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "public_generation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_public_generation")),
    )
    create_triggers(op.get_bind())


def downgrade():
    drop_triggers(op.get_bind())
    op.drop_table("public_generation")
