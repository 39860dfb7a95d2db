"""Review: the queue, a submission, approve / return, and the photos behind an access check."""

from __future__ import annotations

from typing import Any

from dataclasses import replace
from pathlib import Path

from flask import Blueprint, abort, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from htmx_flask import request  # flask's request, typed with its htmx headers
from werkzeug.security import safe_join

from ..auth import access
from ..auth.access import role_required
from ..auth.models import Role
from ..calendar.workdays import clock, publication_due
from ..clock import today as beijing_today
from ..errors import InvalidInput, form_status
from ..extensions import db
from ..inspections.models import MediaFile, Submission, SubmissionState
from ..core.params import date_arg, query_args
from .. import audit
from . import body, queries
from .answers import rows_for
from .codes import measure_labels, result_words
from .diff import diff_bodies
from .forms import ApproveForm, ReturnForm
from .operations import InvalidDecision, ReviewConflict, approve, return_to_inspector
from .results import MissingResult, normalise_findings

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.app_template_global()
def result_text(code):
    """A result as the page's language says it (the official Chinese wording on a Chinese page)."""
    return result_words(code)


@bp.app_template_global()
def measure_text(values) -> str:
    """后续处置措施 as their official wording, whether stored as codes or labels."""
    return "；".join(measure_labels(values or []))


@bp.app_template_global()
def subject_inspection_results(subject_id: int):
    """For the subject page's inspection history (the subjects view checks the county first)."""
    return queries.subject_results(subject_id)


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, type=int)  # bounded to the INTEGER range (core.params)
    return value if value is not None and value > 0 else None


def _filters() -> queries.QueueFilters:
    state = request.args.get("state", SubmissionState.SUBMITTED)
    division = access.chosen_division()  # 404 outside the user's area
    return queries.QueueFilters(
        task_id=_int_arg("task"),
        division=division,
        inspector_id=_int_arg("inspector"),
        state=state if state in queries.QUEUE_STATES else None,
        due_by=date_arg("due_by"),
        page=_int_arg("page") or 1,
    )


@bp.get("/")
@role_required(Role.SUPERVISOR)
def queue():
    f = _filters()
    page = queries.queue_page(current_user, f)
    today = beijing_today()
    rows = []
    for sub in page.items:
        done = body.inspected_on(sub.body, sub.inspected_on or sub.completed_at or sub.received_at)
        due, fallback = publication_due(done)
        c = clock(due, today)
        rows.append((sub, done, _with_fallback(c, fallback)))
    args = query_args("page")
    context = {
        "page": page,
        "rows": rows,
        "f": f,
        "choices": queries.filter_choices(current_user),
        "args": args,
        "poll_args": query_args(),
        "any_fallback": any(c.used_fallback for _s, _d, c in rows),
    }
    if request.htmx and request.htmx.target == "review-queue":
        return render_template("review/_queue.html", **context)
    return render_template("review/queue.html", **context)


def _submission_or_404(submission_id: int) -> Submission:
    sub = db.get_or_404(Submission, submission_id)
    if sub.state == SubmissionState.INCOMPLETE or not queries.may_review(current_user, sub.visit):
        abort(404)
    return sub


def _with_fallback(c, fallback: bool):
    return replace(c, used_fallback=c.used_fallback or fallback)


def _submission_context(sub: Submission) -> dict:
    visit = sub.visit
    media = {m.sha256: m for m in sub.media if m.complete}
    tasks = []
    done = body.inspected_on(sub.body, sub.inspected_on or sub.completed_at or sub.received_at)
    for vt in visit.tasks:
        answers = body.task_answers(sub.body, vt.task_id)
        sets = [(s, *rows_for(s, answers.findings, done)) for s in answers.answer_sets] if answers else []
        tasks.append(
            {
                "visit_task": vt,
                "answers": answers,
                "sets": sets,
                "findings": normalise_findings(answers.findings) if answers else [],
            }
        )
    due, fallback = publication_due(done)
    versions = queries.versions_of(sub)
    previous = queries.previous_version(sub)
    pos = body.position(sub.body, visit.start_position)
    sigs = [dict(s, media=media.get(s["sha256"])) for s in body.signatures(sub.body)]
    return {
        "sub": sub,
        "visit": visit,
        "tasks": tasks,
        "inspected_on": done,
        "clock_note": body.clock_note(sub.body),
        "due": _with_fallback(clock(due, beijing_today()), fallback),
        "position": pos,
        "map_url": body.osm_link(pos) if pos else None,
        "photos": [m for m in sub.media if m.complete and m.kind == "photo"],
        "signatures": sigs,
        "versions": versions,
        "previous": previous,
        "diff": diff_bodies(previous.body, sub.body) if previous else [],
        "events": audit.events_for("submission", [v.id for v in versions]),
        "results": queries.results_of_visit(visit.id),
        "may_decide": queries.may_decide(current_user, visit),
        "approve_form": ApproveForm(lock_version=sub.lock_version, formdata=None),
        "return_form": ReturnForm(lock_version=sub.lock_version, formdata=None),
    }


@bp.get("/submissions/<int:submission_id>")
@role_required(Role.SUPERVISOR)
def submission(submission_id: int):
    sub = _submission_or_404(submission_id)
    return render_template("review/submission.html", **_submission_context(sub))


def _changed_message() -> str:
    return _("This submission changed while you were reading it. Check it again; nothing was changed by your action.")


def _conflict_response(sub_id: int, exc: ReviewConflict):
    sub = _submission_or_404(sub_id)
    context = _submission_context(sub)
    who = exc.event.actor_name if exc.event else ""
    if exc.current_state == SubmissionState.APPROVED:
        message = _(
            "%(who)s approved this submission before you did. Nothing was changed by your action.",
            who=who or _("Another supervisor"),
        )
    elif exc.current_state == SubmissionState.RETURNED:
        message = _(
            "%(who)s returned this submission before you did. Nothing was changed by your action.",
            who=who or _("Another supervisor"),
        )
    else:
        message = _changed_message()
    context["conflict"] = message
    return render_template("review/submission.html", **context), 409


def _decision_refused(submission_id: int, form_name: str, form, conflict: str | None = None):
    """The submission page again with the decision form as it was sent and what stopped it."""
    db.session.rollback()
    sub = _submission_or_404(submission_id)
    context = _submission_context(sub)
    context[form_name] = form
    if not conflict and (form.lock_version.errors or sub.state != SubmissionState.SUBMITTED):
        # The page cannot show these on the form: the version is a hidden field, and a decided
        # submission has no decision form any more.
        conflict = _changed_message()
    if conflict:
        context["conflict"] = conflict
    return render_template("review/submission.html", **context), form_status()


@bp.post("/submissions/<int:submission_id>/<any(approve, return):decision>")
@role_required(Role.SUPERVISOR)
def decide_submission(submission_id: int, decision: str):
    """Approve (the result records are made) or return to the inspector with a comment."""
    sub = _submission_or_404(submission_id)
    if not queries.may_decide(current_user, sub.visit):
        abort(403)
    approving = decision == "approve"
    form: Any = ApproveForm() if approving else ReturnForm()
    form_name = "approve_form" if approving else "return_form"
    valid = form.validate()
    term = form.term() if approving and valid else None  # 整改期限 of a follow-up case the approval opens
    if not valid or (approving and form.rectify_days.errors):
        return _decision_refused(submission_id, form_name, form)
    try:
        if approving:
            approve(sub.id, form.lock_version.data, current_user, form.note.data or "", term)
        else:
            return_to_inspector(sub.id, form.lock_version.data, current_user, form.comment.data)
        db.session.commit()
    except ReviewConflict as exc:
        return _conflict_response(submission_id, exc)
    except MissingResult as exc:
        message = _("The submission gives no result for task %(task)s: return it to the inspector.", task=exc.task_id)
        return _decision_refused(submission_id, form_name, form, conflict=message)
    except InvalidDecision:  # a comment of nothing but spaces
        form.comment.errors = [*form.comment.errors, _("Write what the inspector must correct.")]
        return _decision_refused(submission_id, form_name, form)
    except InvalidInput as exc:  # a deadline no date follows from (before the check, too far)
        form[exc.field or "rectify_by"].errors = [exc.text()]
        return _decision_refused(submission_id, form_name, form)
    if approving:
        flash(_("Approved. The result records were made."), "success")
    else:
        flash(_("Returned to the inspector with your comment."), "success")
    return redirect(url_for("review.submission", submission_id=submission_id))


@bp.get("/media/<int:media_id>")
@role_required(Role.SUPERVISOR)
def media(media_id: int):
    item = db.get_or_404(MediaFile, media_id)
    if not item.complete or not item.storage_key:
        abort(404)
    if not queries.may_review(current_user, item.submission.visit):
        abort(404)
    path = safe_join(current_app.config["MEDIA_ROOT"], item.storage_key)
    if path is None or not Path(path).is_file():
        abort(404)
    response = send_file(path, mimetype=item.content_type, conditional=True, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    return response


from . import routes_followup  # noqa: E402,F401  (more views on this blueprint)
