"""Public pages, no login: the city bureau's published plans and their adjustments (向社会公示).

A bureau may publish several plans a year (本部门 and 部门联合): ``?plan=ID`` names one; without it the
page is the only plan of the year, or, when there are several, a page that lists them to choose from.
"""

from __future__ import annotations

from flask import abort, redirect, render_template, url_for
from htmx_flask import request  # flask's request, typed with its htmx headers

from . import queries
from .routes import bp


def requested_plan_id() -> int | None:
    """The ``plan`` argument of a public plan address (a plan id), if any."""
    return request.args.get("plan", type=int)


@bp.get("/public/plan")
def public_latest():
    year = queries.latest_public_year()
    if year is None:
        return render_template("plans/public_none.html"), 404
    return redirect(url_for("plans.public_plan", year=year))


@bp.get("/public/plan/<int:year>")
def public_plan(year: int):
    return _public_page(queries.public_plans(year))


@bp.get("/public/plan/<int:year>/<unit_code>")
def public_unit_plan(year: int, unit_code: str):
    """Another bureau's published plan: a county's (县级年度抽查计划，调整后向社会公示), a city's under
    a province, or the top bureau of a second organisation in the same database."""
    unit = queries.public_plan_unit(unit_code)
    if unit is None:
        abort(404)
    return _public_page(queries.public_plans(year, unit))


def public_choice(plans):
    """The page listing a unit's several published plans of a year, for the reader to choose one."""
    return render_template("plans/public_choose.html", plans=plans, plan=plans[0])


def _public_page(plans):
    plan = queries.chosen_plan(plans, requested_plan_id())
    if plan is None:
        if len(plans) > 1 and requested_plan_id() is None:
            return public_choice(plans)
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
        unit_plans=[p for p in plans if p.id != plan.id],
        top_plans=queries.public_plans(year, top) if top.id != plan.unit_id else [],
    )
