"""The demo's review work: queues with waiting submissions, approved results, cases, a listing proposal."""

from __future__ import annotations

from sqlalchemy import func, select

from fieldapp.demo.loader import load_demo
from fieldapp.inspections.models import Submission
from fieldapp.review.models import AbnormalListingProposal, FollowUpCase, InspectionResult
from fieldapp.visits.models import Visit, VisitInspector


def count(db, model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_demo_fills_the_review_queues_and_leaves_the_phone_accounts_their_visits(app, db, client_request):
    lines = list(load_demo(subject_count=3000))
    assert any(line.startswith("审核：") for line in lines)
    waiting = count(db, Submission, Submission.state == "submitted")
    assert waiting > 0 and count(db, InspectionResult) > 0
    assert count(db, FollowUpCase) > 0 and count(db, AbnormalListingProposal) > 0
    # The demo inspectors still have planned visits to do on their phones.
    from fieldapp.auth.models import User
    from fieldapp.inspectors.models import Inspector

    mine = (
        select(func.count())
        .select_from(Visit)
        .join(VisitInspector, VisitInspector.visit_id == Visit.id)
        .join(Inspector, Inspector.id == VisitInspector.inspector_id)
        .join(User, User.id == Inspector.user_id)
        .where(User.username == "shuocheng-inspector", Visit.status == "planned")
    )
    assert db.session.scalar(mine) > 0
    # Running it again adds nothing.
    before = count(db, Submission)
    assert "审核：已有检查结果" in list(load_demo(subject_count=3000))
    assert count(db, Submission) == before
    # The county supervisor's pages render the demo data.
    client_request.post("auth.login", _data={"username": "shuocheng-supervisor", "password": "demo-2021"})
    assert client_request.get("review.queue").select(".queue-item__link")
    client_request.get_response("dashboards.index")
