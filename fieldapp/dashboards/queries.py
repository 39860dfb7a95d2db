"""The numbers behind the dashboards, per county (``levels.py`` adds them up at any level).

A scope is a plan year and the counties it covers (``divisions``: one county, a city's or a
province's counties); ``None`` is every county of the deployment.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import selectinload

from ..auth import access
from ..auth.territory import county_names
from ..draws.pools import task_window
from ..calendar.workdays import DUE_SOON_WORKING_DAYS, Clock, add_working_days, clock, plan_deadline
from ..extensions import db
from ..plans.models import Plan, Task
from ..review.models import CaseStatus, FollowUpCase, InspectionResult
from ..review.rectification import case_overdue
from ..subjects.models import Subject, SubjectKind, SubjectStatus
from ..visits.models import Visit, VisitStatus, VisitTask

COVERAGE_FLOOR = 0.03  # 抽取辖区内不少于3%的企业
PUBLICATION_TARGET = 1.0


def _publication_settled():
    """A published result's row that settles its publication: its current version, or the last
    version of a record withdrawn (撤销: published, then taken back — not waiting to be published)."""
    from ..publication.models import PublishedResult

    return or_(PublishedResult.is_current.is_(True), PublishedResult.withdrawn.is_(True))


def _current_publications():
    """The ids of the results with a current published version, or a withdrawn record (one row each)."""
    from ..publication.models import PublishedResult

    return select(PublishedResult.inspection_result_id.label("result_id")).where(_publication_settled()).subquery()


@dataclass
class Rate:
    done: int
    total: int

    @property
    def ratio(self) -> float:
        return self.done / self.total if self.total else 0.0


def default_year(today: date) -> int:
    latest = db.session.scalar(select(func.max(Plan.year)).where(Plan.year <= today.year))
    return latest or today.year


def _year_bounds(year: int):
    return date(year, 1, 1), date(year, 12, 31)


def _codes(divisions: Collection[str] | None) -> list[str]:
    names = county_names()
    return [c for c in names if divisions is None or c in divisions]


def coverage_by_county(year: int, divisions: Collection[str] | None) -> dict[str, Rate]:
    """Operating enterprises with at least one result in the year, per county."""
    start, end = _year_bounds(year)
    base = and_(Subject.kind == SubjectKind.ENTERPRISE, Subject.status == SubjectStatus.OPERATING)
    totals_stmt = select(Subject.division_code, func.count()).where(base).group_by(Subject.division_code)
    # Driven from the year's results (indexed by date), not from every subject.
    inspected = (
        select(InspectionResult.subject_id)
        .where(InspectionResult.inspected_on.between(start, end))
        .distinct()
        .subquery()
    )
    done_stmt = (
        select(Subject.division_code, func.count())
        .select_from(inspected)
        .join(Subject, Subject.id == inspected.c.subject_id)
        .where(base)
        .group_by(Subject.division_code)
    )
    totals_stmt = access.within(totals_stmt, Subject.division_code, divisions)
    done_stmt = access.within(done_stmt, Subject.division_code, divisions)
    totals = dict(db.session.execute(totals_stmt).all())
    done = dict(db.session.execute(done_stmt).all())
    codes = _codes(divisions)
    return {c: Rate(done.get(c, 0), totals.get(c, 0)) for c in codes}


def publication_by_county(year: int, divisions: Collection[str] | None) -> dict[str, Rate]:
    """The year's results and how many of them are published, per county (an outer join, not
    ``IN (…)``: a province's published ids are too many for a hashed subplan)."""
    start, end = _year_bounds(year)
    current = _current_publications()
    stmt = (
        select(InspectionResult.division_code, func.count(), func.count(current.c.result_id))
        .outerjoin(current, current.c.result_id == InspectionResult.id)
        .where(InspectionResult.inspected_on.between(start, end))
        .group_by(InspectionResult.division_code)
    )
    stmt = access.within(stmt, InspectionResult.division_code, divisions)
    rows = {code: (total, published) for code, total, published in db.session.execute(stmt).all()}
    return {c: Rate(rows.get(c, (0, 0))[1], rows.get(c, (0, 0))[0]) for c in _codes(divisions)}


def late_publications_by_county(year: int, divisions: Collection[str] | None) -> dict[str, int]:
    """The year's results first published after their 20-working-day date, per county: once public,
    a late result is no longer overdue, but the deadline was still missed (a correction published
    later does not make a result late; its first version does)."""
    from ..publication.models import PublishedResult

    start, end = _year_bounds(year)
    stmt = (
        select(InspectionResult.division_code, func.count())
        .join(
            PublishedResult,
            and_(PublishedResult.inspection_result_id == InspectionResult.id, PublishedResult.version == 1),
        )
        .where(
            InspectionResult.inspected_on.between(start, end),
            PublishedResult.published_on > InspectionResult.publication_due,
        )
        .group_by(InspectionResult.division_code)
    )
    stmt = access.within(stmt, InspectionResult.division_code, divisions)
    return {code: int(n) for code, n in db.session.execute(stmt).all()}


@dataclass
class TaskProgress:
    task: Task
    visits: int
    approved: int
    window: tuple[date, date] | None
    deadline: date
    deadline_clock: Clock
    behind_window: bool

    @property
    def ratio(self) -> float:
        return self.approved / self.visits if self.visits else 0.0


def _window(task: Task) -> tuple[date, date] | None:
    """The task's months (抽取日期) as dates in the plan year, as the draws and visits read them
    (ending by the year's deadline); None where the plan gives no months."""
    if not task.window_start_month or not task.window_end_month:
        return None
    return task_window(task)


def task_progress(
    year: int, divisions: Collection[str] | None, today: date, plan_units: Collection[int] | None = None
) -> list[TaskProgress]:
    """Each task of the year's plans (issued by ``plan_units``; ``None``: any) with its visits in
    ``divisions``."""
    counts_stmt = (
        select(
            VisitTask.task_id,
            func.count(),
            func.sum(case((Visit.status == VisitStatus.APPROVED, 1), else_=0)),
        )
        .join(Visit, VisitTask.visit_id == Visit.id)
        .join(Task, VisitTask.task_id == Task.id)
        .join(Plan, Task.plan_id == Plan.id)
        .where(Plan.year == year)
        .group_by(VisitTask.task_id)
    )
    counts = db.session.execute(access.within(counts_stmt, Visit.division_code, divisions)).all()
    by_task = {t: (n, int(a or 0)) for t, n, a in counts}
    task_stmt = access.within(
        select(Task).join(Plan, Task.plan_id == Plan.id).where(Plan.year == year), Plan.unit_id, plan_units
    )
    tasks = db.session.scalars(task_stmt.order_by(Plan.unit_id, Plan.id, Task.number)).all()  # plan by plan
    deadline = plan_deadline(year)
    out = []
    for t in tasks:
        n, a = by_task.get(t.id, (0, 0))
        window = _window(t)
        finished = n > 0 and a == n
        c = clock(deadline, today, done_on=today if finished else None)
        behind = bool(window and today > window[1] and not finished and n > 0)
        out.append(TaskProgress(t, n, a, window, deadline, c, behind))
    return out


@dataclass
class OverduePublication:
    result: InspectionResult
    clock: Clock


def _unpublished(year: int, divisions: Collection[str] | None):
    """The year's results with a publication date and no current published version nor a withdrawn
    record (NOT EXISTS:
    an anti-join, whatever the number of published results)."""
    from ..publication.models import PublishedResult

    start, end = _year_bounds(year)
    published = (
        select(PublishedResult.id)
        .where(PublishedResult.inspection_result_id == InspectionResult.id, _publication_settled())
        .exists()
    )
    stmt = select(InspectionResult).where(
        InspectionResult.inspected_on.between(start, end), InspectionResult.publication_due.is_not(None), ~published
    )
    stmt = access.within(stmt, InspectionResult.division_code, divisions)
    return stmt


def publication_clocks_by_county(
    year: int, divisions: Collection[str] | None, today: date
) -> dict[str, tuple[int, int]]:
    """Unpublished results per county by their 20-working-day clock: (overdue, due soon)."""
    pending = _unpublished(year, divisions).subquery()
    soon_limit, _fallback = add_working_days(today, DUE_SOON_WORKING_DAYS)
    due = pending.c.publication_due
    rows = db.session.execute(
        select(
            pending.c.division_code,
            func.sum(case((due < today, 1), else_=0)),
            func.sum(case((due.between(today, soon_limit), 1), else_=0)),
        ).group_by(pending.c.division_code)
    ).all()
    return {code: (int(overdue or 0), int(soon or 0)) for code, overdue, soon in rows}


def provisional_due_dates(year: int, divisions: Collection[str] | None) -> bool:
    """Whether any unpublished result's due date was counted on the provisional calendar (a year
    ``chinesecalendar`` does not know): the overdue and due-soon figures may then move."""
    stmt = _unpublished(year, divisions).where(InspectionResult.due_by_fallback_calendar.is_(True))
    return bool(db.session.scalar(select(stmt.exists())))


def overdue_publications(
    year: int, divisions: Collection[str] | None, today: date, limit: int = 50
) -> list[OverduePublication]:
    """The oldest overdue unpublished results, each with its clock."""
    rows = db.session.scalars(
        _unpublished(year, divisions)
        .where(InspectionResult.publication_due < today)
        .options(selectinload(InspectionResult.subject), selectinload(InspectionResult.task))
        .order_by(InspectionResult.publication_due, InspectionResult.id)
        .limit(limit)
    ).all()
    overdue = []
    for r in rows:
        c = clock(r.publication_due, today)
        overdue.append(OverduePublication(r, replace(c, used_fallback=c.used_fallback or r.due_by_fallback_calendar)))
    return overdue


def open_publications(
    year: int, divisions: Collection[str] | None, today: date, limit: int = 50
) -> tuple[list[OverduePublication], int, int]:
    """Unpublished results by their 20-working-day clock: (the oldest overdue, overdue count,
    due-soon count). Counted in SQL on the stored due date; clocks only for the rows shown."""
    clocks = publication_clocks_by_county(year, divisions, today).values()
    overdue = overdue_publications(year, divisions, today, limit)
    return overdue, sum(c[0] for c in clocks), sum(c[1] for c in clocks)


@dataclass
class CaseSummary:
    open: int = 0
    closed: int = 0
    oldest: list = field(default_factory=list)
    overdue: int = 0  # open past their 整改期限


def _overdue_case(today: date):
    return case((case_overdue(today), 1), else_=0)


def follow_up_cases(unit_ids: Collection[int] | None, today: date, limit: int = 10) -> CaseSummary:
    """Cases assigned to the units ``unit_ids`` (a county bureau, a city's subtree …), or to
    every unit when ``unit_ids`` is None; the open ones past their deadline listed first."""
    stmt = select(FollowUpCase.status, func.count(), func.sum(_overdue_case(today))).group_by(FollowUpCase.status)
    oldest = (
        select(FollowUpCase)
        .where(FollowUpCase.status == CaseStatus.OPEN)
        .order_by(_overdue_case(today).desc(), FollowUpCase.opened_at, FollowUpCase.id)
    )
    stmt = access.within(stmt, FollowUpCase.assigned_unit_id, unit_ids)
    oldest = access.within(oldest, FollowUpCase.assigned_unit_id, unit_ids)
    counts = {status: (n, overdue or 0) for status, n, overdue in db.session.execute(stmt).all()}
    return CaseSummary(
        open=counts.get(CaseStatus.OPEN, (0, 0))[0],
        closed=counts.get(CaseStatus.CLOSED, (0, 0))[0],
        oldest=list(db.session.scalars(oldest.limit(limit))),
        overdue=counts.get(CaseStatus.OPEN, (0, 0))[1],
    )


def open_cases_by_unit(unit_ids: Collection[int], today: date) -> dict[int, tuple[int, int]]:
    """Open follow-up cases per assigned unit, for the units ``unit_ids``: (open, past their deadline)."""
    stmt = (
        select(FollowUpCase.assigned_unit_id, func.count(), func.sum(_overdue_case(today)))
        .where(FollowUpCase.status == CaseStatus.OPEN)
        .group_by(FollowUpCase.assigned_unit_id)
    )
    stmt = access.within(stmt, FollowUpCase.assigned_unit_id, unit_ids)
    return {unit_id: (n, overdue or 0) for unit_id, n, overdue in db.session.execute(stmt).all()}
