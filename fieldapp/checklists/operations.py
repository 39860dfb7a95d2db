"""Stored answer sets and the checklist snapshots they point to."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from .definition import Checklist, build_checklist
from .models import ChecklistVersion
from .catalog import registry


def snapshot(checklist: Checklist) -> ChecklistVersion:
    """The stored snapshot of this exact definition, made on first use (safe when two requests race)."""
    found = db.session.scalar(select(ChecklistVersion).where(ChecklistVersion.sha256 == checklist.sha256))
    if found is not None:
        return found
    row = ChecklistVersion(
        checklist_id=checklist.id, version=checklist.version, sha256=checklist.sha256, definition=checklist.definition
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # the other request stored it first
        return db.session.scalars(select(ChecklistVersion).where(ChecklistVersion.sha256 == checklist.sha256)).one()
    return row


def answer_set(checklist: Checklist, answers: dict) -> dict:
    """What a submission stores for one checklist; snapshots the definition (commit is the caller's)."""
    snapshot(checklist)
    return {
        "checklist": checklist.id,
        "version": checklist.version,
        "definition_sha256": checklist.sha256,
        "answers": answers,
    }


def checklist_for_answer_set(stored: dict) -> Checklist | None:
    """The checklist exactly as it stood when ``stored`` was filled: the loaded file when its hash
    matches, else the snapshot (even after the file got a new version). None if neither exists."""
    sha = str(stored.get("definition_sha256") or "")
    current = registry().get(str(stored.get("checklist") or ""))
    if current is not None and current.sha256 == sha:
        return current
    row = db.session.scalar(select(ChecklistVersion).where(ChecklistVersion.sha256 == sha)) if sha else None
    if row is None:
        return None
    return from_snapshot(row)


_snapshots: dict[str, Checklist] = {}


def from_snapshot(row: ChecklistVersion) -> Checklist:
    """A checklist built from a stored definition (tags and result codes are not checked again:
    the vocabulary may have changed since, the record must still render)."""
    cached = _snapshots.get(row.sha256)
    if cached is None:
        cached = build_checklist(row.definition, f"snapshot {row.checklist_id} v{row.version}")
        if cached.sha256 != row.sha256:  # pragma: no cover (canonical JSON is stable)
            cached.sha256 = row.sha256
        if len(_snapshots) > 200:
            _snapshots.clear()
        _snapshots[row.sha256] = cached
    return cached
