"""The official result categories (抽查检查结果) and follow-up measures (后续处置措施), the result a
set of findings suggests, and the rule that the inspector may choose another only with a reason."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from flask_babel import lazy_gettext as _l

from ..errors import InvalidInput
from .text import LocalText

ROOT = Path(__file__).resolve().parent.parent.parent
DEFAULT_FILE = ROOT / "data" / "result_categories.yaml"
NO_PROBLEM = "1"
ORDERED_CORRECTED = "E"
PENDING = "A"
# 未发现开展本次抽查涉及的经营活动: the task found no business of the kind it checks; its checklists
# are not answered and nothing is suggested from them.
NO_ACTIVITY = "F"
OBSTRUCTED = "8"  # 不配合检查情节严重: a problem of its own, outside 发现问题待后续处理
NO_FOLLOW_UP = "none"  # the follow-up measure 未发现问题或相关问题已规范、已改正，无需后续处置
MIN_REASON_LENGTH = 4


@dataclass(frozen=True)
class Category:
    code: str
    label: LocalText
    suggest: int | None  # rank when suggested from findings; None: chosen by the inspector only
    parent: str | None


@dataclass(frozen=True)
class Measure:
    code: str
    label: LocalText
    follow_ups: tuple[str, ...]


@dataclass(frozen=True)
class ResultTable:
    categories: dict[str, Category]
    measures: dict[str, Measure]

    def label(self, code: str, locale: Any = None) -> str:
        category = self.categories.get(code)
        return category.label.get(locale) if category else code

    def text(self, codes: str | None) -> LocalText:
        """The labels of comma-joined result codes, joined; an unknown code stands for itself."""
        labels = [self.categories[c].label if c in self.categories else LocalText(c, c) for c in split_codes(codes)]
        return LocalText("；".join(t.zh for t in labels), "; ".join(t.en for t in labels))

    def within(self, code: str) -> list[str]:
        """``code`` and every finer category under it at any depth (发现问题待后续处理 holds 无法联系),
        in table order: what a record of result ``code`` may be stored as."""
        kept = {code}
        for category in self.categories.values():  # a parent comes before its children
            if category.parent in kept:
                kept.add(category.code)
        return [c for c in self.categories if c in kept] or [code]

    def depth(self, code: str) -> int:
        """How many categories ``code`` lies under (0 for a top-level one), for indented lists."""
        parent = self.categories[code].parent if code in self.categories else None
        return self.depth(parent) + 1 if parent is not None else 0

    def calls_for_follow_up(self, codes: str | None) -> bool | None:
        """What the result itself says about a follow-up case: True when a code lies within
        发现问题待后续处理, False for 未发现问题 alone, None when the findings and measures decide."""
        chosen = split_codes(codes)
        if chosen == [NO_PROBLEM]:
            return False
        return True if set(chosen) & set(self.within(PENDING)) else None

    def records_problem(self, codes: str | None) -> bool:
        """Whether the result says a problem is still to be dealt with: a code within 发现问题待后续处理,
        or 不配合检查情节严重 (发现问题已责令改正 is a problem already dealt with)."""
        return bool(set(split_codes(codes)) & {*self.within(PENDING), OBSTRUCTED})

    def measure(self, value: Any) -> Measure | None:
        """The follow-up measure ``value`` names, by its code (``order``) or its label as stored."""
        value = str(value or "").strip()
        return self.measures.get(value) or next((m for m in self.measures.values() if m.label.zh == value), None)

    def measures_for(self, follow_up: str) -> list[Measure]:
        """The follow-up measures a checklist follow-up (责令改正, 移送 …) calls for, in table order."""
        return [m for m in self.measures.values() if follow_up in m.follow_ups]


def _text(raw: Any, where: str) -> LocalText:
    if not isinstance(raw, dict) or not raw.get("zh") or not raw.get("en"):
        raise ValueError(f"{where}: label must be {{zh, en}}")
    return LocalText(str(raw["zh"]), str(raw["en"]))


def _read_categories(entries: Any, parent: str | None, out: dict[str, Category]) -> None:
    for entry in entries or []:
        code = str(entry["code"])
        if code in out:
            raise ValueError(f"result code {code!r} appears twice")
        suggest = entry.get("suggest")
        out[code] = Category(
            code, _text(entry.get("label"), f"result {code}"), int(suggest) if suggest is not None else None, parent
        )
        _read_categories(entry.get("children"), code, out)


@lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int) -> ResultTable:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    categories: dict[str, Category] = {}
    _read_categories(data.get("results"), None, categories)
    measures = {}
    for entry in data.get("follow_up_measures") or []:
        code = str(entry["code"])
        measures[code] = Measure(
            code, _text(entry.get("label"), f"measure {code}"), tuple(entry.get("follow_ups") or ())
        )
    for needed in (NO_PROBLEM, ORDERED_CORRECTED, PENDING, NO_ACTIVITY):
        if needed not in categories:
            raise ValueError(f"{path}: result code {needed!r} is missing")
    return ResultTable(categories, measures)


def result_table(path: str | Path | None = None) -> ResultTable:
    """The code table (from the app's ``RESULT_CATEGORIES_FILE``, default ``data/result_categories.yaml``)."""
    if path is None:
        try:
            from flask import current_app

            path = current_app.config.get("RESULT_CATEGORIES_FILE")
        except RuntimeError:
            path = None
    path = Path(path or DEFAULT_FILE)
    return _load(str(path), path.stat().st_mtime_ns)


def suggest_result(findings: list, table: ResultTable | None = None) -> str:
    """未发现问题 without findings; otherwise the highest-ranked of what the findings suggest: a
    finding's own ``result`` code, else 发现问题已责令改正 for 责令改正 and 发现问题待后续处理 for the rest."""
    if not findings:
        return NO_PROBLEM
    table = table or result_table()
    best, best_rank = PENDING, -1
    for finding in findings:
        code = finding.result or (ORDERED_CORRECTED if finding.follow_up == "责令改正" else PENDING)
        category = table.categories.get(code)
        rank = category.suggest if category and category.suggest is not None else 0
        if rank > best_rank:
            best, best_rank = code, rank
    return best


def suggest_measures(findings: list, table: ResultTable | None = None) -> list[str]:
    """Codes of the follow-up measures the findings call for (``none`` without findings)."""
    table = table or result_table()
    if not findings:
        return ["none"] if "none" in table.measures else []
    wanted = {f.follow_up for f in findings}
    return [m.code for m in table.measures.values() if wanted & set(m.follow_ups)]


def measures_problem(codes: str | None, measures: list | None, table: ResultTable | None = None):
    """None when the follow-up measures (codes or labels) agree with the result, else the message
    saying why not — what is published is the pair, and a citizen reads 不配合检查情节严重 beside
    "未发现问题…无需后续处置", or 未发现问题 beside 已移送办案机构, as the record contradicting itself:
    未发现问题 goes with no measure that acts on a problem (one a checklist follow-up calls for), and
    a result that records a problem still to be dealt with (:meth:`ResultTable.records_problem`) not
    with "no follow-up needed" alone."""
    table = table or result_table()
    found = [m for m in (table.measure(v) for v in measures or []) if m is not None]
    if split_codes(codes) == [NO_PROBLEM]:
        acting = [m for m in found if m.follow_ups]
        if acting:
            return _l(
                "“No problem found” cannot go with the follow-up measure “%(measure)s”.",
                measure=acting[0].label.get(),
            )
    elif table.records_problem(codes) and found and all(m.code == NO_FOLLOW_UP for m in found):
        return _l("This result records a problem: choose its follow-up measures, not “no follow-up needed”.")
    return None


def fitting_measures(codes: str | None, measures: list | None, table: ResultTable | None = None, labels=False) -> list:
    """``measures`` as a result chosen without choosing them takes them (the suggested ones, or those
    kept from before a correction): less any that contradict it (:func:`measures_problem`) — 未发现问题
    keeps no measure acting on a problem and, left with none, takes "no follow-up needed" (its label
    when ``labels``); a problem still to be dealt with loses "no follow-up needed" and claims none."""
    table = table or result_table()
    measures = list(measures or [])
    if measures_problem(codes, measures, table) is None:
        return measures
    if split_codes(codes) == [NO_PROBLEM]:
        kept = [v for v in measures if not getattr(table.measure(v), "follow_ups", ())]
        none = table.measures.get(NO_FOLLOW_UP)
        return kept or ([none.label.zh if labels else none.code] if none else [])
    return [v for v in measures if getattr(table.measure(v), "code", None) != NO_FOLLOW_UP]


def split_codes(code: str | None) -> list[str]:
    return [c.strip() for c in str(code or "").split(",") if c.strip()]


class ResultChoiceInvalid(InvalidInput):
    def __init__(self, message):
        from .text import message_text

        super().__init__(message_text(message))
        self.message = message


def check_result_choice(suggested: str, chosen: str, reason: str | None, table: ResultTable | None = None):
    """None when ``chosen`` may be recorded, else the message saying why not: every code must be in
    the table, and a result other than the suggested one needs a written reason."""
    table = table or result_table()
    codes = split_codes(chosen)
    if not codes:
        return _l("Choose a result.")
    unknown = [c for c in codes if c not in table.categories]
    if unknown:
        return _l("Unknown result code: %(codes)s.", codes=", ".join(unknown))
    if NO_PROBLEM in codes and len(codes) > 1:
        return _l("“No problem found” cannot be combined with another result.")
    if set(codes) != set(split_codes(suggested)):
        text = "".join((reason or "").split())
        if len(text) < MIN_REASON_LENGTH or not any(ch.isalnum() for ch in text):
            return _l(
                "You chose a result other than the suggested one: write the reason (at least %(n)s characters).",
                n=MIN_REASON_LENGTH,
            )
    return None


def choose_result(suggested: str, chosen: str, reason: str | None = None) -> dict:
    """The result record to keep: {suggested, result, overridden, reason}; raises ResultChoiceInvalid."""
    problem = check_result_choice(suggested, chosen, reason)
    if problem is not None:
        raise ResultChoiceInvalid(problem)
    codes = ",".join(split_codes(chosen))
    overridden = set(split_codes(chosen)) != set(split_codes(suggested))
    return {
        "suggested": suggested,
        "result": codes,
        "overridden": overridden,
        "reason": (reason or "").strip() if overridden else "",
    }
