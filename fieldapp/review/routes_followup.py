"""Follow-up cases (后续处置), 经营异常名录 proposals, a subject's findings and the serious-findings export."""

from __future__ import annotations


from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from htmx_flask import request  # flask's request, typed with its htmx headers

from ..auth import access
from ..auth.access import role_required
from ..auth.models import Role
from ..calendar.workdays import clock, load_overrides
from ..clock import today as beijing_today
from ..errors import Conflict, InvalidInput, form_status
from ..extensions import db
from ..subjects.models import Subject
from .. import audit
from . import queries, rectification
from .export import serious_findings_xlsx
from .forms import CloseCaseForm, DeadlineForm, ListingDecisionForm
from .models import AbnormalListingProposal, CaseStatus, FollowUpCase, ListingStatus
from .decisions import InvalidDecision, ReviewConflict, close_case, decide_listing
from .routes import bp
from ..core.pages import page_or_part
from ..core.params import year_arg


def _case_or_404(case_id: int) -> FollowUpCase:
    return access.visible_or_404(FollowUpCase, case_id)


@bp.get("/cases")
@role_required(Role.SUPERVISOR)
def cases():
    status = request.args.get("status", CaseStatus.OPEN)
    status = status if status in (CaseStatus.OPEN, CaseStatus.CLOSED, queries.OVERDUE) else None
    today = beijing_today()
    stmt = queries.user_case_scope(queries.cases_for_unit(None, status, today), current_user)
    page = db.paginate(stmt, page=request.args.get("page", 1, type=int), per_page=50, error_out=False)
    overrides = load_overrides()
    rows = [(c, rectification.standing(c, today, overrides)) for c in page.items]
    any_fallback = any(c.rectify_by_fallback or (s and s.used_fallback) for c, s in rows)
    return render_template("review/cases.html", page=page, rows=rows, status=status, any_fallback=any_fallback)


def _case_page(case: FollowUpCase, form: CloseCaseForm | None = None, deadline_form: DeadlineForm | None = None):
    """The case with its deadline, the forms to change it and to close the case, and its log."""
    refused = form is not None or deadline_form is not None
    form = form or CloseCaseForm(lock_version=case.lock_version, closed_on=beijing_today(), formdata=None)
    deadline_form = deadline_form or DeadlineForm(
        lock_version=case.lock_version,
        rectify_by=case.rectify_on,
        rectify_days=case.rectify_working_days,
        formdata=None,
    )
    events = audit.events_for("follow_up_case", case.id)
    page = render_template(
        "review/case.html",
        case=case,
        form=form,
        deadline_form=deadline_form,
        standing=rectification.standing(case, beijing_today()),
        events=events,
    )
    return page, form_status(refused)


@bp.route("/cases/<int:case_id>", methods=["GET", "POST"])
@role_required(Role.SUPERVISOR)
def case(case_id: int):
    case = _case_or_404(case_id)
    if request.method != "POST":
        return _case_page(case)
    form = CloseCaseForm(lock_version=case.lock_version, closed_on=beijing_today())
    if form.validate_on_submit():
        if form.closed_on.data > beijing_today():
            form.closed_on.errors.append(_("The completion date cannot be in the future."))
        elif form.closed_on.data < case.result.inspected_on:
            form.closed_on.errors.append(_("The completion date cannot be before the inspection."))
        else:
            try:
                close_case(case.id, form.lock_version.data, current_user, form.closed_on.data, form.note.data)
                db.session.commit()
            except (ReviewConflict, InvalidDecision):
                flash(_("Someone else closed this case first. Nothing was changed by your action."), "error")
                return redirect(url_for("review.case", case_id=case_id)), 303
            flash(_("The follow-up case is closed."), "success")
            return redirect(url_for("review.case", case_id=case_id))
    return _case_page(case, form=form)


@bp.post("/cases/<int:case_id>/deadline")
@role_required(Role.SUPERVISOR)
def case_deadline(case_id: int):
    """Give or change the case's 整改期限 (a change needs a reason; both are in the case's log)."""
    case = _case_or_404(case_id)
    form = DeadlineForm()
    if not form.validate():
        return _case_page(case, deadline_form=form)
    term = form.term()
    if term is None:
        if not form.rectify_days.errors:
            form.rectify_by.errors = [_("Give a date or a number of working days.")]
        return _case_page(case, deadline_form=form)
    try:
        changed = rectification.set_deadline(case, form.lock_version.data, current_user, term, form.reason.data or "")
    except Conflict as exc:
        flash(exc.text(), "error")
        return redirect(url_for("review.case", case_id=case_id)), 303
    except InvalidInput as exc:
        form[exc.field or "rectify_by"].errors = [exc.text()]
        return _case_page(case, deadline_form=form)
    db.session.commit()
    if changed:
        flash(_("Rectification deadline: %(d)s.", d=case.rectify_by.isoformat() if case.rectify_by else ""), "success")
        if term.on is not None and case.rectify_by != term.on:
            flash(
                _("%(given)s is not a working day: the deadline is the next working day.", given=term.on.isoformat()),
                "info",
            )
    return redirect(url_for("review.case", case_id=case_id))


@bp.get("/listings")
@role_required(Role.SUPERVISOR)
def listings():
    return _listings_page(request.args.get("status", ListingStatus.PROPOSED))


def _listings_page(status: str, refused: dict | None = None):
    """The proposals with ``status``; ``refused`` ({id, note, error}): a decision sent back, its
    note as typed and the reason on that proposal's form."""
    items = queries.proposals(
        current_user,
        status if status in (ListingStatus.PROPOSED, ListingStatus.CONFIRMED, ListingStatus.REJECTED) else None,
    )
    today = beijing_today()
    rows = [(p, clock(p.decide_by, today) if p.decide_by else None) for p in items]
    page = render_template(
        "review/listings.html", rows=rows, status=status, form=ListingDecisionForm(formdata=None), refused=refused
    )
    return page, form_status(refused is not None)


@bp.post("/listings/<int:proposal_id>")
@role_required(Role.SUPERVISOR)
def decide(proposal_id: int):
    proposal = access.visible_or_404(AbnormalListingProposal, proposal_id)
    form = ListingDecisionForm()
    confirm = form.decision.data == "confirm"
    form.validate()
    if form.lock_version.errors or form.decision.data not in ("confirm", "reject"):
        abort(400)  # a tampered form: nothing a person typed
    error = form.note.errors[0] if form.note.errors else None
    if error is None:
        try:
            decide_listing(proposal.id, form.lock_version.data, current_user, confirm, form.note.data or "")
            db.session.commit()
        except InvalidDecision:
            error = _("Write the reason for rejecting the proposal.")
        except ReviewConflict:
            flash(_("Someone else decided this proposal first. Nothing was changed by your action."), "error")
            return redirect(url_for("review.listings"))
    if error is not None:  # the list again, the note as typed and the reason beside it
        return _listings_page(ListingStatus.PROPOSED, {"id": proposal.id, "note": form.note.data or "", "error": error})
    flash(_("Listing confirmed.") if confirm else _("Proposal rejected."), "success")
    return redirect(url_for("review.listings"))


@bp.get("/subjects/<int:subject_id>/findings")
@role_required(Role.SUPERVISOR)
def subject_findings(subject_id: int):
    subject = access.visible_or_404(Subject, subject_id)
    results = queries.subject_results(subject.id)
    return page_or_part(
        "review/subject_findings.html", "review/_subject_findings.html", subject=subject, results=results
    )


@bp.get("/serious")
@role_required(Role.SUPERVISOR)
def serious():
    year = year_arg()
    results = queries.serious_results(current_user, year)
    if request.args.get("format") == "xlsx":
        from flask import Response

        name = f"serious-findings-{year or 'all'}.xlsx"
        return Response(
            serious_findings_xlsx(results),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return render_template("review/serious.html", results=results, year=year)
