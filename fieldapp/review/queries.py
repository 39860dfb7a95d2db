"""What a supervisor may see: the review queue, a submission with its history, a subject's findings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, and_, case, exists, func, select
from sqlalchemy.orm import selectinload

from .. import clock
from ..auth import access
from ..auth.territory import bureau_of
from ..calendar.workdays import PUBLICATION_WORKING_DAYS, add_working_days, publication_due
from ..extensions import db
from ..inspections.models import Submission, SubmissionState
from ..inspectors.models import Inspector
from ..plans.models import Plan, Task
from ..subjects.models import Subject
from ..visits.models import Visit, VisitInspector, VisitTask
from .models import AbnormalListingProposal, FollowUpCase, InspectionResult
from .rectification import case_overdue

QUEUE_STATES = [s.value for s in SubmissionState]
PAGE_SIZE = 25

inspected_at = func.coalesce(Submission.inspected_on, Submission.completed_at, Submission.received_at)


def visit_scope(stmt: Select, user) -> Select:
    """A county unit's supervisors review the visits it made; above county level (a province's or
    a city's bureau and departments) a supervisor reads every visit of the subtree."""
    stmt = access.scope(stmt, Visit.division_code, user)
    return stmt.where(Visit.executing_unit_id == user.unit_id) if user.unit.is_county_level else stmt


def may_review(user, visit: Visit | None) -> bool:
    return access.may_read_work(user, visit)


def last_inspected_on_for_due(limit: date) -> date:
    """The latest completion date whose 20-working-day publication due is on or before ``limit``."""
    day, _ = add_working_days(limit, -PUBLICATION_WORKING_DAYS)
    while publication_due(day + timedelta(days=1))[0] <= limit:
        day += timedelta(days=1)
    return day


def may_decide(user, visit: Visit | None) -> bool:
    """谁检查、谁录入: only the inspecting unit approves or returns. City-level units (the bureau
    and its departments) act for one another; the city can read a county's work but not decide it."""
    if visit is None or not may_review(user, visit):
        return False
    if visit.executing_unit_id == user.unit_id:
        return True
    return bureau_of(user.unit).id == bureau_of(visit.executing_unit).id


@dataclass
class QueueFilters:
    task_id: int | None = None
    division: str | None = None
    inspector_id: int | None = None
    state: str | None = SubmissionState.SUBMITTED
    due_by: date | None = None
    page: int = 1


def queue_statement(user, f: QueueFilters) -> Select:
    stmt = (
        select(Submission)
        .join(Visit, Submission.visit_id == Visit.id)
        .join(Subject, Visit.subject_id == Subject.id)
        .options(selectinload(Submission.visit).selectinload(Visit.subject))
    )
    stmt = visit_scope(stmt, user)
    if f.state:
        stmt = stmt.where(Submission.state == f.state)
    if f.division:
        stmt = stmt.where(Visit.division_code == f.division)
    if f.task_id:
        stmt = stmt.where(exists().where(VisitTask.visit_id == Visit.id, VisitTask.task_id == f.task_id))
    if f.inspector_id:
        stmt = stmt.where(
            exists().where(VisitInspector.visit_id == Visit.id, VisitInspector.inspector_id == f.inspector_id)
        )
    if f.due_by:
        stmt = stmt.where(inspected_at < clock.start_of_day(last_inspected_on_for_due(f.due_by) + timedelta(days=1)))
    return stmt.order_by(inspected_at, Submission.id)


def queue_page(user, f: QueueFilters):
    return db.paginate(queue_statement(user, f), page=max(f.page, 1), per_page=PAGE_SIZE, error_out=False)


def filter_choices(user) -> dict:
    visits = visit_scope(select(Visit.id), user).subquery()
    tasks = db.session.execute(
        select(Task.id, Task.number, Task.name, Plan.kind.label("plan_kind"))
        .join(Plan, Plan.id == Task.plan_id)
        .where(Task.id.in_(select(VisitTask.task_id).where(VisitTask.visit_id.in_(select(visits.c.id)))))
        .order_by(Task.number)
    ).all()
    inspectors = db.session.execute(
        select(Inspector.id, Inspector.name)
        .where(
            Inspector.id.in_(
                select(VisitInspector.inspector_id).where(VisitInspector.visit_id.in_(select(visits.c.id)))
            )
        )
        .order_by(Inspector.name)
    ).all()
    counties = list(access.visible_counties(user).items())
    return {"tasks": tasks, "inspectors": inspectors, "counties": counties, "states": QUEUE_STATES}


def versions_of(submission: Submission) -> list[Submission]:
    """Every version of the visit's submission, oldest first (returned ones and resubmissions)."""
    return list(
        db.session.scalars(
            select(Submission)
            .where(Submission.visit_id == submission.visit_id)
            .order_by(Submission.version, Submission.id)
        )
    )


def previous_version(submission: Submission) -> Submission | None:
    if submission.replaces_id:
        return db.session.get(Submission, submission.replaces_id)
    return db.session.scalar(
        select(Submission)
        .where(Submission.visit_id == submission.visit_id, Submission.version < submission.version)
        .order_by(Submission.version.desc())
        .limit(1)
    )


def results_of_visit(visit_id: int) -> list[InspectionResult]:
    return list(
        db.session.scalars(
            select(InspectionResult).where(InspectionResult.visit_id == visit_id).order_by(InspectionResult.task_id)
        )
    )


def subject_results(subject_id: int) -> list[InspectionResult]:
    """A subject's results across tasks and years, newest first."""
    return list(
        db.session.scalars(
            select(InspectionResult)
            .where(InspectionResult.subject_id == subject_id)
            .options(
                selectinload(InspectionResult.task).selectinload(Task.plan),
                selectinload(InspectionResult.inspecting_unit),
            )
            .order_by(InspectionResult.inspected_on.desc(), InspectionResult.id.desc())
        )
    )


OVERDUE = "overdue"  # the case list's filter beside the statuses: open cases past their deadline


def cases_for_unit(unit_id: int | None, status: str | None = None, today: date | None = None) -> Select:
    """The cases (``status``: open, closed or overdue; None: all), those past their deadline first
    (the longest overdue first), then the newest."""
    stmt = select(FollowUpCase).options(selectinload(FollowUpCase.subject), selectinload(FollowUpCase.assigned_unit))
    if unit_id is not None:
        stmt = stmt.where(FollowUpCase.assigned_unit_id == unit_id)
    today = today or clock.today()
    overdue = case_overdue(today)
    if status == OVERDUE:
        stmt = stmt.where(overdue)
    elif status:
        stmt = stmt.where(FollowUpCase.status == status)
    first = case((overdue, 0), else_=1)
    by_deadline = case((overdue, FollowUpCase.rectify_by), else_=None)
    return stmt.order_by(first, by_deadline, FollowUpCase.opened_at.desc(), FollowUpCase.id.desc())


def user_case_scope(stmt: Select, user, model=FollowUpCase, column=None) -> Select:
    """Users see the cases (and proposals) assigned to the units of their bureau's subtree."""
    return access.scope_units(stmt, column if column is not None else model.assigned_unit_id, user)


def proposals(user, status: str | None = None) -> list[AbnormalListingProposal]:
    stmt = select(AbnormalListingProposal).options(selectinload(AbnormalListingProposal.subject))
    stmt = user_case_scope(stmt, user, column=AbnormalListingProposal.unit_id)
    if status:
        stmt = stmt.where(AbnormalListingProposal.status == status)
    return list(db.session.scalars(stmt.order_by(AbnormalListingProposal.proposed_at.desc())))


def serious_results(user, year: int | None = None) -> list[InspectionResult]:
    """Results with serious findings, for the joint-punishment partners' list."""
    from .codes import is_serious

    stmt = (
        select(InspectionResult)
        .join(Subject, InspectionResult.subject_id == Subject.id)
        .options(
            selectinload(InspectionResult.subject),
            selectinload(InspectionResult.inspecting_unit),
            selectinload(InspectionResult.task),
        )
        .order_by(Subject.name, InspectionResult.inspected_on)
    )
    stmt = access.scope(stmt, Subject.division_code, user)
    if year:
        stmt = stmt.where(
            and_(InspectionResult.inspected_on >= date(year, 1, 1), InspectionResult.inspected_on <= date(year, 12, 31))
        )
    return [
        r for r in db.session.scalars(stmt) if is_serious(r.result_code, r.follow_up_measures or [], r.findings or [])
    ]
