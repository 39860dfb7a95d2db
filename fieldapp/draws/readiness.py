"""Is a task ready to draw? The pool preview of its scope rules, and the warnings a draw must answer.

Only a published plan's tasks are drawn at all. A task whose scope rules are unconfirmed, whose
pool is empty, whose visits exceed what the inspectors can do under the workload cap, or that is
drawn outside its window (抽取日期) gets a warning; drawing it needs a written reason, published
with the draw (``DrawCommitment.exception_reason``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, union

from ..auth.models import Unit
from ..extensions import db
from ..plans.models import Task
from ..plans.class_ratio_rules import is_unconfirmed
from ..plans.scope import clean_rule, is_confirmed
from ..subjects.models import Subject
from . import algorithm
from .pools import executing_units, pool_statement, task_window
from .rules import DrawRefused, numbers_error
from .teams import eligible_inspectors, required_specialties, team_units, workload_cap

SAMPLE_SIZE = 10
INSPECTORS_PER_VISIT = 2

WARNINGS = {
    "unconfirmed": _l(
        "The scope rules are proposals from the plan's text and have not been confirmed by a supervisor."
    ),
    "class_ratios": _l("The ratios by credit class have not been confirmed by a supervisor."),
    "empty_pool": _l("The pool of %(unit)s is empty: no subject in the directory matches the scope rules."),
    "over_capacity": _l(
        "%(unit)s: %(visits)s visits, but its %(inspectors)s eligible inspectors can do %(capacity)s "
        "under the workload cap of %(cap)s."
    ),
    "outside_window": _l("Today (%(day)s) is outside the task's draw window %(start)s – %(end)s."),
    "no_numbers": _l("The task's numbers do not allow a draw: %(error)s"),
}


def describe_warning(warning: dict) -> str:
    return str(WARNINGS[warning["code"]] % (warning.get("params") or {}))


@dataclass
class UnitPreview:
    unit: Unit
    by_class: dict[str, int]
    visits: int
    inspectors: int
    cap: int
    error: str = ""
    counts: algorithm.Counts | None = None  # what the draw would take of each class today

    @property
    def pool(self) -> int:
        return sum(self.by_class.values())

    @property
    def capacity(self) -> int:
        return self.inspectors * self.cap // INSPECTORS_PER_VISIT


@dataclass
class Preview:
    rule: dict
    units: list[UnitPreview] = field(default_factory=list)
    by_county: list[tuple[str, dict[str, int]]] = field(default_factory=list)
    sample: list[Subject] = field(default_factory=list)

    @property
    def pool(self) -> int:
        """Distinct subjects the rules select (the city's and a county's pools overlap)."""
        return sum(sum(classes.values()) for _, classes in self.by_county)

    @property
    def visits(self) -> int:
        return sum(u.visits for u in self.units)

    @property
    def capacity(self) -> int:
        return sum(u.capacity for u in self.units)


def _as_task(task: Task, rule: dict | None):
    """The task with other scope rules (an unsaved edit being previewed)."""
    if rule is None:
        return task
    return SimpleNamespace(
        id=task.id, scope_rule=clean_rule(rule), exclude_previous_rounds=task.exclude_previous_rounds, plan=task.plan
    )


def unit_preview(task: Task, unit: Unit, day: date, rule: dict | None = None) -> UnitPreview:
    stmt = pool_statement(_as_task(task, rule), 1, unit, day).subquery()
    rows = db.session.execute(select(stmt.c.credit_class, func.count()).group_by(stmt.c.credit_class)).all()
    by_class = {c: 0 for c in algorithm.CLASSES}
    by_class.update({cls: n for cls, n in rows if cls in by_class})
    counts, error = None, ""
    if sum(by_class.values()):
        try:
            multipliers = algorithm.parse_multipliers(task.risk_multipliers)
            counts = algorithm.compute_counts(by_class, task.ratio, task.fixed_count, multipliers)
        except algorithm.DrawError as exc:
            error = numbers_error(exc)
    inspectors = eligible_inspectors(team_units(unit), required_specialties(task), day)
    visits = counts.total if counts else 0
    return UnitPreview(unit, by_class, visits, len(inspectors), workload_cap(task), error, counts)


def preview(task: Task, day: date, rule: dict | None = None, units: list[Unit] | None = None) -> Preview:
    """Pool size by county and class, visits, inspectors against capacity, and a sample of subjects."""
    units = executing_units(task) if units is None else units
    result = Preview(rule=clean_rule(task.scope_rule if rule is None else rule))
    result.units = [unit_preview(task, unit, day, rule) for unit in units]
    if units:
        # The units' pools together, each subject once (a bureau's and its counties' pools overlap).
        statements = [pool_statement(_as_task(task, rule), 1, unit, day) for unit in units]
        if len(statements) == 1:
            sub = statements[0].subquery()
        else:
            sub = union(*statements).subquery()
        counts: dict[str, dict[str, int]] = {}
        for county, cls, n in db.session.execute(
            select(Subject.division_code, sub.c.credit_class, func.count())
            .join(sub, sub.c.id == Subject.id)
            .group_by(Subject.division_code, sub.c.credit_class)
            .order_by(Subject.division_code)
        ):
            counts.setdefault(county, {c: 0 for c in algorithm.CLASSES})[cls] = n
        result.by_county = sorted(counts.items())
        result.sample = list(
            db.session.scalars(
                select(Subject).join(sub, sub.c.id == Subject.id).order_by(Subject.ident).limit(SAMPLE_SIZE)
            )
        )
    return result


def warnings_for(task: Task, units: list[Unit], day: date) -> list[dict]:
    """The warnings a draw of ``task`` by ``units`` on ``day`` must answer with a written reason."""
    warnings: list[dict] = []
    if not is_confirmed(task.scope_rule):
        warnings.append({"code": "unconfirmed", "params": {}})
    if is_unconfirmed(task):
        warnings.append({"code": "class_ratios", "params": {}})
    for unit in units:
        p = unit_preview(task, unit, day)
        if p.error:
            warnings.append({"code": "no_numbers", "params": {"error": p.error}})
        elif not p.pool:
            warnings.append({"code": "empty_pool", "params": {"unit": unit.name}})
        elif p.visits > p.capacity:
            warnings.append(
                {
                    "code": "over_capacity",
                    "params": {
                        "unit": unit.name,
                        "visits": p.visits,
                        "inspectors": p.inspectors,
                        "capacity": p.capacity,
                        "cap": p.cap,
                    },
                }
            )
    start, end = task_window(task)
    if not start <= day <= end:
        warnings.append(
            {
                "code": "outside_window",
                "params": {"day": day.isoformat(), "start": start.isoformat(), "end": end.isoformat()},
            }
        )
    return warnings


class NotDrawable(DrawRefused):
    """The plan is a draft, or the task has warnings and no written reason was given."""


def check_drawable(task: Task, unit: Unit, day: date, reason: str) -> list[dict]:
    """Refuse a draft plan's task; return the warnings the (required) reason answers."""
    if task.plan is None or not task.plan.is_published:
        raise NotDrawable(_l("The plan is not published: only a published plan's tasks can be drawn."))
    warnings = warnings_for(task, [unit], day)
    if warnings and not (reason or "").strip():
        raise NotDrawable(
            _l(
                "This draw needs a written reason, published with the draw: %(warnings)s",
                warnings=" ".join(describe_warning(w) for w in warnings),
            )
        )
    return warnings
