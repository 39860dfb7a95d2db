"""Read-only queries for the draw pages."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from ..auth import access
from ..auth.models import Unit, UnitKind
from ..extensions import db
from ..plans.models import Plan, Task
from .models import CommitmentStatus, Draw, DrawAssignment, DrawCommitment, DrawSelection, DrawStatus, JointInvitation
from .pools import executing_units


def plans_with_tasks() -> Sequence[Plan]:
    return db.session.scalars(select(Plan).order_by(Plan.year.desc(), Plan.id.desc())).all()


def units_for_user(task: Task, user) -> list[Unit]:
    """The executing units of ``task`` the user may draw for (a county supervisor: her bureau)."""
    return [u for u in executing_units(task) if access.may_see(user, u)]


def round_states(task: Task, units: list[Unit]) -> dict[tuple[int, int], dict]:
    """For each (unit id, round): the valid draw and the open commitment, if any."""
    states: dict[tuple[int, int], dict] = {}
    unit_ids = [u.id for u in units]
    for draw in db.session.scalars(
        select(Draw).where(Draw.task_id == task.id, Draw.unit_id.in_(unit_ids), Draw.status == DrawStatus.VALID)
    ):
        states.setdefault((draw.unit_id, draw.round), {})["draw"] = draw
    for commitment in db.session.scalars(
        select(DrawCommitment).where(
            DrawCommitment.task_id == task.id,
            DrawCommitment.unit_id.in_(unit_ids),
            DrawCommitment.status == CommitmentStatus.OPEN,
        )
    ):
        states.setdefault((commitment.unit_id, commitment.round), {})["commitment"] = commitment
    return states


def commitments_of_round(task: Task, round_: int, unit: Unit) -> Sequence[DrawCommitment]:
    return db.session.scalars(
        select(DrawCommitment)
        .where(DrawCommitment.task_id == task.id, DrawCommitment.round == round_, DrawCommitment.unit_id == unit.id)
        .order_by(DrawCommitment.sequence)
    ).all()


def draws_of_round(task: Task, round_: int, unit: Unit) -> Sequence[Draw]:
    return db.session.scalars(
        select(Draw).where(Draw.task_id == task.id, Draw.round == round_, Draw.unit_id == unit.id).order_by(Draw.number)
    ).all()


def invitations_of(task: Task) -> Sequence[JointInvitation]:
    return db.session.scalars(
        select(JointInvitation).where(JointInvitation.task_id == task.id).order_by(JointInvitation.id)
    ).all()


def departments(user) -> Sequence[Unit]:
    """The departments in the user's area (those a task of theirs may invite)."""
    stmt = select(Unit).where(Unit.kind == UnitKind.DEPARTMENT).order_by(Unit.code)
    return db.session.scalars(access.scope_units(stmt, Unit.id, user)).all()


def public_draws(page: int):
    return db.paginate(select(Draw).order_by(Draw.id.desc()), page=page, per_page=50, error_out=False)


def public_commitments(page: int):
    return db.paginate(
        select(DrawCommitment).order_by(DrawCommitment.sequence.desc()), page=page, per_page=50, error_out=False
    )


def replacements(draw: Draw) -> Sequence[DrawAssignment]:
    """The inspectors matched after the draw in place of another (each with its written reason), in order."""
    return db.session.scalars(
        select(DrawAssignment)
        .join(DrawSelection, DrawSelection.id == DrawAssignment.selection_id)
        .where(DrawSelection.draw_id == draw.id, DrawAssignment.replaces_id.is_not(None))
        .order_by(DrawAssignment.id)
    ).all()
