"""Supervisor pages of the roster: list with "eligible today", one inspector with history, edits, 回避."""

from __future__ import annotations


from flask import Blueprint, abort, flash, redirect, render_template, url_for
from htmx_flask import request  # flask's request, typed with its htmx headers
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import clock
from ..auth import access
from ..auth.access import role_required
from ..auth.models import Role, User
from ..core.pages import page_or_part
from ..errors import InvalidInput, form_status
from ..extensions import db
from ..subjects.models import Subject
from ..subjects.vocabulary import specialty_names
from .forms import FIELD_LABELS, ConflictForm, InspectorForm, status_label, value_label
from .models import Inspector, InspectorStatus
from .operations import change_inspector, create_inspector, declare_conflict, link_account, withdraw_conflict
from .queries import assignable_units, filter_roster, visible_roster

bp = Blueprint("inspectors", __name__, url_prefix="/inspectors")
bp.add_app_template_global(status_label, "inspector_status")  # 在岗 … in the user's language
bp.add_app_template_global(value_label, "inspector_value")  # a value of the roster's history as shown


def _visible(inspector_id: int) -> Inspector:
    return access.visible_or_404(Inspector, inspector_id)


@bp.get("/")
@role_required(Role.SUPERVISOR)
def index():
    today = clock.today()
    args = {k: (request.args.get(k) or "").strip() for k in ("q", "unit", "status", "specialty", "eligible")}
    roster = list(db.session.scalars(visible_roster(current_user)))
    units = assignable_units(current_user)
    shown = filter_roster(
        roster,
        q=args["q"],
        unit=args["unit"],
        status=args["status"],
        specialty=args["specialty"],
        eligible_on=today if args["eligible"] else None,
    )
    context = dict(
        inspectors=shown,
        total=len(roster),
        args=args,
        today=today,
        units=units,
        statuses=[s.value for s in InspectorStatus],
        specialties=specialty_names(),
        eligible_count=sum(1 for i in roster if i.is_eligible_on(today)),
    )
    return page_or_part("inspectors/index.html", "inspectors/_roster.html", **context)


@bp.get("/<int:inspector_id>")
@role_required(Role.SUPERVISOR)
def detail(inspector_id: int):
    inspector = _visible(inspector_id)
    conflict_subjects = {
        s.id: s
        for s in db.session.scalars(
            select(Subject).where(Subject.id.in_([c.subject_id for c in inspector.conflicts if c.subject_id]))
        )
    }
    return render_template(
        "inspectors/detail.html",
        inspector=inspector,
        today=clock.today(),
        history=sorted(inspector.changes, key=lambda c: (c.effective_on, c.id), reverse=True),
        conflict_form=ConflictForm(),
        conflict_subjects=conflict_subjects,
        field_labels=FIELD_LABELS,
    )


def _form_for(inspector: Inspector | None) -> InspectorForm:
    form = InspectorForm(obj=inspector, units=assignable_units(current_user))
    if request.method == "GET" and inspector is not None:
        form.unit.data = inspector.unit_id
        form.specialties.data = list(inspector.specialties or [])
        form.account.data = inspector.user.username if inspector.user else ""
    return form


def _certificate_taken(number: str | None, inspector: Inspector | None) -> bool:
    if not number:
        return False
    other = db.session.scalar(select(Inspector).where(Inspector.certificate_number == number))
    return other is not None and (inspector is None or other.id != inspector.id)


def _save(form: InspectorForm, inspector: Inspector | None):
    number = (form.certificate_number.data or "").strip().upper() or None
    if _certificate_taken(number, inspector):
        form.certificate_number.errors.append(_("Another inspector already has this certificate number."))
        return None
    user = None
    if username := (form.account.data or "").strip():
        user = db.session.scalar(select(User).where(User.username == username))
        holder = user and db.session.scalar(select(Inspector).where(Inspector.user_id == user.id))
        # An account of a unit one may not see is "no account": its holder is never named.
        if user is None or not access.may_see(current_user, user):
            form.account.errors.append(_("There is no account with this username."))
        elif holder is not None and (inspector is None or holder.id != inspector.id):
            form.account.errors.append(_("This account belongs to %(name)s already.", name=holder.name))
        if form.account.errors:
            return None
    unit = next(u for u in assignable_units(current_user) if u.id == form.unit.data)
    values = dict(
        name=form.name.data.strip(),
        category=form.category.data,
        certificate_number=number,
        certificate_valid_until=form.certificate_valid_until.data,
        status=form.status.data,
        specialties=form.specialties.data or [],
        phone=(form.phone.data or "").strip(),
        unit=unit,
    )
    if inspector is None:
        status = values.pop("status")
        inspector = create_inspector(values.pop("unit"), values.pop("name"), **values)
        db.session.flush()
        if status != InspectorStatus.ON_DUTY:
            change_inspector(inspector, form.effective_on.data, form.note.data or "", status=status)
    else:
        change_inspector(inspector, form.effective_on.data, (form.note.data or "").strip(), **values)
    link_account(inspector, user)
    db.session.commit()
    return inspector


@bp.route("/new", methods=["GET", "POST"])
@role_required(Role.SUPERVISOR)
def create():
    form = _form_for(None)
    if form.validate_on_submit():
        inspector = _save(form, None)
        if inspector is not None:
            flash(_("%(name)s was added to the roster.", name=inspector.name), "success")
            return redirect(url_for("inspectors.detail", inspector_id=inspector.id))
    return render_template("inspectors/edit.html", form=form, inspector=None), form_status(bool(form.errors))


@bp.route("/<int:inspector_id>/edit", methods=["GET", "POST"])
@role_required(Role.SUPERVISOR)
def edit(inspector_id: int):
    inspector = _visible(inspector_id)
    form = _form_for(inspector)
    if form.validate_on_submit():
        if _save(form, inspector) is not None:
            flash(_("Saved. The changes are in the history."), "success")
            return redirect(url_for("inspectors.detail", inspector_id=inspector.id))
    return render_template("inspectors/edit.html", form=form, inspector=inspector), form_status(bool(form.errors))


@bp.post("/<int:inspector_id>/conflicts")
@role_required(Role.SUPERVISOR)
def add_conflict(inspector_id: int):
    inspector = _visible(inspector_id)
    form = ConflictForm()
    subject = None
    if form.validate_on_submit():
        code = (form.subject_code.data or "").strip().upper()
        if code:
            subject = db.session.scalar(select(Subject).where(Subject.ident == code))
            if subject is None:
                form.subject_code.errors.append(_("No subject has this code."))
        if not form.subject_code.errors:
            try:
                declare_conflict(
                    inspector,
                    subject=subject,
                    person_name=(form.person_name.data or "").strip() or None,
                    reason=(form.reason.data or "").strip(),
                )
            except InvalidInput as exc:
                form[exc.field or "subject_code"].errors.append(exc.text())
            else:
                db.session.commit()
                flash(_("The conflict of interest was recorded."), "success")
                return redirect(url_for("inspectors.detail", inspector_id=inspector.id))
    return render_template(
        "inspectors/detail.html",
        inspector=inspector,
        today=clock.today(),
        history=sorted(inspector.changes, key=lambda c: (c.effective_on, c.id), reverse=True),
        conflict_form=form,
        conflict_subjects={},
        field_labels=FIELD_LABELS,
    ), form_status()


@bp.post("/<int:inspector_id>/conflicts/<int:conflict_id>/withdraw")
@role_required(Role.SUPERVISOR)
def remove_conflict(inspector_id: int, conflict_id: int):
    inspector = _visible(inspector_id)
    if not withdraw_conflict(inspector, conflict_id):
        abort(404)
    db.session.commit()
    flash(_("The conflict of interest was withdrawn."), "success")
    return redirect(url_for("inspectors.detail", inspector_id=inspector.id))


@bp.route("/import", methods=["GET", "POST"])
@role_required(Role.SUPERVISOR)
def import_file():
    """Upload the roster (CSV/.xlsx); the worker imports it. The roster spans units: city-level supervisors only."""
    from ..jobs.uploads import import_page
    from .jobs import start_import

    if not current_user.is_city_level:
        abort(404)
    return import_page("inspectors/import.html", start_import)
