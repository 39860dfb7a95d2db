"""Which checklists answer an inspection item (抽查事项), in order:

1. a mapping a supervisor confirmed on the item (``confirmed``);
2. the item's code in the national list (市场监管领域随机抽查事项清单), matched against each
   checklist's ``national_items`` (``code``);
3. a checklist's ``covers`` found in the item's text (both folded as below): the checklist's own
   wording decides (``covers``);
4. otherwise ranked suggestions from normalised text — ``covers`` and ``aliases`` compared with
   traditional characters, full-width forms, punctuation and spaces folded — for a supervisor to
   confirm (``suggested``); failing those, suggestions from the task's name (an item written one a
   row, 定期检验情况, says too little alone); or nothing (``none``).

Until an item is mapped (suggested or none), the general on-site checklist (现场核查,
``GENERAL_ID``) serves it, flagged to the supervisor: an inspector is never left without a form.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TypedDict

from .. import clock
from .catalog import GENERAL_ID, Registry

CONFIRMED, CODE, COVERS, SUGGESTED, NONE = "confirmed", "code", "covers", "suggested", "none"
MAPPED = (CONFIRMED, CODE, COVERS)
MIN_SCORE = 0.6  # share of a wording's character pairs found in the item's text
MAX_SUGGESTIONS = 3
_NOT_WORD = re.compile(r"[\W_]+")
_LEADING_NUMBER = re.compile(r"^(\d+|[一二三四五六七八九十]+)(?=\D)")
_CODE = re.compile(r"[【\[［(（]\s*([A-Za-z]{1,8}[-.]?\d[A-Za-z0-9.\-]*)\s*[】\]］)）]")


@lru_cache(maxsize=4096)
def fold(text: str) -> str:
    """Text for comparison: NFKC (full-width folded), simplified characters, lower case, no
    punctuation or spaces, no leading item number."""
    import zhconv  # imported when used: its dictionary is slow to load for every process start

    text = zhconv.convert(unicodedata.normalize("NFKC", text or ""), "zh-cn").lower()
    return _LEADING_NUMBER.sub("", _NOT_WORD.sub("", text))


def pairs(text: str) -> set[str]:
    return {text[i : i + 2] for i in range(len(text) - 1)} or ({text} if text else set())


# Words every item has ("…情况的检查"): they say nothing about which checklist fits.
GENERIC = (
    "监督检查",
    "行政检查",
    "双随机",
    "抽查",
    "检查",
    "情况",
    "执行",
    "落实",
    "有关",
    "相关",
    "使用",
    "行为",
    "对",
    "的",
    "及",
    "和",
    "等",
)


@lru_cache(maxsize=4096)
def specific(folded: str) -> str:
    for word in GENERIC:
        folded = folded.replace(word, "")
    return folded


def score(wording: str, item_text: str) -> float:
    """1 when the folded wording occurs in the folded item text, else the share of the character
    pairs of its specific words (generic ones like 检查、情况 left out) that occur there."""
    w, t = fold(wording), fold(item_text)
    if not w or not t:
        return 0.0
    if w in t:
        return 1.0
    wanted = pairs(specific(w))
    if len(wanted) < 2:
        return 0.0
    return len(wanted & pairs(specific(t))) / len(wanted)


def national_code_in(text: str) -> str:
    """A national item code the plan wrote into the item (``【A1301】…``), or ""."""
    match = _CODE.search(unicodedata.normalize("NFKC", text or ""))
    return match.group(1).upper() if match else ""


class Suggestion(TypedDict):
    id: str
    score: float


def suggest(reg: Registry, text: str) -> list[Suggestion]:
    """Ranked ``{"id", "score"}`` of the checklists whose wordings come closest to ``text``."""
    ranked: list[Suggestion] = []
    for checklist in reg.all():
        if checklist.id == GENERAL_ID:
            continue
        best = max((score(w, text) for w in [*checklist.covers, *checklist.aliases]), default=0.0)
        if best >= MIN_SCORE:
            ranked.append({"id": checklist.id, "score": round(best, 3)})
    ranked.sort(key=lambda s: (-s["score"], s["id"]))
    return ranked[:MAX_SUGGESTIONS]


def suggest_by_scope(reg: Registry, rule: dict | None) -> list[Suggestion]:
    """The checklists whose ``applies_to`` tags are among the tags or holdings a task's scope rule draws
    (a checklist for any subject is no suggestion), at the lowest score a suggestion has."""
    wanted = {*(rule or {}).get("tags_any", []), *(rule or {}).get("holdings_any", [])}
    found = [c.id for c in reg.all() if c.id != GENERAL_ID and set(c.tags) & wanted]
    return [Suggestion(id=checklist_id, score=MIN_SCORE) for checklist_id in sorted(found)][:MAX_SUGGESTIONS]


@dataclass
class Mapping:
    state: str
    checklist_ids: list[str]
    suggestions: list[Suggestion] = field(default_factory=list)  # best first

    @property
    def mapped(self) -> bool:
        return self.state in MAPPED


def map_text(reg: Registry, text: str, code: str = "") -> Mapping:
    """The mapping of an item's text (and national code) by the checklists alone (steps 2–4)."""
    code = (code or national_code_in(text)).upper()
    if code:
        by_code = [c.id for c in reg.all() if code in {n.upper() for n in c.national_items}]
        if by_code:
            return Mapping(CODE, by_code)
    folded = fold(text)
    covered = [c.id for c in reg.all() if any(fold(cover) and fold(cover) in folded for cover in c.covers)]
    if covered:
        return Mapping(COVERS, covered)
    suggestions = suggest(reg, text)
    return Mapping(SUGGESTED if suggestions else NONE, [], suggestions)


def map_item(reg: Registry, item) -> Mapping:
    """Map one item and store the result on it (a confirmed mapping stays while its checklists exist)."""
    if item.mapping_state == CONFIRMED and all(reg.get(i) for i in item.checklist_ids or []) and item.checklist_ids:
        return Mapping(CONFIRMED, list(item.checklist_ids))
    if not item.national_code:
        item.national_code = national_code_in(item.text)
    mapping = map_text(reg, item.text, item.national_code)
    task_name = getattr(getattr(item, "task", None), "name", "") or ""
    if mapping.state == NONE and task_name and (by_task := suggest(reg, task_name)):
        # An item that says too little alone (作业人员持证上岗情况): its task's name suggests the
        # checklists, for a supervisor to confirm.
        mapping = Mapping(SUGGESTED, [], by_task)
    task = getattr(item, "task", None)
    if mapping.state == NONE and (by_scope := suggest_by_scope(reg, getattr(task, "scope_rule", None))):
        # Neither the item nor the task's name says which checklist (计量器具检定情况 at 加油站): the
        # checklists made for the subjects the task draws are suggested, for a supervisor to confirm.
        mapping = Mapping(SUGGESTED, [], by_scope)
    if item.mapping_state != mapping.state:
        item.mapping_state = mapping.state
    if list(item.checklist_ids or []) != mapping.checklist_ids:
        item.checklist_ids = mapping.checklist_ids
    if list(item.suggestions or []) != mapping.suggestions:
        item.suggestions = mapping.suggestions
    return mapping


def confirm(reg: Registry, item, checklist_ids: list[str], user=None) -> None:
    """A supervisor confirms a suggestion or picks any checklists for the item."""
    unknown = [i for i in checklist_ids if reg.get(i) is None]
    if not checklist_ids or unknown:
        raise ValueError(f"unknown checklists: {unknown}")
    item.checklist_ids = list(dict.fromkeys(checklist_ids))
    item.mapping_state = CONFIRMED
    item.mapping_confirmed_by_id = user.id if user is not None else None
    item.mapping_confirmed_at = clock.now()


def map_items(items) -> None:
    """Map items after a plan import or edit, when the app has its checklist catalog."""
    from flask import current_app

    from .catalog import EXTENSION

    reg = current_app.extensions.get(EXTENSION)
    if reg is None:
        return
    for item in items:
        map_item(reg, item)
