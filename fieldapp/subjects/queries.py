"""Reading the subject directory: the supervisors' filtered search, one subject with its history."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Select, and_, or_, select

from .. import clock
from ..auth import access
from ..extensions import db
from .models import CREDIT_CLASSES, Subject, SubjectChange, SubjectKind, SubjectStatus, Tag, subject_tag
from .search import Page, count_limit_for, paginate, subject_search_clause, where_given


@dataclass
class SubjectFilters:
    q: str = ""
    division: str = ""  # set by the view once checked against the user's area
    kind: str = ""
    tag: str = ""
    credit_class: str = ""
    status: str = ""

    @classmethod
    def from_args(cls, args) -> SubjectFilters:
        f = cls(**{name: (args.get(name) or "").strip() for name in ("q", "kind", "tag", "status")})
        f.credit_class = (args.get("class") or "").strip().upper()
        # Unknown values are ignored rather than answered with an empty list.
        if f.kind not in {k.value for k in SubjectKind}:
            f.kind = ""
        if f.status not in {s.value for s in SubjectStatus}:
            f.status = ""
        if f.credit_class not in CREDIT_CLASSES:
            f.credit_class = ""
        f.q = f.q[:200]
        return f

    def as_args(self) -> dict[str, str]:
        args = {
            "q": self.q,
            "division": self.division,
            "kind": self.kind,
            "tag": self.tag,
            "class": self.credit_class,
            "status": self.status,
        }
        return {k: v for k, v in args.items() if v}


# The filters that narrow to one value of a column, by attribute of SubjectFilters.
FILTER_COLUMNS = {
    "division": Subject.division_code,
    "kind": Subject.kind,
    "status": Subject.status,
    "credit_class": Subject.credit_class,
}


def subject_query(filters: SubjectFilters, user) -> Select:
    """Subjects matching ``filters`` that ``user`` may see, newest first."""
    stmt = access.scope(select(Subject), Subject.division_code, user)
    stmt = where_given(stmt, filters, FILTER_COLUMNS)
    if filters.tag:
        tagged = (
            select(subject_tag.c.subject_id).join(Tag, Tag.id == subject_tag.c.tag_id).where(Tag.name == filters.tag)
        )
        stmt = stmt.where(Subject.id.in_(tagged))
    clause = subject_search_clause(filters.q)
    if clause is not None:
        stmt = stmt.where(clause)
    return stmt.order_by(Subject.id.desc())


def find_subjects(filters: SubjectFilters, user, page: int = 1, per_page: int = 20) -> Page:
    return paginate(subject_query(filters, user), page, per_page, count_limit_for(filters.q))


def all_tags() -> list[Tag]:
    return list(db.session.scalars(select(Tag).order_by(Tag.group, Tag.id)))


def subject_history(subject: Subject) -> list[SubjectChange]:
    return list(
        db.session.scalars(
            select(SubjectChange)
            .where(SubjectChange.subject_id == subject.id)
            .order_by(SubjectChange.changed_at.desc(), SubjectChange.id.desc())
        )
    )


def values_before(field: str, day: date, subject_ids: Collection[int] | None = None) -> dict[int, str]:
    """Subjects whose ``field`` changed after ``day`` (of ``subject_ids`` when given): the value
    they had on it (the old value of the earliest later change). A change takes effect on its
    ``effective_on`` date, or on the (Beijing) day it was recorded."""
    after = clock.start_of_day(day + timedelta(days=1))
    stmt = select(
        SubjectChange.subject_id,
        SubjectChange.old_value,
        SubjectChange.effective_on,
        SubjectChange.changed_at,
        SubjectChange.id,
    ).where(
        SubjectChange.field == field,
        or_(
            SubjectChange.effective_on > day,
            and_(SubjectChange.effective_on.is_(None), SubjectChange.changed_at >= after),
        ),
    )
    if subject_ids is not None:
        stmt = stmt.where(SubjectChange.subject_id.in_(list(subject_ids)))
    earliest: dict[int, tuple] = {}
    for subject_id, old_value, effective_on, changed_at, change_id in db.session.execute(stmt).all():
        when = (effective_on or clock.local_date(changed_at), change_id)
        if subject_id not in earliest or when < earliest[subject_id][0]:
            earliest[subject_id] = (when, old_value)
    return {sid: old for sid, (_, old) in earliest.items() if old is not None}


def name_on(subject: Subject, day: date) -> str:
    """What the directory called ``subject`` on ``day``: its name, unless a rename recorded later
    undoes it (the public record names a firm as it was inspected)."""
    return values_before("name", day, [subject.id]).get(subject.id) or subject.name
