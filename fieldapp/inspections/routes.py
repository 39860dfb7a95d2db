"""The inspector's pages: 我的任务, a visit, its form. Thin views; the phone's API is in ``routes_api.py``,
the service worker and manifest in ``routes_pwa.py``."""

from __future__ import annotations

import uuid as uuidlib

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from ..errors import form_status
from ..extensions import db
from .. import clock
from ..auth.access import role_required
from ..auth.territory import county_names
from ..core.i18n import select_locale
from ..core.token_pages import TOKEN_CONTEXT, Page
from . import operations as ops
from .list_page import page_key, store_of
from .checklist_source import checklists_for_visit, form_entries
from .models import SubmissionState
from .plain_form import values_from_body
from .queries import latest_submissions, my_visits as query_my_visits, visit_for_inspector
from ..checklists.results import NO_ACTIVITY
from .vocabulary import CHECK_METHODS, follow_up_measure_choices, result_categories

bp = Blueprint("inspections", __name__)


@bp.context_processor
def inspection_globals():
    return {
        "county_names": county_names(),
        "check_methods": CHECK_METHODS,
        "no_activity_code": NO_ACTIVITY,
        "measures": follow_up_measure_choices(str(get_locale())),
    }


@bp.get("/my/visits")
@role_required("inspector")
def my_visits():
    """Rendered once for each change of what it shows and kept per inspector under the user's list
    token, name, role and unit, the language, the day and the address (:mod:`.list_page`, which
    also answers it before Flask); each request gets its own CSRF token. A page with flashed
    messages is rendered as it is."""
    today = clock.today()
    user = current_user
    if session.get("_flashes"):
        return _my_visits_page(query_my_visits(user, today), today)
    # The token was read with the user, before the list: a page is never older than its key.
    key = page_key(user.list_token, user.name, user.role, user.unit_id, select_locale(), today, request.environ)
    store = store_of(current_app)
    page = store.page(user.id, key)
    if page is None:
        page = Page.of(_my_visits_page(query_my_visits(user, today), today, TOKEN_CONTEXT))
        store.keep(user.id, key, page)
    return page.with_token(generate_csrf())


def _my_visits_page(groups, today, token: dict | None = None) -> str:
    return render_template(
        "inspections/my_visits.html",
        groups=groups,
        today=today,
        visit_url=_url_around_id("inspections.visit"),
        offline_url=_url_around_id("inspections.api_visit_offline"),
        **(token or {}),
    )


def _url_around_id(endpoint: str) -> tuple[str, str]:
    """A visit address split around its id, so a list builds each card's link by joining strings."""
    marker = 987654321
    head, _, tail = url_for(endpoint, visit_id=marker).partition(str(marker))
    return head, tail


def _visit_or_404(visit_id: int):
    visit = visit_for_inspector(visit_id, current_user)
    if visit is None:
        abort(404)
    return visit


@bp.get("/my/visits/<int:visit_id>")
@role_required("inspector")
def visit(visit_id: int):
    visit = _visit_or_404(visit_id)
    submission = latest_submissions([visit.id]).get(visit.id)
    return render_template(
        "inspections/visit.html",
        visit=visit,
        task_checklists=checklists_for_visit(visit),
        submission=submission,
        locale=str(get_locale()),
    )


@bp.post("/my/visits/<int:visit_id>/start")
@role_required("inspector")
def start_visit(visit_id: int):
    visit = _visit_or_404(visit_id)
    position = {k: request.form.get(k) for k in ("lat", "lng", "accuracy")} if request.form.get("lat") else None
    ops.start_visit(visit, position)
    db.session.commit()
    return redirect(url_for("inspections.visit_form", visit_id=visit.id))


@bp.get("/my/visits/<int:visit_id>/form")
@role_required("inspector")
def visit_form(visit_id: int):
    visit = _visit_or_404(visit_id)
    submission = latest_submissions([visit.id]).get(visit.id)
    returned = submission if submission is not None and submission.state == SubmissionState.RETURNED else None
    # A returned visit's correction starts from the answers of the version that came back.
    previous = values_from_body(returned.body) if returned else None
    return render_template(
        "inspections/form.html",
        visit=visit,
        entries=form_entries(checklists_for_visit(visit), previous),
        submission=submission,
        replaces=returned.uuid if returned else "",
        new_uuid=str(uuidlib.uuid4()),
        results=result_categories(str(get_locale())),
        locale=str(get_locale()),
        errors=[],
        values=previous,
    )


@bp.post("/my/visits/<int:visit_id>/form")
@role_required("inspector")
def submit_form(visit_id: int):
    """Without JavaScript the form posts here: photos and signature images as files."""
    from .plain_form import body_from_form

    visit = _visit_or_404(visit_id)
    task_checklists = checklists_for_visit(visit)
    problems: list[str] = []
    body = body_from_form(visit, request.form, request.files, problems)
    try:
        if problems:  # a dropped file: never "received", the form comes back saying which
            raise ops.SubmissionError(problems)
        ops.receive_submission(body, current_user, frozenset(m["sha256"] for m in body["media"]))
        db.session.commit()
    except ops.SubmissionError as exc:
        submission = latest_submissions([visit.id]).get(visit.id)
        return (
            render_template(
                "inspections/form.html",
                visit=visit,
                entries=form_entries(task_checklists, request.form),
                submission=submission,
                replaces=body.get("replaces") or "",
                new_uuid=body["uuid"],
                results=result_categories(str(get_locale())),
                locale=str(get_locale()),
                errors=exc.messages,
                values=request.form,
            ),
            form_status(),
        )
    except ops.VisitAlreadyApproved:
        from .routes_api import approved_message

        flash(approved_message(), "warning")
    except ops.SubmissionConflict:
        flash(_("This submission was already sent."), "warning")
    else:
        flash(_("Submission received."), "success")
    return redirect(url_for("inspections.my_visits"))


from . import routes_api, routes_pwa  # noqa: E402,F401  (routes registered on ``bp``)
