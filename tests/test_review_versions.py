"""A returned submission, its resubmission, and what changed between them; the audit log."""

from __future__ import annotations

from unittest import mock

import pytest
from sqlalchemy import delete, select, update

from checklist_definitions import FUEL
from factories import review as rf
from fieldapp import audit
from fieldapp.audit import AuditEvent, AuditLogIsAppendOnly
from fieldapp.review.diff import diff_bodies


def test_returned_and_resubmitted_shows_a_per_item_diff(client_request, db):
    client_request.login("sup", "supervisor", "140602")
    t = rf.task()
    s = rf.subject()
    v = rf.visit(s, [t], inspectors=[rf.inspector()])
    first_answers = {
        "pledge": "符合",
        "ledger": "不符合",
        "dispenser": [{"serial": "A1", "error_pct": 0.5}],
        "remark": "旧",
    }
    first = rf.submission(v, rf.answers_body([t], answers=first_answers, result_code="A"))
    db.session.commit()
    client_request.post(
        "review.decide_submission",
        submission_id=first.id,
        decision="return",
        _data={"lock_version": first.lock_version, "comment": "误差请复测"},
    )

    # The inspector resubmits (the inspector app marks the old one superseded).
    db.session.expire_all()
    first = db.session.get(type(first), first.id)
    first.state = "superseded"
    second_answers = {
        "pledge": "符合",
        "ledger": "不符合",
        "dispenser": [{"serial": "A1", "error_pct": 0.1}],
        "photo_note": "复测",
    }
    second = rf.submission(v, rf.answers_body([t], answers=second_answers, result_code="E"), version=2, replaces=first)
    db.session.commit()

    page = client_request.get("review.submission", submission_id=second.id)
    changes = {row["data-path"]: row for row in page.select("#changes tr.diff-row")}
    assert set(changes) == {"dispenser.1.error_pct", "remark", "photo_note", "result_code"}
    assert "diff-row--changed" in changes["dispenser.1.error_pct"]["class"]
    assert changes["dispenser.1.error_pct"].select_one("del").get_text() == "0.5"
    assert changes["dispenser.1.error_pct"].select_one("ins").get_text() == "0.1"
    assert "diff-row--removed" in changes["remark"]["class"]
    assert "diff-row--added" in changes["photo_note"]["class"]
    assert "误差请复测" in page.select_one("#changes").get_text()
    # Both versions are listed, and the return of version 1 is in the log shown on version 2.
    assert len(page.select("#versions li")) == 2
    assert "误差请复测" in page.select_one("#audit").get_text()
    # The resubmission can be approved.
    client_request.post(
        "review.decide_submission",
        submission_id=second.id,
        decision="approve",
        _data={"lock_version": second.lock_version},
    )


def test_diff_of_identical_bodies_is_empty():
    body = {"tasks": [{"task_id": 1, "answers": {"a": "符合"}, "result_code": "1"}]}
    assert diff_bodies(body, body) == []
    changed = diff_bodies(body, {"tasks": [{"task_id": 1, "answers": {"a": "不符合"}, "result_code": "1"}]})
    assert [(c.path, c.kind, c.old, c.new) for c in changed[0].changes] == [("a", "changed", "符合", "不符合")]


def test_diff_lists_a_photo_answer_as_one_row_not_its_file_hashes():
    """Photos are media references ({sha256, …}), not repeat blocks: a retaken photo is one changed
    answer, never rows named after hash fields."""
    before = {"tasks": [{"task_id": 1, "answers": {"seal_photos": [{"sha256": "a" * 64}]}, "result_code": "1"}]}
    after = {"tasks": [{"task_id": 1, "answers": {"seal_photos": [{"sha256": "b" * 64}, {"sha256": "c" * 64}]}}]}
    changes = diff_bodies(before, after)[0].changes
    paths = [c.path for c in changes]
    assert "seal_photos" in paths and not any("sha256" in p for p in paths)
    photo = next(c for c in changes if c.path == "seal_photos")
    assert (photo.kind, photo.old, photo.new) == ("changed", "📷 × 1", "📷 × 2")


def test_audit_log_is_append_only(app, db):
    user = rf.unit("140602")  # any object; the actor may be None for system events
    ev = audit.record("submission", 1, "approve", None, from_state="submitted", to_state="approved", reason="ok")
    db.session.commit()
    assert user is not None and ev.hash and audit.verify_chain("submission", 1)

    ev.reason = "changed afterwards"
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()

    db.session.delete(db.session.get(AuditEvent, ev.id))
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()
    db.session.rollback()

    with pytest.raises(AuditLogIsAppendOnly):
        db.session.execute(update(AuditEvent).values(reason="x"))
    db.session.rollback()
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.execute(delete(AuditEvent))
    db.session.rollback()

    assert db.session.scalar(select(AuditEvent.reason)) == "ok"


def test_the_hash_chain_reveals_a_change_made_behind_the_apps_back(app, db):
    audit.record("submission", 7, "return", None, reason="first")
    audit.record("submission", 7, "approve", None, reason="second")
    db.session.commit()
    assert audit.verify_chain("submission", 7)
    with db.engine.begin() as conn:  # raw SQL, not through the ORM
        conn.execute(
            AuditEvent.__table__.update().where(AuditEvent.__table__.c.reason == "first").values(reason="edited")
        )
    db.session.expire_all()
    assert not audit.verify_chain("submission", 7)


def test_the_diff_shows_each_value_as_the_answer_rows_do(app):
    """A value in the diff is formatted by the checklist engine's answer renderer, from the item in
    the definition it was answered on: a choice by its label, photos counted, 不适用 as such."""

    def body(answers):
        answer_set = {"checklist_id": FUEL["id"], "checklist_version": FUEL["version"], "answers": answers}
        return {"tasks": [{"task_id": 1, **answer_set}]}

    def dispenser(grade, photos):
        return [{"serial": "A1", "seal_photos": photos, "nozzle": [{"nozzle_no": "1", "fuel_grade": grade}]}]

    before = body({"complaints_count": 0, "dispenser": dispenser("g92", ["a" * 64])})
    after = body({"complaints_count": "不适用", "dispenser": dispenser("d0", ["a" * 64, "b" * 64])})
    with mock.patch("fieldapp.review.answers.load_definition", return_value=FUEL), app.test_request_context():
        changes = {c.path: (c.old, c.new) for c in diff_bodies(before, after)[0].changes}
    assert changes["complaints_count"] == ("0", "不适用")
    assert changes["dispenser.1.nozzle.1.fuel_grade"] == ("92号汽油", "0号柴油")
    photos = changes["dispenser.1.seal_photos"]
    assert "1" in photos[0] and "2" in photos[1] and "📷" not in photos[1]
