"""Published records keep the plan name (抽查计划名称); client ids are stored in lower case.

Revision ID: c4e1a7d2b9f0
Revises: d5e8f1a2b3c4
Create Date: 2026-11-30 10:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'c4e1a7d2b9f0'
down_revision = 'd5e8f1a2b3c4'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (no table rebuild: the name-search triggers on SQLite stay in place).
    op.add_column('published_result', sa.Column('plan_name', sa.Text(), nullable=False, server_default=''))
    # Client ids are compared case-insensitively: the same UUID in upper case is the same submission.
    op.execute("UPDATE submission SET uuid = lower(uuid) WHERE uuid <> lower(uuid)")


def downgrade():
    op.drop_column('published_result', 'plan_name')
