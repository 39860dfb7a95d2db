"""Where a unit's name must be unique: within its organisation (the rule :class:`~.models.Unit`
states). Pure functions over codes, for the organisation loader and the name lookups."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .models import UnitKind

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


def first_clash(first: Iterable[str], units: Mapping[str, Placed]) -> tuple[str, str, str] | None:
    """Two units of one organisation with one name: (the one of ``first`` — the codes a message
    should name first —, the other, the organisation's code); None when names are unique."""
    holders: dict[tuple[str, str], str] = {}
    for code in first:
        holders.setdefault((organisation_root(code, units), units[code].name), code)
    for unit in units.values():
        root = organisation_root(unit.code, units)
        holder = holders.setdefault((root, unit.name), unit.code)
        if holder != unit.code:
            return holder, unit.code, root
    return None
