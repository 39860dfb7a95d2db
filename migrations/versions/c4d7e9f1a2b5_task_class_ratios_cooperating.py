"""tasks keep their ratios by credit class and their cooperating departments (配合部门)

Revision ID: c4d7e9f1a2b5
Revises: d9f4b2c6e8a1
Create Date: 2026-12-01 04:00:00

``task.class_ratios`` holds the ratios a plan gives per credit class (A类1%、B类3% …) as read into the
task's ratio and risk multipliers, with the supervisor's confirmation; ``task.cooperating_departments``
the 配合部门 (联合部门, 协同部门 …) column, which was kept only among the task's original cells.
"""

import sqlalchemy as sa
from alembic import op

revision = "c4d7e9f1a2b5"
down_revision = "d9f4b2c6e8a1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("task") as batch:
        batch.add_column(sa.Column("class_ratios", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("cooperating_departments", sa.Text(), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("task") as batch:
        batch.drop_column("cooperating_departments")
        batch.drop_column("class_ratios")
