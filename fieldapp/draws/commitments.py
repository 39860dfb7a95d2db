"""Seed commitments: publish one (naming the external value W that will be mixed in), abandon one
(only with a written reason: it stays public with its seed), reveal a seed when it is used."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

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


def lottery_may_be_known(published_on: date, lottery_on: date) -> bool:
    """Whether a lottery drawn on ``lottery_on`` may have had a public result when a commitment was
    published on ``published_on`` (days in Beijing). Only the day of a lottery draw is named, not
    its hour (体彩排列5 is drawn at 20:30): a lottery drawn on the commitment's own day may be."""
    return lottery_on <= published_on


def _check_external(kind: str, description: str, when: date | None, today: date) -> None:
    if kind not in (ExternalKind.LOTTERY, ExternalKind.WITNESS):
        raise DrawRefused(_l("Choose where the external value comes from."))
    if kind == ExternalKind.LOTTERY:
        if not description:
            raise DrawRefused(_l("Name the lottery and its draw (for example 体彩排列5 and the issue number)."))
        if when is None or lottery_may_be_known(today, when):
            raise DrawRefused(
                _l("The lottery must be drawn after today: the result of one drawn today may already be public.")
            )


def _check_round_open(task: Task, round_: int, unit: Unit, redraw_reason: str) -> None:
    if current_draw(task, round_, unit) is not None and not redraw_reason:
        raise DrawRefused(_l("This round has been drawn. A redraw needs a written reason."))
    if open_commitment(task, round_, unit) is not None:
        raise DrawRefused(_l("A commitment of this round is open: draw with it, or abandon it with a written reason."))


@dataclass
class CommitRequest:
    """What a supervisor asks for when publishing a commitment, checked by :func:`check_request`."""

    task: Task
    round: int
    unit: Unit
    user: User | None = None
    redraw_reason: str = ""
    external_kind: str = ExternalKind.WITNESS
    external_description: str = ""
    external_date: date | None = None
    exception_reason: str = ""


@dataclass
class Checked:
    """A request that passed every check, with its values normalised and the moment it is published."""

    request: CommitRequest
    moment: datetime
    today: date
    exceptions: list[dict]


def check_request(request: CommitRequest) -> Checked:
    """Every check a commitment passes before its inputs are taken (cheap: the web request makes
    them before it hands a large pool to the worker, and the worker makes them again)."""
    task, unit, round_ = request.task, request.unit, request.round
    check_round(task, round_, unit)
    moment = rules.now_utc()  # published with the commitment; its day in Beijing judges the inputs
    today = clock.local_date(moment)
    exceptions = check_drawable(task, unit, today, request.exception_reason)
    request.redraw_reason = (request.redraw_reason or "").strip()
    request.external_description = seeds.normalise_external_value(request.external_description)
    _check_round_open(task, round_, unit, request.redraw_reason)
    _check_external(request.external_kind, request.external_description, request.external_date, today)
    if request.external_kind != ExternalKind.LOTTERY:
        request.external_date = None
    return Checked(request, moment, today, exceptions)


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
    request = CommitRequest(
        task, round_, unit, user, redraw_reason, external_kind, external_description, external_date, exception_reason
    )
    return publish(check_request(request))


def publish(
    checked: Checked,
    on_frozen: Callable[[], None] | None = None,
    before_commit: Callable[[DrawCommitment], None] | None = None,
) -> DrawCommitment:
    """Take and freeze the inputs, and publish the commitment with its chain record: one transaction,
    so a run stopped half way leaves nothing. ``on_frozen()`` is told when the inputs are taken;
    ``before_commit(commitment)`` joins the transaction (a job's checkpoint)."""
    request = checked.request
    task, unit, round_ = request.task, request.unit, request.round
    frozen = inputs.take(task, round_, unit, checked.today)  # what the draw will be made from
    if on_frozen is not None:
        on_frozen()
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
            redraw_reason=request.redraw_reason,
            external_kind=request.external_kind,
            external_description=request.external_description,
            external_date=request.external_date,
            exception_reason=(request.exception_reason or "").strip() if checked.exceptions else "",
            exceptions=checked.exceptions,
            created_by_id=request.user.id if request.user else None,
            created_at=checked.moment,
        )
        inputs.store(commitment, frozen)
        db.session.add(commitment)
        try:
            db.session.flush()
            published = {"commitment": _published(commitment, task, unit), "inputs": inputs.published(frozen)}
            chain.append("commitment", published, commitment_id=commitment.id)
            if before_commit is not None:
                before_commit(commitment)
            db.session.commit()
            return commitment
        except (IntegrityError, OperationalError):
            db.session.rollback()
            _check_round_open(task, round_, unit, request.redraw_reason)  # someone else committed a moment ago
    raise DrawRefused(_l("The commitment could not be saved; please try again."))


# What a commitment's public record fixes about it, besides its inputs. The task's number and plan
# year are printed beside its id in the record, but a task renumbered later is the same task.
BINDING = ("sequence", "sha256", "round", "unit", "external", "redraw_reason", "published_at")
EXCEPTIONS = ("exception_reason", "exceptions")


def differs_from_record(commitment: DrawCommitment, recorded: dict) -> list[str]:
    """The fields in which ``commitment`` as stored now differs from its public record
    (``recorded``: the record's ``commitment`` part; fields a record of its time lacks are skipped)."""
    now = _published(commitment, commitment.task, commitment.unit)
    changed = [name for name in BINDING if name in recorded and recorded[name] != now[name]]
    if (recorded.get("task") or {}).get("id", commitment.task_id) != commitment.task_id:
        changed.append("task")
    changed += [name for name in EXCEPTIONS if recorded.get(name) != now.get(name)]  # (absent: none)
    return changed


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
