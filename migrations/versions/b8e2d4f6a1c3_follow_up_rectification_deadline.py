"""follow-up cases: 整改期限 (rectification deadline) and whether a case was closed by it

Revision ID: b8e2d4f6a1c3
Revises: b5d2e8f4a9c1
Create Date: 2026-12-01 11:00:00

A 责令改正 case could stay open for ever with nobody told. ``rectify_by`` is its last day (as the
calendar has it), given as a date (``rectify_on``) or as working days from the check
(``rectify_working_days``); ``rectify_by_fallback`` says it was counted on the provisional
calendar. ``closed_on_time`` is recorded when the case is closed (NULL: no deadline). Cases already
there have no deadline: nothing to fill.
"""

import sqlalchemy as sa
from alembic import op

revision = "b8e2d4f6a1c3"
down_revision = "b5d2e8f4a9c1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("follow_up_case", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rectify_by", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("rectify_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("rectify_working_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("rectify_by_fallback", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("closed_on_time", sa.Boolean(), nullable=True))
        batch_op.create_index(batch_op.f("ix_follow_up_case_rectify_by"), ["rectify_by"], unique=False)


def downgrade():
    with op.batch_alter_table("follow_up_case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_follow_up_case_rectify_by"))
        batch_op.drop_column("closed_on_time")
        batch_op.drop_column("rectify_by_fallback")
        batch_op.drop_column("rectify_working_days")
        batch_op.drop_column("rectify_on")
        batch_op.drop_column("rectify_by")
