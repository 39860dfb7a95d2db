"""The administrator's calendar (``/calendar``): holidays and make-up days for years the package
does not know, and each plan year's completion deadline. Views parse, call an operation, commit."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from ..auth.access import role_required
from ..auth.models import Role
from ..errors import InvalidInput, form_status
from ..extensions import db
from . import operations
from .forms import CalendarDayForm, DeadlineForm
from .models import CalendarDay, YearDeadline
from .workdays import known_years

bp = Blueprint("calendar", __name__)


def _render(day_form=None, deadline_form=None, status=200):
    first, last = known_years()
    page = render_template(
        "calendar/index.html",
        days=list(db.session.scalars(select(CalendarDay).order_by(CalendarDay.day))),
        deadlines=list(db.session.scalars(select(YearDeadline).order_by(YearDeadline.year))),
        first_year=first,
        last_year=last,
        day_form=day_form or CalendarDayForm(formdata=None),
        deadline_form=deadline_form or DeadlineForm(formdata=None),
    )
    return page, status


def _refused(form: FlaskForm, exc: InvalidInput) -> None:
    """The operation's message on the field it names."""
    db.session.rollback()
    if exc.field and exc.field in form:
        form[exc.field].errors.append(exc.text())
    else:
        flash(exc.text(), "error")


@bp.get("/calendar")
@role_required(Role.ADMIN)
def index():
    return _render()


@bp.get("/review/calendar")
def moved():
    """The calendar's earlier address (bookmarks): it now lives at /calendar."""
    return redirect(url_for("calendar.index"), code=301)


def _saves(form_class: type[FlaskForm], form_name: str, done):
    """The view of a posted ``form_class``: valid, the decorated operation runs with it and the
    request commits once, then back to the calendar saying ``done``; else the page again with the
    form (``form_name`` on it) and its messages."""

    def decorate(change: Callable[[Any], object]):
        @wraps(change)
        def view():
            form = form_class()
            if form.validate():
                try:
                    change(form)
                except InvalidInput as exc:
                    _refused(form, exc)
                else:
                    db.session.commit()
                    flash(str(done), "success")
                    return redirect(url_for("calendar.index"))
            return _render(**{form_name: form}, status=form_status())

        return view

    return decorate


@bp.post("/calendar/days")
@role_required(Role.ADMIN)
@_saves(CalendarDayForm, "day_form", _l("Saved. Dates computed with the fallback calendar now use it."))
def add_day(form: CalendarDayForm) -> None:
    operations.add_day(form.day.data, form.kind.data == "workday", form.note.data or "", current_user)


@bp.post("/calendar/days/<int:entry_id>/delete")
@role_required(Role.ADMIN)
def remove_day(entry_id: int):
    operations.remove_day(db.get_or_404(CalendarDay, entry_id), current_user)
    db.session.commit()
    flash(_("Removed."), "success")
    return redirect(url_for("calendar.index"))


@bp.post("/calendar/deadlines")
@role_required(Role.ADMIN)
@_saves(DeadlineForm, "deadline_form", _l("Deadline saved."))
def set_deadline(form: DeadlineForm) -> None:
    operations.set_deadline(form.year.data, form.complete_by.data, current_user)
