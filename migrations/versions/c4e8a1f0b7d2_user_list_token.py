"""The list token: a value the database changes on every change an inspector's list shows

Revision ID: c4e8a1f0b7d2
Revises: a9d4e2c7b150
Create Date: 2026-11-30 19:00:00

``user_account.list_token`` is changed by triggers on visit, visit_task, visit_inspector,
submission, task, subject, inspector and unit (fieldapp/visits/list_token.py); each worker keeps
an inspector's 我的任务 page under it and answers it before Flask while it holds.
"""

import sqlalchemy as sa
from alembic import op

from fieldapp.visits.list_token import create_triggers, drop_triggers

revision = "c4e8a1f0b7d2"
down_revision = "a9d4e2c7b150"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("list_token", sa.BigInteger(), server_default="0", nullable=False))
    bind = op.get_bind()
    random = (
        "abs(random()) % 9007199254740991"
        if bind.dialect.name == "sqlite"
        else "floor(random() * 9007199254740991)::bigint"
    )
    op.execute(f"UPDATE user_account SET list_token = {random}")
    create_triggers(bind)


def downgrade():
    drop_triggers(op.get_bind())
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("list_token")
