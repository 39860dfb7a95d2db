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

import yaml
from flask import current_app, has_app_context
from flask_babel import gettext as _
from sqlalchemy import select

from ..errors import InvalidInput
from ..extensions import db
from .models import COUNTY_LEVEL_KINDS, Unit, UnitKind
from .name_rule import Placed, first_clash
from .territory import forget_territory

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_FILE = ROOT / "data" / "organisations" / "shuozhou.yaml"

_DIVISION = re.compile(r"^\d{6}$")
_KINDS = {k.value for k in UnitKind}
_KEYS = {"code", "name", "name_en", "kind", "division", "area", "aliases", "closed_on", "children", "demo"}


class OrganisationError(InvalidInput):
    """The organisation file cannot be loaded; the message names the unit and the field."""


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


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    not_in_file: list[str] = field(default_factory=list)


def organisation_file() -> Path:
    configured = current_app.config.get("ORGANISATION_FILE") if has_app_context() else None
    return Path(configured) if configured else DEFAULT_FILE


def read_organisation(path: Path) -> list[UnitSpec]:
    """The units of an organisation file, parents before children; ``OrganisationError`` if malformed
    (the message names the line and the unit)."""
    data = _read_yaml(Path(path))
    if not isinstance(data, dict) or not isinstance(data.get("units"), list) or not data["units"]:
        raise OrganisationError(_("The organisation file needs a non-empty list 'units'."))
    specs = list(_walk(data["units"], None))
    _check_unique(specs)
    _check_names(specs, [])
    return specs


class _Lined(dict):
    """A mapping of the file with the line it starts on."""

    line = 0


class _Loader(yaml.SafeLoader):
    pass


def _lined_mapping(loader: _Loader, node: yaml.MappingNode) -> Iterator[_Lined]:
    data = _Lined()
    data.line = node.start_mark.line + 1
    yield data
    data.update(loader.construct_mapping(node))


_Loader.add_constructor("tag:yaml.org,2002:map", _lined_mapping)


def _read_yaml(path: Path) -> Any:
    """The file's YAML: UTF-8 (with or without a BOM), else GB18030 as a Chinese Windows editor saves it."""
    try:
        raw = path.read_bytes()
    except OSError:
        raise OrganisationError(_("Cannot read the organisation file %(name)s.", name=path.name)) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise OrganisationError(_("The organisation file is neither UTF-8 nor GBK text.")) from None
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader that records lines
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = {"line": mark.line + 1, "column": mark.column + 1} if mark else {"line": "?", "column": "?"}
        if "\t" in str(exc):
            raise OrganisationError(
                _("Line %(line)s, column %(column)s: indent with spaces, not tabs.", **where)
            ) from None
        raise OrganisationError(
            _(
                "Line %(line)s, column %(column)s: not well-formed YAML (check the indentation, the colon "
                "after each field name and that quotes and brackets are closed).",
                **where,
            )
        ) from None


def _walk(entries: list, parent: str | None) -> Iterator[UnitSpec]:
    for entry in entries:
        line = getattr(entry, "line", 0)
        try:
            spec = _spec(entry, parent)
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
                    "units — another city may use the same name.",
                    code=code,
                    name=units[code].name,
                    other=other,
                    root=units[root].name,
                )
            ),
        )


def _check_against(specs: list[UnitSpec], units) -> None:
    """A unit of the file may not govern a division code another unit loaded already governs, nor
    take a name already used in its organisation (a second organisation loaded beside the first)."""
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


def load_organisation(path: Path | None = None) -> LoadReport:
    """Create or update the units of ``path`` (default: the configured file). Flushes, never commits."""
    specs = read_organisation(path or organisation_file())
    existing = {u.code: u for u in db.session.scalars(select(Unit))}
    _check_against(specs, existing.values())
    report = LoadReport()
    for spec in specs:
        unit = existing.get(spec.code)
        if unit is None:
            unit = Unit(code=spec.code)
            db.session.add(unit)
            existing[spec.code] = unit
            report.created.append(spec.code)
        else:
            report.updated.append(spec.code)
        unit.name, unit.name_en, unit.kind = spec.name, spec.name_en, UnitKind(spec.kind)
        # Only a county-level unit's division code is stored: subjects belong to those. A higher
        # bureau's code (140000, 140200 …) is kept in the file for reference; its area is its subtree.
        division = spec.division if spec.kind in COUNTY_LEVEL_KINDS else None
        unit.division_code, unit.area_name, unit.aliases = division, spec.area, spec.aliases
        unit.closed_on = spec.closed_on
        unit.parent = existing[spec.parent] if spec.parent else None
    report.not_in_file = _not_in_file(specs, existing)
    db.session.flush()
    forget_territory()
    return report


def _not_in_file(specs: list[UnitSpec], existing: dict[str, Unit]) -> list[str]:
    """The loaded units of the file's own trees that the file no longer lists; another organisation
    loaded beside it (a second city) is not missing from this file."""
    in_file = {s.code for s in specs}
    roots = {s.code for s in specs if s.parent is None}
    missing = []
    for code, unit in existing.items():
        top = unit
        while top.parent is not None and top.code not in roots:
            top = top.parent
        if code not in in_file and top.code in roots:
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
    data = _read_yaml(Path(path or organisation_file())) or {}
    demo = data.get("demo") if isinstance(data, dict) else None
    return demo if isinstance(demo, dict) else {}
