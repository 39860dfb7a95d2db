"""draw inputs frozen when the commitment is published

Revision ID: a7c3e9f1b2d4
Revises: e3b7c1d9a4f2
Create Date: 2026-12-01 04:00:00

A commitment now keeps the pool, the task's numbers, the teams and the declared conflicts as they
were when it was published (``fieldapp/draws/inputs.py``), and its public record carries their
hashes: someone who learns the seed and the lottery result before the draw is run can no longer
steer it by editing subjects, the task or the roster in between. Existing commitments keep NULL
(their draws read the inputs at the draw, as before).

A replacement inspector (``draw_assignment.skipped``) keeps the certificates ranked before it that
were passed over and why; each replacement is a record of the public chain.
"""

import sqlalchemy as sa
from alembic import op

revision = "a7c3e9f1b2d4"
down_revision = "e3b7c1d9a4f2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("draw_commitment") as batch:
        batch.add_column(sa.Column("inputs_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("frozen_pool", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("frozen_ids", sa.LargeBinary(), nullable=True))
        batch.add_column(sa.Column("frozen_inputs", sa.JSON(), nullable=True))
    with op.batch_alter_table("draw_assignment") as batch:
        batch.add_column(sa.Column("skipped", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("draw_assignment") as batch:
        batch.drop_column("skipped")
    with op.batch_alter_table("draw_commitment") as batch:
        batch.drop_column("frozen_inputs")
        batch.drop_column("frozen_ids")
        batch.drop_column("frozen_pool")
        batch.drop_column("inputs_on")
