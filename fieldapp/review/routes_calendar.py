"""The administrator's calendar: holidays and make-up days for years the package does not know,
and each plan year's completion deadline."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..auth.access import role_required
from ..auth.models import Role
from ..calendar.models import CalendarDay, YearDeadline
from ..calendar.workdays import known_years, package_knows, plan_deadline
from ..errors import form_status
from ..extensions import db
from . import audit
from .forms import CalendarDayForm, DeadlineForm
from .routes import bp


def _render(day_form=None, deadline_form=None, status=200):
    days = list(db.session.scalars(select(CalendarDay).order_by(CalendarDay.day)))
    deadlines = list(db.session.scalars(select(YearDeadline).order_by(YearDeadline.year)))
    first, last = known_years()
    return (
        render_template(
            "review/calendar.html",
            days=days,
            deadlines=deadlines,
            first_year=first,
            last_year=last,
            day_form=day_form or CalendarDayForm(formdata=None),
            deadline_form=deadline_form or DeadlineForm(formdata=None),
        ),
        status,
    )


@bp.get("/calendar")
@role_required(Role.ADMIN)
def calendar():
    return _render()


@bp.post("/calendar/days")
@role_required(Role.ADMIN)
def add_calendar_day():
    form = CalendarDayForm()
    if form.validate():
        day = form.day.data
        if package_knows(day.year):
            form.day.errors.append(
                _("The official calendar already covers %(year)s; only later years can be edited here.", year=day.year)
            )
        elif db.session.scalar(select(CalendarDay).where(CalendarDay.day == day)) is not None:
            form.day.errors.append(_("This date is already in the table."))
        else:
            worked = form.kind.data == "workday"
            if worked and day.weekday() < 5:
                form.kind.errors.append(_("A weekday is a working day already; a make-up day is a Saturday or Sunday."))
            elif not worked and day.weekday() >= 5:
                form.kind.errors.append(_("A Saturday or Sunday is a rest day already."))
            else:
                entry = CalendarDay(
                    day=day, is_workday=worked, note=form.note.data or "", created_by_id=current_user.id
                )
                db.session.add(entry)
                db.session.flush()
                audit.record(
                    "calendar",
                    entry.id,
                    "add",
                    current_user,
                    details={"day": day.isoformat(), "workday": worked, "note": entry.note},
                )
                db.session.commit()
                flash(_("Saved. Dates computed with the fallback calendar now use it."), "success")
                return redirect(url_for("review.calendar"))
    return _render(day_form=form, status=form_status())


@bp.post("/calendar/days/<int:entry_id>/delete")
@role_required(Role.ADMIN)
def delete_calendar_day(entry_id: int):
    entry = db.get_or_404(CalendarDay, entry_id)
    audit.record(
        "calendar",
        entry.id,
        "delete",
        current_user,
        details={"day": entry.day.isoformat(), "workday": entry.is_workday, "note": entry.note},
    )
    db.session.delete(entry)
    db.session.commit()
    flash(_("Removed."), "success")
    return redirect(url_for("review.calendar"))


@bp.post("/calendar/deadlines")
@role_required(Role.ADMIN)
def set_deadline():
    form = DeadlineForm()
    if form.validate():
        if form.complete_by.data.year != form.year.data:
            form.complete_by.errors.append(_("The deadline must fall in the plan year."))
        else:
            row = db.session.scalar(select(YearDeadline).where(YearDeadline.year == form.year.data))
            old = plan_deadline(form.year.data)
            if row is None:
                row = YearDeadline(year=form.year.data, complete_by=form.complete_by.data)
                db.session.add(row)
            row.complete_by = form.complete_by.data
            db.session.flush()
            audit.record(
                "calendar",
                row.id,
                "deadline",
                current_user,
                details={"year": row.year, "old": old.isoformat(), "new": row.complete_by.isoformat()},
            )
            db.session.commit()
            flash(_("Deadline saved."), "success")
            return redirect(url_for("review.calendar"))
    return _render(deadline_form=form, status=form_status())
