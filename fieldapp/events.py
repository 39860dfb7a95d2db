"""In-process events between feature packages: how a lower package tells (or asks) a higher one
without importing it. The draw is made in ``draws``; the visits it leads to are built by ``visits``,
which subscribes in its ``subscribers.py`` (connected by ``create_app``). ``draws`` only sends.

Receivers run synchronously in the sender's transaction: like any operation they change state and
flush, and the sender's caller commits once (or rolls everything back together).

Two kinds of signal:

- **announcements** (``draw_made``, ``draw_superseded``, ``inspector_replaced``, ``calendar_changed``): ``send`` and go on;
- **questions** (``draw_fieldwork_started``, ``draw_fieldwork_approved``, ``draw_fieldwork_records``):
  :func:`ask` collects the receivers' answers (a package that does not answer adds nothing).

Package order (lower first) is declared in ``tests/test_layers.py``, which fails on an import upwards.
"""

from __future__ import annotations

from typing import Any

from blinker import Namespace, Signal

_signals = Namespace()

# Announcements (sender: the draw).
draw_made: Signal = _signals.signal(
    "draw-made",
    doc="A draw was stored; ``selections``: each selection's (id, subject id, division code, team).",
)
draw_superseded: Signal = _signals.signal("draw-superseded", doc="A redraw replaced this draw.")
inspector_replaced: Signal = _signals.signal(
    "inspector-replaced", doc="In this draw, the assignment ``old`` was ended and ``new`` put in its place."
)

# Announcement (sender: the calendar's operations).
calendar_changed: Signal = _signals.signal(
    "calendar-changed",
    doc="The administrator's table of holidays and make-up days changed on ``day``: due dates counted "
    "across it on the provisional calendar are counted again.",
)

# Questions (sender: the draw; each receiver answers True or False).
draw_fieldwork_started: Signal = _signals.signal(
    "draw-fieldwork-started", doc="Has work in the field started on any of this draw's subjects?"
)
draw_fieldwork_approved: Signal = _signals.signal(
    "draw-fieldwork-approved", doc="Does every subject of this draw have an approved result (and is there one)?"
)
draw_fieldwork_records: Signal = _signals.signal(
    "draw-fieldwork-records",
    doc="The records made from this draw (its verification checks them): a list of "
    "``(kind, id, subject id, inspector ids or None)``, kind ``visit`` or ``result``.",
)


def ask(signal: Signal, sender: Any, **kwargs: Any) -> list[Any]:
    """The answers of ``signal``'s receivers to ``sender``, in no particular order."""
    return [answer for _, answer in signal.send(sender, **kwargs) if answer is not None]
