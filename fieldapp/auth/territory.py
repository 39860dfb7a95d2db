"""The organisation's territory, read from the units in the database: which counties are under a
unit, the short name of a county, which unit governs a division code, how registration data spells
an area. Read once per database session and forgotten when a unit is written."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, event, select
from sqlalchemy.orm import Session

from ..extensions import db
from .models import COUNTY_LEVEL_KINDS, Unit, UnitKind


@dataclass(frozen=True)
class Territory:
    """The organisation's county-level units, read once per request (or per call outside one)."""

    names: dict[str, str]  # division code → short area name, by code
    parents: dict[int, int | None]  # unit id → parent id
    kinds: dict[int, str]
    divisions: dict[int, str | None]
    aliases: dict[str, str]  # area spelling → division code
    repeated: frozenset[str]  # unit names more than one unit has (in different organisations)
    prefixes: frozenset[str] = frozenset()  # the areas above counties (朔州市, 山西省朔州市 …)


def territory() -> Territory:
    """Cached on the database session (a request, a CLI command or a job reads the units once)."""
    cached = db.session.info.get("fieldapp_territory")
    if cached is not None:
        return cached
    units = db.session.execute(
        select(
            Unit.id, Unit.parent_id, Unit.kind, Unit.division_code, Unit.area_name, Unit.aliases, Unit.name
        ).order_by(Unit.division_code)
    ).all()
    names = {u.division_code: u.area_name or u.name for u in units if u.kind in COUNTY_LEVEL_KINDS}
    by_id = {u.id: u for u in units}
    claims: dict[str, set[str]] = {}
    above: set[str] = set()
    for u in units:
        if u.kind not in COUNTY_LEVEL_KINDS:
            continue
        area = u.area_name or u.name
        prefixes = [""] + _ancestor_areas(u.parent_id, by_id)
        above.update(prefixes[1:])
        for spelling in [u.division_code, area, u.name, *(u.aliases or [])]:
            for prefix in prefixes:
                claims.setdefault(fold(prefix + spelling), set()).add(u.division_code)
    # A spelling two counties share (two cities' 开发区分局) names neither: it is never guessed.
    aliases = {spelling: codes.pop() for spelling, codes in claims.items() if len(codes) == 1}
    result = Territory(
        names=names,
        parents={u.id: u.parent_id for u in units},
        kinds={u.id: u.kind for u in units},
        divisions={u.id: u.division_code for u in units},
        aliases=aliases,
        repeated=frozenset(name for name, count in Counter(u.name for u in units).items() if count > 1),
        prefixes=frozenset(above),
    )
    db.session.info["fieldapp_territory"] = result
    return result


def _ancestor_areas(parent_id: int | None, by_id: dict) -> list[str]:
    """Prefixes such as 朔州市 and 山西省朔州市 built from the ancestors' area names and aliases."""
    chain: list[list[str]] = []
    while parent_id is not None and parent_id in by_id:
        parent = by_id[parent_id]
        chain.append([parent.area_name or "", *(parent.aliases or [])])
        parent_id = parent.parent_id
    prefixes: list[str] = []
    joined = [""]
    for spellings in chain:  # nearest ancestor first: 朔州市, then 山西省朔州市 …
        joined = [s + j for j in joined for s in spellings if s]
        prefixes += joined
    return prefixes


def fold(text: str) -> str:
    """A spelling as registration data is compared: NFKC (full-width brackets and digits folded), no
    spaces — the form :func:`division_for_area` expects its text in."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", text))


def forget_territory() -> None:
    db.session.info.pop("fieldapp_territory", None)


@event.listens_for(Session, "after_flush")
def _units_changed(session: Session, _context: Any) -> None:
    """A flush that writes a unit makes the cached territory stale."""
    if any(isinstance(obj, Unit) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info.pop("fieldapp_territory", None)


def county_names() -> dict[str, str]:
    """Division code → short area name of every county-level unit (朔城区 …), ordered by code."""
    return territory().names


def county_name(code: str | None) -> str:
    return county_names().get(code or "", code or "")


def division_for_area(text: str) -> str | None:
    """The division code of a county named in registration data (name, old name, with city prefix);
    ``text`` as :func:`fold` leaves it (the callers fold a whole address once, then try its prefixes)."""
    return territory().aliases.get(text)


def territory_prefixes() -> frozenset[str]:
    """The spellings of the areas above the counties (朔州市, 山西省朔州市 …), empty when none is recorded."""
    return territory().prefixes


def subtree_ids(unit_id: int) -> set[int]:
    parents = territory().parents
    children: dict[int | None, list[int]] = {}
    for child, parent in parents.items():
        children.setdefault(parent, []).append(child)
    found, todo = set(), [unit_id]
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.add(current)
        todo += children.get(current, [])
    return found


def bureau_of(unit: Unit) -> Unit:
    """A department's bureau (its nearest ancestor that is not a department); a bureau itself."""
    while unit.kind == UnitKind.DEPARTMENT and unit.parent is not None:
        unit = unit.parent
    return unit


def divisions_under(unit: Unit) -> set[str]:
    """The county division codes in the territory of ``unit``'s bureau."""
    tree = territory()
    return {
        tree.divisions[i]  # type: ignore[misc]
        for i in subtree_ids(bureau_of(unit).id)
        if tree.kinds[i] in COUNTY_LEVEL_KINDS and tree.divisions[i]
    }


def territory_of(unit: Unit) -> set[str] | None:
    """The county division codes ``unit``'s bureau governs; ``None`` when that is every county
    of the deployment (no filter needed)."""
    codes = divisions_under(unit)
    return None if codes == set(county_names()) else codes


def within_territory(stmt: Select, column: Any, unit: Unit) -> Select:
    """``stmt`` restricted to the territory of ``unit`` (a task's pool): a county-level unit's own
    division, a higher bureau's subtree (nothing to restrict when that is every county)."""
    if unit.division_code:
        return stmt.where(column == unit.division_code)
    codes = territory_of(unit)
    return stmt if codes is None else stmt.where(column.in_(sorted(codes)))


def reachable_unit_ids(unit: Unit) -> set[int] | None:
    """The ids of the units in ``unit``'s bureau's subtree; ``None`` when that is every unit."""
    ids = subtree_ids(bureau_of(unit).id)
    return None if len(ids) == len(territory().parents) else ids


def county_units_under(unit: Unit) -> list[Unit]:
    """The open county-level units under ``unit``'s bureau, by division code."""
    ids = subtree_ids(bureau_of(unit).id)
    return list(
        db.session.scalars(
            select(Unit).where(Unit.id.in_(ids), Unit.kind.in_(COUNTY_LEVEL_KINDS)).order_by(Unit.division_code)
        )
    )


def unit_for_division(division_code: str) -> Unit | None:
    return db.session.scalar(select(Unit).where(Unit.division_code == division_code, Unit.kind.in_(COUNTY_LEVEL_KINDS)))


def top_units() -> list[Unit]:
    """The units without a parent: the root bureau(s) of this deployment."""
    return list(db.session.scalars(select(Unit).where(Unit.parent_id.is_(None)).order_by(Unit.code)))
