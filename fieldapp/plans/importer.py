"""Import a plan file into the database: one plan per document of an issuing unit and year, updated in place.

A unit may publish several plans a year (本部门 and 部门联合). A file is the stored plan it names
(``identity.py``); a file that is evidently another document (its title or 文号 differs) becomes a new
plan beside the others, unless it is imported explicitly as a new version of one of them.

Importing the same file again changes nothing. Importing a changed file updates the tasks by
序号; a published plan then needs a reason and gets a new version. Tasks missing from the file
are kept (draws and results may point at them) and reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..errors import InvalidInput
from ..auth.models import Unit
from ..auth.territory import bureau_of
from ..auth.unit_names import AmbiguousUnitName, unit_spelled
from ..checklists.mapping import map_items
from ..extensions import db
from ..subjects.import_report import Tally

from .cells import compact, normalise
from .identity import already_stored, document_key, matching_plan, names_plan, not_of_year, plan_kind, which_plan
from .models import InspectionItem, Plan, PlanStatus, Task
from .parsing import ParsedPlan, ParsedTask, parse_plan_table
from .problems import PlanFileError, Problem
from .scope import is_confirmed
from .class_ratio_rules import keep_confirmed_class_ratios
from .tables import PlanSource, read_plan_file
from .versions import EDITABLE_FIELDS, diff_values, jsonable, record_version, task_values


class ReasonRequired(InvalidInput):
    """The plan is published and the file changes it: a reason for the adjustment is needed."""

    def __init__(self, changes: list[dict]):
        self.changes = changes
        super().__init__(f"{len(changes)} changes to a published plan need a reason")


@dataclass
class ImportReport:
    plan: Plan
    created: bool
    tasks: Tally = field(default_factory=Tally)
    items: int = 0
    changes: list[dict] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    version: int | None = None  # the new version, when a published plan was adjusted
    beside: list[Plan] = field(default_factory=list)  # a new plan: the unit's other plans of the year


def read_plan(data: bytes, filename: str) -> tuple[PlanSource, ParsedPlan]:
    """Read and parse a file without touching the database (raises :class:`PlanFileError`)."""
    source = read_plan_file(data, filename)
    try:
        parsed = parse_plan_table(source.rows)
    except PlanFileError as exc:
        skipped = [str(p.row) for p in source.problems if p.row]
        if exc.problem.code == "no_tasks" and skipped:  # say why, not only that none was read
            raise PlanFileError("no_tasks_skipped", lines="、".join(skipped[:10])) from None
        raise
    parsed.problems[:0] = source.problems
    return source, parsed


def unit_named(name: str, within: Unit | None = None) -> Unit | None:
    """The unit whose name is ``name`` as printed (XX市场监督管理局, XX市场监管局, XX局 …), among the
    units of ``within``'s organisation (default: every unit); :class:`PlanFileError` when several
    units there have that name."""
    if not compact(name):
        return None
    try:
        return unit_spelled(name, within=within)
    except AmbiguousUnitName as exc:
        units = "、".join(u.code for u in sorted(exc.units, key=lambda u: u.code))
        raise PlanFileError("unit_ambiguous", name=exc.name, units=units) from None


def import_plan(
    data: bytes,
    filename: str,
    *,
    year: int | None = None,
    unit: Unit | None = None,
    reason: str = "",
    user=None,
    new_version: bool = False,
    plan_id: int | None = None,
    new_plan: bool = False,
) -> ImportReport:
    """Read, parse and save. The file updates the unit's plan of the year it names (or ``plan_id``'s,
    or with ``new_version`` the unit's only plan of the year, whatever the file's title or 文号), else
    it is a new plan (``new_plan``: whatever plan its title might be). Raises :class:`PlanFileError`, :class:`DocumentChoice` (which plan is not
    evident) or :class:`ReasonRequired` before anything is changed (the caller rolls back the new plan
    row); the caller commits."""
    source, parsed = read_plan(data, filename)
    problems = list(parsed.problems)
    meta = source.meta
    year, unit = _year_and_unit(meta, year, unit, problems)
    if bureau_of(unit).is_county_level:  # a county bureau's plan is its own to draw, whoever the cell names
        for parsed_task in parsed.tasks:
            parsed_task.problems = [p for p in parsed_task.problems if not p.code.startswith("executor_")]
    elif "executor" not in parsed.columns:  # no level would draw the tasks: each asks for its levels
        for parsed_task in parsed.tasks:
            parsed_task.problems.append(Problem("executor_no_column", row=parsed_task.source_row))
    for parsed_task in parsed.tasks:
        _check_window_year(parsed_task, year)
    stored = list(
        db.session.scalars(
            select(Plan)
            .where(Plan.unit_id == unit.id, Plan.year == year)
            .options(selectinload(Plan.tasks).selectinload(Task.items))
            .order_by(Plan.id)
        )
    )
    plan = None if new_plan else _stored_plan(stored, meta, new_version, plan_id, f"{year} {unit.name}")
    _not_taken(stored, plan, meta)
    created = plan is None
    if plan is None:
        plan = Plan(unit=unit, year=year, status=PlanStatus.DRAFT, version=1)
        db.session.add(plan)
    report = ImportReport(plan=plan, created=created, beside=[p for p in stored if p is not plan])

    pending = _pending(plan, parsed.tasks, report, problems)

    if plan.is_published and report.changes and not reason.strip():
        raise ReasonRequired(report.changes)

    _set(plan, "title", meta.title or plan.title or "")
    _set(plan, "doc_number", meta.doc_number or plan.doc_number or "")
    _set(plan, "issued_on", meta.issued_on or plan.issued_on)
    _set(plan, "issuer", meta.issuer or plan.issuer or "")
    _set(plan, "kind", plan_kind(plan.title))
    _set(plan, "document_key", document_key(plan.title, plan.doc_number))
    _set(plan, "source_name", filename)

    _write_tasks(plan, pending, report)
    _set(plan, "import_warnings", [p.as_dict() for p in problems])
    report.problems = problems + [p for t in parsed.tasks for p in t.problems]
    db.session.flush()
    map_items([item for task in plan.tasks for item in task.items])
    version = record_version(plan, report.changes, reason, user)
    report.version = version.version if version else None
    return report


def _stored_plan(stored: list[Plan], meta, new_version: bool, plan_id: int | None, of: str) -> Plan | None:
    """The stored plan the file updates (None: a new plan)."""
    if plan_id is not None:
        plan = next((p for p in stored if p.id == plan_id), None)
        if plan is None:
            raise not_of_year(plan_id, of, stored)
    elif new_version and len(stored) > 1:
        raise which_plan(stored)
    elif new_version:
        plan = stored[0] if stored else None
    else:
        plan = matching_plan(stored, meta.title, meta.doc_number)
    return plan


def _not_taken(stored: list[Plan], plan: Plan | None, meta) -> None:
    """Refuses a file whose document would then be that of another stored plan than ``plan``."""
    key = document_key(meta.title or (plan.title if plan else ""), meta.doc_number or (plan.doc_number if plan else ""))
    taken = next(
        (p for p in stored if p is not plan and (p.document_key == key or names_plan(p, meta.title, meta.doc_number))),
        None,
    )
    if taken is not None:
        raise already_stored(taken, meta.title or meta.doc_number)


def _year_and_unit(meta, year: int | None, unit: Unit | None, problems: list[Problem]) -> tuple[int, Unit]:
    """The plan's year and issuing unit: as given, else as the file says (PlanFileError when neither)."""
    if year is None:
        year = meta.year
        if year is None:
            raise PlanFileError("year_missing")
    elif meta.year and meta.year != year:
        problems.append(Problem("year_mismatch", params={"found": meta.year, "given": year}))
    if unit is None:
        unit = unit_named(meta.issuer)
        if unit is None:
            raise PlanFileError("unit_missing")
    elif (
        meta.issuer and (named := _issuer_named(meta.issuer, unit)) is not None and bureau_of(named) != bureau_of(unit)
    ):
        problems.append(Problem("unit_mismatch", params={"found": named.name, "given": bureau_of(unit).name}))
    return year, unit


def _check_window_year(task: ParsedTask, year: int) -> None:
    """A window written with years none of which is the plan's (2023年6-12月 in the 2024 plan): its months
    are read in the plan's year, and that is asked."""
    text = normalise(task.raw.get("window") or "")
    years = {int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d{2})\s*(?:年|[-./]\s*\d)", text)}
    if years and year not in years and "window" not in task.inherited_fields:
        found = "、".join(str(y) for y in sorted(years))
        task.problems.append(Problem("window_other_year", row=task.source_row, params={"text": text, "found": found}))


def _issuer_named(issuer: str, unit: Unit) -> Unit | None:
    """The unit the file names as its issuer, in the organisation of the unit it is imported for;
    None when none or several do (the plan is the given unit's all the same)."""
    try:
        return unit_named(issuer, within=unit)
    except PlanFileError:
        return None


def _pending(
    plan: Plan, parsed_tasks: list[ParsedTask], report: ImportReport, problems: list[Problem]
) -> list[tuple[Task | None, ParsedTask, dict | None]]:
    """Each parsed task with the stored task of its number (None: new); the changes go to ``report``."""
    existing = {task.number: task for task in plan.tasks}
    pending: list[tuple[Task | None, ParsedTask, dict | None]] = []
    for parsed_task in parsed_tasks:
        task = existing.get(parsed_task.number)
        if task is None:
            report.changes.append({"task": parsed_task.number, "field": "task", "old": None, "new": parsed_task.name})
            pending.append((None, parsed_task, None))
        else:
            if is_confirmed(task.scope_rule) and task.scope == parsed_task.scope:
                parsed_task.scope_rule = task.scope_rule  # a supervisor's confirmed rules stay
            keep_confirmed_class_ratios(task, parsed_task)
            old_values = task_values(task)
            report.changes.extend(diff_values(parsed_task.number, old_values, _values_of(parsed_task)))
            pending.append((task, parsed_task, old_values))
    for number in sorted(set(existing) - {t.number for t in parsed_tasks}):
        problems.append(Problem("task_not_in_file", params={"number": number}))
    return pending


def _write_tasks(plan: Plan, pending: list, report: ImportReport) -> None:
    for task, parsed_task, _before in pending:
        if task is None:
            task = Task(plan=plan, number=parsed_task.number)
            db.session.add(task)
            report.tasks.created += 1
            _apply(task, parsed_task)
        elif _apply(task, parsed_task):
            report.tasks.updated += 1
        else:
            report.tasks.unchanged += 1
        report.items += len(parsed_task.items)


def _values_of(parsed: ParsedTask) -> dict:
    values = {
        "name": parsed.name,
        "kind": parsed.kind,
        "items": list(parsed.items),
        "scope": parsed.scope,
        "scope_rule": parsed.scope_rule,
        "ratio": parsed.ratio,
        "ratio_is_floor": parsed.ratio_is_floor,
        "fixed_count": parsed.fixed_count,
        "risk_multipliers": parsed.risk_multipliers,
        "class_ratios": parsed.class_ratios,
        "rounds_per_year": parsed.rounds_per_year,
        "window_start_month": parsed.window_start_month,
        "window_end_month": parsed.window_end_month,
        "initiator": parsed.initiator,
        "guiding_department": parsed.guiding_department,
        "executor": parsed.executor,
        "cooperating_departments": parsed.cooperating_departments,
        "executes_city": parsed.executes_city,
        "executes_county": parsed.executes_county,
    }
    return jsonable(values)


def _set(obj, name: str, value) -> bool:
    """Assign only when the value differs, so an unchanged row is never written."""
    if getattr(obj, name) == value:  # Decimal("0.0500") == Decimal("0.05"); JSON values by content
        return False
    setattr(obj, name, value)
    return True


def _apply(task: Task, parsed: ParsedTask) -> bool:
    """Write the parsed values into the task; True when anything (even an original cell) changed."""
    changed = False
    for name in EDITABLE_FIELDS + ("items_heading", "source_cells", "source_row", "inherited_fields"):
        changed |= _set(task, name, getattr(parsed, name))
    changed |= _set(task, "import_warnings", [p.as_dict() for p in parsed.problems])
    changed |= sync_items(task, parsed.items, parsed.item_codes)
    return changed


def sync_items(task: Task, texts: list[str], codes: list[str] | None = None) -> bool:
    """Items numbered 1… in order; existing items keep their row (and checklist links) by number.
    ``codes``: the national item code of each item from the plan's code column (a blank one, or
    no column, leaves the code to be read from the item's text). True when anything changed."""
    by_number = {item.number: item for item in task.items}
    changed = False
    for number, text in enumerate(texts, 1):
        item = by_number.pop(number, None)
        if item is None:
            item = InspectionItem(number=number, text=text)
            task.items.append(item)
            changed = True
        elif item.text != text:
            item.text = text
            item.mapping_state, item.checklist_ids, item.national_code = "", [], ""  # map the new text afresh
            changed = True
        code = codes[number - 1] if codes and number <= len(codes) else ""
        if code and item.national_code != code:
            item.national_code = code  # used by the mapping before the text (checklists/mapping.py)
            changed = True
    for item in by_number.values():
        task.items.remove(item)
        changed = True
    return changed


def load_seed_plan(path, *, publish: bool = True) -> ImportReport:
    """Import the seed plan (``data/plan-2021-shuozhou.txt``) and publish it; safe to run again."""
    from pathlib import Path

    from .operations import publish_plan

    path = Path(path)
    report = import_plan(path.read_bytes(), path.name)
    if publish and not report.plan.is_published:
        publish_plan(report.plan)
    return report
