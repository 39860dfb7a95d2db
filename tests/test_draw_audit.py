"""Round 3 of the adversarial audit of the draw: what the external value W is, and when it was
known. Whoever holds the seed key (anyone with the CLI) knows the outcome of every W: the draw is
unsteerable only if W is fixed in public, unknown, before the commitment exists — so the
commitment's public record must be the one drawn with, and its lottery drawn on a later day."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime

import pytest
from sqlalchemy import select

from factories.draws import draw_day, make_subjects, make_task, make_team, set_clock, unit  # noqa: F401

from draw_verification import run_verify_draw
from fieldapp.draws import commitments, operations
from fieldapp.draws.chain import check_chain
from fieldapp.draws.bundle import build_bundle
from fieldapp.draws.models import DrawCommitment
from fieldapp.draws.operations import public_pool_bytes
from fieldapp.draws.rules import DrawRefused
from fieldapp.draws.verify import verify_stored
from fieldapp.extensions import db

LOTTERY = {"external_kind": "lottery", "external_description": "体彩排列5 第21096期"}


def _round(ratio: str = "0.2"):
    task = make_task(ratio=ratio, publish_selection_at_once=True)
    make_subjects({"A": 4, "B": 8, "C": 2, "D": 1})
    make_team(count=4)
    db.session.commit()
    return task


def _verdicts(draw, tmp_path) -> tuple[list[str], str]:
    """``flask draw verify``'s problems and the stand-alone tool's output on the public files."""
    problems = verify_stored(draw).problems
    tool = run_verify_draw(tmp_path, build_bundle(draw), public_pool_bytes(draw), draw.inspectors_file)
    return problems, tool.stdout


def test_a_lottery_commitment_turned_into_a_witness_in_the_database_is_reported(db, tmp_path):
    # The commitment names tomorrow's lottery; someone with the database makes it a witness's, so
    # that W can be typed today — any W, chosen by whoever computes the outcome with the seed key.
    task = _round()
    commitment = operations.commit(task, 1, unit("140602"), **LOTTERY, external_date=date(2021, 4, 11))
    row = db.session.get(DrawCommitment, commitment.id)
    row.external_kind, row.external_description, row.external_date = "witness", "王五，市纪委监委", None
    db.session.commit()
    draw, _ = operations.run_draw(commitment, "chosen to draw a friend's rival")
    problems, tool = _verdicts(draw, tmp_path)
    assert "承诺：存储的承诺（外部值 W 的来源、任务、轮次、单位或理由）与其公开记录不一致" in problems, problems
    assert "DIFFERENCE: the commitment drawn with is not the one its chain record published" in tool, tool


def test_another_lottery_named_in_the_database_is_reported(db, tmp_path, monkeypatch):
    # The lottery named is swapped for another one, so that the result entered is a chosen one.
    task = _round()
    commitment = operations.commit(task, 1, unit("140602"), **LOTTERY, external_date=date(2021, 4, 11))
    db.session.get(DrawCommitment, commitment.id).external_description = "福彩3D 第2021096期"
    db.session.commit()
    set_clock(monkeypatch, datetime(2021, 4, 11, 14, 0))
    draw, _ = operations.run_draw(commitment, "2 7 1")
    problems, tool = _verdicts(draw, tmp_path)
    assert "承诺：存储的承诺（外部值 W 的来源、任务、轮次、单位或理由）与其公开记录不一致" in problems, problems
    assert "DIFFERENCE: the commitment drawn with is not the one its chain record published" in tool, tool


def test_a_lottery_drawn_on_the_commitments_own_day_is_refused(db):
    # 体彩排列5 is drawn at 20:30 in Beijing: committed at 22:00 the same day, its result is public.
    task = _round()
    with pytest.raises(DrawRefused) as refused:
        operations.commit(task, 1, unit("140602"), **LOTTERY, external_date=date(2021, 4, 10))
    assert "今天开奖的结果可能已经公布" in str(refused.value.message)
    assert db.session.scalar(select(DrawCommitment)) is None
    assert operations.commit(task, 1, unit("140602"), **LOTTERY, external_date=date(2021, 4, 11))


def test_a_commitment_published_on_its_lotterys_day_is_reported(db, tmp_path, monkeypatch):
    # Someone with the CLI publishes around the check, at 22:00 on the lottery's day, after its
    # result: with the seed key they pick a nonce whose seed draws whom they want.
    task = _round()
    set_clock(monkeypatch, datetime(2021, 4, 10, 14, 0))  # 22:00 in Beijing
    monkeypatch.setattr(commitments, "_check_external", lambda *args: None)
    commitment = operations.commit(task, 1, unit("140602"), **LOTTERY, external_date=date(2021, 4, 10))
    draw, _ = operations.run_draw(commitment, "3 1 4 1 5")
    problems, tool = _verdicts(draw, tmp_path)
    assert "承诺：彩票在承诺公布当天或之前开奖，其结果在承诺时可能已经公布" in problems, problems
    assert "DIFFERENCE: the lottery was drawn on or before the day the commitment was published" in tool, tool


def test_a_task_or_unit_renamed_after_the_draw_is_no_false_alarm(db, tmp_path):
    task = _round()
    draw, _ = operations.run_draw(operations.commit(task, 1, unit("140602")), "3 1 4 1 5")
    task.name, task.number = "改名后的任务", 7
    draw.unit.name = "朔城区市场监管局（更名）"
    db.session.commit()
    problems, tool = _verdicts(draw, tmp_path)
    assert problems == [] and tool.strip().endswith("OK"), (problems, tool)


def _download(client, href: str, folder) -> str:
    """A file as a browser saves it: under the name its Content-Disposition gives."""
    response = client.get(href)
    assert response.status_code == 200, href
    name = response.headers["Content-Disposition"].split("filename=")[1]
    (folder / name).write_bytes(response.data)
    return name


def test_a_citizen_checks_a_draw_with_only_what_its_public_page_gives(client, client_request, db, tmp_path):
    # A fresh machine: nothing of the repository, only Python 3 and the files the page links to.
    task = _round()
    draw, _ = operations.run_draw(operations.commit(task, 1, unit("140602")), "3 1 4 1 5")
    page = client_request.get("draws.public_detail", draw_id=draw.id)
    links = [a["href"] for a in page.select(".public-draw a[href]") if "classed" not in a["href"]]
    saved = {_download(client, href, tmp_path) for href in links}
    assert {"verify_draw.py", "verify_draw_2.py", "draw-algorithm.md"} <= saved, saved
    command = page.select_one('[data-field="verify-command"]').get_text().split()
    assert command[0] == "python3" and set(command[2:]) <= saved
    run = subprocess.run([sys.executable, "-I", *command[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0 and run.stdout.strip().endswith("OK"), run.stdout + run.stderr
    # One row of the pool file changed: reported, by its hash and by the pool's size.
    pool = tmp_path / command[3]
    lines = pool.read_text().splitlines(keepends=True)
    pool.write_text("".join(lines[:-1]) + lines[-1].replace("X", "Y"))
    run = subprocess.run([sys.executable, "-I", *command[1:]], cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1 and "DIFFERENCE: the pool file's SHA-256" in run.stdout, run.stdout
    assert run.stdout.strip().splitlines()[-1].startswith("核验不一致：发现"), run.stdout
    # Each difference is said in Chinese on the line after it; the numbers and the table too.
    out = run.stdout.splitlines()
    for number, line in enumerate(out):
        if line.startswith("DIFFERENCE: "):
            assert out[number + 1].startswith("不一致："), run.stdout
    assert "不一致：名录库文件的 SHA-256" in run.stdout and "不一致：抽中第 " in run.stdout
    assert any(line.startswith("名录库 N = ") for line in out)
    assert any(line.startswith("重新计算的抽中名单") for line in out)
    # The index page links to the verifier too.
    index = client_request.get("draws.public_index")
    assert {a.get_text() for a in index.select("#verifier a")} >= {"verify_draw.py", "verify_draw_2.py"}


def test_two_results_entered_for_the_same_lottery_are_reported(db, monkeypatch):
    # Whoever holds the seed key enters, for one task, not the lottery's result but a string that
    # draws whom they want; another task committed to the same lottery entered the real one.
    first, second = _round(), make_task(number=2, ratio="0.2", publish_selection_at_once=True)
    db.session.commit()
    county = unit("140602")
    honest = operations.commit(first, 1, county, **LOTTERY, external_date=date(2021, 4, 11))
    steered = operations.commit(second, 1, county, **LOTTERY, external_date=date(2021, 4, 11))
    set_clock(monkeypatch, datetime(2021, 4, 11, 14, 0))
    honest_draw, _ = operations.run_draw(honest, "3 1 4 1 5")
    steered_draw, _ = operations.run_draw(steered, "2 7 1 8 2")
    said = f"W：抽取 {honest_draw.id} 对同一期彩票（体彩排列5 第21096期）录入的结果是 3 1 4 1 5，本次抽取是 2 7 1 8 2"
    assert said in verify_stored(steered_draw).problems
    assert any(f"抽取 {steered_draw.id}" in p for p in verify_stored(honest_draw).problems)
    # The same result entered for both: nothing to report.
    steered_draw.witness = "3 1 4 1 5"
    db.session.commit()
    assert not any(p.startswith("W：") for p in verify_stored(honest_draw).problems)


def test_a_record_dated_before_the_one_before_it_breaks_the_chain(db, monkeypatch):
    # With the lottery to be drawn after the commitment's day, the one way left to commit knowing
    # its result is to set the clock back a day: the record lands after records dated later.
    first, second = _round(), make_task(number=2, ratio="0.2")
    db.session.commit()
    operations.commit(first, 1, unit("140602"))
    assert check_chain() == []
    set_clock(monkeypatch, datetime(2021, 4, 10, 1, 57))  # three minutes back: clocks of two servers
    operations.commit(second, 1, unit("140602"))
    assert check_chain() == []
    set_clock(monkeypatch, datetime(2021, 4, 9, 15, 0))  # 23:00 in Beijing the day before
    operations.abandon(operations.open_commitment(second, 1, unit("140602")), "重新承诺")
    assert check_chain() == [
        "链记录 3：日期为 2021-04-09T15:00:00 UTC，早于链中在它之前的记录（2021-04-10T02:00:00 UTC）"
    ]


def test_a_redraw_cannot_name_the_lottery_its_first_draw_used(db, monkeypatch):
    # Replay: drawn with tonight's lottery, then a redraw committed to the same lottery, whose result
    # everyone (and the seed key's holder) now knows. The redraw must wait for a later lottery.
    task = _round()
    county = unit("140602")
    first = operations.commit(task, 1, county, **LOTTERY, external_date=date(2021, 4, 11))
    set_clock(monkeypatch, datetime(2021, 4, 11, 14, 0))
    operations.run_draw(first, "3 1 4 1 5")
    with pytest.raises(DrawRefused):
        operations.commit(task, 1, county, redraw_reason="见证人未到场", **LOTTERY, external_date=date(2021, 4, 11))
    redo = operations.commit(task, 1, county, redraw_reason="见证人未到场", **LOTTERY, external_date=date(2021, 4, 12))
    assert redo.external_date == date(2021, 4, 12)
