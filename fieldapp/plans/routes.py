"""Web routes for plans: the supervisors' pages. The public pages are in ``routes_public.py``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from htmx_flask import request  # flask's request, typed with its htmx headers
from sqlalchemy import select

from ..auth import access
from ..auth.access import role_required
from ..auth.models import Role
from ..auth.territory import bureau_of
from ..errors import form_status
from ..extensions import db
from . import queries
from .display import TEMPLATE_HELPERS
from .forms import ConfirmForm, FilingForm, ImportForm, TaskForm
from .display import plan_label
from .identity import DocumentChoice
from .importer import ImportReport, ReasonRequired, import_plan
from .models import FilingStatus, Plan, Task
from .operations import PlanError, acknowledge_filing, add_task, file_plan, publish_plan, update_task
from .problems import PlanFileError, describe
from .scope import tag_groups

T = TypeVar("T")
bp = Blueprint("plans", __name__)


def public_plan_url(plan, year: int | None = None, **args) -> str:
    endpoint, values = queries.public_url_args(plan)
    if year is not None and year != plan.year:
        values["year"] = year
        values.pop("plan", None)  # another year's plans are the unit's of that year
    return url_for(endpoint, **values, **args)


@bp.app_context_processor
def plan_helpers() -> dict:
    return {**TEMPLATE_HELPERS, "public_plan_url": public_plan_url, "describe_problem": describe}


def _readable_plan(plan_id: int):
    plan = queries.plan_with_tasks(plan_id)
    if plan is None or not access.may_see(current_user, plan):
        abort(404)
    return plan


def _editable_plan(plan_id: int):
    plan = _readable_plan(plan_id)
    if not queries.may_edit(current_user, plan):
        abort(403)
    return plan


def _task_page(plan, task, form):
    return render_template(
        "plans/task_edit.html", plan=plan, task=task, form=form, tag_groups=tag_groups()
    ), form_status(request.method == "POST")


@bp.get("/plans")
@role_required(Role.SUPERVISOR)
def index():
    plans = queries.plans_for(current_user)
    waiting = sum(
        1 for p in plans if p.filing_status == FilingStatus.FILED and queries.may_acknowledge(current_user, p)
    )
    return render_template("plans/index.html", plans=plans, waiting=waiting)


@dataclass
class _ImportOutcome:
    """What the import page shows of a posted file: its report, or why it was not read."""

    checked: bool  # "Check only": the file was read and compared, and nothing saved
    report: ImportReport | None = None
    summary: dict | None = None
    error: str | None = None


def _import(form: ImportForm, unit, checking: bool) -> _ImportOutcome:
    outcome = _ImportOutcome(checking)
    upload = form.file.data
    reason = form.reason.data or ""
    try:
        report = import_plan(
            upload.read(),
            upload.filename or "plan",
            year=form.year.data,
            unit=unit,
            reason=reason or ("check" if checking else ""),
            user=current_user,
            plan_id=form.plan_id,
            new_plan=form.new_plan,
        )
    except PlanFileError as exc:
        db.session.rollback()
        outcome.error = str(exc)
    except DocumentChoice as exc:
        db.session.rollback()
        outcome.error = (
            str(exc)
            + " "
            + _("Choose below which plan this file is a new version of, or that it is a plan of its own.")
        )
    except ReasonRequired as exc:
        db.session.rollback()
        form.reason.errors = list(form.reason.errors) + [
            _(
                "The plan is published and this file changes it in %(count)s places: give the reason.",
                count=len(exc.changes),
            )
        ]
    else:
        outcome.report = report
        outcome.summary = {
            "plan": f"{report.plan.year} · {report.plan.unit.name}",
            "plan_id": None if checking else report.plan.id,
            "changes": report.changes if not report.created else [],
            "beside": [plan_label(p) for p in report.beside] if report.created else [],
            "needs_reason": checking and report.plan.is_published and bool(report.changes),
        }
        if checking:
            db.session.rollback()
        else:
            db.session.commit()
            flash(
                _(
                    "Imported %(tasks)s tasks with %(items)s inspection items.",
                    tasks=report.tasks.total,
                    items=report.items,
                ),
                "success",
            )
    return outcome


@bp.route("/plans/import", methods=["GET", "POST"])
@role_required(Role.SUPERVISOR)
def import_file():
    """Upload a plan table. "Check" reads it and shows what would change, saving nothing."""
    form = ImportForm()
    unit = bureau_of(current_user.unit)  # a department's staff import their bureau's plan
    form.offer_plans(queries.plans_of(unit), plan_label)
    checking = request.form.get("action") == "check"
    outcome = _import(form, unit, checking) if form.validate_on_submit() else _ImportOutcome(checking)
    form.offer_plans(queries.plans_of(unit), plan_label)  # a plan the import made among them
    status = form_status(request.method == "POST") if outcome.report is None else 200
    return render_template("plans/import.html", form=form, unit=unit, outcome=outcome), status


@bp.get("/plans/<int:plan_id>")
@role_required(Role.SUPERVISOR)
def plan_detail(plan_id: int):
    return _plan_page(_readable_plan(plan_id))


def _plan_page(plan: Plan, filing_form: FilingForm | None = None, item_errors: dict | None = None) -> str:
    """The plan's page; ``filing_form`` as posted when the filing was refused (its note kept),
    ``item_errors`` an item's refused checklist choice (item id → message)."""
    return render_template(
        "plans/plan.html",
        plan=plan,
        may_edit=queries.may_edit(current_user, plan),
        may_acknowledge=queries.may_acknowledge(current_user, plan),
        confirm=ConfirmForm(),
        filing_form=filing_form or FilingForm(),
        item_errors=item_errors or {},
    )


def _save_task(form: TaskForm, change: Callable[[], T]) -> T | None:
    """Run the task's change and commit it; None (the message on the reason field) when refused."""
    try:
        result = change()
    except PlanError as exc:
        db.session.rollback()
        form.reason.errors = [*form.reason.errors, str(exc.message)]
        return None
    db.session.commit()
    return result


@bp.route("/plans/<int:plan_id>/tasks/<int:number>/edit", methods=["GET", "POST"])
@role_required(Role.SUPERVISOR)
def edit_task(plan_id: int, number: int):
    plan = _editable_plan(plan_id)
    task = db.session.scalar(select(Task).where(Task.plan_id == plan.id, Task.number == number))
    if task is None:
        abort(404)
    form = TaskForm(task=task)
    if request.method == "GET":
        form.fill_from(task)
    elif form.validate_on_submit():
        changes = _save_task(
            form, lambda: update_task(task, form.values(task), reason=form.reason.data or "", user=current_user)
        )
        if changes is not None:
            if changes:
                flash(_("Task %(number)s saved: %(count)s changes.", number=number, count=len(changes)), "success")
            else:
                flash(_("Nothing changed."), "info")
            return redirect(url_for("plans.plan_detail", plan_id=plan.id, _anchor=f"task-{number}"))
    return _task_page(plan, task, form)


@bp.route("/plans/<int:plan_id>/tasks/new", methods=["GET", "POST"])
@role_required(Role.SUPERVISOR)
def new_task(plan_id: int):
    plan = _editable_plan(plan_id)
    form = TaskForm()
    if request.method == "GET":
        form.rounds_per_year.data = 1
        form.ratio_is_floor.data = True
    elif form.validate_on_submit():
        task = _save_task(
            form, lambda: add_task(plan, form.values(None), reason=form.reason.data or "", user=current_user)
        )
        if task is not None:
            flash(_("Task %(number)s added.", number=task.number), "success")
            return redirect(url_for("plans.plan_detail", plan_id=plan.id, _anchor=f"task-{task.number}"))
    return _task_page(plan, None, form)


def _change_plan(plan, change: Callable[[], object], done: str):
    """Run one change of the plan's state and commit it (or say why not); back to the plan."""
    try:
        change()
    except PlanError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("plans.plan_detail", plan_id=plan.id))


@bp.post("/plans/<int:plan_id>/publish")
@role_required(Role.SUPERVISOR)
def publish(plan_id: int):
    plan = _editable_plan(plan_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("plans.plan_detail", plan_id=plan.id))
    return _change_plan(plan, lambda: publish_plan(plan, current_user), _("The plan is published."))


@bp.post("/plans/<int:plan_id>/file")
@role_required(Role.SUPERVISOR)
def file(plan_id: int):
    plan = _editable_plan(plan_id)
    form = FilingForm()
    if not form.validate_on_submit():  # (the note too long): the page again, the note and its message on it
        return _plan_page(plan, form), form_status()
    return _change_plan(
        plan, lambda: file_plan(plan, current_user, form.note.data or ""), _("The plan is filed with the city bureau.")
    )


@bp.get("/plans/filings")
@role_required(Role.SUPERVISOR)
def filings():
    plans = queries.county_plans(current_user)
    if not plans and current_user.unit.is_county_level:
        abort(403)
    return render_template("plans/filings.html", plans=plans, confirm=ConfirmForm())


@bp.post("/plans/<int:plan_id>/acknowledge")
@role_required(Role.SUPERVISOR)
def acknowledge(plan_id: int):
    plan = _readable_plan(plan_id)
    if not queries.may_acknowledge(current_user, plan):
        abort(403)
    error = None
    if ConfirmForm().validate_on_submit():
        try:
            acknowledge_filing(plan, current_user)
        except PlanError as exc:
            db.session.rollback()
            error = str(exc.message)
        else:
            db.session.commit()
    if request.htmx:
        return render_template("plans/_filing_row.html", plan=plan, confirm=ConfirmForm(), error=error), form_status(
            error is not None
        )
    if error:
        flash(error, "error")
    else:
        flash(_("Filing of %(unit)s acknowledged.", unit=plan.unit.name), "success")
    return redirect(url_for("plans.filings"))


from . import routes_public  # noqa: E402,F401  (the public pages on this blueprint)
from . import routes_mapping  # noqa: E402,F401  (item checklists on this blueprint)
