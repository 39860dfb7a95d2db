"""Fast subject search by name fragment or by code, on a million subjects.

- A code (USCC or registration number, or the first 6+ characters of one): a range scan of the
  unique ``ident`` index.
- A name fragment: its search form (:func:`fieldapp.search_objects.search_key`) looked for in the
  names' search form (``Subject.name_key``), so ＡＢＣ超市, ABC超市 and abc超市, or 太原 市 and
  太原  市, are one. PostgreSQL uses the pg_trgm GIN index through ``LIKE '%…%'``; SQLite uses the
  FTS5 trigram table ``subject_fts`` (see :mod:`.search_ddl`). Fragments shorter than three
  characters cannot be served by a trigram index: they fall back to ``LIKE`` (correct, and still
  fast when ordered by id with a page limit, since common short fragments match early).

Other packages (e.g. the public results search) call :func:`subject_search_clause` to add the
same condition to their own queries on ``Subject``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Integer, Select, and_, column, false, func, select, text
from sqlalchemy.orm import QueryableAttribute

from ..extensions import db
from ..search_objects import search_key
from .models import Subject

CODE_RE = re.compile(r"^[0-9A-Z]{6,18}$")
TRIGRAM = 3


def looks_like_code(query: str) -> bool:
    return bool(CODE_RE.match(query.upper())) and any(ch.isdigit() for ch in query)


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def code_clause(query: str) -> ColumnElement[bool]:
    """Identifiers starting with ``query`` (an index range: every ident character is 0-9 or A-Z)."""
    prefix = query.upper()
    if len(prefix) in (15, 18):
        return Subject.ident == prefix
    return and_(Subject.ident >= prefix, Subject.ident <= prefix + "Z" * (18 - len(prefix)))


_FTS_READY: dict[str, bool] = {}


def _fts_ready() -> bool:
    """Whether this SQLite database has the FTS table (a database built by migrations that lack
    the search DDL falls back to LIKE until ``flask subjects search-index`` or an import adds it)."""
    key = str(db.engine.url)
    if not _FTS_READY.get(key):
        from .search_ddl import search_ddl_present

        _FTS_READY[key] = search_ddl_present(db.session.connection())
    return _FTS_READY[key]


def name_clause(key: str, dialect: str | None = None) -> ColumnElement[bool]:
    """Subjects whose name's search form contains ``key`` (a fragment's search form:
    :func:`fieldapp.search_objects.search_key`), served by the dialect's trigram index when it can.
    Both sides are lower case already, so LIKE compares as ILIKE would."""
    dialect = dialect or db.engine.dialect.name
    pattern = f"%{_escape_like(key)}%"
    if dialect == "sqlite" and len(key) >= TRIGRAM and _fts_ready():
        phrase = '"' + key.replace('"', '""') + '"'
        fts = text("SELECT rowid FROM subject_fts WHERE subject_fts MATCH :subject_fts_query").bindparams(
            subject_fts_query=phrase
        )
        return Subject.id.in_(fts.columns(column("rowid", Integer)))
    return Subject.name_key.like(pattern, escape="\\")


def subject_search_clause(query: str | None, dialect: str | None = None) -> ColumnElement[bool] | None:
    """The condition for a search box: a code prefix, or a name fragment (by its search form, as
    the names are stored). ``None`` for an empty query."""
    key = search_key(query)
    if not key:
        return None
    if looks_like_code(key):
        return code_clause(key)
    if len(key) > 200:
        return false()
    return name_clause(key, dialect)


def count_limit_for(query: str | None) -> int:
    """Short name fragments cannot use the trigram index: count only a few pages' worth of them
    (the count then stops early instead of scanning a million names a second time)."""
    key = search_key(query)
    if key and not looks_like_code(key) and len(key) < TRIGRAM:
        return 200
    return 10000


@dataclass
class Page:
    """One page of results; ``total`` is counted up to ``count_limit`` (``total_capped`` then)."""

    items: list
    page: int
    per_page: int
    total: int
    total_capped: bool

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


def where_given(stmt: Select, filters: object, columns: Mapping[str, ColumnElement | QueryableAttribute]) -> Select:
    """``stmt`` narrowed, for each attribute of ``filters`` named in ``columns`` that is set, to the
    rows whose column equals it: a filter left blank (``""``, ``None``, 0) narrows nothing."""
    for name, col in columns.items():
        value = getattr(filters, name)
        if value:
            stmt = stmt.where(col == value)
    return stmt


def paginate(stmt: Select, page: int = 1, per_page: int = 20, count_limit: int = 10000) -> Page:
    """Page through ``stmt`` (a select of Subject, already ordered) without counting a million rows.

    The page is read with one row of look-ahead; only when there is more than one page is the total
    counted, and then only up to ``count_limit`` (a rare match is thus scanned once, not twice)."""
    page = max(1, page)
    offset = (page - 1) * per_page
    rows = list(db.session.scalars(stmt.limit(per_page + 1).offset(offset)))
    items = rows[:per_page]
    if len(rows) <= per_page and (items or page == 1):
        total = offset + len(items)
        return Page(items, page, per_page, total, False)
    capped = select(func.count()).select_from(stmt.order_by(None).limit(count_limit + 1).subquery())
    total = db.session.scalar(capped) or 0
    return Page(items, page, per_page, min(total, count_limit), total > count_limit)


def search_subjects(query: str | None, *, page: int = 1, per_page: int = 20, base: Select | None = None) -> Page:
    """Subjects matching ``query`` (name fragment or code), newest first, one page."""
    stmt = base if base is not None else select(Subject)
    clause = subject_search_clause(query)
    if clause is not None:
        stmt = stmt.where(clause)
    return paginate(stmt.order_by(Subject.id.desc()), page, per_page, count_limit_for(query))
