"""Read-only queries: the public search, a subject's records, a task's list, a unit's work list."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import Integer, Select, column, select, table, union
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..plans.models import Task
from ..review.models import InspectionResult
from ..subjects.models import Subject
from ..subjects.search import name_clause as subject_name_clause
from ..subjects.search import normalise_query
from .models import PublishedResult

PAGE_SIZE = 20
USCC_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")
REGISTRATION_SHAPE = re.compile(r"^\d{15}$")


@dataclass
class SearchFilters:
    q: str = ""
    task_id: int | None = None
    division_code: str | None = None
    year: int | None = None
    result_code: str | None = None
    page: int = 1

    @property
    def is_empty(self) -> bool:
        return not (self.q or self.task_id or self.division_code or self.year or self.result_code)


@dataclass
class SearchPage:
    records: list[PublishedResult]
    page: int
    has_next: bool
    mode: str = "all"  # all / uscc / registration / name


def identifier_kind(q: str) -> str | None:
    """'uscc' or 'registration' when ``q`` has the shape of one (exact lookup), else None."""
    upper = q.strip().upper()
    if USCC_SHAPE.match(upper):
        return "uscc"
    if REGISTRATION_SHAPE.match(upper):
        return "registration"
    return None


def _like_escape(q: str) -> str:
    return q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


TRIGRAM = 3


def name_condition(q: str):
    """Records whose subject's name contains ``q``: the name as published (this table's trigram
    index) or the subject's current name in the directory (the directory's trigram search,
    :func:`fieldapp.subjects.search.name_clause`), so a firm renamed after publication is found by
    either name. The two id sets are united first, so each index is used on its own.

    Fragments shorter than a trigram (two Chinese characters are a common query) cannot use either
    index: they are matched against the published name only, as a plain condition, so the newest-
    first listing index can stop at the first page of matches instead of scanning the directory."""
    dialect = db.session.get_bind().dialect.name
    pattern = f"%{_like_escape(q)}%"
    if len(q) < TRIGRAM:
        return PublishedResult.subject_name.ilike(pattern, escape="\\")
    if dialect == "sqlite":
        # FTS5 trigram: a quoted string matches as a substring, through the index.
        fts = table("published_result_fts", column("rowid", Integer), column("published_result_fts"))
        phrase = '"' + q.replace('"', '""') + '"'
        as_published = select(fts.c.rowid).where(fts.c.published_result_fts.op("MATCH")(phrase))
    else:
        # PostgreSQL: ILIKE is answered by the pg_trgm GIN index.
        as_published = select(PublishedResult.id).where(PublishedResult.subject_name.ilike(pattern, escape="\\"))
    in_directory = select(PublishedResult.id).where(
        PublishedResult.subject_id.in_(select(Subject.id).where(subject_name_clause(q, dialect)))
    )
    return PublishedResult.id.in_(union(as_published, in_directory))


def search_statement(filters: SearchFilters) -> tuple[Select, str]:
    stmt = select(PublishedResult).where(PublishedResult.is_current.is_(True))
    mode = "all"
    q = " ".join(normalise_query(filters.q).split())
    if q:
        kind = identifier_kind(q)
        if kind == "uscc":
            stmt, mode = stmt.where(PublishedResult.uscc == q.upper()), kind
        elif kind == "registration":
            stmt, mode = stmt.where(PublishedResult.subject_ident == q), kind
        else:
            stmt, mode = stmt.where(name_condition(q)), "name"
    if filters.task_id:
        stmt = stmt.where(PublishedResult.task_id == filters.task_id)
    if filters.division_code:
        stmt = stmt.where(PublishedResult.division_code == filters.division_code)
    if filters.year:
        stmt = stmt.where(PublishedResult.plan_year == filters.year)
    if filters.result_code:
        stmt = stmt.where(PublishedResult.result_code == filters.result_code)
    return stmt, mode


def search(filters: SearchFilters, page_size: int = PAGE_SIZE) -> SearchPage:
    stmt, mode = search_statement(filters)
    page = max(filters.page, 1)
    stmt = stmt.order_by(PublishedResult.published_on.desc(), PublishedResult.id.desc())
    rows = list(db.session.scalars(stmt.offset((page - 1) * page_size).limit(page_size + 1)))
    return SearchPage(records=rows[:page_size], page=page, has_next=len(rows) > page_size, mode=mode)


def iter_current(filters: SearchFilters, batch: int = 1000):
    """Every current record matching ``filters`` (the open-data exports), in a stable order."""
    stmt, _ = search_statement(filters)
    stmt = stmt.order_by(PublishedResult.id).execution_options(yield_per=batch)
    yield from db.session.scalars(stmt)


def record_versions(public_id: str) -> list[PublishedResult]:
    """Every version of a public record, newest first."""
    return list(
        db.session.scalars(
            select(PublishedResult)
            .where(PublishedResult.public_id == public_id)
            .order_by(PublishedResult.version.desc())
        )
    )


def subject_records(ident: str) -> list[PublishedResult]:
    return list(
        db.session.scalars(
            select(PublishedResult)
            .where(PublishedResult.subject_ident == ident, PublishedResult.is_current.is_(True))
            .order_by(PublishedResult.inspected_on.desc(), PublishedResult.id.desc())
        )
    )


def task_records(task_id: int) -> list[PublishedResult]:
    return list(
        db.session.scalars(
            select(PublishedResult)
            .where(PublishedResult.task_id == task_id, PublishedResult.is_current.is_(True))
            .order_by(PublishedResult.division_code, PublishedResult.subject_name, PublishedResult.id)
        )
    )


def filter_choices() -> dict:
    """Tasks and years that have published results (for the search form's selects): one index
    probe per task of the plans, not a scan of the published table."""
    from ..plans.models import Plan

    published = select(PublishedResult.id).where(
        PublishedResult.task_id == Task.id, PublishedResult.is_current.is_(True)
    )
    tasks = db.session.execute(
        select(Task.id, Task.number, Task.name, Plan.year.label("plan_year"))
        .join(Plan, Plan.id == Task.plan_id)
        .where(published.exists())
        .order_by(Plan.year.desc(), Task.number)
    ).all()
    years = sorted({row.plan_year for row in tasks}, reverse=True)
    return {"tasks": tasks, "years": years}


def unpublished_results(user, task_id: int | None = None) -> list[InspectionResult]:
    """Approved results of the user's unit with no published version yet (oldest due first)."""
    published = select(PublishedResult.inspection_result_id)
    stmt = select(InspectionResult).where(InspectionResult.id.not_in(published))
    if user.role != "admin":
        stmt = stmt.where(InspectionResult.inspecting_unit_id == user.unit_id)
    if task_id:
        stmt = stmt.where(InspectionResult.task_id == task_id)
    stmt = stmt.order_by(
        InspectionResult.publication_due.is_(None), InspectionResult.publication_due, InspectionResult.id
    )
    stmt = stmt.options(selectinload(InspectionResult.subject), selectinload(InspectionResult.task))
    return list(db.session.scalars(stmt))


def unit_records(user, limit: int = 200) -> list[PublishedResult]:
    """The current published records of the user's unit, newest first."""
    stmt = select(PublishedResult).where(PublishedResult.is_current.is_(True))
    if user.role != "admin":
        stmt = stmt.where(PublishedResult.inspecting_unit_id == user.unit_id)
    stmt = stmt.options(selectinload(PublishedResult.inspection_result))
    return list(
        db.session.scalars(stmt.order_by(PublishedResult.published_at.desc(), PublishedResult.id.desc()).limit(limit))
    )


def results_by_ids(ids: list[int]) -> list[InspectionResult]:
    if not ids:
        return []
    return list(
        db.session.scalars(select(InspectionResult).where(InspectionResult.id.in_(ids)).order_by(InspectionResult.id))
    )
