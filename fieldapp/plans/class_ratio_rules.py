"""A task's ratios by credit class once stored: kept confirmed on a re-import of the same ratios,
confirmed by a supervisor, dropped when the ratio is set by hand (the reading: ``class_ratios.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .class_ratios import stored_ratios

if TYPE_CHECKING:
    from .models import Task
    from .parsing import ParsedTask


def is_unconfirmed(task) -> bool:
    """The task's draw takes ratios by class that no supervisor has confirmed yet."""
    return bool(task.class_ratios) and not task.class_ratios.get("confirmed")


def keep_confirmed_class_ratios(task: Task, parsed: ParsedTask) -> None:
    """A re-imported file giving the same ratios by class keeps the supervisor's confirmation."""
    stored, read = task.class_ratios, parsed.class_ratios
    if stored and read and stored.get("confirmed") and stored_ratios(stored) == stored_ratios(read):
        parsed.class_ratios = {**read, "confirmed": True}


def confirmed(stored: dict) -> dict:
    return {**stored, "confirmed": True}


def hand_set_ratio(task: Task, values: dict) -> dict:
    """``values`` of an edit; when it sets the ratio or the number by hand on a task drawn by class, the
    ratios by class go with their multipliers (every class at the ratio, by the default weights)."""
    if not task.class_ratios or "class_ratios" in values:
        return values
    ratio_changed = "ratio" in values and values["ratio"] != task.ratio
    count_changed = "fixed_count" in values and values["fixed_count"] != task.fixed_count
    if ratio_changed or count_changed:
        return {**values, "class_ratios": None, "risk_multipliers": None}
    return values
