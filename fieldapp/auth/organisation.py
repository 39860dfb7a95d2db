"""The organisation of a deployment as data: units at any depth, read from a YAML file.

A file describes a tree of units (province bureau → city bureaus → county bureaus and branches, each
bureau with its departments). ``load_organisation`` creates or updates the units by code and never
deletes one: a unit that leaves the file stays (things refer to it) and is reported; a unit closes
from a date with ``closed_on``. Nothing else in the code names a unit: the demo city is
``data/organisations/shuozhou.yaml``, the default file.

The questions other packages ask of the loaded organisation (which counties are under a unit …) are
answered by :mod:`fieldapp.auth.territory`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from .models import COUNTY_LEVEL_KINDS, Unit, UnitKind
from .name_rule import Placed, first_clash
from .organisation_yaml import OrganisationError, read_yaml, too_deep
from .territory import forget_territory

__all__ = ["OrganisationError", "load_organisation", "read_organisation"]

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_FILE = ROOT / "data" / "organisations" / "shuozhou.yaml"

_DIVISION = re.compile(r"^\d{6}$")
_KINDS = {k.value for k in UnitKind}
_KEYS = {"code", "name", "name_en", "kind", "division", "area", "aliases", "closed_on", "children", "demo", "parent"}


@dataclass
class UnitSpec:
    code: str
    name: str
    name_en: str
    kind: str
    division: str | None
    area: str
    aliases: list[str]
    closed_on: date | None
    parent: str | None
    demo: dict[str, Any] = field(default_factory=dict)
    line: int = 0
    parent_named: bool = False  # a unit at the top of the file placed under a unit loaded already


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    not_in_file: list[str] = field(default_factory=list)


def organisation_file() -> Path:
    configured = current_app.config.get("ORGANISATION_FILE") if has_app_context() else None
    return Path(configured) if configured else DEFAULT_FILE


def read_organisation(source: Path | bytes) -> list[UnitSpec]:
    """The units of an organisation file (a path, or an upload's bytes), parents before children;
    ``OrganisationError`` if malformed (the message names the line and the unit)."""
    data = read_yaml(source if isinstance(source, bytes) else Path(source))
    if not isinstance(data, dict) or not isinstance(data.get("units"), list) or not data["units"]:
        raise OrganisationError(_("The organisation file needs a non-empty list 'units'."))
    try:
        specs = list(_walk(data["units"], None))
    except RecursionError:
        raise too_deep() from None
    _check_unique(specs)
    _check_parents_outside(specs)
    _check_names(specs, [])
    return specs


def _walk(entries: list, parent: str | None) -> Iterator[UnitSpec]:
    for entry in entries:
        line = getattr(entry, "line", 0)
        try:
            spec = _spec(entry, parent)
            named = _parent_named(entry, parent, spec.code)
            if named:
                spec.parent, spec.parent_named = named, True
            spec.line = line
            children = entry.get("children") or []
            if not isinstance(children, list):
                raise OrganisationError(_("Unit %(code)s: 'children' must be a list.", code=spec.code))
        except OrganisationError as exc:
            raise _at_line(line, exc) from None
        yield spec
        yield from _walk(children, spec.code)


def _at_line(line: int, error: OrganisationError) -> OrganisationError:
    return OrganisationError(_("Line %(line)s: %(error)s", line=line, error=error)) if line else error


def _parent_named(entry: dict, parent: str | None, code: str) -> str | None:
    """A unit at the top of the file may name the unit loaded already that it sits under (a city
    added under its province): ``parent: CODE``. Below, its place in ``children`` says it."""
    named = entry.get("parent")
    if named in (None, ""):
        return None
    if parent is not None:
        raise OrganisationError(_("Unit %(code)s: only a unit at the top of the file names its parent.", code=code))
    if isinstance(named, (dict, list)):
        raise OrganisationError(_("Unit %(code)s: %(field)s must be text.", code=code, field="parent"))
    return str(named).strip()


def _spec(entry: Any, parent: str | None) -> UnitSpec:
    if not isinstance(entry, dict):
        raise OrganisationError(
            _("A unit under %(parent)s is not a mapping (code: …, name: …).", parent=parent or "units")
        )
    code = str(entry.get("code") or "").strip()
    if not code:
        raise OrganisationError(_("A unit under %(parent)s has no code.", parent=parent or "units"))
    unknown = set(entry) - _KEYS
    if unknown:
        raise OrganisationError(
            _("Unit %(code)s: unknown field(s) %(fields)s.", code=code, fields=", ".join(sorted(unknown)))
        )
    kind = str(entry.get("kind") or "")
    if kind not in _KINDS:
        raise OrganisationError(
            _("Unit %(code)s: kind must be one of %(kinds)s.", code=code, kinds=", ".join(sorted(_KINDS)))
        )
    division = entry.get("division")
    division = str(division).strip() if division not in (None, "") else None
    if division is not None and not _DIVISION.match(division):
        raise OrganisationError(
            _("Unit %(code)s: division %(division)s is not a six-digit code.", code=code, division=division)
        )
    if kind in COUNTY_LEVEL_KINDS and division is None:
        raise OrganisationError(
            _(
                "Unit %(code)s: a %(kind)s needs the division code it governs (subjects belong to a "
                "division code; a zone without one of its own may take its statistical code, such as "
                "xxxx71, or be a department of its bureau).",
                code=code,
                kind=kind,
            )
        )
    name = str(entry.get("name") or "").strip()
    if not name:
        raise OrganisationError(_("Unit %(code)s: the name is missing.", code=code))
    closed_on = entry.get("closed_on")
    if closed_on is not None and not isinstance(closed_on, date):
        raise OrganisationError(_("Unit %(code)s: closed_on must be a date (YYYY-MM-DD).", code=code))
    aliases = entry.get("aliases") or []
    _check_shapes(entry, code)
    return UnitSpec(
        code=code,
        name=name,
        name_en=str(entry.get("name_en") or ""),
        kind=kind,
        division=division,
        area=str(entry.get("area") or name),
        aliases=[str(a) for a in aliases],
        closed_on=closed_on,
        parent=parent,
        demo=dict(entry.get("demo") or {}),
    )


def _check_shapes(entry: dict, code: str) -> None:
    """Fields of the wrong shape (a list for a name, a list for the demo block) are refused, not
    turned into text or a traceback."""
    if not isinstance(entry.get("aliases") or [], list):
        raise OrganisationError(_("Unit %(code)s: aliases must be a list.", code=code))
    if not isinstance(entry.get("demo") or {}, dict):
        raise OrganisationError(_("Unit %(code)s: demo must be a mapping (share: …, staff: …).", code=code))
    for key in ("name", "area", "name_en"):
        if isinstance(entry.get(key), (dict, list)):
            raise OrganisationError(_("Unit %(code)s: %(field)s must be text.", code=code, field=key))


def _check_unique(specs: list[UnitSpec]) -> None:
    """Codes and division codes are unique in a file (names: :func:`_check_names`)."""
    for attr in ("code", "division"):
        seen: dict[str, int] = {}
        for spec in specs:
            value = getattr(spec, attr)
            if value is None:
                continue
            if value in seen:
                lines = {"value": value, "first": seen[value], "line": spec.line}
                if attr == "code":
                    raise OrganisationError(
                        _("The code %(value)s is used by two units (lines %(first)s and %(line)s).", **lines)
                    )
                raise OrganisationError(
                    _("The division %(value)s is used by two units (lines %(first)s and %(line)s).", **lines)
                )
            seen[value] = spec.line


def _check_parents_outside(specs: list[UnitSpec]) -> None:
    """A parent named at the top of the file is a unit loaded already, not one of the file's own."""
    codes = {s.code for s in specs}
    for spec in specs:
        if spec.parent_named and spec.parent in codes:
            raise _at_line(
                spec.line,
                OrganisationError(
                    _(
                        "Unit %(code)s: its parent %(parent)s is in this file: list %(code)s under the "
                        "children of %(parent)s instead.",
                        code=spec.code,
                        parent=spec.parent,
                    )
                ),
            )


def parents_after(specs: list[UnitSpec], loaded) -> dict[str, str | None]:
    """Unit code → its parent's code, as loading ``specs`` over the ``loaded`` units would leave them."""
    by_id = {u.id: u.code for u in loaded}
    parents = {u.code: by_id.get(u.parent_id) for u in loaded}
    parents.update({s.code: s.parent for s in specs})
    return parents


def _check_parents_loaded(specs: list[UnitSpec], loaded) -> None:
    """A parent named at the top of the file is loaded already, and is not below the unit itself."""
    codes = {u.code for u in loaded}
    parents = parents_after(specs, loaded)
    for spec in specs:
        if not spec.parent_named:
            continue
        if spec.parent not in codes:
            message = _(
                "Unit %(code)s: its parent %(parent)s is neither in this file nor loaded yet (load the "
                "file of %(parent)s first, or check the code).",
                code=spec.code,
                parent=spec.parent,
            )
            raise _at_line(spec.line, OrganisationError(message))
        above, seen = spec.parent, set()
        while above is not None and above not in seen:
            if above == spec.code:
                message = _(
                    "Unit %(code)s cannot go under %(parent)s: %(parent)s is below %(code)s.",
                    code=spec.code,
                    parent=spec.parent,
                )
                raise _at_line(spec.line, OrganisationError(message))
            seen.add(above)
            above = parents.get(above)


def _check_names(specs: list[UnitSpec], loaded) -> None:
    """Unit names are unique within an organisation (the :class:`~.models.Unit` rule): among the
    units of the file and those loaded already, as the file would leave them."""
    by_id = {u.id: u for u in loaded}
    units = {
        u.code: Placed(u.code, u.name, u.kind, by_id[u.parent_id].code if u.parent_id in by_id else None)
        for u in loaded
    }
    units.update({s.code: Placed(s.code, s.name, s.kind, s.parent) for s in specs})
    clash = first_clash([s.code for s in specs], units)
    if clash is not None:
        code, other, root = clash
        line = next((s.line for s in specs if s.code == code), 0)
        raise _at_line(
            line,
            OrganisationError(
                _(
                    "Unit %(code)s: the name %(name)s is already the name of unit %(other)s in the same "
                    "organisation (%(root)s); unit names are unique among a city's (or a province's) own "
                    "units, and a county bureau's departments among the county's — another city or county "
                    "may use the same name.",
                    code=code,
                    name=units[code].name,
                    other=other,
                    root=units[root].name,
                )
            ),
        )


def check_against(specs: list[UnitSpec], units) -> None:
    """A unit of the file may not govern a division code another unit loaded already governs, nor
    take a name already used in its organisation (a second organisation loaded beside the first);
    a parent named at the top of the file is loaded already."""
    _check_parents_loaded(specs, list(units))
    _check_names(specs, list(units))
    by_division = {u.division_code: u for u in units if u.division_code}
    for spec in specs:
        division = spec.division if spec.kind in COUNTY_LEVEL_KINDS else None
        holder = by_division.get(division) if division else None
        if holder is not None and holder.code != spec.code:
            raise _at_line(
                spec.line,
                OrganisationError(
                    _(
                        "Unit %(code)s: division %(division)s is already governed by unit %(other)s.",
                        code=spec.code,
                        division=division,
                        other=holder.code,
                    )
                ),
            )


def unit_values(spec: UnitSpec) -> dict[str, Any]:
    """What loading ``spec`` writes on its unit, its parent aside."""
    # Only a county-level unit's division code is stored: subjects belong to those. A higher
    # bureau's code (140000, 140200 …) is kept in the file for reference; its area is its subtree.
    division = spec.division if spec.kind in COUNTY_LEVEL_KINDS else None
    return {
        "name": spec.name,
        "name_en": spec.name_en,
        "kind": UnitKind(spec.kind),
        "division_code": division,
        "area_name": spec.area,
        "aliases": spec.aliases,
        "closed_on": spec.closed_on,
    }


def load_organisation(source: Path | bytes | None = None) -> LoadReport:
    """Create or update the units of ``source`` (a path or an upload's bytes; default: the configured
    file). Flushes, never commits."""
    specs = read_organisation(organisation_file() if source is None else source)
    existing = {u.code: u for u in db.session.scalars(select(Unit))}
    check_against(specs, existing.values())
    report = LoadReport(not_in_file=not_in_file(specs, parents_after(specs, existing.values())))
    for spec in specs:
        unit = existing.get(spec.code)
        if unit is None:
            unit = Unit(code=spec.code)
            db.session.add(unit)
            existing[spec.code] = unit
            report.created.append(spec.code)
        else:
            report.updated.append(spec.code)
        for name, value in unit_values(spec).items():
            setattr(unit, name, value)
        unit.parent = existing[spec.parent] if spec.parent else None
    db.session.flush()
    forget_territory()
    return report


def not_in_file(specs: list[UnitSpec], parents: dict[str, str | None]) -> list[str]:
    """The loaded units of the file's own trees that the file no longer lists (``parents``: as
    :func:`parents_after` leaves them); another organisation loaded beside it (a second city, the
    province a city's file is placed under) is not missing from this file."""
    in_file = {s.code for s in specs}
    roots = {s.code for s in specs if s.parent not in in_file}
    missing = []
    for code in parents:
        top: str | None = code
        seen: set[str] = set()
        while top is not None and top not in roots and top not in seen:
            seen.add(top)
            top = parents.get(top)
        if code not in in_file and top in roots:
            missing.append(code)
    return sorted(missing)


def ensure_units() -> dict[str, Unit]:
    """Load (or update from) the configured organisation file; returns units by code."""
    load_organisation()
    return {u.code: u for u in db.session.scalars(select(Unit))}


def department_names() -> list[str]:
    """The names of every department (计量科 …), as plan tables name guiding departments: from the
    database, or from the organisation file where there is none (a plan read outside the app).
    Every organisation's: the words only hint at a misspelt department, no unit is looked up by them."""
    if has_app_context():
        names = db.session.scalars(select(Unit.name).where(Unit.kind == UnitKind.DEPARTMENT).order_by(Unit.code))
        if found := list(dict.fromkeys(names)):
            return found
    return [s.name for s in read_organisation(organisation_file()) if s.kind == UnitKind.DEPARTMENT]


def read_demo(path: Path | None = None) -> dict[str, Any]:
    """The file's top-level ``demo`` block (demo accounts, roster extras), for the demo generator."""
    data = read_yaml(Path(path or organisation_file())) or {}
    demo = data.get("demo") if isinstance(data, dict) else None
    return demo if isinstance(demo, dict) else {}
