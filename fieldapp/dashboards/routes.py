"""Dashboards at any level (province, city, county): coverage, publication, task progress, legal
clocks and follow-up cases, with one row per area below that leads to that area's dashboard."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from htmx_flask import request  # flask's request, typed with its htmx headers
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth import access
from ..auth.access import require_unit, role_required
from ..auth.models import Role, Unit
from ..auth.territory import bureau_of, county_names, subtree_ids, unit_for_division
from ..calendar.workdays import plan_deadline
from ..clock import today as beijing_today
from ..extensions import db
from . import charts, levels, queries

bp = Blueprint("dashboards", __name__, url_prefix="/dashboard")


def _focus() -> Unit:
    """The area the page shows: ``unit`` (a code) or ``division`` (a county's division code), else
    the user's own bureau. An area outside the user's subtree, or a department, is a 404."""
    code = request.args.get("unit") or None
    division = access.division_param()  # ``division`` (older links: ``county``)
    if code is not None:
        unit = db.session.scalar(select(Unit).where(Unit.code == code))  # NUL: a 400 before any view
    elif division is not None:
        unit = unit_for_division(division) if division in county_names() else None
    else:
        return bureau_of(current_user.unit)
    if unit is None or not levels.is_area_unit(unit):
        abort(404)
    require_unit(unit)
    return unit


def _year() -> int:
    year = request.args.get("year", type=int)
    if year is not None and not 2000 <= year <= 2100:
        abort(404)
    return year or queries.default_year(beijing_today())


@bp.get("/")
@role_required(Role.SUPERVISOR)
def index():
    focus, year, today = _focus(), _year(), beijing_today()
    found = levels.figures(focus, year, today)
    progress = queries.task_progress(year, found.scope, today, access.plan_issuer_ids(focus))
    overdue = queries.overdue_publications(year, found.scope, today)
    rows = found.rows or [found.total]
    deadline = plan_deadline(year)
    template = "dashboards/_dashboard.html" if request.htmx and request.htmx.target == "dashboard" else None
    return render_template(
        template or "dashboards/index.html",
        focus=focus,
        area_name=found.total.name,
        year=year,
        today=today,
        trail=levels.trail(focus, bureau_of(current_user.unit)),
        choices=levels.choosable(bureau_of(current_user.unit)),
        total=found.total,
        rows=found.rows,
        coverage_chart=_coverage_chart(rows),
        publication_chart=_publication_chart(rows),
        timeline=charts.timeline(
            _("Tasks against their windows"), year, progress, today, deadline, deadline.strftime("%m-%d")
        ),
        progress=progress,
        deadline=deadline,
        overdue=overdue,
        cases=queries.follow_up_cases(subtree_ids(focus.id), today),
        any_fallback=any(o.clock.used_fallback for o in overdue)
        or any(p.deadline_clock.used_fallback for p in progress)
        or queries.provisional_due_dates(year, found.scope),
        floor=queries.COVERAGE_FLOOR,
    )


def _coverage_chart(rows: list[levels.Area]) -> charts.BarChart:
    floor = f"{queries.COVERAGE_FLOOR:.0%}"
    return charts.bar_chart(
        _("Enterprises inspected"),
        [(a.name, a.coverage.ratio, f"{a.coverage.ratio:.1%} ({a.coverage.done}/{a.coverage.total})") for a in rows],
        max_value=max([0.06] + [a.coverage.ratio * 1.1 for a in rows]),
        target=queries.COVERAGE_FLOOR,
        target_text=_("floor %(pct)s", pct=floor),
        good_when_at_least=queries.COVERAGE_FLOOR,
    )


def _publication_chart(rows: list[levels.Area]) -> charts.BarChart:
    return charts.bar_chart(
        _("Results published"),
        [
            (a.name, a.publication.ratio, f"{a.publication.ratio:.0%} ({a.publication.done}/{a.publication.total})")
            for a in rows
        ],
        max_value=1.0,
        target=queries.PUBLICATION_TARGET,
        target_text="100%",
        good_when_at_least=queries.PUBLICATION_TARGET,
    )
