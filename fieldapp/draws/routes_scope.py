"""A task's scope page: its rules, a live preview (htmx) of the pool a draw would take, and the supervisor's
confirmation. The rules are the plan's (``plans.scope``, confirmed by ``plans.operations``); the page lives
here because the preview and its warnings are the draw's (pools, teams, readiness)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth import access
from ..auth.access import role_required
from ..auth.models import COUNTY_LEVEL_KINDS, Role, Unit
from ..errors import form_status
from ..extensions import db
from ..plans import queries
from ..plans.forms import ClassRatiosForm, ScopeForm
from ..plans.models import Task
from ..plans.operations import PlanError, confirm_class_ratios as confirm_ratios, confirm_scope
from .pools import executing_units
from .readiness import describe_warning, preview, warnings_for
from .routes import bp
from .rules import local_today


def _task(plan_id: int, number: int) -> tuple:
    plan = queries.plan_with_tasks(plan_id)
    if plan is None or not access.may_see(current_user, plan):
        abort(404)
    task = db.session.scalar(select(Task).where(Task.plan_id == plan.id, Task.number == number))
    if task is None:
        abort(404)
    return plan, task


def _units(task: Task) -> list[Unit]:
    """The executing units in the user's area: a county supervisor sees her own county, a city's
    its counties (not another city's under a provincial task)."""
    return [u for u in executing_units(task) if access.may_see(current_user, u)]


def _counties() -> list[Unit]:
    return list(db.session.scalars(select(Unit).where(Unit.kind.in_(COUNTY_LEVEL_KINDS)).order_by(Unit.division_code)))


def _county_names() -> dict[str, str]:
    return {u.division_code: u.name for u in _counties() if u.division_code is not None}


def _page(plan, task, form, status=200, ratio_form=None):
    units = _units(task)
    day = local_today()
    return (
        render_template(
            "draws/scope.html",
            plan=plan,
            task=task,
            form=form,
            ratio_form=ratio_form or ClassRatiosForm(prefix="ratios"),
            may_edit=queries.may_edit(current_user, plan),
            preview=preview(task, day, units=units),
            county_names=_county_names(),
            warnings=[describe_warning(w) for w in warnings_for(task, units, day)],
        ),
        status,
    )


@bp.get("/plans/<int:plan_id>/tasks/<int:number>/scope")
@role_required(Role.SUPERVISOR)
def task_scope(plan_id: int, number: int):
    plan, task = _task(plan_id, number)
    form = ScopeForm(counties=_counties())
    form.fill_from(task.scope_rule)
    return _page(plan, task, form)


@bp.get("/plans/<int:plan_id>/tasks/<int:number>/scope/preview")
@role_required(Role.SUPERVISOR)
def scope_preview(plan_id: int, number: int):
    """The pool the rules in the form (not yet saved) would give: an htmx fragment."""
    plan, task = _task(plan_id, number)
    form = ScopeForm(request.args, counties=_counties(), meta={"csrf": False})
    if not form.validate():
        return render_template("draws/_scope_preview.html", preview=None, errors=form.errors, task=task), 200
    result = preview(task, local_today(), rule=form.rule(), units=_units(task))
    return render_template(
        "draws/_scope_preview.html", preview=result, errors=None, task=task, county_names=_county_names()
    )


@bp.post("/plans/<int:plan_id>/tasks/<int:number>/scope")
@role_required(Role.SUPERVISOR)
def confirm_task_scope(plan_id: int, number: int):
    plan, task = _task(plan_id, number)
    if not queries.may_edit(current_user, plan):
        abort(403)
    form = ScopeForm(counties=_counties())
    if form.validate_on_submit():
        try:
            confirm_scope(task, form.rule(), reason=form.reason.data or "", user=current_user)
        except PlanError as exc:
            db.session.rollback()
            form.reason.errors = list(form.reason.errors) + [str(exc.message)]
        else:
            db.session.commit()
            flash(_("The scope rules of task %(number)s are confirmed.", number=number), "success")
            return redirect(url_for("draws.task_scope", plan_id=plan.id, number=number))
    return _page(plan, task, form, form_status())


@bp.post("/plans/<int:plan_id>/tasks/<int:number>/class-ratios")
@role_required(Role.SUPERVISOR)
def confirm_class_ratios(plan_id: int, number: int):
    """The supervisor confirms the ratios by credit class the importer read from the plan."""
    plan, task = _task(plan_id, number)
    if not queries.may_edit(current_user, plan):
        abort(403)
    form = ClassRatiosForm(prefix="ratios")
    scope_form = ScopeForm(counties=_counties())
    scope_form.fill_from(task.scope_rule)
    if form.validate_on_submit():
        try:
            confirm_ratios(task, reason=form.reason.data or "", user=current_user)
        except PlanError as exc:
            db.session.rollback()
            form.reason.errors = list(form.reason.errors) + [str(exc.message)]
        else:
            db.session.commit()
            flash(_("The ratios by credit class of task %(number)s are confirmed.", number=number), "success")
            return redirect(url_for("draws.task_scope", plan_id=plan.id, number=number, _anchor="class-ratios"))
    return _page(plan, task, scope_form, form_status(), ratio_form=form)
