"""Changes to the roster, each one dated and kept (InspectorChange), and declared conflicts (回避)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from .. import clock
from ..auth.models import Unit, User
from ..errors import InvalidInput
from ..extensions import db
from .models import Conflict, Inspector, InspectorChange

# Fields whose changes are kept in the history. Values are stored as text (dates ISO, lists joined).
TRACKED = (
    "name",
    "status",
    "certificate_number",
    "certificate_valid_until",
    "unit",
    "specialties",
    "category",
    "phone",
)


def _as_text(field: str, value) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Unit):
        return value.name
    if isinstance(value, (list, tuple)):
        return "、".join(value)
    return str(value)


def change_inspector(inspector: Inspector, effective_on: date, note: str = "", **values) -> list[InspectorChange]:
    """Set ``values`` (tracked fields: name, status, certificate_number, certificate_valid_until, unit,
    specialties, category, phone) and record one dated change per field that really changed."""
    recorded = []
    for field, new in values.items():
        if field not in TRACKED:
            raise ValueError(f"not a roster field: {field}")
        if field == "certificate_number":
            new = (new or "").strip() or None
        old = getattr(inspector, field)
        if field == "specialties":
            new = list(dict.fromkeys(new or []))
            if sorted(old or []) == sorted(new):
                continue
        elif field == "unit":
            if old is not None and new is not None and old.id == new.id:
                continue
        elif old == new:
            continue
        setattr(inspector, field, new)
        if inspector.id is None:  # a new record: its first values are not changes
            continue
        change = InspectorChange(
            field=field,
            old_value=_as_text(field, old),
            new_value=_as_text(field, new),
            effective_on=effective_on,
            note=note,
        )
        inspector.changes.append(change)
        recorded.append(change)
    return recorded


def create_inspector(unit: Unit, name: str, **values) -> Inspector:
    inspector = Inspector(name=name, unit=unit, specialties=list(values.pop("specialties", []) or []))
    for field, value in values.items():
        setattr(inspector, field, value)
    db.session.add(inspector)
    return inspector


def declare_conflict(
    inspector: Inspector,
    *,
    subject=None,
    person_name: str | None = None,
    reason: str = "",
    declared_on: date | None = None,
) -> Conflict:
    """A conflict of interest the inspector declared: a subject, or a person (e.g. a relative who runs firms)."""
    if subject is None and not person_name:
        raise ValueError("a conflict names a subject or a person")
    subject_id = subject.id if subject is not None else None
    if any(c.subject_id == subject_id and c.person_name == (person_name or None) for c in inspector.conflicts):
        # (a form sent twice, a double click): one declaration, not two identical rows
        raise InvalidInput(
            _l("This conflict of interest is already recorded."),
            field="subject_code" if subject is not None else "person_name",
        )
    conflict = Conflict(
        subject_id=subject_id,
        person_name=person_name or None,
        reason=reason,
        declared_on=declared_on or clock.today(),
    )
    inspector.conflicts.append(conflict)
    return conflict


def withdraw_conflict(inspector: Inspector, conflict_id: int) -> bool:
    for conflict in list(inspector.conflicts):
        if conflict.id == conflict_id:
            inspector.conflicts.remove(conflict)
            return True
    return False


def link_account(inspector: Inspector, user: User | None) -> None:
    inspector.user = user
