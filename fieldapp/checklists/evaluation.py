"""From an answer set to outcomes, validation errors, findings and a suggested result.

Answers: ``{item_id: value, repeat_id: [{item_id: value, nested_repeat_id: [...]}, ...]}``.
Keys of outcomes and errors name an answer by its path joined with '-': ``dispenser-0-nozzle-1-error_pct``
(the same string as the form field name, without the prefix).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from collections.abc import Iterator
from collections.abc import Set as AbstractSet

from flask_babel import lazy_gettext as _l

from .condition_eval import Scope
from .definition import Checklist
from .items import FAIL, NA, PASS, Item
from .items_measured import NumberItem
from .items_more import RepeatItem
from .text import LocalText, message_text

Path = tuple  # ("dispenser", 0, "nozzle", 1, "error_pct")


def path_key(path: Path) -> str:
    return "-".join(str(p) for p in path)


@dataclass
class AnswerError:
    key: str
    code: str  # required, type, constraint, count
    message: Any  # LocalText (from the checklist file) or a lazy gettext string

    def text(self, locale: Any = None) -> str:
        return message_text(self.message, locale)

    def __str__(self) -> str:
        return self.text()

    def to_json(self) -> dict:
        return {"code": self.code, "zh": self.text("zh"), "en": self.text("en")}

    def __repr__(self) -> str:
        return f"AnswerError({self.key!r}, {self.code!r}, {self.text('en')!r})"


@dataclass
class ItemResult:
    key: str
    path: Path
    item: Item
    value: Any
    outcome: str | None
    errors: list[AnswerError] = field(default_factory=list)


@dataclass
class Finding:
    key: str
    path: Path
    item_id: str
    label: LocalText
    where: LocalText  # "加油机 2 › 油枪 1 › 示值误差"
    severity: str
    follow_up: str
    text: LocalText
    value: Any
    result: str | None
    listing: bool = False  # proposes listing in the 经营异常名录

    def to_json(self) -> dict:
        out = {
            "item": self.key,
            "item_id": self.item_id,
            "label": self.where.as_dict(),
            "severity": self.severity,
            "follow_up": self.follow_up,
            "text": self.text.as_dict(),
            "value": self.value,
            "result": self.result,
        }
        if self.listing:
            out["listing"] = True
        return out


@dataclass
class Evaluation:
    checklist: Checklist
    inspection_date: date | None
    answers: dict  # cleaned: hidden items dropped, unknown ids dropped, values canonical
    results: dict[str, ItemResult]
    hidden: set[str]
    errors: dict[str, list[AnswerError]]
    findings: list[Finding]
    progress: dict[str, dict]  # section id -> {answered, required}
    suggested_result: str = "1"
    suggested_measures: list[str] = field(default_factory=list)
    hidden_sections: set[str] = field(default_factory=set)  # ids of sections whose `relevant` is false

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def outcome(self, key: str) -> str | None:
        result = self.results.get(key)
        return result.outcome if result else None

    def to_json(self) -> dict:
        return {
            "checklist": self.checklist.id,
            "version": self.checklist.version,
            "definition_sha256": self.checklist.sha256,
            "outcomes": {k: r.outcome for k, r in self.results.items() if r.outcome},
            "errors": {k: [e.to_json() for e in errs] for k, errs in self.errors.items()},
            "findings": [f.to_json() for f in self.findings],
            "suggested_result": self.suggested_result,
            "suggested_measures": list(self.suggested_measures),
        }


# --- walking answers along the definition ------------------------------------------------------------


def _blocks(value: Any) -> list[dict]:
    return [b for b in value if isinstance(b, dict)] if isinstance(value, list) else []


def _coerce_all(items: list[Item], block: dict, prefix: Path, valid: dict, shown: dict, type_errors: dict) -> None:
    """Fill ``valid`` (answers conditions may use) and ``shown`` (what the user gave, as canonical as
    possible) for one block; collect type errors by key."""
    for item in items:
        if item.id not in block:
            continue
        raw = block[item.id]
        path = prefix + (item.id,)
        if isinstance(item, RepeatItem):
            blocks = _blocks(raw)
            if raw is not None and not isinstance(raw, list):
                type_errors[path_key(path)] = _l("This group could not be read.")
            valid[item.id], shown[item.id] = [], []
            for index, sub in enumerate(blocks):
                v: dict[str, Any] = {}
                s: dict[str, Any] = {}
                _coerce_all(item.children(), sub, path + (index,), v, s, type_errors)
                valid[item.id].append(v)
                shown[item.id].append(s)
            continue
        if item.is_empty(raw):
            continue
        value, error = item.coerce(raw)
        shown[item.id] = value
        if error is None:
            valid[item.id] = value
        else:
            type_errors[path_key(path)] = error


def hidden_sections(checklist: Checklist, current_top: dict) -> set[str]:
    """Ids of the sections whose ``relevant`` does not hold on ``current_top``."""
    return {s.id for s in checklist.sections if s.relevant is not None and not s.relevant.evaluate(current_top, ())}


def _top_items(checklist: Checklist, current_top: dict) -> tuple[list[Item], set[str]]:
    """(top-level items of the shown sections, top-level items of the hidden ones)."""
    gone = hidden_sections(checklist, current_top)
    shown = [i for s in checklist.sections if s.id not in gone for i in s.items]
    return shown, {i.id for s in checklist.sections if s.id in gone for i in s.items}


def _prune(
    items: list[Item],
    full: dict,
    current_top: dict,
    block_path: Path,
    hidden: set[str],
    hidden_top: AbstractSet[str] = frozenset(),
) -> dict:
    """``full`` without the items hidden when relevance is judged on ``current_top`` (``hidden_top``:
    top-level items hidden with their section)."""
    out: dict = {}
    for item in items:
        path = block_path + (item.id,)
        visible = item.id not in hidden_top if not block_path else True
        visible = visible and (item.relevant is None or item.relevant.evaluate(current_top, block_path))
        if not visible:
            hidden.add(path_key(path))
            continue
        if item.id not in full:
            continue
        if isinstance(item, RepeatItem):
            out[item.id] = [
                _prune(item.children(), block, current_top, path + (index,), hidden)
                for index, block in enumerate(full[item.id])
            ]
        else:
            out[item.id] = full[item.id]
    return out


def relevance(checklist: Checklist, valid: dict) -> tuple[dict, set[str]]:
    """(answers with hidden items dropped, keys of hidden items), settled to a fixed point: an item
    hidden because another hidden item had a stale answer is judged again without it."""
    items = [i for s in checklist.sections for i in s.items]
    current = valid
    for _ in range(len(checklist.by_id) + len(checklist.sections) + 2):
        hidden: set[str] = set()
        pruned = _prune(items, valid, current, (), hidden, _top_items(checklist, current)[1])
        if pruned == current:
            return pruned, hidden
        current = pruned
    return current, hidden  # pragma: no cover (acyclic relevance always settles)


def _walk_visible(
    items: list[Item], block: dict, block_path: Path, hidden: set[str]
) -> Iterator[tuple[Item, Path, Path]]:
    for item in items:
        path = block_path + (item.id,)
        if path_key(path) in hidden:
            continue
        yield item, path, block_path
        if isinstance(item, RepeatItem):
            for index in range(len(block.get(item.id) or [])):
                yield from _walk_visible(item.children(), block[item.id][index], path + (index,), hidden)


def _get(answers: dict, path: Path) -> Any:
    current: Any = answers
    for step in path:
        if isinstance(step, int):
            current = current[step] if isinstance(current, list) and step < len(current) else None
        else:
            current = current.get(step) if isinstance(current, dict) else None
        if current is None:
            return None
    return current


def _where(checklist: Checklist, path: Path) -> LocalText:
    zh, en = [], []
    for i in range(0, len(path) - 1, 2):
        repeat = checklist.by_id[path[i]]
        zh.append(f"{repeat.label.zh} {path[i + 1] + 1}")
        en.append(f"{repeat.label.en} {path[i + 1] + 1}")
    item = checklist.by_id[path[-1]]
    zh.append(item.label.zh)
    en.append(item.label.en)
    return LocalText(" › ".join(zh), " › ".join(en))


def evaluate(checklist: Checklist, answers: dict | None, inspection_date: date | None) -> Evaluation:
    """Outcomes, errors, findings and the suggested result of ``answers`` (not modified)."""
    from .results import suggest_measures, suggest_result

    answers = answers if isinstance(answers, dict) else {}
    top_items = [i for s in checklist.sections for i in s.items]
    valid: dict = {}
    shown: dict = {}
    type_errors: dict[str, Any] = {}
    _coerce_all(top_items, answers, (), valid, shown, type_errors)
    visible_valid, hidden = relevance(checklist, valid)

    results: dict[str, ItemResult] = {}
    errors: dict[str, list[AnswerError]] = {}
    findings: list[Finding] = []
    gone_sections = hidden_sections(checklist, visible_valid)
    cleaned = _prune(top_items, shown, visible_valid, (), set(), _top_items(checklist, visible_valid)[1])
    for item, path, block_path in _walk_visible(top_items, cleaned, (), hidden):
        key = path_key(path)
        value = _get(cleaned, path)
        result = ItemResult(key, path, item, value, None)
        results[key] = result
        if key in type_errors:
            result.errors.append(AnswerError(key, "type", type_errors[key]))
        else:
            _judge(result, visible_valid, block_path, inspection_date)
        if result.errors:
            errors[key] = result.errors
        if result.outcome == FAIL:
            findings.append(_finding(checklist, result))

    # A repeat's outcome comes from its blocks' items.
    for key, result in results.items():
        if isinstance(result.item, RepeatItem):
            inner = [r.outcome for k, r in results.items() if k.startswith(key + "-") and r.outcome]
            result.outcome = FAIL if FAIL in inner else PASS if PASS in inner else NA if inner else None

    progress = _progress(checklist, results)
    evaluation = Evaluation(
        checklist, inspection_date, cleaned, results, hidden, errors, findings, progress, hidden_sections=gone_sections
    )
    evaluation.suggested_result = suggest_result(findings)
    evaluation.suggested_measures = suggest_measures(findings)
    return evaluation


def _judge(result: ItemResult, answers: dict, block_path: tuple, inspection_date: date | None) -> None:
    """One visible item's answer (of the right type): its errors, or its outcome."""
    item, key, value = result.item, result.key, result.value
    if item.is_empty(value):
        if item.required or (isinstance(item, RepeatItem) and item.min):
            message = item.too_few(item.min) if isinstance(item, RepeatItem) else _l("This item is required.")
            result.errors.append(AnswerError(key, "required", message))
        return
    problem = item.check(value, inspection_date)
    if problem is not None:
        result.errors.append(AnswerError(key, "count", problem))
    elif item.constraint is not None and not item.constraint.evaluate(answers, block_path, value):
        message = item.constraint_message or _l("This answer is not allowed here.")
        result.errors.append(AnswerError(key, "constraint", message))
    elif isinstance(item, NumberItem) and item.limit_refs:  # a limit from other answers (± the MPE entered)
        result.outcome = item.outcome(value, inspection_date, Scope(answers, block_path).lookup)
    else:
        result.outcome = item.outcome(value, inspection_date)


def _finding(checklist: Checklist, result: ItemResult) -> Finding:
    """The finding a failed item makes, by its rule."""
    item, rule = result.item, result.item.finding_rule()
    return Finding(
        result.key,
        result.path,
        item.id,
        item.label,
        _where(checklist, result.path),
        rule.severity,
        rule.follow_up,
        rule.text,
        result.value,
        rule.result,
        rule.listing,
    )


def _progress(checklist: Checklist, results: dict[str, ItemResult]) -> dict[str, dict]:
    by_top: dict[str, str] = {i.id: s.id for s in checklist.sections for i in s.items}
    progress = {s.id: {"answered": 0, "required": 0, "questions": 0} for s in checklist.sections}
    for result in results.values():
        if isinstance(result.item, RepeatItem):
            continue
        section = progress[by_top[result.path[0]]]
        section["questions"] += 1
        answered = not result.item.is_empty(result.value) and not result.errors
        if result.item.required:
            section["required"] += 1
            if answered:
                section["answered"] += 1
    return progress
