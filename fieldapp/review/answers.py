"""Showing a stored answer set read-only, labelled from the checklist version it was answered on.

The rows come from the checklist engine (``checklists/answer_rows.py``), the same as the engine's
``render_answers`` macro: this module only finds the definition the answers were given on."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

from flask import has_app_context

from ..checklists import ChecklistInvalid, build_checklist, evaluate
from ..checklists.answer_rows import AnswerRow, answer_rows, answer_text
from ..checklists.catalog import get_checklist
from ..checklists.definition import Checklist, definition_sha256
from .body import AnswerSet, flatten, item_path

CHECKLIST_DIR = Path(__file__).resolve().parent.parent.parent / "checklists"


def _locale() -> str:
    if has_app_context():
        try:
            from flask_babel import get_locale

            return "en" if str(get_locale()).startswith("en") else "zh"
        except Exception:  # outside a request: Chinese, the default UI language
            return "zh"
    return "zh"


def text_of(value: Any, lang: str | None = None) -> str:
    """A ``{zh, en}`` text in the user's language (or the string itself)."""
    if isinstance(value, dict):
        lang = lang or _locale()
        return str(value.get(lang) or value.get("zh") or value.get("en") or "")
    return "" if value is None else str(value)


def load_definition(checklist_id: str, version: int | None, sha256: str = "") -> dict | None:
    """The checklist as it stood when answered: the engine's snapshot with that definition hash
    (``ChecklistVersion``), else one with that id and version, else the file in ``checklists/``
    when its version matches."""
    if not checklist_id and not sha256:
        return None
    try:
        from sqlalchemy import select

        from ..checklists.models import ChecklistVersion
        from ..extensions import db

        row = None
        if sha256:
            row = db.session.scalar(select(ChecklistVersion).where(ChecklistVersion.sha256 == sha256))
        if row is None and checklist_id and version is not None:
            row = db.session.scalars(
                select(ChecklistVersion)
                .where(ChecklistVersion.checklist_id == checklist_id, ChecklistVersion.version == version)
                .order_by(ChecklistVersion.id.desc())
            ).first()
        if row is not None and isinstance(row.definition, dict):
            return row.definition
    except ImportError:  # pragma: no cover - the engine is part of the app
        pass
    path = CHECKLIST_DIR / f"{checklist_id}.yaml"
    if checklist_id and path.is_file():
        import yaml

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: a checklist in milliseconds
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
        if isinstance(data, dict) and (version is None or data.get("version") == version):
            return data
    return None


def checklist_of(answer_set: AnswerSet) -> Checklist | None:
    """The answer set's checklist as the engine builds it from the definition it was answered on
    (None when that definition is missing or no longer reads): the app's loaded checklist when its
    definition has the same hash, else built from the stored snapshot or file."""
    loaded = _loaded(answer_set)
    if loaded is not None:
        return loaded
    definition = load_definition(answer_set.checklist_id, answer_set.checklist_version, answer_set.definition_sha256)
    if not definition:
        return None
    sha = definition_sha256(definition)
    if sha not in _built:
        try:
            _built[sha] = build_checklist(definition, f"snapshot {answer_set.checklist_id}")
        except ChecklistInvalid:
            _built[sha] = None
        if len(_built) > 200:
            _built.clear()
            return checklist_of(answer_set)
    return _built[sha]


_built: dict[str, Checklist | None] = {}


def _loaded(answer_set: AnswerSet) -> Checklist | None:
    if not answer_set.definition_sha256 or not has_app_context():
        return None
    current = get_checklist(answer_set.checklist_id)
    return current if current is not None and current.sha256 == answer_set.definition_sha256 else None


def rows_for(
    answer_set: AnswerSet, findings: list[dict] | None = None, inspected_on: date | None = None
) -> tuple[list[AnswerRow], str]:
    """Every answer as a labelled row (the engine's ``answer_rows``), and the checklist's title
    ("" when the definition is missing: then the stored answers are listed by path)."""
    finding_paths = {item_path(str(f.get("item"))) for f in findings or [] if f.get("item")}
    checklist = checklist_of(answer_set)
    lang = _locale()
    rows: list[AnswerRow] = []
    if checklist is not None:
        rows = answer_rows(checklist, evaluate(checklist, answer_set.answers, inspected_on), lang)
        for row in rows:  # the findings stored with the submission are marked too
            row.is_finding = row.is_finding or (not row.is_heading and row.path in finding_paths)
        known = {r.path for r in rows}
        extra = {
            p: v
            for p, v in flatten(answer_set.answers).items()
            if p not in known and p.split(".")[0] not in known and p.split(".")[0] not in checklist.by_id
        }
        for path, value in extra.items():  # answers the definition does not name: still shown
            rows.append(AnswerRow(path, path, answer_text(None, value), 1, is_finding=path in finding_paths))
        return rows, checklist.title.get(lang)
    for path, value in flatten(answer_set.answers).items():
        rows.append(
            AnswerRow(path, path, answer_text(None, value), path.count(".") // 2, is_finding=path in finding_paths)
        )
    return rows, ""


def labels_for(answer_set: AnswerSet) -> dict[str, str]:
    rows, _ = rows_for(answer_set)
    return {r.path: r.label for r in rows}


class Shown(NamedTuple):
    value: Any
    text: str


def shown_answers(answer_set: AnswerSet) -> dict[str, Shown]:
    """Every stored answer by path (as :func:`flatten` lists them) with its text as the answer rows
    show it: formatted by its item in the definition it was answered on (by its shape where that
    definition does not name it)."""
    checklist = checklist_of(answer_set)
    lang = _locale()
    shown = {}
    for path, value in flatten(answer_set.answers).items():
        item = checklist.item(path.rsplit(".", 1)[-1]) if checklist is not None else None
        shown[path] = Shown(value, answer_text(item, value, lang))
    return shown
