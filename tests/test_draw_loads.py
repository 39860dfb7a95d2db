"""The inspectors' loads a draw starts from are read when it is made (other draws of the round may
come between its commitment and it), so ``flask draw verify`` counts them again from the chain: the
round's earlier draws not yet superseded, and the replacements recorded before it. A load changed in
the database without a record — which under a workload cap decides who can still be matched — is
reported; replacements and redraws made in the open are not."""

from __future__ import annotations

from datetime import timedelta

from factories.draws import (  # noqa: F401
    DRAW_MOMENT,
    draw_day,
    make_inspector,
    make_subjects,
    make_task,
    make_team,
    set_clock,
    unit,
)

from fieldapp import clock
from fieldapp.draws import operations, replacements
from fieldapp.draws.models import DrawAssignment
from fieldapp.draws.verify import verify_stored
from fieldapp.extensions import db

DEPARTMENT = "city-metrology"


def _joint_round():
    """A county task two counties draw, the city's metrology department joining both: its
    inspectors' loads carry from the first county's draw to the second's."""
    task = make_task(ratio="0.5")
    make_subjects({"B": 6}, division="140602")
    make_subjects({"B": 6}, division="140603", start=100)
    make_team("140602", count=3, prefix="SC")
    make_team("140603", count=3, prefix="PL")
    for n in range(5):
        make_inspector(f"计量科{n}", f"MET{n}", unit_code=DEPARTMENT)
    operations.respond(operations.invite(task, unit(DEPARTMENT)), accept=True)
    db.session.commit()
    return task


def _draw(task, county: str, reason: str = ""):
    draw, created = operations.run_draw(operations.commit(task, 1, unit(county), redraw_reason=reason), "")
    assert created
    db.session.commit()
    return draw


def _department_load(draw) -> dict[str, int]:
    return next(t for t in draw.teams if t["unit"] == DEPARTMENT)["initial_load"]


def _load_problems(draw) -> list[str]:
    return [p for p in verify_stored(draw).problems if p.startswith(("Loads", "工作量"))]


def _department_assignment(draw) -> DrawAssignment:
    return next(
        a for s in draw.selections for a in s.assignments if a.team_unit.code == DEPARTMENT and a.ended_at is None
    )


def test_the_second_countys_loads_are_those_the_first_draw_recorded(db):
    task = _joint_round()
    first = _draw(task, "140602")
    second = _draw(task, "140603")
    assert sum(_department_load(second).values()) == 6  # three subjects, two department inspectors each
    assert verify_stored(first).problems == [] and verify_stored(second).problems == []


def test_an_assignment_ended_in_the_database_before_a_draw_is_reported(db):
    # Someone with the database lightens an inspector's load without a replacement, so that the
    # next draw matches them again (under a cap, rather than another).
    task = _joint_round()
    first = _draw(task, "140602")
    quietly = _department_assignment(first)
    quietly.ended_at = clock.now()
    db.session.commit()
    second = _draw(task, "140603")
    problems = _load_problems(second)
    assert len(problems) == 1 and DEPARTMENT in problems[0] and quietly.certificate_number in problems[0]
    assert _load_problems(first) == []


def test_replacements_and_redraws_made_in_the_open_are_no_false_alarm(db, monkeypatch):
    task = _joint_round()
    first = _draw(task, "140602")
    replacements.replace_inspector(_department_assignment(first), "病假")
    db.session.commit()
    second = _draw(task, "140603")
    # After the second draw: another replacement and a redraw of the first county change today's
    # loads, not those the second draw started from.
    set_clock(monkeypatch, DRAW_MOMENT + timedelta(minutes=5))
    replacements.replace_inspector(_department_assignment(first), "回避")
    db.session.commit()
    redo = _draw(task, "140602", reason="见证人未到场")
    assert _load_problems(second) == [] and _load_problems(redo) == []
    assert verify_stored(second).problems == []


def test_a_draw_redrawn_before_the_next_countys_counts_once(db):
    task = _joint_round()
    _draw(task, "140602")
    _draw(task, "140602", reason="见证人未到场")
    second = _draw(task, "140603")
    assert sum(_department_load(second).values()) == 6  # the redraw's assignments, not the first's too
    assert _load_problems(second) == []
