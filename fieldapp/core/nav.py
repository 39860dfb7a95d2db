"""The navigation: which pages each role sees. Entries whose blueprint is absent are skipped."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..auth.models import Role

PUBLIC = "public"

# endpoint, label, who sees it (PUBLIC, or roles)
NAV = [
    ("inspections.my_visits", _l("My visits"), (Role.INSPECTOR,)),
    ("review.queue", _l("Review"), (Role.SUPERVISOR,)),
    ("dashboards.index", _l("Dashboard"), (Role.SUPERVISOR,)),
    ("publication.index", _l("Publication"), (Role.SUPERVISOR,)),
    ("review.cases", _l("Follow-up"), (Role.SUPERVISOR,)),
    ("plans.index", _l("Plans"), (Role.SUPERVISOR,)),
    ("draws.index", _l("Draws"), (Role.SUPERVISOR,)),
    ("visits.index", _l("Visits"), (Role.SUPERVISOR,)),
    ("subjects.index", _l("Subjects"), (Role.SUPERVISOR,)),
    ("inspectors.index", _l("Inspectors"), (Role.SUPERVISOR,)),
    ("calendar.index", _l("Working-day calendar"), (Role.ADMIN,)),
    ("auth.organisation", _l("Organisation units"), (Role.ADMIN,)),
    ("auth.accounts_index", _l("Accounts"), (Role.ADMIN,)),
    ("publication.public_results", _l("Public results"), PUBLIC),
    ("plans.public_latest", _l("Public plan"), PUBLIC),
    ("draws.public_index", _l("Public draws"), PUBLIC),
]


def nav_links(include_public: bool = True) -> list[tuple[str, str]]:
    links = []
    for endpoint, label, audience in NAV:
        if endpoint not in current_app.view_functions:
            continue
        if audience == PUBLIC:
            if include_public:
                links.append((endpoint, label))
        elif current_user.is_authenticated and current_user.has_role(*audience):
            links.append((endpoint, label))
    return links
