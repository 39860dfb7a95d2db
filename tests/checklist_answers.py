"""Answering whole checklists for the engine's tests: every item answered compliant (or failing), with
the inspection date they are judged on; which items can fail at all."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fieldapp.checklists.items_more import RepeatItem

INSPECTED = date(2021, 6, 15)
PHOTO = "a" * 64  # a media reference (SHA-256 of a photo)


def can_fail(item) -> bool:
    raw = item.raw
    return (
        item.type == "check"
        or (item.type == "number" and "limit" in raw)
        or (item.type == "date" and raw.get("rule"))
        or (item.type == "choice" and raw.get("fail_values"))
    )


def _number(item, failing: bool) -> str:
    step = Decimal(1).scaleb(-(item.decimals or 0))
    low, high = item.limit_min, item.limit_max
    if failing:
        value = high + step if high is not None else low - step
    elif low is not None and high is not None:
        value = (low + high) / 2
    else:
        value = high if high is not None else low if low is not None else Decimal(2020)
    return format(value.quantize(step), "f")


def _value(item, failing: bool):
    kind = item.type
    if kind == "check":
        return "不符合" if failing else "符合"
    if kind == "number":
        return _number(item, failing and item.has_limit)
    if kind == "date":
        rule = item.raw.get("rule")
        good, bad = "2099-12-31", "2000-01-01"
        if rule in ("before_inspection", "on_or_before_inspection"):
            good, bad = bad, good
        return bad if failing and rule else good
    if kind == "choice":
        fail = list(item.raw.get("fail_values") or [])
        ok = [v for v in item.values if v not in fail]
        value = fail[0] if failing and fail else ok[0]
        return [value] if item.multiple else value
    if kind == "photo":
        return [PHOTO] * max(item.min, 1)
    if kind == "signature":
        return PHOTO
    if kind == "location":
        return {"lat": 39.33, "lng": 112.43, "accuracy": 12}
    return "现场情况记录"


def fill(items, failing: bool, blocks: int = 1) -> dict:
    answers = {}
    for item in items:
        if isinstance(item, RepeatItem):
            answers[item.id] = [fill(item.children(), failing, blocks) for _ in range(max(item.min, blocks))]
        else:
            answers[item.id] = _value(item, failing)
    return answers


def answers_for(checklist, failing=False, blocks=1) -> dict:
    return fill([i for s in checklist.sections for i in s.items], failing, blocks)
