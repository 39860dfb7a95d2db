"""Device logins: a long-lived, revocable login per phone or browser

Revision ID: d5e8f1a2b3c4
Revises: b1c2d3e4f501
Create Date: 2026-11-30 10:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd5e8f1a2b3c4'
down_revision = 'b1c2d3e4f501'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('device_login',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_sha256', sa.String(length=64), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('last_used_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_reason', sa.String(length=20), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_device_login_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_device_login')),
    sa.UniqueConstraint('token_sha256', name=op.f('uq_device_login_token_sha256'))
    )
    with op.batch_alter_table('device_login', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_device_login_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('device_login', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_device_login_user_id'))
    op.drop_table('device_login')
