"""Algorithm 2's real dates and real teams: the draw date is the clock's day in Beijing (nothing
sets it), dated roster changes count from their effective date both ways, city tasks draw city
inspectors only, a redraw's workload cap ignores the superseded draw; lottery commitments."""

from __future__ import annotations

import inspect
from datetime import date, datetime

import pytest
from factories.draws import (  # noqa: F401
    DRAW_DAY,
    draw_day,
    make_inspector,
    make_subjects,
    make_task,
    make_team,
    set_clock,
    unit,
)

from fieldapp.draws import cli, operations, replacements
from fieldapp.draws.models import TaskDrawSettings
from fieldapp.draws.operations import DrawRefused
from fieldapp.inspectors.operations import change_inspector


def draw(task, unit_code="140602", witness="", round_=1, reason=""):
    commitment = operations.commit(task, round_, unit(unit_code), redraw_reason=reason)
    result, created = operations.run_draw(commitment, witness)
    assert created
    return result


def test_no_code_path_accepts_a_draw_date(runner):
    for function in (operations.run_draw, operations.commit, operations.abandon, replacements.replace_inspector):
        assert not {"day", "date", "draw_date", "when"} & set(inspect.signature(function).parameters)
    assert "day" not in inspect.signature(replacements.replace_inspector).parameters
    options = {opt for param in cli.run_command.params for opt in getattr(param, "opts", [])}
    assert "--date" not in options
    assert runner.invoke(args=["draw", "run", "1", "--date", "2021-04-10"]).exit_code == 2


def test_a_back_dated_draw_is_impossible_the_draw_is_judged_today(db, monkeypatch):
    task = make_task(ratio="1")
    make_subjects({"B": 2})
    make_team(count=2, prefix="OK")
    # Expired before today, retired today: eligible on an earlier day, not on the draw's.
    make_inspector("过期", "EXP", valid_until=date(2021, 4, 9))
    retired = make_inspector("退休", "RET")
    change_inspector(retired, date(2021, 4, 10), status="退休")
    db.session.commit()
    set_clock(monkeypatch, datetime(2021, 4, 10, 1, 0))  # 09:00 in Beijing
    result = draw(task)
    assert result.draw_date == date(2021, 4, 10)
    assert sorted(i["certificate"] for i in result.teams[0]["inspectors"]) == ["OK0000", "OK0001"]


def test_the_draw_date_is_beijing_s_day_not_utc(db, monkeypatch):
    task = make_task(ratio="1")
    make_subjects({"B": 1})
    make_team(count=2)
    db.session.commit()
    set_clock(monkeypatch, datetime(2021, 4, 9, 16, 30))  # 00:30 on 10 April in Beijing
    assert draw(task).draw_date == date(2021, 4, 10)


def test_a_future_dated_transfer_takes_effect_on_its_date(db, monkeypatch):
    task = make_task(ratio="1", rounds_per_year=2)
    make_subjects({"B": 2})
    make_team(count=2, prefix="SC")
    mover = make_inspector("调动", "MOV")
    db.session.commit()
    change_inspector(mover, date(2021, 5, 1), unit=unit("140603"), note="调往平鲁区")
    db.session.commit()
    before = draw(task)  # 10 April: still in 朔城区
    assert "MOV" in {i["certificate"] for i in before.teams[0]["inspectors"]}
    set_clock(monkeypatch, datetime(2021, 5, 1, 2, 0))
    after = draw(task, round_=2)
    assert "MOV" not in {i["certificate"] for i in after.teams[0]["inspectors"]}


def test_a_city_task_never_gets_a_county_inspector(db):
    task = make_task(executes_city=True, executes_county=False, ratio="1")
    make_subjects({"B": 3})  # 朔城区 firms
    make_team("140602", count=4, prefix="SC")  # county inspectors, same specialty
    make_team("140621", count=4, prefix="SY")
    make_team("city-metrology", count=3, prefix="MET")
    db.session.commit()
    result = draw(task, "city")
    certs = {i["certificate"] for t in result.teams for i in t["inspectors"]}
    assert certs == {"MET0000", "MET0001", "MET0002"}
    assigned = {a.certificate_number for s in result.selections for a in s.assignments}
    assert assigned and all(c.startswith("MET") for c in assigned)


def test_a_redraw_s_workload_cap_ignores_the_superseded_draw(db):
    task = make_task(ratio="1")
    make_subjects({"B": 2})
    make_team(count=2)
    db.session.add(TaskDrawSettings(task=task, workload_cap=2))
    db.session.commit()
    first = draw(task)
    assert all(s.assignments for s in first.selections)  # two inspectors, two subjects each: the cap
    redo = draw(task, reason="见证人未到场")
    assert redo.supersedes_id == first.id
    assert all(len(s.assignments) == 2 and not s.unmatched_reason for s in redo.selections)
    assert redo.teams[0]["initial_load"] == {}


def test_a_lottery_commitment_names_a_future_draw_and_needs_its_result(db, monkeypatch):
    task = make_task()
    make_subjects({"B": 20})
    make_team()
    db.session.commit()
    county = unit("140602")
    with pytest.raises(DrawRefused):
        operations.commit(
            task,
            1,
            county,
            external_kind="lottery",
            external_description="体彩排列5 第21095期",
            external_date=date(2021, 4, 9),
        )  # already drawn: its result is known
    with pytest.raises(DrawRefused):
        operations.commit(task, 1, county, external_kind="lottery", external_date=date(2021, 4, 11))
    commitment = operations.commit(
        task,
        1,
        county,
        external_kind="lottery",
        external_description="体彩排列5 第21095期",
        external_date=date(2021, 4, 11),
    )
    with pytest.raises(DrawRefused):
        operations.run_draw(commitment, "3 1 4 1 5")  # the lottery is drawn tomorrow
    set_clock(monkeypatch, datetime(2021, 4, 11, 14, 0))  # 22:00 in Beijing
    with pytest.raises(DrawRefused):
        operations.run_draw(commitment, "  ")
    result, _ = operations.run_draw(commitment, "  3  1 4 1 5 ")
    assert result.witness == "3 1 4 1 5"  # normalised as documented, hashed as stored
    assert result.draw_date == date(2021, 4, 11)
