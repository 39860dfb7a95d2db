"""Supervisors' pages: the unit's results waiting for publication, preview, publish, correct, export."""

from __future__ import annotations

from wtforms.fields.choices import SelectChoice
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy.exc import IntegrityError

from ..auth import access
from ..auth.access import require, role_required
from ..calendar.workdays import clock, load_overrides
from ..clock import today as beijing_today
from ..errors import form_status
from ..extensions import db
from ..checklists.results import ResultChoiceInvalid, split_codes
from ..review.models import InspectionResult
from . import operations, queries
from .categories import result_choices
from .forms import CorrectionForm, PublishSelectionForm, WithdrawalForm
from .routes import bp, record_versions_or_404
from .snapshot import public_fields
from ..core.params import year_arg


FIELD_LABELS = {
    "subject_name": _l("Subject"),
    "subject_ident": _l("Unified social credit code / registration number"),
    "inspecting_unit_name": _l("Inspecting authority"),
    "task_kind": _l("Type of spot check"),
    "task_name": _l("Task"),
    "inspected_on": _l("Inspection date"),
    "result_code": _l("Result code"),
    "result_label": _l("Result"),
    "follow_up_public": _l("Follow-up"),
}


def _results_for_publishing(ids: list[int]) -> list[InspectionResult]:
    """The results, each checked: county boundary and inspecting unit (404 when either fails)."""
    results = queries.results_by_ids(ids)
    if len(results) != len(set(ids)):
        abort(404)
    for result in results:
        require(result.subject)
        if not access.may_publish(current_user, result):
            abort(404)
    return results


def _selection_form(results) -> PublishSelectionForm:
    form = PublishSelectionForm()
    form.result_ids.choices = [SelectChoice(r.id, r.subject.name) for r in results]
    return form


@bp.get("/publication/")
@role_required("supervisor")
def index():
    return _index_page()


def _index_page(error: str | None = None):
    """The work list; with ``error`` it is shown again (422) for a selection that was refused."""
    task_id = request.args.get("task", type=int)
    waiting = queries.unpublished_results(current_user, task_id)
    today = beijing_today()
    overrides = load_overrides()
    clocks = {r.id: clock(r.publication_due, today, overrides=overrides) for r in waiting if r.publication_due}
    page = render_template(
        "publication/index.html",
        waiting=waiting,
        clocks=clocks,
        published=queries.unit_records(current_user),
        task_id=task_id,
        error=error,
    )
    return page, form_status(error is not None)


@bp.get("/publication/results/<int:result_id>/preview")
@role_required("supervisor")
def preview_one(result_id: int):
    results = _results_for_publishing([result_id])
    form = _selection_form(results)
    form.result_ids.data = [result_id]
    return _preview(results, form)


def _on_chosen_results(action):
    """``action(results, form)`` on the results ticked on the posted form; the list again (422) with a
    message when none was."""
    ids = [i for i in request.form.getlist("result_ids", type=int) if i > 0]
    results = _results_for_publishing(ids) if ids else []
    form = _selection_form(results)
    if not form.validate_on_submit():
        return _index_page(_("Choose at least one result to publish."))
    return action(results, form)


@bp.post("/publication/preview")
@role_required("supervisor")
def preview():
    return _on_chosen_results(_preview)


def _preview(results, form):
    snapshots = [(r, public_fields(r), operations.current_version(r.id)) for r in results]
    return render_template("publication/preview.html", snapshots=snapshots, form=form, today=beijing_today())


@bp.post("/publication/publish")
@role_required("supervisor")
def publish():
    return _on_chosen_results(_publish)


def _publish(results, _form):
    try:
        created = operations.publish(results, current_user)
        db.session.commit()
    except IntegrityError:  # another supervisor published one of them at the same moment
        db.session.rollback()
        message = _(
            "Someone else published some of these results at the same moment. "
            "Nothing was published; check the list and try again."
        )
        flash(message, "error")
        return redirect(url_for("publication.index"))
    skipped = len(results) - len(created)
    flash(ngettext("%(num)d record published.", "%(num)d records published.", len(created)), "success")
    if skipped:
        flash(ngettext("%(num)d was already published.", "%(num)d were already published.", skipped), "warning")
    if len(created) == 1:
        return redirect(url_for("publication.public_record", public_id=created[0].public_id))
    return redirect(url_for("publication.index"))


@bp.route("/publication/records/<public_id>/correct", methods=["GET", "POST"])
@role_required("supervisor")
def correct(public_id: str):
    versions = record_versions_or_404(public_id)
    record = versions[0]
    [result] = _results_for_publishing([record.inspection_result_id])
    if record.withdrawn:
        flash(_("This record was withdrawn: it cannot be corrected."), "warning")
        return redirect(url_for("publication.public_record", public_id=public_id))
    form = CorrectionForm()
    form.result_codes.choices = result_choices()
    if request.method == "GET":
        form.follow_up_public.data = ""
        form.result_codes.data = split_codes(result.result_code)
    changes = operations.pending_changes(record)
    if form.validate_on_submit():
        codes = ",".join(form.result_codes.data or [])
        try:
            new = operations.correct(
                record, current_user, form.note.data, form.follow_up_public.data, result_code=codes
            )
            db.session.commit()
        except ResultChoiceInvalid as refused:
            db.session.rollback()
            form.result_codes.errors = list(form.result_codes.errors) + [refused.message]
        except operations.PublicationError:
            db.session.rollback()
            form.note.errors = list(form.note.errors) + [
                _("Nothing differs from the published version: change the result or the public wording first.")
            ]
        except IntegrityError:  # a concurrent correction of the same record won
            db.session.rollback()
            flash(_("Someone else corrected this record at the same moment. Check the current version."), "error")
            return redirect(url_for("publication.public_record", public_id=record.public_id))
        else:
            flash(_("The corrected version is published; the earlier one stays visible as corrected."), "success")
            return redirect(url_for("publication.public_record", public_id=new.public_id))
    status = form_status(request.method == "POST")
    context = {"record": record, "versions": versions, "form": form, "changes": changes, "labels": FIELD_LABELS}
    return render_template("publication/correct.html", **context), status


@bp.route("/publication/records/<public_id>/withdraw", methods=["GET", "POST"])
@role_required("supervisor")
def withdraw(public_id: str):
    """撤销: a record that should never have been published (another firm's, a result annulled)."""
    versions = record_versions_or_404(public_id)
    record = versions[0]
    _results_for_publishing([record.inspection_result_id])  # 404 unless this user publishes it
    if not record.is_current:
        flash(_("This record was withdrawn already."), "warning")
        return redirect(url_for("publication.public_record", public_id=public_id))
    form = WithdrawalForm()
    if form.validate_on_submit():
        try:
            operations.withdraw(record, current_user, form.reason.data)
            db.session.commit()
        except IntegrityError:  # a concurrent correction or withdrawal of the same record won
            db.session.rollback()
            flash(_("Someone else changed this record at the same moment. Check the current version."), "error")
        else:
            flash(_("The record is withdrawn; its page says so, with your reason."), "success")
        return redirect(url_for("publication.public_record", public_id=public_id))
    status = form_status(request.method == "POST")
    return render_template("publication/withdraw.html", record=record, form=form), status


@bp.post("/publication/export.xlsx")
@role_required("supervisor")
def export_xlsx():
    """The unit's current published records in the national publicity system's upload layout,
    written by the worker: the job's page offers the file."""
    from .export_job import start_export

    job = start_export(current_user, year_arg())
    return redirect(url_for("jobs.detail", job_id=job.id))
