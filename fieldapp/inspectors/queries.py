"""Reading the roster: what a supervisor may see, and who may be drawn on a given day."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import Select, select

from ..auth.models import Unit, User
from ..auth import access
from ..extensions import db
from .models import Inspector, InspectorCategory, InspectorStatus


def visible_roster(user: User) -> Select:
    """The people of the units in the user's bureau's subtree (a county user: her bureau's)."""
    stmt = select(Inspector).join(Inspector.unit).order_by(Unit.id, Inspector.name, Inspector.id)
    return access.scope_units(stmt, Inspector.unit_id, user)


def filter_roster(
    inspectors: Iterable[Inspector],
    *,
    q: str = "",
    unit: str = "",
    status: str = "",
    specialty: str = "",
    eligible_on: date | None = None,
) -> list[Inspector]:
    out = []
    for i in inspectors:
        if q and q not in i.name and q.upper() not in (i.certificate_number or ""):
            continue
        if unit and i.unit.code != unit:
            continue
        if status and i.status != status:
            continue
        if specialty and specialty not in (i.specialties or []):
            continue
        if eligible_on is not None and not i.is_eligible_on(eligible_on):
            continue
        out.append(i)
    return out


def eligible_inspectors(
    day: date,
    *,
    unit_ids: Iterable[int] | None = None,
    specialty: str | None = None,
) -> list[Inspector]:
    """Law-enforcement inspectors who may be drawn on ``day``: 在岗 with a valid certificate on that day
    (dated history honoured), optionally of some units and with an enforcement field. Assistants never."""
    stmt = select(Inspector).where(Inspector.category == InspectorCategory.LAW_ENFORCEMENT)
    if unit_ids is not None:
        stmt = stmt.where(Inspector.unit_id.in_(list(unit_ids)))
    return [
        i
        for i in db.session.scalars(stmt.order_by(Inspector.id))
        if i.is_eligible_on(day) and (not specialty or specialty in (i.specialties or []))
    ]


def assistants(unit_ids: Iterable[int] | None = None) -> list[Inspector]:
    """Experts and third-party staff who may accompany a check (never counted as inspectors)."""
    stmt = select(Inspector).where(
        Inspector.category == InspectorCategory.ASSISTANT, Inspector.status == InspectorStatus.ON_DUTY
    )
    if unit_ids is not None:
        stmt = stmt.where(Inspector.unit_id.in_(list(unit_ids)))
    return list(db.session.scalars(stmt.order_by(Inspector.id)))


def count_law_enforcement(inspectors: Iterable[Inspector], day: date) -> int:
    """How many of ``inspectors`` count toward the legal minimum of two (assistants never do)."""
    return sum(1 for i in inspectors if i.is_eligible_on(day))


def assignable_units(user: User) -> list[Unit]:
    return list(db.session.scalars(access.scope_units(select(Unit).order_by(Unit.id), Unit.id, user)))
