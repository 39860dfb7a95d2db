"""Web routes for visits: the supervisor's merged plan of visits per county."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth.access import require_division, role_required
from ..auth.models import Role
from ..auth.organisation import county_names
from . import queries
from .models import VisitStatus

bp = Blueprint("visits", __name__)

STATUS_LABELS = {
    VisitStatus.PLANNED.value: _l("planned"),
    VisitStatus.IN_PROGRESS.value: _l("in progress"),
    VisitStatus.SUBMITTED.value: _l("submitted"),
    VisitStatus.RETURNED.value: _l("returned"),
    VisitStatus.APPROVED.value: _l("approved"),
}


@bp.get("/visits")
@role_required(Role.SUPERVISOR)
def index():
    codes = current_user.division_codes()
    county = request.args.get("county") or None
    if county:
        require_division(county)
    elif codes is not None and len(codes) == 1:
        county = next(iter(codes))
    status = request.args.get("status") or None
    if status not in {s.value for s in VisitStatus}:
        status = None
    page = queries.visit_plan(codes, county, request.args.get("page", 1, type=int), status)
    counties = {c: n for c, n in county_names().items() if codes is None or c in codes}
    template = "visits/_visits.html" if request.htmx and request.htmx.target == "visit-results" else "visits/index.html"
    return render_template(
        template,
        page=page,
        county=county,
        counties=counties,
        status=status,
        statuses=STATUS_LABELS,
        county_names=county_names(),
    )
