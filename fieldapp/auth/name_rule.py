"""Where a unit's name must be unique: within its organisation (the rule :class:`~.models.Unit`
states). Pure functions over codes, for the organisation loader and the name lookups."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .models import COUNTY_LEVEL_KINDS, UnitKind

# The bureaus that make an organisation of their own: a city's names are the city's business.
ORGANISATION_KINDS = (UnitKind.CITY_BUREAU, UnitKind.PROVINCE_BUREAU)


@dataclass(frozen=True)
class Placed:
    """A unit as the rule sees it: its code, name, kind and its parent's code."""

    code: str
    name: str
    kind: str
    parent: str | None


def organisation_root(code: str, units: Mapping[str, Placed]) -> str:
    """The code of the unit whose organisation ``code`` belongs to: its nearest city or province
    bureau, itself included (the topmost unit where there is none)."""
    seen: set[str] = set()
    while code not in seen:
        seen.add(code)
        unit = units[code]
        if unit.kind in ORGANISATION_KINDS or unit.parent is None or unit.parent not in units:
            return code
        code = unit.parent
    return code


def name_scope(code: str, units: Mapping[str, Placed]) -> str:
    """The code of the unit among whose units ``code``'s name must be unique: a county-level bureau for
    its departments (every county has its 食品经营监管股 and 办公室, every district of a municipality its
    特种设备安全监察科), else the organisation (:func:`organisation_root`)."""
    seen: set[str] = set()
    current = code
    while units[current].kind == UnitKind.DEPARTMENT and current not in seen:
        seen.add(current)
        parent = units[current].parent
        if parent is None or parent not in units:
            break
        current = parent
    if current != code and units[current].kind in COUNTY_LEVEL_KINDS:
        return current
    return organisation_root(code, units)


def first_clash(first: Iterable[str], units: Mapping[str, Placed]) -> tuple[str, str, str] | None:
    """Two units of one naming scope with one name: (the one of ``first`` — the codes a message
    should name first —, the other, the scope's code); None when names are unique. A county bureau's
    department may not take the name of one of its organisation's own units either (a city's 计量科)."""
    order = list(dict.fromkeys([*first, *units]))
    holders: dict[tuple[str, str], str] = {}
    for code in order:
        scope = name_scope(code, units)
        holder = holders.setdefault((scope, units[code].name), code)
        if holder != code:
            return holder, code, scope
    for code in order:
        root = organisation_root(code, units)
        above = holders.get((root, units[code].name))
        if above is not None and name_scope(code, units) != root:
            return above, code, root
    return None
