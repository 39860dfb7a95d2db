"""Forms of the draw pages: commit, draw (witness and confirmation), replace, invite, respond."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class CommitForm(FlaskForm):
    redraw_reason = TextAreaField(
        _l("Reason for the redraw"), validators=[Optional(), Length(max=2000)],
        description=_l("Required when the round has already been drawn; published with the new draw."),
    )


class RunForm(FlaskForm):
    witness = StringField(
        _l("Witness string"), validators=[Optional(), Length(max=200)],
        description=_l("Typed by a witness at the draw (for example a name and the time); may be empty."),
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
