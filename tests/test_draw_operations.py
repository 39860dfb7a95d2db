"""Draws against a real database: pools, snapshots, inspector eligibility, freezing, redraws,
replacements, concurrency, verification."""

from __future__ import annotations

import hashlib
import hmac
import threading
from datetime import date

import pytest
from sqlalchemy import func, select
from factories.draws import (
    DRAW_DAY,
    draw_day,  # noqa: F401  (the clock reads DRAW_DAY)
    declare_conflict,
    make_inspector,
    make_subjects,
    make_task,
    make_team,
    unit,
)

from draw_verification import run_verify_draw
from factories.cli import english_words
from fieldapp import audit
from fieldapp.draws import operations
from fieldapp.draws.bundle import build_bundle
from fieldapp.draws.models import CommitmentStatus, Draw, DrawCommitment, DrawStatus
from fieldapp.draws.operations import DrawRefused, pool_bytes, public_pool_bytes
from fieldapp.draws.replacements import replace_inspector
from fieldapp.draws.verify import verify_stored
from fieldapp.subjects.models import SubjectChange
from fieldapp.visits.models import Visit, VisitInspector


def draw_once(task, unit_code="140602", witness="", round_=1, reason="", exception_reason=""):
    commitment = operations.commit(
        task, round_, unit(unit_code), redraw_reason=reason, exception_reason=exception_reason
    )
    draw, created = operations.run_draw(commitment, witness)
    assert created
    return draw


def test_pool_is_the_scope_within_the_county_with_classes_as_of_the_draw_date(db):
    task = make_task()
    ours = make_subjects({"A": 2, "B": 3, "C": 1, "D": 1})
    make_subjects({"B": 5}, division="140603", start=100)  # another county
    make_subjects({"B": 2}, start=200, status="注销")  # not operating
    # One subject was C on the draw date and became A later: the pool shows C.
    ours[0].credit_class = "A"
    db.session.add(
        SubjectChange(
            subject=ours[0], field="credit_class", old_value="C", new_value="A", effective_on=date(2021, 6, 1)
        )
    )
    # One was 在业 on the draw date and was cancelled later; one was cancelled before it.
    late, early = make_subjects({"B": 2}, start=300)
    late.status = early.status = "注销"
    db.session.add(
        SubjectChange(subject=late, field="status", old_value="在业", new_value="注销", effective_on=date(2021, 5, 1))
    )
    db.session.add(
        SubjectChange(subject=early, field="status", old_value="在业", new_value="注销", effective_on=date(2021, 3, 1))
    )
    make_team()
    db.session.commit()
    draw = draw_once(task)
    lines = pool_bytes(draw).decode().splitlines()
    assert f"{late.ident},B" in lines and not any(line.startswith(early.ident) for line in lines)
    lines.remove(f"{late.ident},B")
    assert len(lines) == 7 == draw.pool_size - 1
    assert f"{ours[0].ident},C" in lines
    assert lines == sorted(lines)
    assert draw.class_sizes == {"A": 1, "B": 4, "C": 2, "D": 1}
    assert draw.pool_sha256 == hashlib.sha256(pool_bytes(draw)).hexdigest()


def test_tags_and_past_business_term_scopes(db):
    from fieldapp.subjects.models import Tag

    gas = Tag(name="加油站")
    db.session.add(gas)
    tagged = make_subjects({"B": 3})
    make_subjects({"B": 4}, start=50)
    for s in tagged:
        s.tags.append(gas)
    expired = make_subjects({"B": 2}, start=80, business_term_end=date(2020, 12, 31))
    make_team()
    t1 = make_task(1, scope_rule={"kinds": [], "tags_any": ["加油站"], "status": "在业"})
    t20 = make_task(20, scope_rule={"kinds": ["enterprise"], "tags_any": [], "past_business_term": True})
    db.session.commit()
    assert {line.split(",")[0] for line in pool_bytes(draw_once(t1)).decode().splitlines()} == {s.ident for s in tagged}
    assert {line.split(",")[0] for line in pool_bytes(draw_once(t20)).decode().splitlines()} == {
        s.ident for s in expired
    }


def test_inspector_eligibility(db):
    task = make_task(ratio="1")  # everyone drawn: every subject needs two inspectors
    subjects = make_subjects({"B": 3})
    ok1 = make_inspector("甲", "OK1")
    ok2 = make_inspector("乙", "OK2")
    ok3 = make_inspector("丙", "OK3")
    make_inspector("过期", "EXP", valid_until=date(2021, 4, 9))  # expired the day before
    make_inspector("退休", "RET", status="退休")
    make_inspector("外县", "OTH", unit_code="140603")
    make_inspector("广告", "ADV", specialties=("广告",))
    make_inspector("辅助", "AST", category="assistant")
    declare_conflict(ok3, subject=subjects[0])
    declare_conflict(ok2, person=subjects[1].legal_representative)
    db.session.commit()
    draw = draw_once(task)
    team = draw.teams[0]
    assert sorted(i["certificate"] for i in team["inspectors"]) == ["OK1", "OK2", "OK3"]
    by_ident = {s.ident: s for s in draw.selections}
    assert {a.certificate_number for a in by_ident[subjects[0].ident].assignments} == {"OK1", "OK2"}
    assert {a.certificate_number for a in by_ident[subjects[1].ident].assignments} == {"OK1", "OK3"}
    assert len(by_ident[subjects[2].ident].assignments) == 2
    # The first of the two leads on the visit.
    sel = by_ident[subjects[2].ident]
    lead = next(a for a in sel.assignments if a.position == 0)
    visit = db.session.scalar(select(Visit).where(Visit.subject_id == subjects[2].id))
    assert visit.inspectors[0].inspector_id == lead.inspector_id and visit.inspectors[0].role == "lead"
    assert {ok1.id, ok2.id, ok3.id} >= {vi.inspector_id for vi in visit.inspectors}


def test_unmatched_subjects_are_kept_with_the_reason(db):
    task = make_task(ratio="1")
    make_subjects({"B": 2})
    only = make_inspector("独", "ONE")
    make_inspector("辅助", "AST", category="assistant")  # never counts as the second
    db.session.commit()
    draw = draw_once(task)
    assert len(draw.selections) == 2
    for sel in draw.selections:
        assert sel.assignments == []
        assert sel.unmatched_reason
    assert db.session.scalar(select(func.count()).select_from(VisitInspector)) == 0
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 2
    assert only.id not in {vi.inspector_id for vi in db.session.scalars(select(VisitInspector))}


def test_workload_cap_per_round(db):
    from fieldapp.draws.models import TaskDrawSettings

    task = make_task(ratio="1")
    make_subjects({"B": 3})
    make_team(count=4)
    db.session.add(TaskDrawSettings(task=task, workload_cap=1))
    db.session.commit()
    # 3 visits; 4 inspectors × cap 1 / 2 per visit = 2 (the refusal is in the default language, zh_CN)
    with pytest.raises(DrawRefused, match="每人 1 户的工作量上限下只能完成 2 户"):
        draw_once(task)  # 3 visits, 4 inspectors × 1 / 2 per visit: a reason is needed
    draw = draw_once(task, exception_reason="人手不足，未匹配的对象由市局协调")
    assert draw.commitment.exception_reason == "人手不足，未匹配的对象由市局协调"
    assert [w["code"] for w in draw.commitment.exceptions] == ["over_capacity"]
    matched = [s for s in draw.selections if s.assignments]
    assert len(matched) == 2  # four inspectors, one subject each, two per subject
    assert [s for s in draw.selections if not s.assignments][0].unmatched_reason


def test_commitment_before_draw_abandoned_ones_stay_and_finished_draws_are_frozen(db):
    task = make_task()
    make_subjects({"B": 40})
    make_team()
    db.session.commit()
    first = operations.commit(task, 1, unit("140602"))
    # While open, the seed is nowhere in the database; a second commitment is refused until the
    # open one is abandoned, which needs a written reason and publishes its seed.
    assert first.seed_hex is None and first.seed_nonce_hex not in first.commitment_hex
    with pytest.raises(DrawRefused):
        operations.commit(task, 1, unit("140602"))
    with pytest.raises(DrawRefused):
        operations.abandon(first, "  ")
    operations.abandon(first, "见证人未到场")
    assert first.status == CommitmentStatus.ABANDONED.value and first.seed_is_public
    assert hashlib.sha256(bytes.fromhex(first.seed_hex)).hexdigest() == first.commitment_hex
    assert first.abandon_reason == "见证人未到场"
    second = operations.commit(task, 1, unit("140602"))
    assert second.sequence == first.sequence + 1
    with pytest.raises(DrawRefused):
        operations.run_draw(first, "")
    draw, created = operations.run_draw(second, "W")
    assert created and draw.number == 1
    assert hashlib.sha256(bytes.fromhex(second.seed_hex)).hexdigest() == second.commitment_hex
    assert draw.effective_seed_hex == hashlib.sha256(bytes.fromhex(second.seed_hex) + b"W").hexdigest()
    # Pressing "draw" again returns the same draw.
    again, created = operations.run_draw(second, "other")
    assert again.id == draw.id and not created
    # A new commitment needs a reason once drawn.
    with pytest.raises(DrawRefused):
        operations.commit(task, 1, unit("140602"))
    redo = draw_once(task, reason="见证人未到场")
    assert redo.number == 2 and redo.supersedes_id == draw.id and redo.redraw_reason == "见证人未到场"
    db.session.refresh(draw)
    assert draw.status == DrawStatus.SUPERSEDED.value
    visits = db.session.scalars(select(Visit)).all()
    assert {v.tasks[0].draw_id for v in visits} == {redo.id}
    assert db.session.scalar(select(func.count()).select_from(DrawCommitment)) == 3


def test_round_two_excludes_round_one_by_default(db):
    task = make_task(rounds_per_year=2, ratio="0.5")
    make_subjects({"B": 10})
    make_team()
    db.session.commit()
    r1 = draw_once(task)
    r2 = draw_once(task, round_=2)
    assert r2.pool_size == 10 - len(r1.selections)
    assert not {s.subject_id for s in r1.selections} & {s.subject_id for s in r2.selections}
    with pytest.raises(DrawRefused):
        operations.commit(task, 3, unit("140602"))
    with pytest.raises(DrawRefused):
        operations.commit(task, 1, unit("city"))  # the city does not execute this task


def test_replacement_takes_the_next_rank_and_both_are_logged(db):
    task = make_task(ratio="0.5")
    make_subjects({"B": 4})
    make_team(count=5)
    db.session.commit()
    draw = draw_once(task)
    sel = draw.selections[0]
    lead = next(a for a in sel.assignments if a.position == 0)
    with pytest.raises(DrawRefused):
        replace_inspector(lead, "  ")
    new = replace_inspector(lead, "生病")
    e = bytes.fromhex(draw.effective_seed_hex)
    certs = [i["certificate"] for i in draw.teams[0]["inspectors"]]
    ranked = sorted(certs, key=lambda c: hmac.new(e, f"inspector|{sel.ident}|{c}".encode(), hashlib.sha256).digest())
    assert new.certificate_number == ranked[2] and new.rank == 2 and new.position == 0
    assert new.replaces_id == lead.id and lead.ended_at is not None and new.reason == "生病"
    visit = db.session.scalar(select(Visit).where(Visit.subject_id == sel.subject_id))
    assert visit.inspectors[0].inspector_id == new.inspector_id and visit.inspectors[0].role == "lead"
    # The replaced inspector's phone is told the visit was withdrawn from them (the audit log says so).
    [withdrawn] = [e for e in audit.events_for("visit", visit.id) if e.action == "withdraw"]
    assert withdrawn.details["inspector_ids"] == [lead.inspector_id]
    bundle = build_bundle(draw, reveal=True)
    assert bundle["replacements"][0]["replaced"] == lead.certificate_number
    assert verify_stored(draw).ok


def test_selection_published_after_inspections_when_the_task_says_so(db, tmp_path):
    task = make_task(publish_selection_at_once=False)
    make_subjects({"B": 30})
    make_team()
    db.session.commit()
    draw = draw_once(task)
    bundle = build_bundle(draw)
    assert bundle["seed"] is None and bundle["selection"] is None and bundle["witness"] is None
    assert bundle["commitment"]["sha256"] and bundle["pool"]["sha256"] and bundle["quotas"]
    result = run_verify_draw(tmp_path, bundle, public_pool_bytes(draw), draw.inspectors_file)
    assert result.returncode == 0 and "not public yet" in result.stdout, result.stdout
    for visit in db.session.scalars(select(Visit)):
        visit.status = "approved"
    db.session.commit()
    assert build_bundle(draw)["selection"]


def test_two_simultaneous_draws_make_one_draw(app, db):
    task = make_task(ratio="0.3")
    make_subjects({"A": 30, "B": 60, "C": 30, "D": 10})
    make_team()
    db.session.commit()
    commitment = operations.commit(task, 1, unit("140602"))
    commitment_id = commitment.id
    barrier = threading.Barrier(2)
    results, errors = [], []

    def press_draw(witness):
        with app.app_context():  # a session of its own
            try:
                own = db.session.get(DrawCommitment, commitment_id)
                barrier.wait(timeout=10)
                draw, created = operations.run_draw(own, witness)
                results.append((draw.id, created))
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=press_draw, args=(w,)) for w in ("first", "second")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert db.session.scalar(select(func.count()).select_from(Draw)) == 1
    assert len({draw_id for draw_id, _ in results}) == 1
    assert sorted(created for _, created in results) == [False, True]
    draw = db.session.scalar(select(Draw))
    assert db.session.scalar(select(func.count()).select_from(Visit)) == len(draw.selections)


def test_a_commitment_abandoned_during_the_draw_cannot_be_its_seed(db, monkeypatch):
    """Someone publishes a new commitment while a draw with the old one is computing."""
    task = make_task()
    make_subjects({"B": 20})
    make_team()
    db.session.commit()
    old = operations.commit(task, 1, unit("140602"))
    real_compute = operations._compute

    def compute_while_someone_commits(*args, **kwargs):
        result = real_compute(*args, **kwargs)
        db.session.execute(
            DrawCommitment.__table__.update().where(DrawCommitment.id == old.id).values(status="abandoned")
        )
        return result

    monkeypatch.setattr(operations, "_compute", compute_while_someone_commits)
    with pytest.raises(DrawRefused):
        operations.run_draw(old, "")
    assert db.session.scalar(select(func.count()).select_from(Draw)) == 0


def test_cli_runs_a_round_for_every_executing_unit_and_sets_task_settings(db, runner):
    make_task(7, ratio="0.2")
    make_subjects({"B": 10})
    make_subjects({"B": 10}, division="140603", start=100)
    make_team()
    make_team("140603", prefix="PL")
    db.session.commit()
    result = runner.invoke(args=["draw", "run", "7", "--round", "1", "--witness", "W", "--unit", "140602"])
    assert result.exit_code == 0, result.output
    draw = db.session.scalar(select(Draw))
    assert draw.unit.code == "140602" and draw.witness == "W" and draw.draw_date == DRAW_DAY
    assert draw.pool_ids_sha256 in result.output and "链头" in result.output
    assert english_words(result.output, allowed={"sha"}) == [], result.output
    again = runner.invoke(args=["draw", "run", "7", "--unit", "140602"])
    assert again.exit_code == 1 and db.session.scalar(select(func.count()).select_from(Draw)) == 1
    result = runner.invoke(args=["draw", "run", "7", "--unit", "city"])
    assert result.exit_code == 1 and "错误：单位 city 不执行任务 7。" in result.output
    result = runner.invoke(args=["draw", "settings", "7", "--specialty", "广告", "--cap", "3"])
    assert result.exit_code == 0 and "所需专业领域：广告" in result.output and "每轮 3 户" in result.output
    assert english_words(result.output, allowed={"task"}) == [], result.output  # the task is named "task 7"
    result = runner.invoke(args=["draw", "run", "7", "--unit", "140603"])
    assert result.exit_code == 1 and "0 名符合条件的检查人员" in result.output  # over capacity: a reason
    result = runner.invoke(
        args=["draw", "run", "7", "--unit", "140603", "--exception-reason", "平鲁区局广告监管人员调整中，先抽取对象"]
    )
    assert result.exit_code == 0, result.output
    pinglu = db.session.scalar(select(Draw).where(Draw.unit_id == unit("140603").id))
    assert pinglu.teams[0]["specialties"] == ["广告"] and pinglu.teams[0]["inspectors"] == []
    assert all(s.unmatched_reason for s in pinglu.selections)
    result = runner.invoke(args=["draw", "settings", "7", "--specialty", "魔法"])
    assert result.exit_code == 1 and "错误：未知的专业领域 魔法" in result.output and not english_words(result.output)
