"""inspection item → checklist mapping: national code, state, suggestions, who confirmed

Revision ID: d5e6f7a8b902
Revises: e20390fbc442
Create Date: 2026-11-30 10:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd5e6f7a8b902'
down_revision = 'e20390fbc442'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inspection_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('national_code', sa.String(length=40), server_default='', nullable=False))
        batch_op.add_column(sa.Column('mapping_state', sa.String(length=12), server_default='', nullable=False))
        batch_op.add_column(sa.Column('suggestions', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('mapping_confirmed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('mapping_confirmed_at', sa.DateTime(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_inspection_item_mapping_confirmed_by_id_user_account'), 'user_account',
            ['mapping_confirmed_by_id'], ['id'],
        )


def downgrade():
    with op.batch_alter_table('inspection_item', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_inspection_item_mapping_confirmed_by_id_user_account'), type_='foreignkey')
        batch_op.drop_column('mapping_confirmed_at')
        batch_op.drop_column('mapping_confirmed_by_id')
        batch_op.drop_column('suggestions')
        batch_op.drop_column('mapping_state')
        batch_op.drop_column('national_code')
