"""task ratio kept exactly (8 decimal places: 0.125% is 0.00125); subject industry code;
a draw's exception reason

Revision ID: b1c2d3e4f501
Revises: b2d7e1c40a12
Create Date: 2026-11-30 09:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b1c2d3e4f501'
down_revision = 'b2d7e1c40a12'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('draw_commitment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('exception_reason', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('exceptions', sa.JSON(), server_default='[]', nullable=False))
    with op.batch_alter_table('subject', schema=None) as batch_op:
        batch_op.add_column(sa.Column('industry_code', sa.String(length=5), server_default='', nullable=False))
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.alter_column('ratio', existing_type=sa.Numeric(precision=7, scale=4),
                              type_=sa.Numeric(precision=12, scale=8), existing_nullable=True)


def downgrade():
    with op.batch_alter_table('draw_commitment', schema=None) as batch_op:
        batch_op.drop_column('exceptions')
        batch_op.drop_column('exception_reason')
    with op.batch_alter_table('subject', schema=None) as batch_op:
        batch_op.drop_column('industry_code')
    with op.batch_alter_table('task', schema=None) as batch_op:
        batch_op.alter_column('ratio', existing_type=sa.Numeric(precision=12, scale=8),
                              type_=sa.Numeric(precision=7, scale=4), existing_nullable=True)
