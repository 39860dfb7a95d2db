"""Forms of the draw pages: commit, draw (witness and confirmation), replace, invite, respond."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..auth.unit_names import unit_label
from ..core.dates import within_app_years


REASON_MAX_LENGTH = 2000


def reason_field(label, description="", required=None) -> TextAreaField:
    """A written reason (published with what it explains): optional, or ``required`` with that
    message when left blank."""
    presence = DataRequired(message=required) if required is not None else Optional()
    return TextAreaField(label, validators=[presence, Length(max=REASON_MAX_LENGTH)], description=description)


class CommitForm(FlaskForm):
    external_kind = RadioField(
        _l("External value W mixed into the seed"),
        choices=[
            SelectChoice("lottery", _l("A public lottery result, entered after that lottery draw")),
            SelectChoice("witness", _l("A string typed at the draw by a named witness from another unit")),
        ],
        default="lottery",
        validators=[DataRequired(message=_l("Choose where the external value comes from."))],
    )
    external_description = StringField(
        _l("Which lottery draw, or which witness"),
        validators=[DataRequired(message=_l("Name the lottery draw or the witness.")), Length(max=300)],
        description=_l(
            "For example: 体彩排列5, issue 21095; or: 王五, 市纪委监委派驻纪检组. Published with the commitment."
        ),
    )
    external_date = DateField(
        _l("Date of the lottery draw"),
        validators=[Optional(), within_app_years],
        description=_l("Only for a lottery: the day it is drawn (after today)."),
    )
    redraw_reason = reason_field(
        _l("Reason for the redraw"),
        _l("Required when the round has already been drawn; published with the new draw."),
    )
    exception_reason = reason_field(
        _l("Reason for drawing despite the warnings"),
        _l("Required when the task has warnings above; published with the draw."),
    )


class AbandonForm(FlaskForm):
    reason = reason_field(
        _l("Reason for abandoning the commitment"),
        _l("Published with the commitment and its seed."),
        required=_l("Give the reason for abandoning this commitment."),
    )


class RunForm(FlaskForm):
    witness = StringField(
        _l("External value W"),
        validators=[Optional(), Length(max=200)],
        description=_l("The lottery result or the witness's string named by the commitment, exactly as announced."),
    )
    confirm = BooleanField(
        _l("I confirm: the commitment above was published before this draw, and the result will be final."),
        validators=[DataRequired(message=_l("Tick the confirmation to draw."))],
    )


class ReplaceForm(FlaskForm):
    reason = reason_field(_l("Reason for the replacement"), required=_l("Give the reason for the replacement."))


class InviteForm(FlaskForm):
    department = SelectField(_l("Department to invite"), validators=[DataRequired()])
    message = TextAreaField(_l("Message"), validators=[Optional(), Length(max=2000)])
    items = TextAreaField(
        _l("The department's inspection items (one a line)"), validators=[Optional(), Length(max=4000)]
    )

    def __init__(self, *args, departments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.department.choices = [SelectChoice(u.code, unit_label(u)) for u in departments]


class RespondForm(FlaskForm):
    pass
