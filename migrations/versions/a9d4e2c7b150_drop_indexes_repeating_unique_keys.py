"""drop the indexes that repeat a unique constraint's leading column: draw_selection.draw_id,
visit_task.visit_id, visit_inspector.visit_id (each unique constraint begins with that column and
serves as its index; a draw writes these rows by the tens of thousands)

Revision ID: a9d4e2c7b150
Revises: c17d2a9e4b31
Create Date: 2026-11-30 17:00:00

"""

from alembic import op


revision = "a9d4e2c7b150"
down_revision = "c17d2a9e4b31"
branch_labels = None
depends_on = None

INDEXES = (
    ("ix_draw_selection_draw_id", "draw_selection", "draw_id"),
    ("ix_visit_task_visit_id", "visit_task", "visit_id"),
    ("ix_visit_inspector_visit_id", "visit_inspector", "visit_id"),
)


def upgrade():
    for name, table, _column in INDEXES:
        op.drop_index(name, table_name=table)


def downgrade():
    for name, table, column in INDEXES:
        op.create_index(name, table, [column], unique=False)
