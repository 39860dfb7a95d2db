"""Review against the real checklist engine: answer sets stored the way the inspector app stores them
(``fieldapp.checklists.answer_set`` with the engine's findings) render with their labels, mark the
failing items and make result records with the follow-up the findings call for."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from factories import review as rf
from fieldapp.checklists import answer_set, evaluate, get_checklist, suggest_result
from fieldapp.review.models import FollowUpCase, InspectionResult


def test_fuel_dispenser_answer_set_from_the_engine(client_request, db):
    checklist = get_checklist("fuel-dispensers")
    assert checklist is not None
    answers = {
        "pledge": "不符合",
        "metrology_rules": "符合",
        "dispenser": [{"serial": "SN-001", "works_normally": "符合"}],
    }
    evaluation = evaluate(checklist, answers, date(2026, 9, 30))
    findings = [f.to_json() for f in evaluation.findings]
    assert any(f["item"] == "pledge" for f in findings)
    stored = answer_set(checklist, evaluation.answers)  # snapshots the definition
    stored["findings"] = findings

    t = rf.task()
    s = rf.subject()
    v = rf.visit(s, [t], inspectors=[rf.inspector()])
    code = suggest_result(evaluation.findings)
    body = {
        "tasks": [
            {
                "task_id": t.id,
                "answer_sets": [stored],
                "findings": findings,
                "result_code": code,
                "check_methods": ["实地检查"],
            }
        ],
        "inspected_on": "2026-09-30",
        "position": {"lat": 39.3, "lng": 112.4},
    }
    sub = rf.submission(v, body)
    db.session.commit()

    client_request.login("sup", "supervisor", "140602")
    page = client_request.get("review.submission", submission_id=sub.id)
    rows = {r["data-path"]: r for r in page.select("#task-%d tr.answers__row" % t.id)}
    assert "answers__row--finding" in rows["pledge"]["class"]
    label = checklist.item("pledge").label.get("zh") if hasattr(checklist, "item") else None
    if label:
        assert label in rows["pledge"].get_text()
    assert "SN-001" in rows["dispenser.1.serial"].get_text()
    # The finding text appears once, not once per place the body carries it.
    assert len(page.select(f"#task-{t.id} .findings li")) == len(findings)

    client_request.post(
        "review.decide_submission", submission_id=sub.id, decision="approve", _data={"lock_version": sub.lock_version}
    )
    result = db.session.scalar(select(InspectionResult))
    assert result.result_code == code
    assert result.findings[0]["item"] == "pledge" and result.findings[0]["text"]
    # No measure chosen: the findings' follow-up (责令改正) decides it, and a case is opened.
    assert any("责令改正" in m for m in result.follow_up_measures), (result.follow_up_measures, result.findings)
    assert db.session.scalar(select(FollowUpCase)).assigned_unit.division_code == "140602"
