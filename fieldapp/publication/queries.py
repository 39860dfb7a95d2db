"""Read-only queries: the public search, a subject's records, a task's list, a unit's work list."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Integer, Row, Select, and_, column, literal, or_, select, table, text, tuple_, union
from sqlalchemy.orm import selectinload

from ..auth import access
from ..checklists.results import result_table
from ..extensions import db
from ..plans.models import Task
from ..review.models import InspectionResult
from ..search_objects import search_key
from ..subjects.models import Subject
from ..subjects.search import name_clause as subject_name_clause
from ..subjects.search import where_given
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
    page: int = 1  # shown only: the cursors below say where a page starts
    after: tuple[date, int] | None = None  # (published_on, id) of the row before this page
    before: tuple[date, int] | None = None  # (published_on, id) of the row after this page

    @property
    def is_empty(self) -> bool:
        return not (self.q or self.task_id or self.division_code or self.year or self.result_code)


@dataclass
class SearchPage:
    records: Sequence[Row]  # rows of LIST_COLUMNS, newest first
    page: int
    has_next: bool
    mode: str = "all"  # all / uscc / registration / name
    has_prev: bool = False

    def cursor(self, row) -> str:
        return f"{row.published_on.isoformat()}.{row.id}"

    @property
    def next_cursor(self) -> str | None:
        return self.cursor(self.records[-1]) if self.has_next and self.records else None

    @property
    def prev_cursor(self) -> str | None:
        return self.cursor(self.records[0]) if self.has_prev and self.records else None


# What a result card shows: the list never loads whole records.
LIST_COLUMNS = (
    PublishedResult.id,
    PublishedResult.public_id,
    PublishedResult.subject_name,
    PublishedResult.subject_ident,
    PublishedResult.inspected_on,
    PublishedResult.inspecting_unit_name,
    PublishedResult.task_kind,
    PublishedResult.task_name,
    PublishedResult.result_code,
    PublishedResult.result_label,
    PublishedResult.result_label_en,
    PublishedResult.version,
    PublishedResult.published_on,
)


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


def name_condition(key: str):
    """Records whose published name holds the fragment: its search form (``subject_name_key``, by
    this table's trigram index) holds ``key``, the fragment's search form
    (:func:`fieldapp.search_objects.search_key`), so width, composition and case never decide.
    Or the subject's current name in the directory does, by its search form too
    (``Subject.name_key``: :func:`fieldapp.subjects.search.name_clause`), so a firm renamed after
    publication is found by either name. The two id sets are united first, so each index is used
    on its own.

    Fragments shorter than a trigram (two Chinese characters are a common query) cannot use either
    index: they are matched against the published name only, as a plain condition, so the newest-
    first listing index (which carries the search form) can stop at the first page of matches
    instead of scanning the directory. Both sides are lower case already, so LIKE compares as ILIKE
    would without lower-casing every name the scan passes. On PostgreSQL a pair of characters is
    also looked up in the names' pairs (their index, :data:`fieldapp.publication.search_ddl.PAIRS`),
    so a pair no name holds costs a probe."""
    dialect = db.session.get_bind().dialect.name
    pattern = f"%{_like_escape(key)}%"
    if len(key) < TRIGRAM:
        match = PublishedResult.subject_name_key.like(pattern, escape="\\")
        if dialect == "postgresql" and len(key) == 2:  # the names holding the pair, by its index
            return and_(POSTGRESQL_PAIR_MATCH.bindparams(pair=key), match)
        return match
    if dialect == "postgresql":
        return POSTGRESQL_NAME_MATCH.bindparams(key_pattern=pattern)
    # SQLite: FTS5 trigram; a quoted string matches as a substring, through the index.
    fts = table("published_result_fts", column("rowid", Integer), column("published_result_fts"))
    phrase = '"' + key.replace('"', '""') + '"'
    as_published = select(fts.c.rowid).where(fts.c.published_result_fts.op("MATCH")(phrase))
    named = select(Subject.id).where(subject_name_clause(key, dialect))
    in_directory = select(PublishedResult.id).where(PublishedResult.subject_id.in_(named))
    return PublishedResult.id.in_(union(as_published, in_directory))


# PostgreSQL: LIKE is answered by each pg_trgm GIN index (the published names' search form's and,
# as :func:`fieldapp.subjects.search.name_clause` asks it, the directory names' search form's). The
# matching subjects' ids first, then their records by subject_id: as a plain IN, the planner
# misjudged the trigram match as one row and walked every record probing the directory by id
# instead (ten times slower on 10,000 records, worse on more). The records' ids likewise, as one
# array looked up by key: as an IN, the planner joined them to every current record by hash (a
# scan of the table for twenty rows). Written once as SQL: built as an expression on every search
# it took 0.5 ms of Python.
POSTGRESQL_NAME_MATCH = text(
    "published_result.id = ANY(ARRAY("
    "SELECT id FROM published_result WHERE subject_name_key LIKE :key_pattern ESCAPE '\\' "
    "UNION SELECT id FROM published_result WHERE subject_id = ANY(ARRAY("
    "SELECT id FROM subject WHERE name_key LIKE :key_pattern ESCAPE '\\'))))"
)


# A pair of characters among a published name's pairs (search_ddl.PAIRS: its GIN index answers it);
# the LIKE beside it keeps the match exact.
POSTGRESQL_PAIR_MATCH = text("name_pairs(published_result.subject_name_key) @> ARRAY[CAST(:pair AS text)]")


# The filters that narrow to one value of a column, by attribute of SearchFilters.
FILTER_COLUMNS = {
    "task_id": PublishedResult.task_id,
    "division_code": PublishedResult.division_code,
    "year": PublishedResult.plan_year,
}


def result_condition(code: str):
    """Records of result ``code``: holding it or a finer category under it (results.ResultTable.within),
    alone or among the several chosen (stored comma-joined, "A,6")."""
    padded = literal(",") + PublishedResult.result_code + literal(",")
    codes = result_table().within(code)
    return or_(*(padded.like(f"%,{_like_escape(c)},%", escape="\\") for c in codes))


def search_statement(filters: SearchFilters, columns=(PublishedResult,)) -> tuple[Select, str]:
    """Names holding the fragment however its brackets, letters, digits and spaces are typed: the
    published names and the directory's current names, each by its search form (full-width
    ＡＢＣ（民福） and ABC(民福) typed on a phone are one); a code by its shape, as the firm's
    (:func:`subjects_known_as`)."""
    stmt = select(*columns).where(PublishedResult.is_current.is_(True))
    mode = "all"
    q = search_key(filters.q)
    if q:
        kind = identifier_kind(q)
        if kind is not None:
            stmt, mode = stmt.where(PublishedResult.subject_id.in_(subjects_known_as(q.upper()))), kind
        else:
            stmt, mode = stmt.where(name_condition(q)), "name"
    stmt = where_given(stmt, filters, FILTER_COLUMNS)
    if filters.result_code:
        stmt = stmt.where(result_condition(filters.result_code))
    return stmt, mode


def search(filters: SearchFilters, page_size: int = PAGE_SIZE) -> SearchPage:
    """One page, newest first, by keyset: the rows after (or before) a cursor, never an OFFSET, so
    a late page costs what the first does and a publication in between neither skips nor repeats
    a row."""
    stmt, mode = search_statement(filters, LIST_COLUMNS)
    position = tuple_(PublishedResult.published_on, PublishedResult.id)
    page = max(filters.page, 1)
    if filters.before is not None:  # the page before: read upwards from the cursor, then turn round
        stmt = stmt.where(position > tuple_(*filters.before))
        stmt = stmt.order_by(PublishedResult.published_on, PublishedResult.id).limit(page_size + 1)
        rows = db.session.execute(stmt).all()
        first = len(rows) <= page_size
        return SearchPage(rows[:page_size][::-1], 1 if first else max(page, 2), True, mode, has_prev=not first)
    if filters.after is not None:
        stmt = stmt.where(position < tuple_(*filters.after))
    stmt = stmt.order_by(PublishedResult.published_on.desc(), PublishedResult.id.desc()).limit(page_size + 1)
    rows = db.session.execute(stmt).all()
    has_prev = filters.after is not None
    return SearchPage(rows[:page_size], page if has_prev else 1, len(rows) > page_size, mode, has_prev=has_prev)


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


def subjects_known_as(ident: str):
    """The subjects a credit code or a registration number names: the one that was published under
    it, and the one the directory knows by it now — a firm checked under its registration number
    and re-licensed with a credit code since is one firm, found with all its records by either."""
    published = select(PublishedResult.subject_id).where(
        or_(PublishedResult.subject_ident == ident, PublishedResult.uscc == ident)
    )
    known = select(Subject.id).where(or_(Subject.uscc == ident, Subject.registration_number == ident))
    return union(published, known)


def subject_records(ident: str) -> list[PublishedResult]:
    """The current records of the firm ``ident`` names, however it was identified when published."""
    return list(
        db.session.scalars(
            select(PublishedResult)
            .where(PublishedResult.subject_id.in_(subjects_known_as(ident)), PublishedResult.is_current.is_(True))
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
    """Approved results of the user's unit with no published version yet (oldest due first);
    an administrator's: every unit's in their area."""
    published = select(PublishedResult.inspection_result_id)
    stmt = select(InspectionResult).where(InspectionResult.id.not_in(published))
    stmt = access.scope_publishing(stmt, InspectionResult.inspecting_unit_id, InspectionResult.division_code, user)
    if task_id:
        stmt = stmt.where(InspectionResult.task_id == task_id)
    stmt = stmt.order_by(
        InspectionResult.publication_due.is_(None), InspectionResult.publication_due, InspectionResult.id
    )
    stmt = stmt.options(selectinload(InspectionResult.subject), selectinload(InspectionResult.task))
    return list(db.session.scalars(stmt))


def unit_records(user, limit: int = 200) -> list[PublishedResult]:
    """The current published records of the user's unit (an administrator: of their area), newest first."""
    stmt = select(PublishedResult).where(PublishedResult.is_current.is_(True))
    stmt = access.scope_publishing(stmt, PublishedResult.inspecting_unit_id, PublishedResult.division_code, user)
    stmt = stmt.options(selectinload(PublishedResult.inspection_result))
    return list(
        db.session.scalars(stmt.order_by(PublishedResult.published_at.desc(), PublishedResult.id.desc()).limit(limit))
    )


def unit_withdrawals(user, year: int | None = None) -> list[PublishedResult]:
    """The withdrawn records (their last versions) of the user's unit (an administrator: of their
    area), of plan ``year`` when given, newest withdrawal first."""
    stmt = select(PublishedResult).where(PublishedResult.withdrawn.is_(True))
    stmt = access.scope_publishing(stmt, PublishedResult.inspecting_unit_id, PublishedResult.division_code, user)
    if year:
        stmt = stmt.where(PublishedResult.plan_year == year)
    return list(db.session.scalars(stmt.order_by(PublishedResult.published_at.desc(), PublishedResult.id.desc())))


def results_by_ids(ids: list[int]) -> list[InspectionResult]:
    if not ids:
        return []
    return list(
        db.session.scalars(select(InspectionResult).where(InspectionResult.id.in_(ids)).order_by(InspectionResult.id))
    )
