"""Seed commitments: publish one (naming the external value W that will be mixed in), abandon one
(only with a written reason: it stays public with its seed), reveal a seed when it is used."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from ..auth.models import Unit, User
from .. import clock
from ..extensions import db, rows_changed
from ..plans.models import Task
from . import algorithm, chain, inputs, rules, seeds
from .models import CommitmentStatus, DrawCommitment, ExternalKind
from .readiness import check_drawable
from .rules import DrawRefused, check_round, current_draw


def open_commitment(task: Task, round_: int, unit: Unit) -> DrawCommitment | None:
    return db.session.scalar(
        select(DrawCommitment)
        .where(
            DrawCommitment.task_id == task.id,
            DrawCommitment.round == round_,
            DrawCommitment.unit_id == unit.id,
            DrawCommitment.status == CommitmentStatus.OPEN,
        )
        .order_by(DrawCommitment.sequence.desc())
    )


def external_of(commitment: DrawCommitment) -> dict:
    """The external value's description, as published with the commitment."""
    return {
        "kind": str(commitment.external_kind),
        "description": commitment.external_description,
        "date": commitment.external_date.isoformat() if commitment.external_date else None,
    }


def _check_external(kind: str, description: str, when: date | None, today: date) -> None:
    if kind not in (ExternalKind.LOTTERY, ExternalKind.WITNESS):
        raise DrawRefused(_l("Choose where the external value comes from."))
    if kind == ExternalKind.LOTTERY:
        if not description:
            raise DrawRefused(_l("Name the lottery and its draw (for example 体彩排列5 and the issue number)."))
        if when is None or when < today:
            raise DrawRefused(_l("The lottery must be drawn today or later: its result is not known yet."))


def _check_round_open(task: Task, round_: int, unit: Unit, redraw_reason: str) -> None:
    if current_draw(task, round_, unit) is not None and not redraw_reason:
        raise DrawRefused(_l("This round has been drawn. A redraw needs a written reason."))
    if open_commitment(task, round_, unit) is not None:
        raise DrawRefused(_l("A commitment of this round is open: draw with it, or abandon it with a written reason."))


def commit(
    task: Task,
    round_: int,
    unit: Unit,
    user: User | None = None,
    redraw_reason: str = "",
    external_kind: str = ExternalKind.WITNESS,
    external_description: str = "",
    external_date: date | None = None,
    exception_reason: str = "",
) -> DrawCommitment:
    """Publish SHA-256 of a new seed (the seed itself stays out of the database until revealed),
    with the source of W. An open commitment must be abandoned, with a reason, first.

    A draft plan's task is refused; a task with warnings (``readiness.py``: rules unconfirmed,
    empty pool, over capacity, outside the window) needs ``exception_reason``, published with it."""
    check_round(task, round_, unit)
    moment = rules.now_utc()  # published with the commitment; its day in Beijing judges the inputs
    today = clock.local_date(moment)
    exceptions = check_drawable(task, unit, today, exception_reason)
    redraw_reason = (redraw_reason or "").strip()
    external_description = seeds.normalise_external_value(external_description)
    _check_round_open(task, round_, unit, redraw_reason)
    _check_external(external_kind, external_description, external_date, today)
    if external_kind != ExternalKind.LOTTERY:
        external_date = None
    frozen = inputs.take(task, round_, unit, today)  # what the draw will be made from
    for _attempt in range(5):
        nonce = seeds.new_nonce()
        sequence = (db.session.scalar(select(func.max(DrawCommitment.sequence))) or 0) + 1
        commitment = DrawCommitment(
            sequence=sequence,
            task_id=task.id,
            round=round_,
            unit_id=unit.id,
            seed_hex=None,
            seed_nonce_hex=nonce,
            commitment_hex=algorithm.commitment_of(seeds.seed_from_nonce(nonce)),
            redraw_reason=redraw_reason,
            external_kind=external_kind,
            external_description=external_description,
            external_date=external_date,
            exception_reason=(exception_reason or "").strip() if exceptions else "",
            exceptions=exceptions,
            created_by_id=user.id if user else None,
            created_at=moment,
        )
        inputs.store(commitment, frozen)
        db.session.add(commitment)
        try:
            db.session.flush()
            published = {"commitment": _published(commitment, task, unit), "inputs": inputs.published(frozen)}
            chain.append("commitment", published, commitment_id=commitment.id)
            db.session.commit()
            return commitment
        except (IntegrityError, OperationalError):
            db.session.rollback()
    raise DrawRefused(_l("The commitment could not be saved; please try again."))


def _published(commitment: DrawCommitment, task: Task, unit: Unit) -> dict:
    return {
        "sequence": commitment.sequence,
        "sha256": commitment.commitment_hex,
        "task": {"id": task.id, "number": task.number, "plan_year": task.plan.year},
        "round": commitment.round,
        "unit": unit.code,
        "external": external_of(commitment),
        "redraw_reason": commitment.redraw_reason,
        "published_at": rules.published_time(commitment.created_at),
        **(
            {"exception_reason": commitment.exception_reason, "exceptions": commitment.exceptions}
            if commitment.exception_reason
            else {}
        ),
    }


def abandon(commitment: DrawCommitment, reason: str, user: User | None = None) -> DrawCommitment:
    """Give up an open commitment: only with a written reason; its seed is published at once."""
    reason = (reason or "").strip()
    if not reason:
        raise DrawRefused(_l("Give the reason for abandoning this commitment."))
    seed = seeds.seed_of(commitment)
    if _mark_abandoned(commitment, reason, seed) != 1:
        db.session.rollback()
        raise DrawRefused(_l("This commitment is no longer open."))
    published = {
        "commitment": {"sequence": commitment.sequence, "sha256": commitment.commitment_hex},
        "seed": seed.hex(),
        "reason": reason,
    }
    for attempt in range(3):  # another record appended a moment ago: append after it
        try:
            chain.append("abandonment", published, commitment_id=commitment.id)
            db.session.commit()
            break
        except (IntegrityError, OperationalError):
            db.session.rollback()
            if attempt == 2:
                raise
            _mark_abandoned(commitment, reason, seed)
    db.session.refresh(commitment)
    return commitment


def _mark_abandoned(commitment: DrawCommitment, reason: str, seed: bytes) -> int:
    return rows_changed(
        update(DrawCommitment)
        .where(DrawCommitment.id == commitment.id, DrawCommitment.status == CommitmentStatus.OPEN)
        .values(
            status=CommitmentStatus.ABANDONED,
            closed_at=rules.now_utc(),
            abandon_reason=reason,
            seed_hex=seed.hex(),
        )
        .execution_options(synchronize_session=False)
    )


def abandoned_count(task_id: int, round_: int, unit_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(DrawCommitment)
            .where(
                DrawCommitment.task_id == task_id,
                DrawCommitment.round == round_,
                DrawCommitment.unit_id == unit_id,
                DrawCommitment.status == CommitmentStatus.ABANDONED,
            )
        )
        or 0
    )
