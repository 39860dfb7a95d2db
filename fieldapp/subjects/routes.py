"""Supervisor pages of the subject directory: search with filters, one subject, import a file."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from htmx_flask import request  # flask's request, typed with its htmx headers

from ..auth import access
from ..auth.access import role_required
from ..auth.models import Role
from ..auth.territory import county_names
from ..core.pages import page_or_part
from .models import CREDIT_CLASSES, Subject, SubjectKind, SubjectStatus
from .queries import SubjectFilters, all_tags, find_subjects, subject_history

bp = Blueprint("subjects", __name__, url_prefix="/subjects")

# Domain words stay Chinese as data.
KIND_LABELS = {
    SubjectKind.ENTERPRISE: "企业",
    SubjectKind.INDIVIDUAL: "个体工商户",
    SubjectKind.COOPERATIVE: "农民专业合作社",
}
FIELD_LABELS = {
    "name": _l("Name"),
    "kind": _l("Kind"),
    "legal_representative": _l("Legal representative"),
    "address": _l("Address"),
    "division_code": _l("County"),
    "industry": _l("Industry"),
    "contact": _l("Contact"),
    "status": _l("Registration status"),
    "business_term_end": _l("Business term ends"),
    "credit_class": _l("Credit-risk class"),
    "credit_assessed_on": _l("Class assessed on"),
    "tags": _l("Tags"),
    "uscc": _l("Unified social credit code"),
    "registration_number": _l("Registration number"),
}


@bp.get("/")
@role_required(Role.SUPERVISOR)
def index():
    filters = SubjectFilters.from_args(request.args)
    filters.division = access.chosen_division() or ""  # 404 outside the user's area
    page = request.args.get("page", 1, type=int) or 1
    results = find_subjects(filters, current_user, page=page)
    context = dict(
        filters=filters,
        results=results,
        counties=access.visible_counties(),
        kinds=KIND_LABELS,
        statuses=[s.value for s in SubjectStatus],
        classes=CREDIT_CLASSES,
        tags=all_tags(),
    )
    return page_or_part("subjects/index.html", "subjects/_results.html", **context)


@bp.get("/<int:subject_id>")
@role_required(Role.SUPERVISOR)
def detail(subject_id: int):
    subject = access.visible_or_404(Subject, subject_id)
    return render_template(
        "subjects/detail.html",
        subject=subject,
        history=subject_history(subject),
        kinds=KIND_LABELS,
        county=county_names().get(subject.division_code, subject.division_code),
        field_labels=FIELD_LABELS,
    )


@bp.route("/import", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def import_file():
    """Upload a bureau export (city administrators: the directory is kept city-wide); the worker imports it."""
    from ..jobs.uploads import import_page
    from .jobs import start_import

    return import_page("subjects/import.html", start_import)
