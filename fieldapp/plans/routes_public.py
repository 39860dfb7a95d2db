"""Public pages, no login: the city bureau's published plan and its adjustments (向社会公示)."""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from htmx_flask import request  # flask's request, typed with its htmx headers

from . import queries
from .routes import bp


@bp.get("/public/plan")
def public_latest():
    year = queries.latest_public_year()
    if year is None:
        return render_template("plans/public_none.html"), 404
    return redirect(url_for("plans.public_plan", year=year))


@bp.get("/public/plan/<int:year>")
def public_plan(year: int):
    return _public_page(queries.public_plan(year))


@bp.get("/public/plan/<int:year>/<unit_code>")
def public_unit_plan(year: int, unit_code: str):
    """Another bureau's published plan: a county's (县级年度抽查计划，调整后向社会公示), a city's under
    a province, or the top bureau of a second organisation in the same database."""
    unit = queries.public_plan_unit(unit_code)
    if unit is None:
        abort(404)
    return _public_page(queries.public_plan(year, unit))


def _public_page(plan):
    if plan is None:
        abort(404)
    year = plan.year
    q = (request.args.get("q") or "").strip()[:100]
    tasks = queries.search_tasks(plan, q)
    if request.htmx and request.htmx.target == "public-tasks":
        return render_template("plans/_public_tasks.html", plan=plan, tasks=tasks, q=q)
    top = queries.organisation_top(plan.unit)
    return render_template(
        "plans/public_plan.html",
        plan=plan,
        tasks=tasks,
        q=q,
        years=queries.public_years(plan.unit),
        county_plans=queries.published_county_plans(year, plan.unit),
        top_plan=queries.public_plan(year, top) if top.id != plan.unit_id else None,
    )
