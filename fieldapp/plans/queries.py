"""Reading plans, and who may read or change which plan ("谁管辖、谁负责").

- City-level users (the city bureau and its departments) read every plan; they change the city
  bureau's plans and acknowledge the counties' filings.
- A county supervisor reads and changes her own bureau's plans, and reads the city's plans.
  Another county's plans do not exist for her (404).
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..auth.models import COUNTY_LEVEL_KINDS, Unit, UnitKind
from ..extensions import db
from .models import FilingStatus, Plan, PlanStatus, Task


def may_read(user, plan: Plan) -> bool:
    if user.is_city_level:
        return True
    return plan.unit_id == user.unit_id or plan.unit.is_city_level


def may_edit(user, plan: Plan) -> bool:
    """Only the issuing level changes its plan: county users their bureau's, city users the city's."""
    if user.is_city_level:
        return plan.unit.is_city_level
    return plan.unit_id == user.unit_id


def may_acknowledge(user, plan: Plan) -> bool:
    return user.is_city_level and plan.is_county_plan


def plans_for(user) -> list[Plan]:
    stmt = select(Plan).join(Unit, Plan.unit_id == Unit.id).options(selectinload(Plan.unit))
    if not user.is_city_level:
        stmt = stmt.where(or_(Plan.unit_id == user.unit_id, Unit.kind.not_in(COUNTY_LEVEL_KINDS)))
    return list(db.session.scalars(stmt.order_by(Plan.year.desc(), Unit.kind, Unit.code)))


def plan_with_tasks(plan_id: int) -> Plan | None:
    return db.session.scalar(
        select(Plan)
        .where(Plan.id == plan_id)
        .options(selectinload(Plan.tasks).selectinload(Task.items), selectinload(Plan.versions))
    )


def city_bureau() -> Unit | None:
    return db.session.scalar(select(Unit).where(Unit.kind == UnitKind.CITY_BUREAU.value))


def public_plan(year: int, unit: Unit | None = None) -> Plan | None:
    """The published plan of ``unit`` (default: the city bureau) for ``year``."""
    unit = unit or city_bureau()
    if unit is None:
        return None
    return db.session.scalar(
        select(Plan)
        .where(Plan.year == year, Plan.unit_id == unit.id, Plan.status == PlanStatus.PUBLISHED.value)
        .options(selectinload(Plan.tasks).selectinload(Task.items), selectinload(Plan.versions))
    )


def latest_public_year(unit: Unit | None = None) -> int | None:
    unit = unit or city_bureau()
    if unit is None:
        return None
    return db.session.scalar(
        select(Plan.year)
        .where(Plan.unit_id == unit.id, Plan.status == PlanStatus.PUBLISHED.value)
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
            .where(Plan.unit_id == unit.id, Plan.status == PlanStatus.PUBLISHED.value)
            .order_by(Plan.year.desc())
        )
    )


def county_plans(year: int | None = None) -> list[Plan]:
    """The counties' plans as the city bureau sees them for filing (备案), waiting ones first."""
    stmt = (
        select(Plan)
        .join(Unit, Plan.unit_id == Unit.id)
        .where(Unit.kind.in_(COUNTY_LEVEL_KINDS))
        .options(selectinload(Plan.unit))
    )
    if year is not None:
        stmt = stmt.where(Plan.year == year)
    plans = list(db.session.scalars(stmt.order_by(Plan.year.desc(), Unit.code)))
    order = {FilingStatus.FILED.value: 0, FilingStatus.NOT_FILED.value: 1, FilingStatus.ACKNOWLEDGED.value: 2}
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


def published_county_plans(year: int) -> list[Plan]:
    return list(
        db.session.scalars(
            select(Plan)
            .join(Unit, Plan.unit_id == Unit.id)
            .where(
                Plan.year == year,
                Plan.status == PlanStatus.PUBLISHED.value,
                Unit.kind.in_(COUNTY_LEVEL_KINDS),
            )
            .options(selectinload(Plan.unit))
            .order_by(Unit.code)
        )
    )


def public_url_args(plan: Plan) -> tuple[str, dict]:
    """Endpoint and arguments of a plan's public page."""
    if plan.unit.is_city_level:
        return "plans.public_plan", {"year": plan.year}
    return "plans.public_unit_plan", {"year": plan.year, "unit_code": plan.unit.code}
