"""The inspectors' loads a draw started from, counted again from the public chain.

A draw reads each certificate's load in the round (``teams.round_loads``: subjects assigned by the
round's other valid draws, replacements included) when it is made, not with its commitment: other
draws of the round may be made in between. Under a workload cap the loads decide who can still be
matched, so a load changed in the database before a draw (an assignment ended or added without a
replacement) would steer the matching without changing a single random number. ``flask draw
verify`` therefore counts them again from what the chain recorded before the draw: the earlier draws
of the round not yet superseded then, and the replacements recorded before it.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from .. import clock
from ..extensions import db
from .models import Draw, DrawAssignment, DrawRecord, DrawSelection

DRAW_KINDS = ("draw", "redraw")


def recorded_loads(draw: Draw) -> Counter[str] | None:
    """Subjects per certificate assigned in ``draw``'s round when it was made, as the chain's
    records before the draw's own give them; None when the draw has no record to count from."""
    mine = _draw_sequence(draw.id)
    if mine is None:
        return None
    loads: Counter[str] = Counter()
    for other in _valid_earlier_draws(draw, mine):
        loads.update(_first_assignments(other))
        _apply_replacements(loads, other, draw, mine)
    return +loads  # (certificates whose count went to nothing are dropped)


def _draw_sequence(draw_id: int) -> int | None:
    return db.session.scalar(
        select(DrawRecord.sequence).where(DrawRecord.draw_id == draw_id, DrawRecord.kind.in_(DRAW_KINDS))
    )


def _valid_earlier_draws(draw: Draw, before: int) -> list[int]:
    """The round's draws recorded before ``before`` and not superseded by a draw recorded before it
    (the draw ``draw`` supersedes is left out: its assignments lapse with it)."""
    record, successor, successor_record = aliased(DrawRecord), aliased(Draw), aliased(DrawRecord)
    superseded_in_time = (
        select(successor.id)
        .join(successor_record, successor_record.draw_id == successor.id)
        .where(
            successor.supersedes_id == Draw.id,
            successor_record.kind.in_(DRAW_KINDS),
            successor_record.sequence < before,
        )
        .exists()
    )
    stmt = (
        select(Draw.id)
        .join(record, record.draw_id == Draw.id)
        .where(
            Draw.task_id == draw.task_id,
            Draw.round == draw.round,
            Draw.id != draw.id,
            record.kind.in_(DRAW_KINDS),
            record.sequence < before,
            ~superseded_in_time,
        )
        .order_by(Draw.id)
    )
    if draw.supersedes_id is not None:
        stmt = stmt.where(Draw.id != draw.supersedes_id)
    return list(db.session.scalars(stmt))


def _first_assignments(draw_id: int) -> dict[str, int]:
    """The assignments the draw made itself, by certificate."""
    stmt = (
        select(DrawAssignment.certificate_number, func.count())
        .join(DrawSelection, DrawSelection.id == DrawAssignment.selection_id)
        .where(DrawSelection.draw_id == draw_id, DrawAssignment.replaces_id.is_(None))
        .group_by(DrawAssignment.certificate_number)
    )
    return {cert: count for cert, count in db.session.execute(stmt).all()}


def _apply_replacements(loads: Counter[str], other: int, draw: Draw, before: int) -> None:
    """Each replacement made in ``other`` before ``draw``: the new certificate takes the subject from
    the one it replaces. A replacement has a record of its own in the chain (those made before
    replacements were recorded are placed by their time against the draw's)."""
    replaced = aliased(DrawAssignment)
    rows = db.session.execute(
        select(
            DrawAssignment.certificate_number,
            replaced.certificate_number,
            DrawAssignment.skipped,
            DrawAssignment.created_at,
        )
        .join(replaced, replaced.id == DrawAssignment.replaces_id)
        .join(DrawSelection, DrawSelection.id == DrawAssignment.selection_id)
        .where(DrawSelection.draw_id == other)
        .order_by(DrawAssignment.id)
    ).all()
    sequences = iter(
        db.session.scalars(
            select(DrawRecord.sequence)
            .where(DrawRecord.draw_id == other, DrawRecord.kind == "replacement")
            .order_by(DrawRecord.sequence)
        )
    )
    for new, old, skipped, created_at in rows:
        if skipped is not None:  # recorded: its record's place in the chain
            sequence = next(sequences, None)
            made_before = sequence is not None and sequence < before
        else:
            made_before = clock.as_utc(created_at) < clock.as_utc(draw.created_at)
        if made_before:
            loads[new] += 1
            loads[old] -= 1
