"""Review, follow-up and credit forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..core.params import MAX_INT


class LockedForm(FlaskForm):
    """A decision on a row under optimistic locking: the version the page showed, a number the
    database can compare (a tampered 99999999999999999999 is refused like ``abc``, not a 500)."""

    lock_version = IntegerField(validators=[InputRequired(), NumberRange(min=-MAX_INT, max=MAX_INT)])


class ApproveForm(LockedForm):
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)])


class ReturnForm(LockedForm):
    comment = TextAreaField(
        _l("What the inspector must correct"),
        validators=[DataRequired(message=_l("Write what the inspector must correct.")), Length(max=2000)],
    )


class CloseCaseForm(LockedForm):
    closed_on = DateField(_l("Completion date"), validators=[DataRequired(message=_l("Enter the completion date."))])
    note = TextAreaField(
        _l("How the follow-up was completed"),
        validators=[DataRequired(message=_l("Write how the follow-up was completed.")), Length(max=4000)],
    )


class ListingDecisionForm(LockedForm):
    decision = HiddenField()
    note = TextAreaField(_l("Note (required to reject)"), validators=[Optional(), Length(max=2000)])
