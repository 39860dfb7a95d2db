"""Two supervisors acting on one submission at once: one succeeds, the other is told."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from factories import review as rf
from conftest import AuthActions, new_browser
from fieldapp.audit import AuditEvent
from fieldapp.review.models import InspectionResult
from fieldapp.review.operations import ReviewConflict, approve, return_to_inspector


def lock_version_on_page(browser, sub_id):
    page = browser.get("review.submission", submission_id=sub_id)
    return page.select_one('#decision input[name="lock_version"]')["value"]


def decide(browser, sub_id, decision, data, status=302):
    return browser.post(
        "review.decide_submission", submission_id=sub_id, decision=decision, _data=data, _expected_status=status
    )


def test_two_sessions_the_second_is_told_who_acted_first(app, db):
    _, _, _, sub = rf.scenario()
    alice, bob = new_browser(app), new_browser(app)
    alice.login("alice", "supervisor", "140602")
    bob.login("bob", "supervisor", "140602")
    # Both open the page before either acts.
    v_alice, v_bob = lock_version_on_page(alice, sub.id), lock_version_on_page(bob, sub.id)
    assert v_alice == v_bob

    decide(alice, sub.id, "approve", {"lock_version": v_alice})
    page = decide(bob, sub.id, "return", {"lock_version": v_bob, "comment": "请补拍照片"}, status=409)
    assert "alice" in page.select_one("#conflict").get_text()

    db.session.expire_all()
    sub = db.session.get(type(sub), sub.id)
    assert sub.state == "approved" and sub.review_comment == ""
    assert [e.action for e in db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "submission"))] == [
        "approve"
    ]
    # Approving twice (a double click, a second tab) makes no second set of records.
    decide(alice, sub.id, "approve", {"lock_version": v_alice}, status=409)
    assert db.session.scalar(select(func.count()).select_from(InspectionResult)) == 1


def test_simultaneous_decisions_in_two_threads(app, db):
    """A real race: two database sessions decide at the same moment; exactly one wins."""
    _, _, _, sub = rf.scenario()
    sup1 = AuthActions(app.test_client()).create("sup1", "supervisor", "140602")
    sup2 = AuthActions(app.test_client()).create("sup2", "supervisor", "140602")
    sub_id, version = sub.id, sub.lock_version
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def act(name, user_id, decide):
        with app.app_context():
            from fieldapp.auth.models import User

            user = db.session.get(User, user_id)
            barrier.wait()
            try:
                decide(user)
                db.session.commit()  # as the request does
                outcomes[name] = "won"
            except ReviewConflict:
                outcomes[name] = "told"
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=act, args=("approve", sup1.id, lambda u: approve(sub_id, version, u))),
        threading.Thread(
            target=act, args=("return", sup2.id, lambda u: return_to_inspector(sub_id, version, u, "再查"))
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes.values()) == ["told", "won"]
    db.session.expire_all()
    state = db.session.get(type(sub), sub_id).state
    winner = next(k for k, v in outcomes.items() if v == "won")
    assert state == {"approve": "approved", "return": "returned"}[winner]
    assert (
        db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.object_type == "submission"))
        == 1
    )


def test_a_stale_lock_version_is_refused_even_when_the_state_is_unchanged(app, db):
    _, _, _, sub = rf.scenario()
    user = AuthActions(app.test_client()).create("sup", "supervisor", "140602")
    with pytest.raises(ReviewConflict):
        approve(sub.id, sub.lock_version + 5, user)
    db.session.expire_all()
    assert db.session.get(type(sub), sub.id).state == "submitted"
