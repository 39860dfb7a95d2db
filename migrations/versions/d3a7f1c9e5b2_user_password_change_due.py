"""An account whose password an administrator chose must set its own at the next login

Revision ID: d3a7f1c9e5b2
Revises: c9e1a3b5d7f2
Create Date: 2026-12-01 15:10:00

"""
from alembic import op
import sqlalchemy as sa

from fieldapp.visits.list_token import create_triggers, drop_triggers


# revision identifiers, used by Alembic.
revision = 'd3a7f1c9e5b2'
down_revision = 'c9e1a3b5d7f2'
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (SQLite takes one with a constant default): a batch copy of the table would
    # break the triggers on it (fieldapp.visits.list_token).
    op.add_column('user_account', sa.Column('password_change_due', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    drop_triggers(op.get_bind())
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('password_change_due')
    create_triggers(op.get_bind())
