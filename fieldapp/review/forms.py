"""Review, follow-up, credit and calendar forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional


class ApproveForm(FlaskForm):
    lock_version = IntegerField(validators=[InputRequired()])
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)])


class ReturnForm(FlaskForm):
    lock_version = IntegerField(validators=[InputRequired()])
    comment = TextAreaField(
        _l("What the inspector must correct"),
        validators=[DataRequired(message=_l("Write what the inspector must correct.")), Length(max=2000)],
    )


class CloseCaseForm(FlaskForm):
    lock_version = IntegerField(validators=[InputRequired()])
    closed_on = DateField(_l("Completion date"), validators=[DataRequired(message=_l("Enter the completion date."))])
    note = TextAreaField(
        _l("How the follow-up was completed"),
        validators=[DataRequired(message=_l("Write how the follow-up was completed.")), Length(max=4000)],
    )


class ListingDecisionForm(FlaskForm):
    lock_version = IntegerField(validators=[InputRequired()])
    decision = HiddenField()
    note = TextAreaField(_l("Note (required to reject)"), validators=[Optional(), Length(max=2000)])


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
