"""a draw keeps its task and unit as they were named when it was drawn

Revision ID: c8e2f4a6b1d3
Revises: f4c2a8d6e1b3
Create Date: 2026-12-01 11:00:00

The bundle of a draw names its task (number, name, plan year) and unit, and the draw's record in the
public chain hashes the bundle. Both were read from the task and unit as they are now, so renaming a
task or a unit after its draw made ``flask draw verify`` and ``verify_draw.py`` report the draw as
rewritten. ``draw.heading`` keeps them as drawn; existing draws keep NULL (named as now, as before).
"""

import sqlalchemy as sa
from alembic import op

revision = "c8e2f4a6b1d3"
down_revision = "f4c2a8d6e1b3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("draw") as batch:
        batch.add_column(sa.Column("heading", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("draw") as batch:
        batch.drop_column("heading")
