"""Server-rendered SVG charts: geometry computed here, drawn by ``templates/dashboards/_charts.html``.

No script and no inline styles: shapes carry classes and presentation attributes only, so the
charts print and pass the Content-Security-Policy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ..plans.display import task_number_label

LABEL_W = 96
BAR_H = 22
GAP = 8
PAD_TOP = 24
VALUE_W = 84


@dataclass
class Bar:
    label: str
    value_text: str
    x: float
    y: float
    width: float
    css: str


@dataclass
class BarChart:
    """Horizontal bars, 0 … ``max_value``, with an optional target line (the 3% floor, 100%)."""

    title: str
    width: int
    height: int
    plot_x: float
    plot_w: float
    bars: list[Bar] = field(default_factory=list)
    target_x: float | None = None
    target_text: str = ""
    bar_h: int = BAR_H


def bar_chart(
    title: str,
    rows: list[tuple[str, float, str]],
    *,
    max_value: float,
    target: float | None = None,
    target_text: str = "",
    width: int = 640,
    good_when_at_least: float | None = None,
) -> BarChart:
    """``rows``: (label, value, value text). Bars below ``good_when_at_least`` are marked bad."""
    plot_x = LABEL_W
    plot_w = width - LABEL_W - VALUE_W
    height = PAD_TOP + len(rows) * (BAR_H + GAP) + GAP
    scale = plot_w / max_value if max_value > 0 else 0
    bars = []
    for i, (label, value, text) in enumerate(rows):
        css = "chart__bar"
        if good_when_at_least is not None:
            css += " chart__bar--ok" if value >= good_when_at_least else " chart__bar--bad"
        bars.append(Bar(label, text, plot_x, PAD_TOP + i * (BAR_H + GAP), max(min(value, max_value) * scale, 0), css))
    target_x = plot_x + target * scale if target is not None else None
    return BarChart(title, width, height, plot_x, plot_w, bars, target_x, target_text)


@dataclass
class TaskRow:
    label: str
    y: float
    window_x: float | None
    window_w: float
    done_w: float
    value_text: str
    css: str


@dataclass
class Timeline:
    """Tasks against the year: each task's window, its progress, today and the plan deadline."""

    title: str
    width: int
    height: int
    plot_x: float
    plot_w: float
    months: list[tuple[float, str]]
    rows: list[TaskRow]
    today_x: float | None
    deadline_x: float
    deadline_text: str


def timeline(
    title: str, year: int, tasks: list, today: date, deadline: date, deadline_text: str, width: int = 640
) -> Timeline:
    plot_x, plot_w = LABEL_W, width - LABEL_W - VALUE_W
    start = date(year, 1, 1)
    days = (date(year, 12, 31) - start).days + 1

    def x(d: date) -> float:
        return plot_x + plot_w * min(max((d - start).days, 0), days) / days

    rows = []
    for i, p in enumerate(tasks):
        y = PAD_TOP + i * (BAR_H + GAP)
        if p.window:
            wx, ww = x(p.window[0]), x(p.window[1]) - x(p.window[0]) + plot_w / days
        else:
            wx, ww = plot_x, plot_w
        css = (
            "chart__bar--bad"
            if p.behind_window or p.deadline_clock.status.value == "overdue"
            else ("chart__bar--ok" if p.visits and p.approved == p.visits else "chart__bar")
        )
        rows.append(TaskRow(task_number_label(p.task), y, wx, ww, ww * p.ratio, f"{p.approved}/{p.visits}", css))
    months = [(x(date(year, m, 1)), str(m)) for m in range(1, 13)]
    today_x = x(today) if today.year == year else None
    height = PAD_TOP + len(rows) * (BAR_H + GAP) + GAP
    return Timeline(title, width, height, plot_x, plot_w, months, rows, today_x, x(deadline), deadline_text)
