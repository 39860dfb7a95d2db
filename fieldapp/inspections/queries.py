"""Reads for the inspector's app: her visits, grouped the way she works through them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import selectinload

from ..auth import access
from ..extensions import db
from ..inspectors.models import Inspector
from ..plans.models import Plan, Task
from ..subjects.models import Subject
from ..visits.models import Visit, VisitInspector, VisitStatus, VisitTask
from .checklist_source import checklists_for_visit, form_key
from .models import Submission, SubmissionState


def inspector_for(user) -> Inspector | None:
    return db.session.scalar(select(Inspector).where(Inspector.user_id == user.id))


def _visit_options():
    return (
        selectinload(Visit.subject),
        selectinload(Visit.tasks).selectinload(VisitTask.task),
        selectinload(Visit.inspectors).selectinload(VisitInspector.inspector),
    )


def visit_for_inspector(visit_id: int, user) -> Visit | None:
    """The visit if ``user`` works on it (``access.may_work_on``: its inspectors, administrators)."""
    visit = db.session.get(Visit, visit_id, options=_visit_options())
    return visit if access.may_work_on(user, visit) else None


def latest_submissions(visit_ids: list[int]) -> dict[int, Submission]:
    """The newest version submitted for each visit."""
    if not visit_ids:
        return {}
    rows = db.session.scalars(
        select(Submission)
        .where(Submission.visit_id.in_(visit_ids))
        .order_by(Submission.visit_id, Submission.version, Submission.id)
    )
    latest: dict[int, Submission] = {}
    for row in rows:
        latest[row.visit_id] = row
    return latest


@dataclass
class VisitRow:
    """One card of the list: the columns it shows, never whole records (a list of 60 visits loaded
    as objects with their subjects, tasks and inspectors cost more than the rest of the page)."""

    visit: Any  # id, division_code, window_start, window_end, status, subject_name, subject_address
    tasks: list  # (number, name, plan_kind)
    co_inspectors: list[str]
    submission: Any  # version, state, review_comment of the newest version, or None
    group: str

    @property
    def returned_comment(self) -> str:
        if self.submission is not None and self.submission.state == SubmissionState.RETURNED:
            return self.submission.review_comment
        return ""


@dataclass
class MyVisits:
    returned: list[VisitRow] = field(default_factory=list)
    overdue: list[VisitRow] = field(default_factory=list)
    due: list[VisitRow] = field(default_factory=list)
    done: list[VisitRow] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.returned) + len(self.overdue) + len(self.due) + len(self.done)


def group_of(visit, submission, today: date) -> str:
    """``visit`` has ``status`` and ``window_end``; ``submission`` (or None) has ``state``."""
    if submission is not None and submission.state == SubmissionState.RETURNED:
        return "returned"
    if visit.status == VisitStatus.RETURNED and submission is None:
        return "returned"
    if submission is not None and submission.state in (
        SubmissionState.SUBMITTED,
        SubmissionState.APPROVED,
        SubmissionState.INCOMPLETE,
    ):
        return "done"
    if visit.status in (VisitStatus.SUBMITTED, VisitStatus.APPROVED):
        return "done"
    if visit.window_end is not None and visit.window_end < today:
        return "overdue"
    return "due"


def my_visits(user, today: date) -> MyVisits:
    """The inspector's visits in four groups, in four small column queries whatever their number."""
    result = MyVisits()
    inspector_ids = select(Inspector.id).where(Inspector.user_id == user.id).scalar_subquery()
    mine = select(VisitInspector.visit_id).where(VisitInspector.inspector_id == inspector_ids)
    visits = db.session.execute(
        select(
            Visit.id,
            Visit.division_code,
            Visit.window_start,
            Visit.window_end,
            Visit.status,
            Subject.name.label("subject_name"),
            Subject.address.label("subject_address"),
        )
        .join(Subject, Subject.id == Visit.subject_id)
        .where(Visit.id.in_(mine))
        .order_by(Visit.window_end.is_(None), Visit.window_end, Visit.id)
    ).all()
    tasks: dict[int, list] = {}
    for task in db.session.execute(
        select(VisitTask.visit_id, Task.number, Task.name, Plan.kind.label("plan_kind"))
        .join(Task, Task.id == VisitTask.task_id)
        .join(Plan, Plan.id == Task.plan_id)
        .where(VisitTask.visit_id.in_(mine))
        .order_by(VisitTask.visit_id, VisitTask.id)
    ):
        tasks.setdefault(task.visit_id, []).append(task)
    others: dict[int, list[str]] = {}
    for other in db.session.execute(
        select(VisitInspector.visit_id, Inspector.name)
        .join(Inspector, Inspector.id == VisitInspector.inspector_id)
        .where(VisitInspector.visit_id.in_(mine), VisitInspector.inspector_id != inspector_ids)
        .order_by(VisitInspector.visit_id, VisitInspector.position, VisitInspector.id)
    ):
        others.setdefault(other.visit_id, []).append(other.name)
    latest: dict[int, Row] = {}
    for version in db.session.execute(
        select(Submission.visit_id, Submission.version, Submission.state, Submission.review_comment)
        .where(Submission.visit_id.in_(mine))
        .order_by(Submission.visit_id, Submission.version, Submission.id)
    ):
        latest[version.visit_id] = version
    for visit in visits:
        submission = latest.get(visit.id)
        row = VisitRow(visit, tasks.get(visit.id, []), others.get(visit.id, []), submission, "")
        row.group = group_of(visit, submission, today)
        getattr(result, row.group).append(row)
    return result


def visit_state(submission: Submission | None) -> dict | None:
    """What the phone keeps of a visit's newest version: enough to show it as sent, approved or
    returned, and to send a correction as the next version."""
    if submission is None:
        return None
    return {
        "uuid": submission.uuid,
        "version": submission.version,
        "state": submission.state,
        "comment": submission.review_comment if submission.state == SubmissionState.RETURNED else "",
    }


@dataclass
class VisitStates:
    """Each of the user's visits: its newest version (``visit_state``), and for a visit still to be
    sent (nothing sent yet, or returned) what its form asks (``checklist_source.form_key``)."""

    states: dict[int, dict | None]
    forms: dict[int, str]


def my_visit_states(user) -> VisitStates:
    inspector = inspector_for(user)
    if inspector is None:
        return VisitStates({}, {})
    ids = list(db.session.scalars(select(VisitInspector.visit_id).where(VisitInspector.inspector_id == inspector.id)))
    latest = latest_submissions(ids)
    open_ids = [i for i in ids if i not in latest or latest[i].state == SubmissionState.RETURNED]
    visits = db.session.scalars(select(Visit).where(Visit.id.in_(open_ids)).options(*_visit_options()))
    forms = {visit.id: form_key(checklists_for_visit(visit)) for visit in visits}
    return VisitStates({visit_id: visit_state(latest.get(visit_id)) for visit_id in ids}, forms)
