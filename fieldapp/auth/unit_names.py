"""A unit as files name it: by code, by its full name, or as bureaus write it in rosters and plans —
市场监管局 for 市场监督管理局, 浚县局 and 鹤壁市局 (the area and 局), an area or its alias for a county's
bureau (浚县, 鹤壁经开区), a department with its bureau before it (鹤壁市市场监督管理局计量科,
鹤壁市局计量科) and a station's short name (城关所 for 城关市场监管所 or 城关市场监督管理所).

Names are unique only within an organisation (:class:`~.models.Unit`): two cities may each have a
计量科. A name is therefore looked up among the units of the acting user's organisation — its city
or province bureau's subtree and the bureaus above it (:func:`naming_scope`) — or among every unit
where no one acts (a command without ``--unit``). A spelling two units of that scope share is never
guessed: looking it up raises :class:`AmbiguousUnitName`, which asks for the unit's code.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import InvalidInput
from ..extensions import db
from .models import COUNTY_LEVEL_KINDS, Unit, UnitKind
from .name_rule import ORGANISATION_KINDS


class AmbiguousUnitName(InvalidInput):
    """A unit name that more than one unit in scope has (计量科 in a province of cities)."""

    def __init__(self, text: str, units: list[Unit]):
        self.name, self.units = text.strip(), units
        listed = "、".join(f"{u.code}（{unit_label(u)}）" for u in sorted(units, key=lambda u: u.code)[:5])
        super().__init__(
            _(
                "“%(text)s” is the name of more than one unit (%(units)s); write the unit's code instead.",
                text=self.name,
                units=listed,
            )
        )


def unit_label(unit: Unit) -> str:
    """The unit's name as a list shows it: with its city (or province) before it when another unit
    has the same name (大同市 计量科) — a county bureau's department with its county (高邮市 特种设备
    安全监察股) —, else the name alone."""
    from .territory import territory

    if unit.name not in territory().repeated:
        return unit.name
    root = _bureau_of(unit)
    if root is unit or root.kind not in COUNTY_LEVEL_KINDS:
        root = organisation_of(unit)
    return unit.name if root is unit else f"{root.area_name or root.name} {unit.name}"


def _bureau_of(unit: Unit) -> Unit:
    """The bureau a department belongs to (a station under a 大队: the bureau above both); the unit
    itself when it is a bureau."""
    seen: set[int] = set()
    while unit.kind == UnitKind.DEPARTMENT and unit.parent is not None and unit.id not in seen:
        seen.add(unit.id)
        unit = unit.parent
    return unit


def unit_by_code(code: str | None) -> Unit | None:
    """The unit of ``code`` (codes are unique across the database); None for none or blank."""
    return db.session.scalar(select(Unit).where(Unit.code == code)) if code else None


def organisation_of(unit: Unit) -> Unit:
    """The bureau whose organisation ``unit`` belongs to: its nearest city or province bureau, itself
    included (the topmost unit where there is none)."""
    seen: set[int] = set()
    while unit.kind not in ORGANISATION_KINDS and unit.parent is not None and unit.id not in seen:
        seen.add(unit.id)
        unit = unit.parent
    return unit


def naming_scope(unit: Unit | None) -> set[int] | None:
    """The ids of the units a name is looked up among for someone of ``unit``: its organisation's
    subtree and the bureaus above it (a city's plan names the province bureau). ``None``: every unit."""
    from .territory import subtree_ids

    if unit is None:
        return None
    root = organisation_of(unit)
    ids = subtree_ids(root.id)
    current = root.parent
    while current is not None and current.id not in ids:
        ids.add(current.id)
        current = current.parent
    return ids


def spelling_key(text: str) -> str:
    """Full-width folded, no spaces or brackets, 市场监督管理局 (所) written 市场监管局 (所)."""
    key = re.sub(r"[\s()（）]", "", unicodedata.normalize("NFKC", text or ""))
    return key.replace("市场监督管理局", "市场监管局").replace("市场监督管理所", "市场监管所")


def _spellings(unit: Unit, parent: Unit | None) -> set[str]:
    names = {unit.code, unit.name, *_after_bureau(unit, parent)}
    if unit.kind != UnitKind.DEPARTMENT:
        areas = {unit.area_name, *(unit.aliases or [])} - {""}
        names |= {f"{area}局" for area in areas} | {f"{area}市场监管局" for area in areas}
        if unit.division_code:
            names |= areas
        return names
    if (station := spelling_key(unit.name)).endswith("市场监管所"):  # 陆家嘴市场监督管理所 too
        names.add(station.removesuffix("市场监管所") + "所")
    if parent is not None:
        bureau_names = {parent.name, *(f"{area}局" for area in {parent.area_name, *(parent.aliases or [])} - {""})}
        names |= {bureau + name for bureau in bureau_names for name in set(names) - {unit.code}}
    return names


def _after_bureau(unit: Unit, parent: Unit | None) -> set[str]:
    """A unit named after its bureau (丹东市市场监督管理局锦山大街分局, 潮州市市場監督管理局
    （潮州經濟開發試驗區分局）) or its bureau's area (重庆市市场监管综合行政执法总队) as rosters write
    it: the rest alone (锦山大街分局, 市场监管综合行政执法总队), or after the bureau's short name (丹东市局)."""
    if parent is None:
        return set()
    own = spelling_key(unit.name)
    areas = {parent.area_name, *(parent.aliases or [])} - {"", None}
    names: set[str] = set()
    for prefix in (parent.name, *areas):
        rest = own.removeprefix(spelling_key(prefix))
        if rest != own and len(rest) >= 2:
            names |= {rest, *(f"{area}局{rest}" for area in areas)}
    return names


@dataclass
class Spellings:
    """The units of a scope by every spelling (its :func:`spelling_key`); ``shared``: the spellings
    two or more of them have, with those units."""

    units: dict[str, Unit] = field(default_factory=dict)
    shared: dict[str, list[Unit]] = field(default_factory=dict)

    def find(self, text: str) -> Unit | None:
        """The unit ``text`` names; None when none does; :class:`AmbiguousUnitName` when several do."""
        key = spelling_key(text)
        if key in self.shared:
            raise AmbiguousUnitName(text.strip(), self.shared[key])
        return self.units.get(key)


def units_by_spelling(within: Unit | None = None) -> Spellings:
    """Every spelling of the units in the naming scope of ``within`` (default: every unit)."""
    scope = naming_scope(within)
    units = [u for u in db.session.scalars(select(Unit).order_by(Unit.id)) if scope is None or u.id in scope]
    by_id = {u.id: u for u in units}
    spellings = Spellings()
    _add(spellings, ((u, n) for u in units for n in _spellings(u, by_id.get(u.parent_id or 0))))
    # A unit's own code or full name is never taken by another's shorter spelling.
    own = Spellings()
    _add(own, ((u, n) for u in units for n in (u.code, u.name)))
    for key in own.units.keys() | own.shared.keys():
        spellings.units.pop(key, None)
        spellings.shared.pop(key, None)
    spellings.units.update(own.units)
    spellings.shared.update(own.shared)
    return spellings


def _add(spellings: Spellings, pairs) -> None:
    for unit, name in pairs:
        key = spelling_key(name)
        if not key:
            continue
        if key in spellings.shared:
            if unit not in spellings.shared[key]:
                spellings.shared[key].append(unit)
        elif spellings.units.get(key, unit) is not unit:
            spellings.shared[key] = [spellings.units.pop(key), unit]  # two units: never guess
        else:
            spellings.units[key] = unit


def unit_spelled(text: str, spellings: Spellings | None = None, within: Unit | None = None) -> Unit | None:
    """The unit ``text`` names in the naming scope of ``within``, or None (unknown); raises
    :class:`AmbiguousUnitName` when several units of the scope have that name."""
    return (spellings if spellings is not None else units_by_spelling(within)).find(text)
