"""A unit as files name it: by code, by its full name, or as bureaus write it in rosters and plans —
市场监管局 for 市场监督管理局, 浚县局 and 鹤壁市局 (the area and 局), an area or its alias for a county's
bureau (浚县, 鹤壁经开区), a department with its bureau before it (鹤壁市市场监督管理局计量科,
鹤壁市局计量科) and a station's short name (城关所 for 城关市场监管所).

A spelling two units share is left out: it is never guessed.
"""

from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select

from ..extensions import db
from .models import Unit, UnitKind


def spelling_key(text: str) -> str:
    """Full-width folded, no spaces or brackets, 市场监督管理局 written 市场监管局."""
    key = re.sub(r"[\s()（）]", "", unicodedata.normalize("NFKC", text or ""))
    return key.replace("市场监督管理局", "市场监管局")


def _spellings(unit: Unit, parent: Unit | None) -> set[str]:
    names = {unit.code, unit.name}
    if unit.kind != UnitKind.DEPARTMENT:
        areas = {unit.area_name, *(unit.aliases or [])} - {""}
        names |= {f"{area}局" for area in areas} | {f"{area}市场监管局" for area in areas}
        if unit.division_code:
            names |= areas
        return names
    if unit.name.endswith("市场监管所"):
        names.add(unit.name.removesuffix("市场监管所") + "所")
    if parent is not None:
        bureau_names = {parent.name, *(f"{area}局" for area in {parent.area_name, *(parent.aliases or [])} - {""})}
        names |= {bureau + name for bureau in bureau_names for name in set(names) - {unit.code}}
    return names


def units_by_spelling() -> dict[str, Unit]:
    """Every unambiguous spelling (its :func:`spelling_key`) → the unit."""
    units = list(db.session.scalars(select(Unit)))
    by_id = {u.id: u for u in units}
    found: dict[str, Unit | None] = {}
    for unit in units:
        for name in _spellings(unit, by_id.get(unit.parent_id) if unit.parent_id else None):
            key = spelling_key(name)
            if key and found.get(key, unit) is not unit:
                found[key] = None  # two units: never guess
            elif key:
                found[key] = unit
    # A unit's own code or full name is never taken by another's shorter spelling.
    for unit in units:
        for name in (unit.code, unit.name):
            found[spelling_key(name)] = unit
    return {key: unit for key, unit in found.items() if unit is not None}


def unit_spelled(text: str, spellings: dict[str, Unit] | None = None) -> Unit | None:
    """The unit ``text`` names, or None (unknown or ambiguous)."""
    return (spellings if spellings is not None else units_by_spelling()).get(spelling_key(text))
