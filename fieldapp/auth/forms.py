from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from .models import Role

# The limits here only keep posts bounded; the rules (accounts.py) give the messages.
_PASSWORD = Length(max=1000)


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=256)])
    next = HiddenField()


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(message=_l("Enter your current password.")), _PASSWORD]
    )
    new_password = PasswordField(
        _l("New password"), validators=[DataRequired(message=_l("Enter a new password.")), _PASSWORD]
    )
    new_password_again = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(message=_l("Enter the new password again.")),
            EqualTo("new_password", message=_l("The two new passwords differ.")),
        ],
    )


ROLE_CHOICES = [
    SelectChoice(Role.INSPECTOR.value, _l("Inspector")),
    SelectChoice(Role.SUPERVISOR.value, _l("Supervisor")),
    SelectChoice(Role.AUDITOR.value, _l("Auditor (read-only)")),
    SelectChoice(Role.ADMIN.value, _l("Administrator")),
]


class AccountForm(FlaskForm):
    """A new account; without a typed password one is generated and shown once."""

    username = StringField(_l("Username"), validators=[DataRequired(message=_l("Enter a username.")), Length(max=200)])
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Enter the person's name.")), Length(max=64)])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, validate_choice=False)
    unit = SelectField(_l("Unit"), validate_choice=False)
    password = PasswordField(_l("Initial password"), validators=[Optional(), _PASSWORD])


class PasswordResetForm(FlaskForm):
    password = PasswordField(_l("New password"), validators=[Optional(), _PASSWORD])
