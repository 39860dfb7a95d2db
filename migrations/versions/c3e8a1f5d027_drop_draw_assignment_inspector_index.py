"""drop draw_assignment's index on inspector_id: no query looks assignments up by inspector (the
workload counts by draw and certificate number), and a draw writes its assignments by the hundred
thousand (about 0.07 s CPU of a 1,000,000-subject draw on SQLite)

Revision ID: c3e8a1f5d027
Revises: b6f0c2d9e418
Create Date: 2026-11-30 19:40:00

"""

from alembic import op


revision = "c3e8a1f5d027"
down_revision = "b6f0c2d9e418"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_index("ix_draw_assignment_inspector_id", table_name="draw_assignment")


def downgrade():
    op.create_index("ix_draw_assignment_inspector_id", "draw_assignment", ["inspector_id"], unique=False)
