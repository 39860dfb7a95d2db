"""The eligible pool of a round: subjects matching the task's scope within the executing unit's
jurisdiction, each with its credit class as of the draw date."""

from __future__ import annotations

import calendar
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import islice

from sqlalchemy import and_, exists, func, or_, select

from .. import clock
from ..auth.models import Unit
from ..calendar.workdays import plan_deadline
from ..auth.territory import bureau_of, county_units_under, within_territory
from ..extensions import db
from ..plans.models import Task
from ..plans.scope import INDUSTRY_CODE, clean_rule
from ..subjects.models import CREDIT_CLASSES, Subject, Tag, subject_tag
from ..subjects.queries import values_before
from .models import Draw, DrawSelection, DrawStatus

ANY_KINDS = ("enterprise", "individual", "cooperative")


def executing_units(task: Task) -> list[Unit]:
    """The units that draw this task: the issuing bureau ("市局"/"省局" executes) and/or every
    county-level unit under it ("各县区局" execute); a county bureau's plan is its own to draw."""
    if task.plan is None or task.plan.unit is None:
        return []
    issuer = bureau_of(task.plan.unit)
    if issuer.is_county_level:
        return [issuer]
    units: list[Unit] = []
    if task.executes_city:
        units.append(issuer)
    if task.executes_county:
        units += county_units_under(issuer)
    return units


def may_execute(task: Task, unit: Unit) -> bool:
    return any(u.id == unit.id for u in executing_units(task))


def task_window(task: Task) -> tuple[date, date]:
    """The task's window in its plan's year (the whole year where the plan gives none), ending no
    later than the year's completion deadline (纳入抽查计划的任务应当于12月20日前全部完成: ``plan_deadline``)."""
    year = task.plan.year if task.plan else clock.today().year
    start_month = task.window_start_month or 1
    end_month = task.window_end_month or 12
    if end_month < start_month:
        end_month = start_month
    start = date(year, start_month, 1)
    end = min(date(year, end_month, calendar.monthrange(year, end_month)[1]), plan_deadline(year))
    return start, max(end, start)


def scope_of(task: Task) -> dict:
    """The task's scope rules (``fieldapp/plans/scope.py`` owns the contract)."""
    return clean_rule(task.scope_rule)


def previously_drawn(task: Task, round_: int, unit: Unit):
    """Subject ids selected by the valid draws of earlier rounds of the task (same unit)."""
    return (
        select(DrawSelection.subject_id)
        .join(Draw, Draw.id == DrawSelection.draw_id)
        .where(
            Draw.task_id == task.id,
            Draw.unit_id == unit.id,
            Draw.round < round_,
            Draw.status == DrawStatus.VALID,
        )
    )


def pool_statement(task: Task, round_: int, unit: Unit, draw_date: date, created_before=None):
    """The pool's rows ``(id, class now, subject id)``. Status is taken as of the draw date;
    ``created_before`` leaves out subjects added to the directory later (for verification)."""
    scope = scope_of(task)
    stmt = select(Subject.ident, Subject.credit_class, Subject.id)
    changed = values_before("status", draw_date)
    if changed:
        then = [sid for sid, old in changed.items() if old == scope["status"]]
        stmt = stmt.where(
            or_(and_(Subject.status == scope["status"], Subject.id.not_in(list(changed))), Subject.id.in_(then))
        )
    else:
        stmt = stmt.where(Subject.status == scope["status"])
    if created_before is not None:
        stmt = stmt.where(Subject.created_at <= created_before)
    stmt = within_territory(stmt, Subject.division_code, unit)
    kinds = scope["kinds"]
    if kinds and set(kinds) != set(ANY_KINDS):
        stmt = stmt.where(Subject.kind.in_(kinds))
    for names in (scope["tags_any"], scope["holdings_any"]):  # each group: any of its tags
        if names:
            stmt = stmt.where(
                exists()
                .where(subject_tag.c.subject_id == Subject.id)
                .where(subject_tag.c.tag_id == Tag.id)
                .where(Tag.name.in_(names))
            )
    if scope["industries"]:
        codes = [t for t in scope["industries"] if INDUSTRY_CODE.fullmatch(t)]
        names = [t for t in scope["industries"] if t not in codes]
        stmt = stmt.where(
            or_(*[Subject.industry_code.startswith(c, autoescape=True) for c in codes], Subject.industry.in_(names))
        )
    if scope["credit_classes"]:
        stmt = stmt.where(class_on(scope["credit_classes"], draw_date))
    if scope["counties"]:
        stmt = stmt.where(Subject.division_code.in_(scope["counties"]))
    if scope["past_business_term"]:
        stmt = stmt.where(and_(Subject.business_term_end.is_not(None), Subject.business_term_end < draw_date))
    if round_ > 1 and task.exclude_previous_rounds:
        stmt = stmt.where(Subject.id.not_in(previously_drawn(task, round_, unit)))
    return stmt


def pool_size(task: Task, round_: int, unit: Unit, draw_date: date) -> int:
    """How many subjects the pool has (a count: the web request decides with it who takes the pool)."""
    stmt = pool_statement(task, round_, unit, draw_date).with_only_columns(Subject.id).subquery()
    return db.session.scalar(select(func.count()).select_from(stmt)) or 0


def class_on(classes: list[str], draw_date: date):
    """Subjects whose credit class on the draw date is one of ``classes`` (later changes undone)."""
    changed = values_before("credit_class", draw_date)
    if not changed:
        return Subject.credit_class.in_(classes)
    then = [sid for sid, old in changed.items() if old in classes]
    return or_(and_(Subject.credit_class.in_(classes), Subject.id.not_in(list(changed))), Subject.id.in_(then))


@dataclass
class PoolColumns:
    """The pool as parallel columns sorted by id in byte order: plain strings and an array of
    database ids rather than a million tuples (a third of the memory)."""

    idents: list[str]  # the subjects' ids (USCC / registration numbers)
    classes: list[str]  # their credit classes as of the draw date
    ids: array  # their database ids

    def subject_ids(self, places: Iterable[int], unit: Unit) -> dict[str, tuple[int, str]]:
        """Database ids and division codes of the subjects at these places of this pool of
        ``unit``'s, by subject id (USCC / registration number): the division codes read by id (for a
        county-level unit, its own: its pool is its division, see ``within_territory``)."""
        idents, ids = self.idents, self.ids
        found = {idents[place]: ids[place] for place in places}
        if unit.division_code:
            code = unit.division_code
            return {ident: (subject_id, code) for ident, subject_id in found.items()}
        codes: dict[int, str] = {}
        wanted, connection = list(found.values()), db.session.connection()
        for start in range(0, len(wanted), 5000):  # (SQLite allows 32,766 parameters, PostgreSQL 65,535)
            stmt = select(Subject.id, Subject.division_code).where(Subject.id.in_(wanted[start : start + 5000]))
            codes.update((row[0], row[1]) for row in connection.execute(stmt))
        return {ident: (subject_id, codes[subject_id]) for ident, subject_id in found.items()}


def build_pool_columns(task: Task, round_: int, unit: Unit, draw_date: date, created_before=None) -> PoolColumns:
    """The pool, its classes as of the draw date, sorted by id in byte order."""
    stmt = pool_statement(task, round_, unit, draw_date, created_before)
    stmt = stmt.with_only_columns(Subject.ident, Subject.credit_class, Subject.id)
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.order_by(Subject.ident.collate("C"))  # byte order
    else:
        stmt = stmt.order_by(Subject.ident)  # SQLite compares text with memcmp: byte order
    idents: list[str] = []
    classes: list[str] = []
    ids = array("q")
    # The driver's own rows, 50,000 at a time: two text columns and an integer need no conversion,
    # so no Row object is made for each of a million subjects; each batch is turned into its three
    # columns by zip (in C, not three comprehensions over a million rows).
    result = db.session.connection().execute(stmt)
    try:
        while rows := result.cursor.fetchmany(50_000):
            ident_part, class_part, id_part = zip(*rows)
            idents += ident_part
            classes += class_part
            ids.extend(id_part)
    finally:
        result.close()
    if not all(map(str.__lt__, idents, islice(idents, 1, None))):
        order = sorted(range(len(idents)), key=idents.__getitem__)
        idents, classes = [idents[i] for i in order], [classes[i] for i in order]
        ids = array("q", [ids[i] for i in order])
    changed = {sid: cls for sid, cls in values_before("credit_class", draw_date).items() if cls in CREDIT_CLASSES}
    if changed:
        for index, subject_id in enumerate(ids):
            if subject_id in changed:
                classes[index] = changed[subject_id]
    return PoolColumns(idents, classes, ids)
