"""Web routes for visits: the supervisor's merged plan of visits per county."""

from __future__ import annotations

from flask import Blueprint, render_template
from htmx_flask import request  # flask's request, typed with its htmx headers
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth import access
from ..auth.access import role_required
from ..auth.models import Role
from ..auth.territory import county_names
from . import queries
from .models import VisitStatus

bp = Blueprint("visits", __name__)

STATUS_LABELS = {
    VisitStatus.PLANNED: _l("planned"),
    VisitStatus.IN_PROGRESS: _l("in progress"),
    VisitStatus.SUBMITTED: _l("submitted"),
    VisitStatus.RETURNED: _l("returned"),
    VisitStatus.APPROVED: _l("approved"),
}


@bp.get("/visits")
@role_required(Role.SUPERVISOR)
def index():
    division = access.chosen_division(default_own=True)  # 404 outside the user's area
    status = request.args.get("status") or None
    if status not in {s.value for s in VisitStatus}:
        status = None
    page = queries.visit_plan(current_user, division, request.args.get("page", 1, type=int), status)
    template = "visits/_visits.html" if request.htmx and request.htmx.target == "visit-results" else "visits/index.html"
    return render_template(
        template,
        page=page,
        division=division,
        counties=access.visible_counties(),
        status=status,
        statuses=STATUS_LABELS,
        county_names=county_names(),
    )
