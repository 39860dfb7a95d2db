"""Web routes for checklists: the list, a trial form for each checklist, and inline validation."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, abort, jsonify, render_template, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from .. import clock
from . import answer_rows as rows
from .definition import Checklist, Section
from .evaluation import Evaluation, evaluate
from .forms import apply_form_action, initial_answers, parse_form
from .items import FOLLOW_UP_LABELS
from .catalog import get_checklist, registry
from .results import result_table

bp = Blueprint("checklists", __name__, url_prefix="/checklists")

# Load and validate every checklist once, when the app is created (a broken file stops it).

SEVERITY_LABELS = {"minor": _l("minor"), "major": _l("major"), "serious": _l("serious")}


@bp.app_template_global()
def checklist_evaluate(checklist: Checklist, answers: dict, inspection_date: date | None = None):
    return evaluate(checklist, answers, inspection_date)


@bp.app_template_global()
def checklist_section_has_errors(checklist: Checklist, section: Section, errors: dict | None) -> bool:
    if not errors:
        return False
    tops = {item.id for item in section.items}
    return any(key.split("-", 1)[0] in tops for key in errors)


@bp.app_template_global()
def answer_at(answers: dict, key: str):
    """The answer at a key such as ``dispenser-0-nozzle-1-error_pct`` (None when absent)."""
    current: Any = answers  # an answer set: dicts of answers, lists of repeat blocks
    for part in key.split("-"):
        if isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        elif isinstance(current, dict):
            current = current.get(part)
        else:
            return None
    return current


@bp.app_template_global()
def check_label(value: str) -> str:
    return rows.check_label(value)


@bp.app_template_global()
def severity_label(value: str, locale: str | None = None) -> str:
    """A finding's severity in the user's language, or in ``locale`` (the printed record is in Chinese)."""
    label = SEVERITY_LABELS.get(value)
    if label is None:
        return value
    if locale is None:
        return str(label)
    with force_locale(locale):
        return str(label)


@bp.app_template_global()
def follow_up_label(value: str) -> str:
    return FOLLOW_UP_LABELS.get(value, value)


@bp.app_template_global()
def answer_text(item, value, locale=None) -> str:
    """An answer as text for read-only display."""
    return rows.answer_text(item, value, locale)


@bp.app_template_global()
def answer_rows(checklist: Checklist, evaluation, locale=None) -> list[rows.AnswerRow]:
    """The rows ``render_answers`` shows (the same rows as review and the record PDF)."""
    return rows.answer_rows(checklist, evaluation, locale)


def _inspection_date(raw: str | None) -> date:
    try:
        return date.fromisoformat(raw) if raw else clock.today()
    except ValueError:
        return clock.today()


def _render_form(template: str, evaluation: Evaluation, answers: dict, **context):
    """A template of the trial form: the answers as posted (or first shown) beside their evaluation."""
    return render_template(
        template,
        checklist=evaluation.checklist,
        answers=answers,
        evaluation=evaluation,
        inspection_date=evaluation.inspection_date,
        **context,
    )


@bp.get("/")
@login_required
def index():
    return render_template("checklists/index.html", checklists=registry().all())


@bp.route("/<checklist_id>", methods=["GET", "POST"])
@login_required
def show(checklist_id: str):
    """A trial form: fill a checklist and see its outcomes, findings and suggested result."""
    checklist = get_checklist(checklist_id) or abort(404)
    posted = request.method == "POST"
    answers = parse_form(checklist, request.form) if posted else initial_answers(checklist)
    # Answers are judged when posted, except by an "add another" / "remove" button.
    judged = posted and apply_form_action(checklist, answers, request.form) is None
    evaluation = evaluate(checklist, answers, _inspection_date(request.values.get("inspection_date")))
    return _render_form(
        "checklists/show.html",
        evaluation,
        answers,
        errors=evaluation.errors if judged else {},
        submitted=judged,
        results=result_table(),
    )


@bp.get("/<checklist_id>/definition.json")
@login_required
def definition(checklist_id: str):
    """The definition as loaded (for the phone app to keep offline), with its version hash as ETag."""
    checklist = get_checklist(checklist_id) or abort(404)
    if checklist.sha256 in request.if_none_match:
        return "", 304, {"ETag": f'"{checklist.sha256}"'}
    response = jsonify(
        checklist=checklist.id,
        version=checklist.version,
        definition_sha256=checklist.sha256,
        definition=checklist.definition,
    )
    response.set_etag(checklist.sha256)
    return response


@bp.post("/<checklist_id>/validate")
@login_required
def validate(checklist_id: str):
    """Inline validation (htmx): the whole form is posted, the one item ``_key`` is rendered again
    with its errors. The same rules run again when the form is finally submitted."""
    checklist = get_checklist(checklist_id) or abort(404)
    prefix = request.form.get("_prefix", "")
    key = request.form.get("_key", "")
    item = checklist.item(key.rsplit("-", 1)[-1])
    if item is None:
        abort(404)
    answers = parse_form(checklist, request.form, prefix)
    evaluation = evaluate(checklist, answers, _inspection_date(request.form.get("_date")))
    return _render_form("checklists/_item.html", evaluation, answers, item=item, key=key, prefix=prefix)
