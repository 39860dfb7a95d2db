"""Review, follow-up and credit forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, IntegerField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..core.params import MAX_INT
from .rectification import MAX_WORKING_DAYS, Term


class LockedForm(FlaskForm):
    """A decision on a row under optimistic locking: the version the page showed, a number the
    database can compare (a tampered 99999999999999999999 is refused like ``abc``, not a 500)."""

    lock_version = IntegerField(validators=[InputRequired(), NumberRange(min=-MAX_INT, max=MAX_INT)])


class TermFields(FlaskForm):
    """整改期限: a date, or a number of working days from the check (one of them; neither: none)."""

    rectify_by = DateField(_l("Rectification deadline: a date"), validators=[Optional()])
    rectify_days = IntegerField(
        _l("or working days from the check"),
        validators=[
            Optional(),
            NumberRange(
                min=1, max=MAX_WORKING_DAYS, message=_l("Give between 1 and %(n)s working days.", n=MAX_WORKING_DAYS)
            ),
        ],
    )

    def term(self) -> Term | None:
        """The term typed (None: neither field), or None with an error on the form when both are."""
        if self.rectify_by.data is not None and self.rectify_days.data is not None:
            self.rectify_days.errors = [*self.rectify_days.errors, _l("Give a date or working days, not both.")]
            return None
        if self.rectify_by.data is None and self.rectify_days.data is None:
            return None
        return Term(on=self.rectify_by.data, working_days=self.rectify_days.data)


class ApproveForm(LockedForm, TermFields):
    note = TextAreaField(_l("Note (optional)"), validators=[Optional(), Length(max=2000)])


class DeadlineForm(LockedForm, TermFields):
    reason = TextAreaField(_l("Why the deadline changes"), validators=[Optional(), Length(max=2000)])


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
