"""An evaluated answer set as labelled rows: the one read-only rendering of answers.

The review page, the record PDF and the engine's ``render_answers`` macro all show answers from
these rows. They follow the checklist the answers were given on: a section whose ``relevant`` did
not hold and an item hidden by its own condition are left out, repeats become a heading per block,
and each row carries the engine's outcome (合格 / 问题 / 不适用).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .definition import Checklist
from .evaluation import Evaluation, path_key
from .items import FAIL, NA_ANSWER, Item
from .items_more import ChoiceItem

CHECK_LABELS = {"符合": _l("Compliant"), "不符合": _l("Not compliant"), NA_ANSWER: _l("Not applicable")}


@dataclass
class AnswerRow:
    path: str  # item id, or item.N.sub inside repeat block N (1-based, as the page numbers blocks)
    label: str
    value: str
    depth: int = 0
    is_heading: bool = False
    is_finding: bool = False
    unit: str = ""
    outcome: str | None = None  # 合格 / 问题 / 不适用, from the checklist engine


def check_label(value: str) -> str:
    return str(CHECK_LABELS.get(value, value))


def answer_text(item: Item | None, value: Any, locale: Any = None) -> str:
    """An answer as text for read-only display; an answer without its item (one the definition it
    was given on does not name, or that definition is missing) by the shape of its value."""
    if value is None or value == "" or value == []:
        return "—"
    if item is None:
        return _untyped_text(value)
    if item.type == "check" or item.is_na(value):
        return check_label(value if item.type == "check" else NA_ANSWER)
    if isinstance(item, ChoiceItem):
        values = value if isinstance(value, list) else [value]
        labels = [item.choice_label(v) for v in values]
        return "、".join(str(label.get(locale)) if hasattr(label, "get") else str(label) for label in labels)
    if item.type == "photo":
        return _("%(n)s photos", n=len(value)) if isinstance(value, list) else "—"
    if item.type == "signature":
        return _("Signed")
    if item.type == "location" and isinstance(value, dict):
        return f"{value.get('lat')}, {value.get('lng')}"
    return str(value)


def is_media(value: Any) -> bool:
    """A stored photo or signature: a reference to a media file by its hash."""
    return isinstance(value, dict) and "sha256" in value


def _untyped_text(value: Any) -> str:
    if isinstance(value, bool):
        return "✓" if value else "✗"
    if isinstance(value, dict):
        if "lat" in value and "lng" in value:
            return f"{value['lat']}, {value['lng']}"
        if is_media(value):
            return "📷"
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        if all(is_media(v) for v in value):
            return f"📷 × {len(value)}"
        return ", ".join(str(v) for v in value)
    return str(value)


def _path(key_path: tuple) -> str:
    return ".".join(str(p + 1) if isinstance(p, int) else p for p in key_path)


def _rows(items: list[Item], block: Any, key_path: tuple, depth: int, ev: Evaluation, loc: Any, out: list) -> None:
    for item in items:
        here = key_path + (item.id,)
        if path_key(here) in ev.hidden:
            continue
        value = block.get(item.id) if isinstance(block, dict) else None
        label = item.label.get(loc) if item.label else str(item.id)
        if item.type == "repeat":
            blocks = value if isinstance(value, list) else []
            out.append(AnswerRow(_path(here), label, f"× {len(blocks)}", depth, is_heading=True))
            for index, sub in enumerate(blocks):
                out.append(AnswerRow(_path(here + (index,)), f"{label} {index + 1}", "", depth + 1, is_heading=True))
                _rows(item.children(), sub, here + (index,), depth + 2, ev, loc, out)
            continue
        outcome = ev.outcome(path_key(here))
        unit = str(getattr(item, "unit", None) or "") if not item.is_na(value) else ""
        text = answer_text(item, value, loc)
        out.append(AnswerRow(_path(here), label, text, depth, is_finding=outcome == FAIL, unit=unit, outcome=outcome))


def answer_rows(checklist: Checklist, evaluation: Evaluation, locale: Any = None) -> list[AnswerRow]:
    """Every shown section as a heading row followed by its answers (``evaluation.answers``)."""
    out: list[AnswerRow] = []
    for section in checklist.sections:
        if section.id in evaluation.hidden_sections:
            continue
        out.append(AnswerRow(section.id, section.title.get(locale), "", 0, is_heading=True))
        _rows(section.items, evaluation.answers, (), 1, evaluation, locale, out)
    return out
