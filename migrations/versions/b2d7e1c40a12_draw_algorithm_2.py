"""draw algorithm 2: sealed seeds, external value W, abandon reasons, public chain, pool and
inspector files

Revision ID: b2d7e1c40a12
Revises: c4dfea86f2fc
Create Date: 2026-11-30 10:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b2d7e1c40a12'
down_revision = 'c4dfea86f2fc'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('draw_commitment', schema=None) as batch_op:
        batch_op.alter_column('seed_hex', existing_type=sa.String(length=64), nullable=True)
        batch_op.add_column(sa.Column('seed_nonce_hex', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('external_kind', sa.String(length=12), nullable=False,
                                      server_default='witness'))
        batch_op.add_column(sa.Column('external_description', sa.Text(), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('external_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('abandon_reason', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('draw', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pool_ids_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('inspectors_file', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('inspectors_sha256', sa.String(length=64), nullable=True))
    op.create_table(
        'draw_record',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sequence', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('previous', sa.String(length=64), nullable=True),
        sa.Column('commitment_id', sa.Integer(), nullable=True),
        sa.Column('draw_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['commitment_id'], ['draw_commitment.id']),
        sa.ForeignKeyConstraint(['draw_id'], ['draw.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('previous'),
        sa.UniqueConstraint('sequence'),
        sa.UniqueConstraint('sha256'),
    )
    with op.batch_alter_table('draw_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_draw_record_commitment_id'), ['commitment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_draw_record_draw_id'), ['draw_id'], unique=False)


def downgrade():
    with op.batch_alter_table('draw_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_draw_record_draw_id'))
        batch_op.drop_index(batch_op.f('ix_draw_record_commitment_id'))
    op.drop_table('draw_record')
    with op.batch_alter_table('draw', schema=None) as batch_op:
        batch_op.drop_column('inspectors_sha256')
        batch_op.drop_column('inspectors_file')
        batch_op.drop_column('pool_ids_sha256')
    with op.batch_alter_table('draw_commitment', schema=None) as batch_op:
        batch_op.drop_column('abandon_reason')
        batch_op.drop_column('external_date')
        batch_op.drop_column('external_description')
        batch_op.drop_column('external_kind')
        batch_op.drop_column('seed_nonce_hex')
        batch_op.alter_column('seed_hex', existing_type=sa.String(length=64), nullable=False)
