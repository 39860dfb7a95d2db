"""Insiders trying to steer a draw: whoever can derive the seed (the server's key) and read a
lottery result before the draw is run, editing the directory, the task or the roster in between;
stored results rewritten afterwards; names corrected later (no false alarm)."""

from __future__ import annotations

import hmac
import json
from decimal import Decimal

from factories.draws import (
    draw_day,  # noqa: F401  (the clock reads DRAW_DAY)
    declare_conflict,
    make_inspector,
    make_subjects,
    make_task,
    make_team,
    unit,
)

from draw_verification import run_verify_draw
from fieldapp.draws import chain, operations
from fieldapp.draws.operations import public_pool_bytes
from fieldapp.draws.replacements import replace_inspector
from fieldapp.draws.bundle import build_bundle
from fieldapp.draws.models import DrawCommitment
from fieldapp.draws.verify import verify_stored
from fieldapp.extensions import db
from fieldapp.inspectors.models import Inspector
from fieldapp.subjects.models import Subject


def _edit_everything_between_commitment_and_draw(task, subjects, inspectors) -> None:
    """What an insider who knows the outcome might do before pressing "draw": every subject but
    one cancelled or reclassed, one imported, the ratio and multipliers changed, an inspector retired,
    one added, conflicts declared."""
    for subject in subjects[1:]:
        subject.status = "注销"
    subjects[0].credit_class = "D"
    make_subjects({"D": 1}, start=900)
    task.ratio = Decimal("1")
    task.risk_multipliers = {"A": "4", "B": "4", "C": "4", "D": "4"}
    inspectors[0].status = "退休"
    make_inspector("新人", "NEW1")
    for inspector in inspectors[1:]:
        declare_conflict(inspector, subject=subjects[0])
    db.session.commit()


def test_the_pool_numbers_and_teams_are_those_of_the_commitment(db):
    task = make_task(ratio="0.2")
    subjects = make_subjects({"A": 10, "B": 20, "C": 6, "D": 4})
    inspectors = make_team(count=6)
    db.session.commit()
    commitment = operations.commit(task, 1, unit("140602"))
    _edit_everything_between_commitment_and_draw(task, subjects, inspectors)
    draw, _ = operations.run_draw(commitment, "3 1 4 1 5")
    assert draw.pool_size == 40 and draw.class_sizes == {"A": 10, "B": 20, "C": 6, "D": 4}
    assert Decimal(draw.ratio) == Decimal("0.2") and draw.multipliers == {"A": "0.5", "B": "1", "C": "2", "D": "4"}
    certificates = {i["certificate"] for i in draw.teams[0]["inspectors"]}
    assert certificates == {i.certificate_number for i in inspectors}
    assert not draw.teams[0]["conflicts"]  # declared after the commitment: a replacement's business
    # The commitment's public record named these inputs before W was known.
    inputs = json.loads(chain.record_of_commitment(commitment.id, "commitment").body)["inputs"]
    assert inputs["pool"] == {"sha256": draw.pool_ids_sha256, "classed_sha256": draw.pool_sha256, "size": 40}
    assert inputs["inspectors_sha256"] == draw.inspectors_sha256 and inputs["date"] == "2021-04-10"
    assert verify_stored(draw).ok


def test_a_draw_not_made_from_the_committed_inputs_is_reported(db, tmp_path):
    task = make_task(ratio="0.2")
    subjects = make_subjects({"B": 30})
    make_team()
    db.session.commit()
    commitment = operations.commit(task, 1, unit("140602"))
    # Someone with the database drops the frozen inputs, so that the draw reads the directory as
    # edited after W became known; the commitment's public record still names what was frozen.
    db.session.execute(
        DrawCommitment.__table__.update()  # type: ignore[attr-defined]
        .where(DrawCommitment.id == commitment.id)
        .values(frozen_inputs=None, frozen_pool=None, frozen_ids=None)
    )
    subjects[0].status = "注销"
    task.ratio = Decimal("0.5")
    db.session.commit()
    draw, _ = operations.run_draw(db.session.get(DrawCommitment, commitment.id), "W")
    assert draw.pool_size == 29
    problems = verify_stored(draw).problems
    assert "承诺：抽取所用的抽查对象库不是公布承诺时固定的对象库" in problems  # pool not the committed one
    assert "承诺：抽取所用的抽查比例、固定数量或风险系数不是公布承诺时固定的数值" in problems
    # A citizen's copy of the bundle and the public files says so too (the commitment's record is in it).
    bundle = build_bundle(draw, reveal=True)
    result = run_verify_draw(tmp_path, bundle, public_pool_bytes(draw), draw.inspectors_file)
    assert result.returncode == 1, result.stdout
    assert "DIFFERENCE: the pool drawn is not the pool frozen with the commitment" in result.stdout
    assert "DIFFERENCE: the ratio, fixed count or multipliers drawn are not those" in result.stdout


def test_an_inspector_renamed_after_the_draw_is_no_false_alarm(db, tmp_path):
    task = make_task(ratio="0.5")
    make_subjects({"B": 6})
    make_team(count=4)
    db.session.commit()
    draw = operations.run_draw(operations.commit(task, 1, unit("140602")), "W")[0]
    replace_inspector(draw.selections[0].assignments[0], "生病")
    before = json.dumps(build_bundle(draw, reveal=True), ensure_ascii=False)
    for inspector in db.session.scalars(db.select(Inspector)):
        inspector.name = inspector.name + "（更正）"
    for subject in db.session.scalars(db.select(Subject)):
        subject.name = subject.name + "（更名）"
    db.session.commit()
    after = build_bundle(draw, reveal=True)
    assert json.dumps(after, ensure_ascii=False) == before
    assert verify_stored(draw).ok, verify_stored(draw).problems
    result = run_verify_draw(tmp_path, after, public_pool_bytes(draw), draw.inspectors_file)
    assert result.returncode == 0, result.stdout


def test_replacements_are_chain_records_with_the_inspectors_passed_over(db, tmp_path):
    task = make_task(ratio="0.5")
    subjects = make_subjects({"B": 4})
    team = make_team(count=6)
    db.session.commit()
    draw = operations.run_draw(operations.commit(task, 1, unit("140602")), "W")[0]
    sel = draw.selections[0]
    lead = next(a for a in sel.assignments if a.position == 0)
    # The inspector ranked next declares a conflict, the one after retires: both are passed over.
    by_cert = {i.certificate_number: i for i in team}
    e = bytes.fromhex(draw.effective_seed_hex)
    ranked = sorted(by_cert, key=lambda c: hmac.new(e, f"inspector|{sel.ident}|{c}".encode(), "sha256").digest())
    declare_conflict(by_cert[ranked[2]], subject=next(s for s in subjects if s.id == sel.subject_id))
    by_cert[ranked[3]].status = "退休"
    db.session.commit()
    new = replace_inspector(lead, "生病")
    assert new.certificate_number == ranked[4] and new.rank == 4
    assert new.skipped == [
        {"certificate": ranked[0], "reason": "assigned"},
        {"certificate": ranked[1], "reason": "assigned"},
        {"certificate": ranked[2], "reason": "conflict"},
        {"certificate": ranked[3], "reason": "ineligible"},
    ]
    records = chain.replacement_records(draw.id)
    assert len(records) == 1 and json.loads(records[0].body)["draw"] == draw.id
    assert sel.ident not in records[0].body  # the subject stays hidden until the selection is public
    assert verify_stored(draw).ok, verify_stored(draw).problems
    bundle = build_bundle(draw, reveal=True)
    assert bundle["replacements"][0]["skipped"] == new.skipped
    result = run_verify_draw(tmp_path, bundle, public_pool_bytes(draw), draw.inspectors_file)
    assert result.returncode == 0, result.stdout
    # A replacement rewritten in the database (another inspector, another reason) is reported,
    # and so is one deleted.
    new.reason = "另有安排"
    db.session.commit()
    assert not verify_stored(draw).ok
    result = run_verify_draw(tmp_path, build_bundle(draw, reveal=True), public_pool_bytes(draw), draw.inspectors_file)
    assert "is not the one recorded in the public chain" in result.stdout, result.stdout
    new.reason = "生病"
    db.session.commit()
    assert verify_stored(draw).ok
    lead.ended_at = None
    db.session.delete(new)
    db.session.commit()
    assert "替换：存储的有 0 条，公开链上记录的有 1 条" in verify_stored(draw).problems  # 0 stored, 1 recorded


def test_the_public_page_counts_replacements_even_while_the_selection_is_withheld(client_request, db):
    task = make_task(ratio="0.5", publish_selection_at_once=False)
    make_subjects({"B": 4})
    make_team(count=6)
    db.session.commit()
    draw = operations.run_draw(operations.commit(task, 1, unit("140602")), "W")[0]
    page = client_request.get("draws.public_detail", draw_id=draw.id)
    assert page.select_one('[data-field="replacements-recorded"]').get_text() == "0"
    assignment = draw.selections[0].assignments[0]
    replace_inspector(assignment, "生病")
    replace_inspector(draw.selections[0].active_assignments[0], "出差")
    db.session.commit()
    page = client_request.get("draws.public_detail", draw_id=draw.id)
    assert page.select_one('[data-field="replacements-recorded"]').get_text() == "2"
    assert page.select_one("#replacements") is None  # who and for whom: with the selection
    task.publish_selection_at_once = True
    db.session.commit()
    listed = client_request.get("draws.public_detail", draw_id=draw.id).select_one("#replacements").get_text()
    assert "依序跳过" in listed and "已分配检查该对象" in listed  # passed over: already assigned


def test_an_algorithm_1_draw_still_verifies_after_a_replacement_and_later_edits(
    client_request, db, tmp_path, monkeypatch
):
    from fieldapp.draws import algorithm
    from fieldapp.draws.operations import pool_bytes

    monkeypatch.setattr(algorithm, "ALGORITHM", algorithm.ALGORITHM_1)
    task = make_task(ratio="0.3")
    subjects = make_subjects({"A": 5, "B": 5, "C": 3, "D": 2})
    make_team(count=6)
    db.session.commit()
    draw = operations.run_draw(operations.commit(task, 1, unit("140602")), "W")[0]
    replace_inspector(draw.selections[0].assignments[0], "生病")
    for subject in subjects:  # the directory moves on: names, classes, status, ids
        subject.name += "（更名）"
        subject.credit_class = "A"
        subject.status = "注销"
        subject.ident = subject.ident[:-1] + "Y"
    for inspector in db.session.scalars(db.select(Inspector)):
        inspector.name += "（更正）"
    task.ratio = Decimal("1")
    db.session.commit()
    bundle = build_bundle(draw)
    assert bundle["format"] == "fieldapp-draw-bundle/1" and set(bundle["replacements"][0]) == {
        "id", "team", "replaced", "by", "name", "rank", "reason", "at"
    }  # fmt: skip
    result = run_verify_draw(tmp_path, bundle, pool_bytes(draw))
    assert result.returncode == 0 and result.stdout.strip().endswith("OK"), result.stdout
    assert verify_stored(draw).ok, verify_stored(draw).problems
    page = client_request.get("draws.public_detail", draw_id=draw.id)
    assert [r["data-ident"] for r in page.select("table.public-selection tbody tr")] == [
        s.ident for s in draw.selections
    ]
    assert page.select_one('[data-field="replacements-recorded"]').get_text() == "1"


def _swap(model, row_id: int, **values) -> None:
    """A row rewritten in the database by plain SQL, behind the application's back."""
    db.session.execute(model.__table__.update().where(model.id == row_id).values(**values))  # type: ignore[attr-defined]
    db.session.commit()
    db.session.expire_all()


def test_a_selection_pointed_at_another_subject_is_reported(client_request, db):
    from fieldapp.draws.models import DrawSelection
    from fieldapp.visits.models import Visit, VisitTask

    task = make_task(ratio="0.2")
    subjects = make_subjects({"B": 20})
    make_team(count=4)
    db.session.commit()
    draw = operations.run_draw(operations.commit(task, 1, unit("140602")), "W")[0]
    assert verify_stored(draw).ok, verify_stored(draw).problems
    chosen = draw.selections[0]
    drawn_id, position = chosen.subject_id, chosen.position
    other = next(s for s in subjects if s.id not in {sel.subject_id for sel in draw.selections})
    # The drawn ID string stays; the row (and so the visit made from it) now leads to another firm.
    _swap(DrawSelection, chosen.id, subject_id=other.id)
    problems = verify_stored(draw).problems
    said = f"抽中第 {position + 1} 位 {chosen.ident}：存储的对象不是公布承诺时固定的对象库中该编号所指的对象"
    assert said in problems, problems
    # The public page does not show the other firm under the drawn ID.
    row = client_request.get("draws.public_detail", draw_id=draw.id).select_one(f'tr[data-ident="{chosen.ident}"]')
    assert row.select_one('[data-mismatch="subject"]') is not None and other.name not in row.get_text()
    _swap(DrawSelection, chosen.id, subject_id=drawn_id)
    assert verify_stored(draw).ok, verify_stored(draw).problems
    # The visit made from the draw, sent to the other firm: reported too.
    visit_id = db.session.scalar(
        db.select(Visit.id)
        .join(VisitTask, VisitTask.visit_id == Visit.id)
        .where(VisitTask.draw_id == draw.id, Visit.subject_id == drawn_id)
    )
    _swap(Visit, visit_id, subject_id=other.id)
    assert f"本次抽取的检查 {visit_id} 不在抽中的对象处" in verify_stored(draw).problems
    _swap(Visit, visit_id, subject_id=drawn_id)
    assert verify_stored(draw).ok


def test_an_assignment_pointed_at_another_inspector_is_reported(client_request, db):
    from fieldapp.draws.models import DrawAssignment
    from fieldapp.visits.models import VisitInspector, VisitTask

    task = make_task(ratio="0.2")
    make_subjects({"B": 20})
    team = make_team(count=6)
    db.session.commit()
    draw = operations.run_draw(operations.commit(task, 1, unit("140602")), "W")[0]
    assignment = draw.selections[0].assignments[0]
    drawn_inspector, certificate = assignment.inspector_id, assignment.certificate_number
    drawn = {a.inspector_id for s in draw.selections for a in s.assignments}
    outsider = next(i for i in team if i.id not in {a.inspector_id for a in draw.selections[0].assignments})
    # The certificate string stays; the row now names another inspector of the roster.
    _swap(DrawAssignment, assignment.id, inspector_id=outsider.id)
    problems = verify_stored(draw).problems
    assert any(p.startswith(f"检查人员 {certificate}") for p in problems), problems
    page = client_request.get("draws.public_detail", draw_id=draw.id)
    shown = page.select_one(f'tr[data-ident="{draw.selections[0].ident}"]')
    assert shown.select_one('[data-mismatch="inspector"]') is not None and outsider.name not in shown.get_text()
    _swap(DrawAssignment, assignment.id, inspector_id=drawn_inspector)
    assert verify_stored(draw).ok, verify_stored(draw).problems
    # On the visit: an inspector not drawn for its subject.
    row = db.session.scalar(
        db.select(VisitInspector)
        .join(VisitTask, VisitTask.visit_id == VisitInspector.visit_id)
        .where(VisitTask.draw_id == draw.id, VisitInspector.inspector_id == drawn_inspector)
    )
    stranger = make_inspector("外人", "OUT1")
    db.session.commit()
    assert stranger.id not in drawn
    _swap(VisitInspector, row.id, inspector_id=stranger.id)
    assert f"本次抽取的检查 {row.visit_id} 中有未为该对象抽中的检查人员" in verify_stored(draw).problems


def test_a_new_certificate_or_uscc_after_the_draw_is_no_false_alarm(client_request, db):
    from datetime import date

    from fieldapp.inspectors.operations import change_inspector
    from fieldapp.subjects.models import SubjectChange

    task = make_task(ratio="0.2")
    make_subjects({"B": 20})
    make_team(count=4)
    db.session.commit()
    draw = operations.run_draw(operations.commit(task, 1, unit("140602")), "W")[0]
    subject = draw.selections[0].subject
    new_code = subject.uscc[:-1] + "Y"  # a corrected code, recorded as the importer records it
    db.session.add(SubjectChange(subject=subject, field="uscc", old_value=subject.uscc, new_value=new_code))
    subject.uscc = subject.ident = new_code
    inspector = draw.selections[0].active_assignments[0].inspector
    change_inspector(inspector, date(2021, 5, 1), "换证", certificate_number="RENEWED1")
    db.session.commit()
    assert verify_stored(draw).ok, verify_stored(draw).problems
    page = client_request.get("draws.public_detail", draw_id=draw.id)
    assert page.select_one("[data-mismatch]") is None and subject.name in page.get_text()
