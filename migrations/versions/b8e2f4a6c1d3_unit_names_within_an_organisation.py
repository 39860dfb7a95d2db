"""unit names unique within an organisation, not across the database

Revision ID: b8e2f4a6c1d3
Revises: a7c3e5f9b1d4
Create Date: 2026-12-01 00:45:00

A province deployment holds several cities, each with its own 计量科: the database-wide unique
name goes. The organisation loader keeps names unique within a city's (or the province's) own units
(``Unit``'s docstring); the database keeps what a constraint can say, no two children of one parent
with the same name. Downgrading restores the database-wide constraint, which fails on a database
that holds two units of one name (rename them first).
"""

from alembic import op

from fieldapp.publication import generation
from fieldapp.visits import list_token

revision = "b8e2f4a6c1d3"
down_revision = "a7c3e5f9b1d4"
branch_labels = None
depends_on = None


def _restore_triggers() -> None:
    """SQLite rebuilds the table to change a constraint and loses its triggers: make them again
    (every statement is ``IF NOT EXISTS``). PostgreSQL alters the table in place."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        generation.create_triggers(bind)
        list_token.create_triggers(bind)


def upgrade():
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_unit_name"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_unit_parent_id_name"), ["parent_id", "name"])
    _restore_triggers()


def downgrade():
    with op.batch_alter_table("unit", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_unit_parent_id_name"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_unit_name"), ["name"])
    _restore_triggers()
