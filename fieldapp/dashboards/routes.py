"""City and county dashboards: coverage, publication, task progress, legal clocks, follow-up cases."""

from __future__ import annotations


from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from ..auth.access import role_required
from ..auth.models import Role
from ..auth.organisation import county_names, reachable_unit_ids, unit_for_division
from ..calendar.workdays import plan_deadline
from ..clock import today as beijing_today
from . import charts, queries

bp = Blueprint("dashboards", __name__, url_prefix="/dashboard")


def _scope() -> tuple[set[str] | None, str | None, int]:
    """The counties the page covers (``None``: every county), the one chosen, and the year.
    A county outside the user's area is a 404; without a choice the page covers the user's area."""
    codes = current_user.division_codes()
    division = request.args.get("division") or None
    if division is not None:
        if division not in county_names() or (codes is not None and division not in codes):
            abort(404)
        scope: set[str] | None = {division}
    else:
        scope = codes
        if codes is not None and len(codes) == 1:
            division = next(iter(codes))
    year = request.args.get("year", type=int)
    if year is not None and not 2000 <= year <= 2100:
        abort(404)
    return scope, division, year or queries.default_year(beijing_today())


@bp.get("/")
@role_required(Role.SUPERVISOR)
def index():
    scope, division, year = _scope()
    today = beijing_today()
    coverage = queries.coverage_by_county(year, scope)
    publication = queries.publication_by_county(year, scope)
    progress = queries.task_progress(year, scope, today)
    overdue, overdue_count, due_soon = queries.open_publications(year, scope, today)
    unit = unit_for_division(division) if division else None
    cases = queries.follow_up_cases({unit.id} if unit else reachable_unit_ids(current_user.unit))

    total_cov = queries.Rate(sum(r.done for r in coverage.values()), sum(r.total for r in coverage.values()))
    total_pub = queries.Rate(sum(r.done for r in publication.values()), sum(r.total for r in publication.values()))
    floor_text = f"{queries.COVERAGE_FLOOR:.0%}"
    max_cov = max([0.06] + [r.ratio * 1.1 for r in coverage.values()])
    coverage_chart = charts.bar_chart(
        _("Enterprises inspected"),
        [(county_names().get(c, c), r.ratio, f"{r.ratio:.1%} ({r.done}/{r.total})") for c, r in coverage.items()],
        max_value=max_cov,
        target=queries.COVERAGE_FLOOR,
        target_text=_("floor %(pct)s", pct=floor_text),
        good_when_at_least=queries.COVERAGE_FLOOR,
    )
    publication_chart = charts.bar_chart(
        _("Results published"),
        [(county_names().get(c, c), r.ratio, f"{r.ratio:.0%} ({r.done}/{r.total})") for c, r in publication.items()],
        max_value=1.0,
        target=queries.PUBLICATION_TARGET,
        target_text="100%",
        good_when_at_least=queries.PUBLICATION_TARGET,
    )
    deadline = plan_deadline(year)
    timeline = charts.timeline(
        _("Tasks against their windows"), year, progress, today, deadline, deadline.strftime("%m-%d")
    )
    any_fallback = any(o.clock.used_fallback for o in overdue)
    return render_template(
        "dashboards/index.html",
        division=division,
        county_name=county_names().get(division) if division else None,
        year=year,
        today=today,
        counties=_choosable_counties(),
        total_cov=total_cov,
        total_pub=total_pub,
        coverage_chart=coverage_chart,
        publication_chart=publication_chart,
        timeline=timeline,
        progress=progress,
        deadline=deadline,
        overdue=overdue,
        overdue_count=overdue_count,
        due_soon=due_soon,
        cases=cases,
        any_fallback=any_fallback,
        floor=queries.COVERAGE_FLOOR,
    )


def _choosable_counties() -> dict[str, str]:
    """The counties a user may pick (none for a user of one county)."""
    codes = current_user.division_codes()
    names = {c: n for c, n in county_names().items() if codes is None or c in codes}
    return names if len(names) > 1 else {}
