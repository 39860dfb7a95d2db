"""What visits do when a draw tells them something (``fieldapp.events``); connected by ``create_app``."""

from __future__ import annotations

from .. import events
from . import operations


def _draw_made(draw, selections=None, **_) -> None:
    operations.add_draw_to_visits(draw, selections)


def _draw_superseded(draw, **_) -> None:
    operations.remove_draw_from_visits(draw)


def _inspector_replaced(draw, old, new, **_) -> None:
    operations.apply_replacement(draw, old, new)


def _fieldwork_started(draw, **_) -> bool:
    return operations.draw_has_started_visits(draw)


def _fieldwork_approved(draw, **_) -> bool:
    return operations.draw_visits_all_approved(draw)


def _fieldwork_records(draw, **_) -> list:
    return operations.draw_visit_records(draw)


def subscribe() -> None:
    """Connect the receivers (strongly held; connecting again changes nothing)."""
    events.draw_made.connect(_draw_made, weak=False)
    events.draw_superseded.connect(_draw_superseded, weak=False)
    events.inspector_replaced.connect(_inspector_replaced, weak=False)
    events.draw_fieldwork_started.connect(_fieldwork_started, weak=False)
    events.draw_fieldwork_approved.connect(_fieldwork_approved, weak=False)
    events.draw_fieldwork_records.connect(_fieldwork_records, weak=False)
