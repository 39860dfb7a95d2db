"""A published record can be withdrawn (撤销): its last version says so

Revision ID: b5d2e8f4a9c1
Revises: c8e2f4a6b1d3
Create Date: 2026-12-01 11:15:00

A withdrawal is a version of its own, like a correction: the record's fields as last published, the
reason, and ``withdrawn`` set; no version of the record is current any more, so it leaves the
search, the firm's and the task's lists and the exports, while its own page says it was withdrawn.
"""

from alembic import op
import sqlalchemy as sa

revision = "b5d2e8f4a9c1"
down_revision = "c8e2f4a6b1d3"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("published_result", sa.Column("withdrawn", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("published_result", schema=None) as batch_op:
        batch_op.drop_column("withdrawn")
