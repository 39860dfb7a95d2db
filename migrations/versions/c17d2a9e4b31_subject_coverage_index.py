"""subject index for the dashboards' coverage: kind, status, division, id

Revision ID: c17d2a9e4b31
Revises: f1a2b3c4d5e6
Create Date: 2026-11-30 13:20:00

"""
from alembic import op


revision = 'c17d2a9e4b31'
down_revision = 'f1a2b3c4d5e6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        'ix_subject_kind_status_division', 'subject', ['kind', 'status', 'division_code', 'id'], unique=False
    )


def downgrade():
    op.drop_index('ix_subject_kind_status_division', table_name='subject')
