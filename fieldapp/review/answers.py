"""Showing a stored answer set read-only, labelled from the checklist version it was answered on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import has_app_context

from .body import AnswerSet, flatten, item_path

CHECKLIST_DIR = Path(__file__).resolve().parent.parent.parent / "checklists"


@dataclass
class AnswerRow:
    path: str  # item id, or item.N.sub inside repeat block N
    label: str
    value: str
    depth: int = 0
    is_heading: bool = False
    is_finding: bool = False
    unit: str = ""


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

        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and (version is None or data.get("version") == version):
            return data
    return None


def display(value: Any, item: dict | None = None) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, dict):
        if "lat" in value and "lng" in value:
            return f"{value['lat']}, {value['lng']}"
        if "sha256" in value:
            return "📷"
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        if all(isinstance(v, dict) and "sha256" in v for v in value) or (item or {}).get("type") == "photo":
            return f"📷 × {len(value)}"
        if item and item.get("choices"):
            labels = {c.get("value"): text_of(c.get("label")) for c in item["choices"]}
            return ", ".join(labels.get(v, str(v)) for v in value)
        return ", ".join(str(v) for v in value)
    if item and item.get("choices"):
        labels = {c.get("value"): text_of(c.get("label")) for c in item["choices"]}
        return labels.get(value, str(value))
    return str(value)


def fails(item: dict, value: Any) -> bool:
    """The checklist format's failure rules, for marking rows (the engine decides the result)."""
    kind = item.get("type")
    if value in (None, "", []):
        return False
    if kind == "check":
        return value == "不符合"
    if kind == "number":
        limit = item.get("limit") or {}
        try:
            number = float(value)
        except (TypeError, ValueError):
            return False
        return ("min" in limit and number < float(limit["min"])) or ("max" in limit and number > float(limit["max"]))
    if kind == "choice":
        bad = set(item.get("fail_values") or [])
        values = value if isinstance(value, list) else [value]
        return bool(bad & set(values))
    return False


def _walk(items: list[dict], answers: dict, prefix: str, depth: int, finding_paths: set[str], rows: list[AnswerRow]):
    for item in items or []:
        item_id = item.get("id", "")
        label = text_of(item.get("label")) or item_id
        if item.get("type") == "repeat":
            blocks = answers.get(item_id) or []
            rows.append(AnswerRow(f"{prefix}{item_id}", label, f"× {len(blocks)}", depth, is_heading=True))
            for i, block in enumerate(blocks, start=1):
                rows.append(AnswerRow(f"{prefix}{item_id}.{i}", f"{label} {i}", "", depth + 1, is_heading=True))
                _walk(item.get("items") or [], block or {}, f"{prefix}{item_id}.{i}.", depth + 2, finding_paths, rows)
            continue
        path = f"{prefix}{item_id}"
        if item_id not in answers and item.get("relevant"):
            continue  # not asked: its condition did not hold
        value = answers.get(item_id)
        rows.append(
            AnswerRow(
                path,
                label,
                display(value, item),
                depth,
                is_finding=fails(item, value) or path in finding_paths,
                unit=str(item.get("unit") or ""),
            )
        )


def _asked(items: list[dict], answers: dict) -> bool:
    """Whether any item of a section has an answer (the engine drops the answers of a hidden section)."""
    return any(item.get("id") in answers for item in items)


def rows_for(answer_set: AnswerSet, findings: list[dict] | None = None) -> tuple[list[AnswerRow], str]:
    """Every answer as a labelled row, and the checklist's title ("" when the definition is missing)."""
    finding_paths = {item_path(str(f.get("item"))) for f in findings or [] if f.get("item")}
    definition = load_definition(answer_set.checklist_id, answer_set.checklist_version, answer_set.definition_sha256)
    rows: list[AnswerRow] = []
    if definition:
        for section in definition.get("sections") or []:
            if section.get("relevant") and not _asked(section.get("items") or [], answer_set.answers):
                continue  # its condition did not hold: the section was hidden, nothing in it asked
            rows.append(AnswerRow(section.get("id", ""), text_of(section.get("title")), "", 0, is_heading=True))
            _walk(section.get("items") or [], answer_set.answers, "", 1, finding_paths, rows)
        known = {r.path for r in rows}
        extra = {
            p: v for p, v in flatten(answer_set.answers).items() if p not in known and p.split(".")[0] not in known
        }
        for path, value in extra.items():  # answers the definition does not name: still shown
            rows.append(AnswerRow(path, path, display(value), 1, is_finding=path in finding_paths))
        return rows, text_of(definition.get("title"))
    for path, value in flatten(answer_set.answers).items():
        rows.append(AnswerRow(path, path, display(value), path.count(".") // 2, is_finding=path in finding_paths))
    return rows, ""


def labels_for(answer_set: AnswerSet) -> dict[str, str]:
    rows, _ = rows_for(answer_set)
    return {r.path: r.label for r in rows}
