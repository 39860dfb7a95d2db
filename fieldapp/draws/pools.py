"""The eligible pool of a round: subjects matching the task's scope within the executing unit's
jurisdiction, each with its credit class as of the draw date."""

from __future__ import annotations

import calendar
from datetime import date

from sqlalchemy import and_, exists, func, select

from ..auth.models import Unit, UnitKind
from ..extensions import db
from ..plans.models import Task
from ..subjects.models import CREDIT_CLASSES, Subject, SubjectChange, SubjectStatus, Tag, subject_tag
from .models import Draw, DrawSelection, DrawStatus

ANY_KINDS = ("enterprise", "individual", "cooperative")


def executing_units(task: Task) -> list[Unit]:
    """The units that draw this task: the city bureau and/or every county bureau."""
    units: list[Unit] = []
    if task.executes_city:
        units += db.session.scalars(select(Unit).where(Unit.kind == UnitKind.CITY_BUREAU.value)).all()
    if task.executes_county:
        units += db.session.scalars(
            select(Unit).where(Unit.kind == UnitKind.COUNTY_BUREAU.value).order_by(Unit.division_code)
        ).all()
    return units


def may_execute(task: Task, unit: Unit) -> bool:
    return any(u.id == unit.id for u in executing_units(task))


def task_window(task: Task) -> tuple[date, date]:
    """The task's window in its plan's year (the whole year where the plan gives none)."""
    year = task.plan.year if task.plan else date.today().year
    start_month = task.window_start_month or 1
    end_month = task.window_end_month or 12
    if end_month < start_month:
        end_month = start_month
    return date(year, start_month, 1), date(year, end_month, calendar.monthrange(year, end_month)[1])


def scope_of(task: Task) -> dict:
    rule = dict(task.scope_rule or {})
    return {
        "kinds": [k for k in (rule.get("kinds") or []) if k],
        "tags_any": list(rule.get("tags_any") or rule.get("tags") or []),
        "status": rule.get("status") or SubjectStatus.OPERATING.value,
        "past_business_term": bool(rule.get("past_business_term")),
    }


def previously_drawn(task: Task, round_: int, unit: Unit):
    """Subject ids selected by the valid draws of earlier rounds of the task (same unit)."""
    return (
        select(DrawSelection.subject_id)
        .join(Draw, Draw.id == DrawSelection.draw_id)
        .where(
            Draw.task_id == task.id,
            Draw.unit_id == unit.id,
            Draw.round < round_,
            Draw.status == DrawStatus.VALID.value,
        )
    )


def pool_statement(task: Task, round_: int, unit: Unit, draw_date: date):
    scope = scope_of(task)
    stmt = select(Subject.ident, Subject.credit_class, Subject.id).where(Subject.status == scope["status"])
    if unit.division_code:
        stmt = stmt.where(Subject.division_code == unit.division_code)
    kinds = scope["kinds"]
    if kinds and set(kinds) != set(ANY_KINDS):
        stmt = stmt.where(Subject.kind.in_(kinds))
    if scope["tags_any"]:
        stmt = stmt.where(
            exists()
            .where(subject_tag.c.subject_id == Subject.id)
            .where(subject_tag.c.tag_id == Tag.id)
            .where(Tag.name.in_(scope["tags_any"]))
        )
    if scope["past_business_term"]:
        stmt = stmt.where(and_(Subject.business_term_end.is_not(None), Subject.business_term_end < draw_date))
    if round_ > 1 and task.exclude_previous_rounds:
        stmt = stmt.where(Subject.id.not_in(previously_drawn(task, round_, unit)))
    return stmt


def class_changes_after(draw_date: date) -> dict[int, str]:
    """Subjects whose class changed after the draw date: the class they had on it (the old
    value of the earliest later change)."""
    rows = db.session.execute(
        select(SubjectChange.subject_id, SubjectChange.old_value, SubjectChange.effective_on, SubjectChange.id)
        .where(SubjectChange.field == "credit_class", SubjectChange.effective_on > draw_date)
        .order_by(SubjectChange.subject_id, SubjectChange.effective_on, SubjectChange.id)
    )
    earlier: dict[int, str] = {}
    for subject_id, old_value, _, _ in rows:
        if subject_id not in earlier and old_value in CREDIT_CLASSES:
            earlier[subject_id] = old_value
    return earlier


def build_pool(task: Task, round_: int, unit: Unit, draw_date: date) -> list[tuple[str, str, int]]:
    """``(id, class, subject_id)`` for every subject of the pool, sorted by id (byte order)."""
    stmt = pool_statement(task, round_, unit, draw_date)
    # Core execution: plain rows, without the ORM's per-row loading overhead (a pool can hold
    # a million subjects).
    rows = db.session.connection().execute(stmt).fetchall()
    changed = class_changes_after(draw_date)
    if changed:
        entries = [(ident, changed.get(sid, cls), sid) for ident, cls, sid in rows]
    else:
        entries = [tuple(row) for row in rows]
    entries.sort()
    return entries


def pool_size_estimate(task: Task, round_: int, unit: Unit, draw_date: date) -> int:
    stmt = pool_statement(task, round_, unit, draw_date)
    return db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
