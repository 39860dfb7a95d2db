"""Forms: the batch publish selection, the correction, and the public search's query string."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from ..auth.access import division_param
from ..auth.territory import county_names
from .queries import SearchFilters


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class PublishSelectionForm(FlaskForm):
    result_ids = MultiCheckboxField(
        _l("Results"), coerce=int, validators=[DataRequired(_l("Choose at least one result."))]
    )
    confirmed = HiddenField(default="")


class CorrectionForm(FlaskForm):
    note = TextAreaField(
        _l("What was corrected and why (shown on the public page)"),
        validators=[DataRequired(_l("Write a note: the public page shows it.")), Length(max=500)],
    )
    result_codes = MultiCheckboxField(_l("Result"), validators=[Optional()])
    follow_up_public = TextAreaField(
        _l("Follow-up measures, public wording (leave empty to use the result's)"),
        validators=[Optional(), Length(max=500)],
    )


class WithdrawalForm(FlaskForm):
    reason = TextAreaField(
        _l("Why the record is withdrawn (shown on the public page)"),
        validators=[DataRequired(_l("Write the reason: the public page shows it.")), Length(max=500)],
    )
    confirm = BooleanField(
        _l("I understand that the record leaves the search, the lists and the exports, and cannot be published again"),
        validators=[DataRequired(_l("Tick the box to confirm the withdrawal."))],
    )


def parse_cursor(raw: str) -> tuple[date, int] | None:
    """A keyset cursor ``YYYY-MM-DD.ID`` (the publication date and id of a row), or None."""
    day, _, number = raw.partition(".")
    if not number.isdigit() or len(number) > 10 or int(number) > 2**31 - 1:
        return None
    try:
        return date.fromisoformat(day), int(number)
    except ValueError:
        return None


def parse_search(args, counties: dict[str, str] | None = None) -> tuple[SearchFilters, list[str]]:
    """Search filters from a query string; invalid parts are dropped with a message, valid ones kept.
    ``counties`` (code → name) saves reading the organisation again when the caller has it."""
    errors: list[str] = []
    filters = SearchFilters(q=" ".join((args.get("q") or "").split())[:100])
    if filters.q and len(filters.q) < 2:
        errors.append(_l("Enter at least two characters of the name, or the full credit code."))
        filters.q = ""

    def as_int(name: str, label, low: int, high: int) -> int | None:
        raw = (args.get(name) or "").strip()
        if not raw:
            return None
        if raw.isdigit() and low <= int(raw) <= high:
            return int(raw)
        errors.append(_l("%(field)s is not valid and was ignored.", field=label))
        return None

    filters.task_id = as_int("task", _l("Task"), 1, 2**31 - 1)
    filters.year = as_int("year", _l("Year"), 2000, 2100)
    filters.page = as_int("page", _l("Page"), 1, 100000) or 1
    for name in ("after", "before"):
        raw = (args.get(name) or "").strip()
        if raw and (cursor := parse_cursor(raw)) is None:
            errors.append(_l("%(field)s is not valid and was ignored.", field=_l("Page")))
        elif raw:
            setattr(filters, name, cursor)
    if filters.after and filters.before:
        filters.before = None
    if not (filters.after or filters.before):
        filters.page = 1  # a page number alone (an old link) starts at the first page
    county = division_param(args) or ""  # ``division``; published links still say ``county``
    if county and county not in (counties if counties is not None else county_names()):
        errors.append(_l("%(field)s is not valid and was ignored.", field=_l("County")))
    elif county:
        filters.division_code = county
    result = (args.get("result") or "").strip()
    if result:
        from .categories import categories

        if result in categories():
            filters.result_code = result
        else:
            errors.append(_l("%(field)s is not valid and was ignored.", field=_l("Result")))
    return filters, errors
