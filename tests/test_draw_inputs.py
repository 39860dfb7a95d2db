"""The inputs frozen with a commitment, read back: from the database in a later request exactly as
they were taken, and in the process that has just stored them without parsing the pool again —
unless the stored columns have changed since."""

from __future__ import annotations

from factories.draws import (
    draw_day,  # noqa: F401  (the clock reads DRAW_DAY)
    make_subjects,
    make_task,
    make_team,
    unit,
)

from fieldapp.draws import inputs, operations
from fieldapp.draws.models import DrawCommitment
from fieldapp.extensions import db


def _committed():
    task = make_task(ratio="0.2")
    make_subjects({"A": 3, "B": 5, "C": 2, "D": 1})
    make_team(count=4)
    db.session.commit()
    return operations.commit(task, 1, unit("140602"))


def test_the_stored_inputs_read_back_in_a_later_request_are_those_taken(db):
    commitment = _committed()
    taken = inputs.load(commitment)  # in this process: the inputs as taken
    assert taken is not None
    db.session.expunge_all()  # a later request: nothing held in memory
    read = inputs.load(db.session.get_one(DrawCommitment, commitment.id))
    assert read is not None and read is not taken
    assert (read.pool.idents, read.pool.classes, list(read.pool.ids)) == (
        taken.pool.idents,
        taken.pool.classes,
        list(taken.pool.ids),
    )
    assert read.pool_files == taken.pool_files and read.day == taken.day
    assert (read.ratio, read.fixed_count, read.multipliers) == (taken.ratio, taken.fixed_count, taken.multipliers)
    assert (read.teams, read.inspector_ids, read.conflicts) == (taken.teams, taken.inspector_ids, taken.conflicts)
    assert read.inspector_file == taken.inspector_file


def test_a_draw_made_at_once_uses_the_inputs_just_stored_while_the_database_holds_them(db, monkeypatch):
    commitment = _committed()
    parsed = []
    monkeypatch.setattr(inputs, "_read", lambda c: parsed.append(c) or None)
    assert inputs.load(commitment) is not None and not parsed  # the columns were read again, unchanged


def test_inputs_changed_in_the_database_after_they_were_stored_are_read_from_it(db):
    commitment = _committed()
    day = commitment.inputs_on
    db.session.execute(
        DrawCommitment.__table__.update()  # type: ignore[attr-defined]
        .where(DrawCommitment.id == commitment.id)
        .values(frozen_inputs={**commitment.frozen_inputs, "ratio": "0.5"})
    )
    db.session.commit()
    read = inputs.load(commitment)
    assert read is not None and read.ratio == "0.5" and read.day == day
