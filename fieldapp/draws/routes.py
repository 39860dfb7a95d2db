"""Supervisor pages of the draw: the tasks, a round's commit step, the draw, results, replacements,
joint-inspection invitations. The public pages are in ``routes_public.py`` (same blueprint)."""

from __future__ import annotations

from typing import TypeVar

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from ..auth import access
from ..auth.access import require_unit, role_required
from ..auth.models import Role, Unit
from ..errors import form_status
from ..extensions import db
from ..jobs.models import JobStatus
from ..plans.models import Task
from . import operations, queries
from .commitments import CommitRequest, check_request, publish
from .forms import AbandonForm, CommitForm, InviteForm, ReplaceForm, RespondForm, RunForm
from .models import DrawAssignment, DrawCommitment, DrawStatus, InvitationStatus, JointInvitation
from .operations import DrawRefused, describe_unmatched
from .jobs import pending_commitment, start_commitment
from .pools import may_execute, pool_size
from .readiness import NotDrawable, describe_warning, warnings_for
from .rules import local_today
from .replacements import describe_skip, replace_inspector

bp = Blueprint("draws", __name__)
PostedForm = TypeVar("PostedForm", bound=FlaskForm)


bp.add_app_template_global(describe_warning, "describe_draw_warning")
bp.add_app_template_global(describe_skip, "describe_replacement_skip")


@bp.app_template_filter("draw_percent")
def draw_percent(ratio) -> str:
    """0.0500 → "5%" (exact: the ratio is a decimal)."""
    if ratio is None:
        return ""
    return f"{(ratio * 100).normalize():f}%"


def _task(task_id: int) -> Task:
    return access.visible_or_404(Task, task_id)  # a task of a plan the user cannot read: 404


def _unit(code: str) -> Unit:
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        abort(404)
    require_unit(unit)  # a county supervisor draws only for her own county: 404 elsewhere
    return unit


@bp.get("/draws")
@role_required(Role.SUPERVISOR)
def index():
    plans = queries.plans_with_tasks()
    rows = []
    for plan in plans:
        for task in plan.tasks:
            units = queries.units_for_user(task, current_user)
            if units:
                rows.append((plan, task, units, queries.round_states(task, units)))
    return render_template("draws/index.html", rows=rows)


@bp.get("/draws/task/<int:task_id>/round/<int:round_>/<unit_code>")
@role_required(Role.SUPERVISOR)
def round_page(task_id: int, round_: int, unit_code: str):
    task, unit = _task(task_id), _unit(unit_code)
    if not may_execute(task, unit) or not 1 <= round_ <= max(task.rounds_per_year or 1, 1):
        abort(404)
    return _render_round(task, round_, unit)


def _render_round(task, round_, unit, status=200, **posted):
    """The round page; a form in ``posted`` (``commit_form``, ``run_form``, ``abandon_form``) is shown
    again with its errors, the others empty."""
    forms = {
        "commit_form": CommitForm(formdata=None),
        "run_form": RunForm(formdata=None),
        "abandon_form": AbandonForm(formdata=None),
    }
    draws = queries.draws_of_round(task, round_, unit)
    current = next((d for d in draws if d.status == DrawStatus.VALID), None)
    return (
        render_template(
            "draws/round.html",
            task=task,
            round_=round_,
            unit=unit,
            commitments=queries.commitments_of_round(task, round_, unit),
            open_commitment=operations.open_commitment(task, round_, unit),
            draws=draws,
            current=current,
            **(forms | posted),
            draw_warnings=warnings_for(task, [unit], local_today()),
            invitations=queries.invitations_of(task),
            pending_commitment=pending_commitment(task, round_, unit),
        ),
        status,
    )


@bp.post("/draws/task/<int:task_id>/round/<int:round_>/<unit_code>/commit")
@role_required(Role.SUPERVISOR)
def commit(task_id: int, round_: int, unit_code: str):
    task, unit = _task(task_id), _unit(unit_code)
    form = CommitForm()
    back = url_for("draws.round_page", task_id=task.id, round_=round_, unit_code=unit.code)
    pending = pending_commitment(task, round_, unit)
    if pending is not None:  # asked again (a second tab, a reload) while the worker publishes it
        flash(_("A commitment of this round is being published; here is its progress."), "warning")
        return redirect(url_for("jobs.detail", job_id=pending.id))
    if form.validate_on_submit():
        request = CommitRequest(
            task,
            round_,
            unit,
            current_user,
            form.redraw_reason.data or "",
            form.external_kind.data,
            form.external_description.data or "",
            form.external_date.data,
            exception_reason=form.exception_reason.data or "",
        )
        try:
            checked = check_request(request)
            if pool_size(task, round_, unit, checked.today) > current_app.config["DRAW_COMMIT_JOB_POOL"]:
                return _commit_in_worker(request, back)
            commitment = publish(checked)
        except NotDrawable as exc:
            form.exception_reason.errors = [str(exc.message)]
        except DrawRefused as exc:
            form.external_description.errors = [str(exc.message)]
        else:
            flash(_("Commitment #%(sequence)s published.", sequence=commitment.sequence), "success")
            return redirect(back)
    return _render_round(task, round_, unit, form_status(), commit_form=form)


def _commit_in_worker(request: CommitRequest, back: str):
    """A large pool's commitment: the worker takes and freezes the pool; its progress page leads back."""
    job = start_commitment(request)
    db.session.refresh(job)
    if job.status == JobStatus.FAILED:
        flash(job.error or _("The commitment could not be saved; please try again."), "error")
    elif job.status != JobStatus.DONE:
        return redirect(url_for("jobs.detail", job_id=job.id))
    else:
        flash(_("Commitment #%(sequence)s published.", sequence=(job.result or {}).get("sequence")), "success")
    return redirect(back)


def _posted_to(commitment_id: int, form_class: type[PostedForm]) -> tuple[DrawCommitment, Unit, PostedForm]:
    """The commitment a form is posted to (404 outside the user's units), its unit, and the form."""
    commitment = db.get_or_404(DrawCommitment, commitment_id)
    return commitment, _unit(commitment.unit.code), form_class()


@bp.post("/draws/commitment/<int:commitment_id>/run")
@role_required(Role.SUPERVISOR)
def run(commitment_id: int):
    commitment, unit, form = _posted_to(commitment_id, RunForm)
    if form.validate_on_submit():
        from .jobs import start_draw

        job = start_draw(commitment, form.witness.data or "", current_user)  # the worker draws
        db.session.refresh(job)
        if job.status == JobStatus.FAILED and job.error:
            flash(job.error, "error")
        elif job.status != JobStatus.DONE:
            return redirect(url_for("jobs.detail", job_id=job.id))  # progress page, then the draw
        else:
            if not job.result["created"]:
                flash(_("This round was drawn a moment ago by someone else; here is that draw."), "warning")
            return redirect(url_for("draws.detail", draw_id=job.result["draw_id"]))
    return _render_round(commitment.task, commitment.round, unit, form_status(), run_form=form)


@bp.post("/draws/commitment/<int:commitment_id>/abandon")
@role_required(Role.SUPERVISOR)
def abandon(commitment_id: int):
    commitment, unit, form = _posted_to(commitment_id, AbandonForm)
    if form.validate_on_submit():
        try:
            operations.abandon(commitment, form.reason.data, current_user)
        except DrawRefused as exc:
            flash(str(exc.message), "error")
        else:
            flash(
                _("Commitment #%(sequence)s abandoned; its seed is now public.", sequence=commitment.sequence),
                "success",
            )
            return redirect(
                url_for("draws.round_page", task_id=commitment.task_id, round_=commitment.round, unit_code=unit.code)
            )
    return _render_round(commitment.task, commitment.round, unit, form_status(), abandon_form=form)


@bp.get("/draws/<int:draw_id>")
@role_required(Role.SUPERVISOR)
def detail(draw_id: int):
    from .models import Draw

    return _detail_page(access.visible_or_404(Draw, draw_id))


def _detail_page(draw, refused: dict | None = None):
    """The draw's page; ``refused`` ({id, reason, error}): a replacement sent back, its reason as
    typed and the message on that inspector's form (422)."""
    from . import chain

    unmatched = [(s, describe_unmatched(s)) for s in draw.selections if s.unmatched_reason]
    page = render_template(
        "draws/detail.html",
        draw=draw,
        unmatched=unmatched,
        replace_form=ReplaceForm(formdata=None),
        refused=refused,
        record=chain.record_of_draw(draw.id),
        head=chain.head(),
    )
    return page, form_status(refused is not None)


@bp.post("/draws/assignment/<int:assignment_id>/replace")
@role_required(Role.SUPERVISOR)
def replace(assignment_id: int):
    assignment = db.get_or_404(DrawAssignment, assignment_id)
    draw = assignment.selection.draw
    access.require(draw)
    form = ReplaceForm()
    error = (
        None
        if form.validate_on_submit()
        else str((form.reason.errors or [_("Give the reason for the replacement.")])[0])
    )
    if error is None:
        try:
            new = replace_inspector(assignment, form.reason.data, current_user)
            db.session.commit()
        except DrawRefused as exc:
            error = str(exc.message)
        else:
            flash(
                _("%(old)s was replaced by %(new)s.", old=assignment.inspector.name, new=new.inspector.name), "success"
            )
            return redirect(url_for("draws.detail", draw_id=draw.id, _anchor=f"subject-{assignment.selection_id}"))
    # The draw again, the reason as typed and why it was refused on that inspector's form.
    return _detail_page(draw, {"id": assignment.id, "reason": form.reason.data or "", "error": error})


def _render_invitations(task: Task, form: InviteForm, status: int = 200):
    return render_template(
        "draws/invitations.html",
        task=task,
        form=form,
        invitations=queries.invitations_of(task),
        respond_form=RespondForm(),
    ), status


@bp.get("/draws/task/<int:task_id>/invitations")
@role_required(Role.SUPERVISOR)
def invitations(task_id: int):
    return _render_invitations(_task(task_id), InviteForm(departments=queries.departments(current_user)))


@bp.post("/draws/task/<int:task_id>/invitations")
@role_required(Role.SUPERVISOR)
def invite(task_id: int):
    task = _task(task_id)
    if not current_user.is_city_level:
        abort(404)  # the initiating department is the city bureau's
    form = InviteForm(departments=queries.departments(current_user))
    if form.validate_on_submit():
        department = db.first_or_404(select(Unit).where(Unit.code == form.department.data))
        try:
            operations.invite(task, department, current_user, form.message.data, (form.items.data or "").splitlines())
            db.session.commit()
        except DrawRefused as exc:
            flash(str(exc.message), "error")
        else:
            flash(_("%(unit)s has been invited.", unit=department.name), "success")
            return redirect(url_for("draws.invitations", task_id=task.id))
    return _render_invitations(task, form, form_status())


@bp.post("/draws/invitation/<int:invitation_id>/<any(accept, decline):answer>")
@role_required(Role.SUPERVISOR)
def respond(invitation_id: int, answer: str):
    invitation = db.get_or_404(JointInvitation, invitation_id)
    if not access.may_answer_invitation(current_user, invitation):
        abort(404)
    if invitation.status != InvitationStatus.PENDING:
        flash(_("This invitation has already been answered."), "warning")
    elif RespondForm().validate_on_submit():
        operations.respond(invitation, answer == "accept", current_user)
        db.session.commit()
        flash(_("Invitation accepted.") if answer == "accept" else _("Invitation declined."), "success")
    return redirect(url_for("draws.invitations", task_id=invitation.task_id))


from . import routes_public  # noqa: E402,F401  (registers the public pages on ``bp``)
from . import routes_scope  # noqa: E402,F401  (a task's scope page and pool preview, on ``bp``)
