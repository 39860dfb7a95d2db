"""Public pages, no login: the city bureau's published plan and its adjustments (向社会公示)."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for

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
    plan = queries.public_plan(year)
    if plan is None:
        abort(404)
    q = (request.args.get("q") or "").strip()[:100]
    tasks = queries.search_tasks(plan, q)
    if request.htmx and request.htmx.target == "public-tasks":
        return render_template("plans/_public_tasks.html", plan=plan, tasks=tasks, q=q)
    return render_template(
        "plans/public_plan.html", plan=plan, tasks=tasks, q=q, years=queries.public_years()
    )
