"""Per-user session version: logout and a password change end every session cookie

Revision ID: e7a1c9d3f2b6
Revises: d5e6f7a8b902, e20390fbc442
Create Date: 2026-11-30 10:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7a1c9d3f2b6'
down_revision = ('d5e6f7a8b902', 'e20390fbc442')  # also joins the two heads on main
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('session_version')
