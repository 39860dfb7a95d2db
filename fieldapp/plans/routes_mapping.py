"""Each inspection item's checklists on the plan page: the mapping state, and a supervisor's confirmation."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from htmx_flask import request  # flask's request, typed with its htmx headers

from ..auth import access
from ..auth.access import role_required
from ..auth.models import Role
from ..checklists.catalog import GENERAL_ID, registry
from ..checklists.mapping import CONFIRMED, MAPPED, Mapping, confirm, map_text
from ..errors import form_status
from ..extensions import db
from . import queries
from .models import InspectionItem
from .routes import _plan_page, bp

SOURCE_LABELS = {
    "confirmed": _l("confirmed by a supervisor"),
    "code": _l("by its national item code"),
    "covers": _l("by the checklist's own wording"),
}


def item_mapping(item: InspectionItem) -> Mapping:
    """The item's stored mapping (computed, not stored, for an item never mapped yet)."""
    if not item.mapping_state:
        return map_text(registry(), item.text, item.national_code)
    return Mapping(item.mapping_state, list(item.checklist_ids or []), list(item.suggestions or []))


def checklist_title(checklist_id: str) -> str:
    checklist = registry().get(checklist_id)
    return str(checklist.title) if checklist is not None else _("A checklist no longer in the system")


@bp.app_context_processor
def mapping_helpers() -> dict:
    return {
        "item_mapping": item_mapping,
        "checklist_title": checklist_title,
        "all_checklists": lambda: registry().all(),
        "mapped_states": MAPPED,
        "general_checklist_id": GENERAL_ID,
        "mapping_source": lambda state: SOURCE_LABELS.get(state, ""),
    }


@bp.post("/plans/<int:plan_id>/items/<int:item_id>/checklist")
@role_required(Role.SUPERVISOR)
def confirm_item_checklist(plan_id: int, item_id: int):
    plan = queries.plan_with_tasks(plan_id)
    if plan is None or not access.may_see(current_user, plan):
        abort(404)
    if not queries.may_edit(current_user, plan):
        abort(403)
    item = db.get_or_404(InspectionItem, item_id)
    if item.task.plan_id != plan.id:
        abort(404)
    chosen = request.form.get("checklist", "")
    error = None
    try:
        confirm(registry(), item, [chosen], current_user)
    except ValueError:
        db.session.rollback()
        error = _("Choose one of the checklists.")
    else:
        db.session.commit()
    if request.htmx:
        return render_template("plans/_item.html", item=item, plan=plan, may_edit=True, error=error), form_status(
            error is not None
        )
    if error:  # the plan page again, the message at the item
        return _plan_page(plan, item_errors={item.id: error}), form_status()
    flash(
        _(
            "Item %(number)s of task %(task)s now uses %(checklist)s.",
            number=item.number,
            task=item.task.number,
            checklist=checklist_title(chosen),
        ),
        "success",
    )
    return redirect(url_for("plans.plan_detail", plan_id=plan.id, _anchor=f"item-{item.id}"))


__all__ = ["CONFIRMED", "item_mapping"]
