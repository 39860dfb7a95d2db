"""An organisation file uploaded on the web: what loading it would change, shown before anything is
written, and the load once the administrator confirms. The file is read and checked by the very
functions ``units import`` uses (:mod:`.organisation`); who may load which units is
:func:`.access.units_beyond_reach`; each load is an audit event of the administrator's bureau."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from .. import audit
from ..extensions import db
from . import access, territory
from .models import Unit
from .organisation import (
    UnitSpec,
    check_against,
    load_organisation,
    not_in_file,
    parents_after,
    read_organisation,
    unit_values,
)

AUDIT_OBJECT = "organisation"
SHOWN_PROBLEMS = 20  # units out of reach named one by one; the rest are counted


@dataclass(frozen=True)
class UnitChange:
    """One unit of the file as loading it would leave it: ``before`` the old name (renamed) or the
    old parent's name (moved), ``after`` the new parent's name (added, moved), ``fields`` the other
    fields that change."""

    code: str
    name: str
    line: int
    before: str = ""
    after: str = ""
    fields: tuple[str, ...] = ()


@dataclass
class Preview:
    sha256: str
    added: list[UnitChange] = field(default_factory=list)
    renamed: list[UnitChange] = field(default_factory=list)
    moved: list[UnitChange] = field(default_factory=list)
    changed: list[UnitChange] = field(default_factory=list)
    unchanged: list[UnitChange] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # loaded units of the file's trees it does not list
    problems: list[str] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.renamed or self.moved or self.changed)

    def codes(self) -> dict[str, list[str]]:
        return {
            name: [c.code for c in getattr(self, name)]
            for name in ("added", "renamed", "moved", "changed", "unchanged")
        }

    @property
    def digest(self) -> str:
        """What the administrator saw: the file and what it would change. A load confirmed on a
        preview that no longer holds (someone loaded another file meanwhile) is shown again instead."""
        content = {"file": self.sha256, "kept": self.kept, "problems": self.problems, **self.codes()}
        return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def preview_organisation(raw: bytes, user: Any) -> Preview:
    """What loading ``raw`` (an organisation file's bytes) would change; ``OrganisationError`` when
    the file cannot be loaded at all (the message names the line and the unit). Writes nothing."""
    specs = read_organisation(raw)
    loaded = list(db.session.scalars(select(Unit)))
    check_against(specs, loaded)
    before, after = parents_after([], loaded), parents_after(specs, loaded)
    names = {u.code: u.name for u in loaded} | {s.code: s.name for s in specs}
    existing = {u.code: u for u in loaded}
    preview = Preview(sha256=hashlib.sha256(raw).hexdigest())
    for spec in specs:
        _sort(preview, spec, existing.get(spec.code), before, after, names)
    preview.kept = [f"{names[c]}（{c}）" for c in not_in_file(specs, after)]
    beyond = access.units_beyond_reach(user, [s.code for s in specs], before, after)
    preview.problems = _out_of_reach(user, [s for s in specs if s.code in set(beyond)])
    return preview


def _sort(preview: Preview, spec: UnitSpec, unit: Unit | None, before: dict, after: dict, names: dict) -> None:
    """Put ``spec`` among the added, renamed, moved, otherwise changed or unchanged units."""
    parent_name = names.get(after[spec.code] or "", "")
    if unit is None:
        preview.added.append(UnitChange(spec.code, spec.name, spec.line, after=parent_name))
        return
    fields = tuple(k for k, v in unit_values(spec).items() if k != "name" and getattr(unit, k) != v)
    moved = before.get(spec.code) != after[spec.code]
    if unit.name != spec.name:
        preview.renamed.append(UnitChange(spec.code, spec.name, spec.line, before=unit.name))
    if moved:
        old_parent = names.get(before.get(spec.code) or "", "")
        preview.moved.append(UnitChange(spec.code, spec.name, spec.line, before=old_parent, after=parent_name))
    if fields:
        preview.changed.append(UnitChange(spec.code, spec.name, spec.line, fields=fields))
    if unit.name == spec.name and not moved and not fields:
        preview.unchanged.append(UnitChange(spec.code, spec.name, spec.line))


def _out_of_reach(user: Any, specs: list[UnitSpec]) -> list[str]:
    bureau = territory.bureau_of(user.unit).name
    problems = [
        _(
            "Line %(line)s: unit %(code)s (%(name)s) is not in your bureau %(bureau)s, or the file would "
            "move it out of it: an administrator loads the units of their own bureau (a unit above "
            "it is loaded by that unit's administrator).",
            line=s.line,
            code=s.code,
            name=s.name,
            bureau=bureau,
        )
        for s in specs[:SHOWN_PROBLEMS]
    ]
    if len(specs) > SHOWN_PROBLEMS:
        problems.append(_("… and %(count)s more units.", count=len(specs) - SHOWN_PROBLEMS))
    return problems


def load_previewed(raw: bytes, filename: str, preview: Preview, user: Any) -> None:
    """Load the file whose ``preview`` the administrator confirmed, recorded as an audit event of
    their bureau. Flushes; the caller commits."""
    load_organisation(raw)
    audit.record(
        AUDIT_OBJECT,
        territory.bureau_of(user.unit).id,
        "load",
        user,
        details={
            "file": filename,
            "sha256": preview.sha256,
            **{name: codes for name, codes in preview.codes().items() if name != "unchanged"},
            "unchanged": len(preview.unchanged),
            "kept": preview.kept,
        },
    )
