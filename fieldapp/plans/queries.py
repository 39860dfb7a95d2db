"""Reading plans, and who may read or change which plan ("谁管辖、谁负责"), at any depth.

- A user reads the plans of their bureau's subtree and the plans of the bureaus above it (a
  higher plan applies to them); another branch's plans do not exist for them (404). That rule is
  ``auth/access.py``'s (``may_see``, ``scope_plans``).
- Only the issuing bureau (its staff, departments included) changes its plan.
- A plan of a bureau with a parent is filed (备案) with that parent, whose supervisors acknowledge it.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..auth.models import Unit, UnitKind
from ..auth import access
from ..auth.territory import bureau_of, subtree_ids, top_units
from ..checklists.catalog import Registry
from ..checklists.mapping import CONFIRMED, Mapping, map_item, map_text
from ..extensions import db
from .models import FilingStatus, InspectionItem, Plan, PlanKind, PlanStatus, Task


def _bureau_id(unit: Unit) -> int:
    return bureau_of(unit).id


def may_edit(user, plan: Plan) -> bool:
    """Only the issuing bureau changes its plan (its departments' staff included)."""
    return _bureau_id(plan.unit) == _bureau_id(user.unit)


def may_acknowledge(user, plan: Plan) -> bool:
    """The bureau a plan is filed with: the parent of the issuing bureau."""
    parent = bureau_of(plan.unit).parent
    return plan.is_county_plan and parent is not None and _bureau_id(parent) == _bureau_id(user.unit)


def plans_for(user) -> list[Plan]:
    stmt = select(Plan).join(Unit, Plan.unit_id == Unit.id).options(selectinload(Plan.unit))
    stmt = access.scope_plans(stmt, Plan.unit_id, user)
    return list(db.session.scalars(stmt.order_by(Plan.year.desc(), Unit.kind, Unit.code)))


def plans_of(unit: Unit) -> list[Plan]:
    """The plans ``unit`` issued, the latest year first (a year's in the order they were stored)."""
    return list(db.session.scalars(select(Plan).where(Plan.unit_id == unit.id).order_by(Plan.year.desc(), Plan.id)))


def plan_with_tasks(plan_id: int) -> Plan | None:
    return db.session.scalar(
        select(Plan)
        .where(Plan.id == plan_id)
        .options(selectinload(Plan.tasks).selectinload(Task.items), selectinload(Plan.versions))
    )


def city_bureau() -> Unit | None:
    """The top bureau of the deployment, whose plan is the default public plan."""
    tops = top_units()
    return tops[0] if tops else None


def public_plans(year: int, unit: Unit | None = None) -> list[Plan]:
    """The published plans of ``unit`` (default: the city bureau) for ``year``: its own plan first,
    then the joint ones (本部门, 部门联合), each in the order stored."""
    unit = unit or city_bureau()
    if unit is None:
        return []
    return list(
        db.session.scalars(
            select(Plan)
            .where(Plan.year == year, Plan.unit_id == unit.id, Plan.status == PlanStatus.PUBLISHED)
            .options(selectinload(Plan.tasks).selectinload(Task.items), selectinload(Plan.versions))
            .order_by(Plan.kind != PlanKind.OWN, Plan.id)
        )
    )


def chosen_plan(plans: list[Plan], plan_id: int | None) -> Plan | None:
    """The plan ``plan_id`` names among ``plans``, or the only one; None when it names none of them or
    when there are several and none is named (never guessed)."""
    if plan_id is not None:
        return next((p for p in plans if p.id == plan_id), None)
    return plans[0] if len(plans) == 1 else None


def latest_public_year(unit: Unit | None = None) -> int | None:
    unit = unit or city_bureau()
    if unit is None:
        return None
    return db.session.scalar(
        select(Plan.year)
        .where(Plan.unit_id == unit.id, Plan.status == PlanStatus.PUBLISHED)
        .order_by(Plan.year.desc())
        .limit(1)
    )


def public_years(unit: Unit | None = None) -> list[int]:
    unit = unit or city_bureau()
    if unit is None:
        return []
    return list(
        db.session.scalars(
            select(Plan.year)
            .where(Plan.unit_id == unit.id, Plan.status == PlanStatus.PUBLISHED)
            .distinct()
            .order_by(Plan.year.desc())
        )
    )


def county_plans(user, year: int | None = None) -> list[Plan]:
    """The plans filed (备案) with ``user``'s bureau by the bureaus right under it, waiting ones first."""
    children = select(Unit.id).where(Unit.parent_id == _bureau_id(user.unit), Unit.kind != UnitKind.DEPARTMENT)
    stmt = (
        select(Plan)
        .join(Unit, Plan.unit_id == Unit.id)
        .where(Plan.unit_id.in_(children))
        .options(selectinload(Plan.unit))
    )
    if year is not None:
        stmt = stmt.where(Plan.year == year)
    plans = list(db.session.scalars(stmt.order_by(Plan.year.desc(), Unit.code)))
    order = {FilingStatus.FILED: 0, FilingStatus.NOT_FILED: 1, FilingStatus.ACKNOWLEDGED: 2}
    return sorted(plans, key=lambda p: (-p.year, order.get(p.filing_status, 3), p.unit.code))


def search_tasks(plan: Plan, text: str) -> list[Task]:
    """Tasks whose name, items, scope or initiator contain ``text`` (the public page's filter)."""
    needle = (text or "").strip()
    if not needle:
        return list(plan.tasks)
    out = []
    for task in plan.tasks:
        haystack = " ".join(
            [task.name, task.scope, task.initiator, task.guiding_department, task.executor, task.items_heading]
            + [item.text for item in task.items]
        )
        if needle in haystack:
            out.append(task)
    return out


def published_county_plans(year: int, unit: Unit | None = None) -> list[Plan]:
    """The published plans of the bureaus below the top of ``unit``'s organisation (county, city …),
    for the public page; another organisation loaded beside it is not listed. Without ``unit``: the
    deployment's first top bureau's."""
    top = organisation_top(unit) if unit is not None else city_bureau()
    if top is None:
        return []
    below = subtree_ids(top.id) - {top.id}
    return list(
        db.session.scalars(
            select(Plan)
            .join(Unit, Plan.unit_id == Unit.id)
            .where(Plan.year == year, Plan.status == PlanStatus.PUBLISHED, Plan.unit_id.in_(below))
            .options(selectinload(Plan.unit))
            .order_by(Unit.code, Plan.kind != PlanKind.OWN, Plan.id)
        )
    )


def organisation_top(unit: Unit) -> Unit:
    """The topmost bureau above ``unit`` (itself when it has no parent)."""
    seen: set[int] = set()
    while unit.parent is not None and unit.id not in seen:
        seen.add(unit.id)
        unit = unit.parent
    return unit


def public_plan_unit(code: str) -> Unit | None:
    """The bureau whose published plans are at ``/public/plan/<year>/<code>``: any bureau but the
    deployment's first top bureau, whose plan has the short address ``/public/plan/<year>``."""
    unit = db.session.scalar(select(Unit).where(Unit.code == code, Unit.kind != UnitKind.DEPARTMENT))
    default = city_bureau()
    return None if unit is None or (default is not None and unit.id == default.id) else unit


def public_url_args(plan: Plan) -> tuple[str, dict]:
    """Endpoint and arguments of a plan's public page: its unit and year, and the plan's id when the
    unit published several plans that year (本部门 and 部门联合)."""
    default = city_bureau()
    if default is not None and plan.unit_id == default.id:
        endpoint, values = "plans.public_plan", {"year": plan.year}
    else:
        endpoint, values = "plans.public_unit_plan", {"year": plan.year, "unit_code": plan.unit.code}
    if _published_that_year(plan) > 1:
        values["plan"] = plan.id
    return endpoint, values


def _published_that_year(plan: Plan) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Plan)
            .where(Plan.unit_id == plan.unit_id, Plan.year == plan.year, Plan.status == PlanStatus.PUBLISHED)
        )
        or 0
    )


def resolve_all_items(
    reg: Registry, store: bool = True, year: int | None = None
) -> list[tuple[InspectionItem, Mapping]]:
    """Every inspection item (of the plans of ``year``, if given) with its mapping to checklists
    (``mapping.py``); with ``store`` the mapping is written to the item (the caller commits; a
    supervisor's confirmed mapping stays)."""
    stmt = select(InspectionItem).join(Task).order_by(Task.plan_id, Task.number, InspectionItem.number)
    if year is not None:
        stmt = stmt.join(Plan, Plan.id == Task.plan_id).where(Plan.year == year)
    out = []
    with db.session.no_autoflush:
        for item in db.session.scalars(stmt).all():
            if store:
                out.append((item, map_item(reg, item)))
            else:
                out.append(
                    (
                        item,
                        map_text(reg, item.text, item.national_code)
                        if item.mapping_state != CONFIRMED
                        else Mapping(CONFIRMED, list(item.checklist_ids)),
                    )
                )
    return out
