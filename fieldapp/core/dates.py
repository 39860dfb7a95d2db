"""Dates typed into forms: a day within the years the app works with (2000–2100, the bounds of a
year in a URL), so that year 1 or 9999 is refused with a message instead of stored."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

from .params import EARLIEST_YEAR, LATEST_YEAR


def within_app_years(form, field) -> None:
    """WTForms validator for a ``DateField``: its date (when given) falls in 2000–2100."""
    if field.data is not None and not EARLIEST_YEAR <= field.data.year <= LATEST_YEAR:
        raise ValidationError(_l("Enter a date between %(first)s and %(last)s.", first=EARLIEST_YEAR, last=LATEST_YEAR))
