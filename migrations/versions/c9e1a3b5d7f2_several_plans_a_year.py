"""several plans a unit and year: one per document (本部门 and 部门联合)

Revision ID: c9e1a3b5d7f2
Revises: b8e2d4f6a1c3
Create Date: 2026-12-01 11:00:00

A bureau publishes its own 本部门抽查计划 and the 部门联合抽查计划 with other departments: the unique
(unit, year) goes. What stays unique is the document: ``plan.document_key`` (its 文号 and title in
comparing form, :func:`fieldapp.plans.identity.document_key`) per unit and year. ``plan.kind`` says
本部门 (own) or 部门联合 (joint), read from the title (:func:`fieldapp.plans.identity.plan_kind`); both
are filled here for the plans already there (one per unit and year, so the keys cannot collide).
Downgrading restores the one-plan-a-year constraint, which fails while a unit holds two plans of one
year (merge or delete one first).
"""

import sqlalchemy as sa
from alembic import op

from fieldapp.plans.identity import document_key, plan_kind
from fieldapp.publication import generation
from fieldapp.visits import list_token

revision = "c9e1a3b5d7f2"
down_revision = "b8e2d4f6a1c3"
branch_labels = None
depends_on = None


def _restore_triggers() -> None:
    """SQLite rebuilds the table to change a constraint and loses its triggers (``plan`` is watched
    by the public generation): make them again. PostgreSQL alters the table in place."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        generation.create_triggers(bind)
        list_token.create_triggers(bind)


def upgrade():
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=20), nullable=False, server_default="own"))
        batch_op.add_column(sa.Column("document_key", sa.String(length=300), nullable=False, server_default=""))
        batch_op.drop_constraint(batch_op.f("uq_plan_unit_id_year"), type_="unique")
    plan = sa.table(
        "plan",
        sa.column("id", sa.Integer),
        sa.column("title", sa.String),
        sa.column("doc_number", sa.String),
        sa.column("kind", sa.String),
        sa.column("document_key", sa.String),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(plan.c.id, plan.c.title, plan.c.doc_number)).all()
    for plan_id, title, doc_number in rows:
        bind.execute(
            plan.update()
            .where(plan.c.id == plan_id)
            .values(kind=plan_kind(title).value, document_key=document_key(title, doc_number))
        )
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_plan_unit_id_year_document_key"), ["unit_id", "year", "document_key"]
        )
    _restore_triggers()


def downgrade():
    with op.batch_alter_table("plan", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_plan_unit_id_year_document_key"), type_="unique")
        batch_op.create_unique_constraint(batch_op.f("uq_plan_unit_id_year"), ["unit_id", "year"])
        batch_op.drop_column("document_key")
        batch_op.drop_column("kind")
    _restore_triggers()
