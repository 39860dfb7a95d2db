"""Forms of the draw pages: commit, draw (witness and confirmation), replace, invite, respond."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class CommitForm(FlaskForm):
    external_kind = RadioField(
        _l("External value W mixed into the seed"),
        choices=[
            ("lottery", _l("A public lottery result, entered after that lottery draw")),
            ("witness", _l("A string typed at the draw by a named witness from another unit")),
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
        validators=[Optional()],
        description=_l("Only for a lottery: the day it is drawn (today or later)."),
    )
    redraw_reason = TextAreaField(
        _l("Reason for the redraw"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Required when the round has already been drawn; published with the new draw."),
    )
    exception_reason = TextAreaField(
        _l("Reason for drawing despite the warnings"),
        validators=[Optional(), Length(max=2000)],
        description=_l("Required when the task has warnings above; published with the draw."),
    )


class AbandonForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason for abandoning the commitment"),
        validators=[DataRequired(message=_l("Give the reason for abandoning this commitment.")), Length(max=2000)],
        description=_l("Published with the commitment and its seed."),
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
    reason = TextAreaField(
        _l("Reason for the replacement"),
        validators=[DataRequired(message=_l("Give the reason for the replacement.")), Length(max=2000)],
    )


class InviteForm(FlaskForm):
    department = SelectField(_l("Department to invite"), validators=[DataRequired()])
    message = TextAreaField(_l("Message"), validators=[Optional(), Length(max=2000)])
    items = TextAreaField(
        _l("The department's inspection items (one a line)"), validators=[Optional(), Length(max=4000)]
    )


class RespondForm(FlaskForm):
    pass
