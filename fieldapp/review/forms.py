"""Review, follow-up and credit forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional


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
