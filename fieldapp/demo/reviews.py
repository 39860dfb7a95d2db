"""The demo's review work: some of the demo visits come back from the field, the county supervisors
approve most of them (with findings, follow-up cases and one 经营异常名录 proposal) and leave the
rest in their queue. Visits of the demo inspector accounts are left for the phone demo. Idempotent."""

from __future__ import annotations

from flask_babel import gettext as _

import hashlib
import random
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import exists, func, select

from ..auth.models import User
from .org import demo_county_supervisors, demo_field_inspectors
from ..extensions import db
from ..inspections.models import Submission, SubmissionState
from ..inspectors.models import Inspector
from ..review.codes import UNREACHABLE
from ..review.models import InspectionResult
from ..review.operations import approve
from ..visits.models import Visit, VisitInspector, VisitStatus

PER_COUNTY = 24


def _answers(checklist, fail: bool, rng: random.Random) -> dict:
    """符合 for every top-level check item; one 不符合 when ``fail``."""
    checks = [item for section in checklist.sections for item in section.items if item.type == "check"]
    answers = {item.id: "符合" for item in checks}
    if fail and checks:
        answers[rng.choice(checks).id] = "不符合"
    return answers


def _body(visit: Visit, day, fail: bool, unreachable: bool, rng: random.Random) -> dict:
    from ..checklists import answer_set, checklists_for, evaluate, suggest_result

    tasks = []
    for vt in visit.tasks:
        sets, findings, objects = [], [], []
        for checklist in checklists_for(vt.task, visit.subject.tag_names)[:2]:
            evaluation = evaluate(checklist, _answers(checklist, fail, rng), day)
            found = [f.to_json() for f in evaluation.findings]
            stored = answer_set(checklist, evaluation.answers)
            stored.update(checklist_id=checklist.id, checklist_version=checklist.version, findings=found)
            sets.append(stored)
            findings += found
            objects += evaluation.findings
        code = UNREACHABLE if unreachable else suggest_result(objects)
        tasks.append(
            {
                "task_id": vt.task_id,
                "answer_sets": sets,
                "findings": [] if unreachable else findings,
                "result_code": code,
                "check_methods": ["实地检查"],
            }
        )
    lat, lng = 39.33 + rng.uniform(-0.2, 0.2), 112.43 + rng.uniform(-0.2, 0.2)
    return {
        "tasks": tasks,
        "inspected_on": day.isoformat(),
        "position": {"lat": round(lat, 6), "lng": round(lng, 6), "accuracy": 15},
    }


def load_demo_reviews(seed: int = 2021) -> Iterator[str]:
    if db.session.scalar(select(func.count()).select_from(InspectionResult)):
        yield _("Review: results exist already")
        return
    rng = random.Random(seed)
    made = approved = 0
    for supervisor, visit, role in _planned_reviews():
        start = visit.window_start or datetime(2021, 6, 1).date()
        end = visit.window_end or datetime(2021, 11, 30).date()
        day = start + timedelta(days=rng.randrange(max((end - start).days, 1)))
        body = _body(visit, day, fail=role.fail, unreachable=role.unreachable, rng=rng)
        sub = _submit(visit, body, day, rng)
        made += 1
        if role.approve and body["tasks"]:
            approve(sub.id, sub.lock_version, supervisor, "演示数据")
            db.session.commit()
            approved += 1
    yield _(
        "Review: %(made)s submissions, %(approved)s approved, %(waiting)s waiting in the queues",
        made=made,
        approved=approved,
        waiting=made - approved,
    )


class Role(NamedTuple):
    fail: bool
    unreachable: bool
    approve: bool


def _planned_reviews() -> list[tuple[User, Visit, Role]]:
    """Each county's demo visits (not those of the phone accounts) with what becomes of them: about two
    thirds approved and at least one left in each county's queue; every third one with a finding, the
    second one 无法联系. Across the demo the first approved visit is 无法联系 (a 经营异常名录 proposal) and
    the second has a finding (a follow-up case), however few visits the random draws gave each county."""
    planned: list[tuple[User, Visit, Role]] = []
    approved = 0
    for supervisor, visits in _reviewable_visits():
        waiting = max(1, len(visits) // 3)
        for i, visit in enumerate(visits):
            approve = i < len(visits) - waiting
            first = approved if approve and approved < 2 else None  # 0: 无法联系, 1: a finding
            if first is None:
                role = Role(fail=i % 3 == 0, unreachable=i == 1, approve=approve)
            else:
                role = Role(fail=first == 1, unreachable=first == 0, approve=True)
            approved += approve
            planned.append((supervisor, visit, role))
    return planned


def _reviewable_visits() -> Iterator[tuple[User, list[Visit]]]:
    """Each demo county's supervisor and its planned visits that no phone account holds (at most PER_COUNTY)."""
    phone_inspectors = (
        select(Inspector.id).join(User, User.id == Inspector.user_id).where(User.username.in_(demo_field_inspectors()))
    )
    for division, username in sorted(demo_county_supervisors().items()):
        supervisor = db.session.scalar(select(User).where(User.username == username))
        if supervisor is None:
            continue
        visits = db.session.scalars(
            select(Visit)
            .where(Visit.division_code == division, Visit.status == VisitStatus.PLANNED)
            .where(
                ~exists().where(VisitInspector.visit_id == Visit.id, VisitInspector.inspector_id.in_(phone_inspectors))
            )
            .where(~exists().where(Submission.visit_id == Visit.id))
            .order_by(Visit.id)
            .limit(PER_COUNTY)
        ).all()
        yield supervisor, list(visits)


def _submit(visit: Visit, body: dict, day, rng: random.Random) -> Submission:
    raw = repr(body).encode()
    at = datetime.combine(day, datetime.min.time()) + timedelta(hours=10)
    sub = Submission(
        uuid=str(uuid.UUID(int=rng.getrandbits(128))),
        body_sha256=hashlib.sha256(raw).hexdigest(),
        visit_id=visit.id,
        body=body,
        state=SubmissionState.SUBMITTED,
        result_code=body["tasks"][0]["result_code"] if body["tasks"] else None,
        inspected_on=at,
        completed_at=at,
    )
    visit.status = VisitStatus.SUBMITTED
    visit.started_at = at
    db.session.add(sub)
    db.session.commit()
    return sub
