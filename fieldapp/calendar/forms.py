"""The administrator's calendar forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


class CalendarDayForm(FlaskForm):
    day = DateField(_l("Date"), validators=[DataRequired(message=_l("Enter a date."))])
    kind = RadioField(
        _l("This day is"),
        choices=[
            SelectChoice("holiday", _l("a holiday (no work)")),
            SelectChoice("workday", _l("a make-up working day (调休)")),
        ],
        validators=[DataRequired(message=_l("Choose whether the day is worked."))],
    )
    note = StringField(_l("Name (e.g. 春节)"), validators=[Optional(), Length(max=100)])


class DeadlineForm(FlaskForm):
    year = IntegerField(_l("Plan year"), validators=[InputRequired(), NumberRange(min=2000, max=2100)])
    complete_by = DateField(_l("Checks complete by"), validators=[DataRequired(message=_l("Enter a date."))])
