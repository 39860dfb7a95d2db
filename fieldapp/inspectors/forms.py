"""Forms of the roster pages."""

from __future__ import annotations


from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField, SelectMultipleField, StringField, TextAreaField, widgets
from wtforms.fields.core import UnboundField
from wtforms.validators import DataRequired, Length, Optional

from .. import clock
from ..auth.unit_names import unit_label
from ..core.dates import within_app_years
from ..subjects.vocabulary import specialty_names
from .models import InspectorCategory, InspectorStatus


# The roster's stored words (the roster file's 在岗 / 调离 …, the category's code) as the user's language says them.
STATUS_LABELS = {
    InspectorStatus.ON_DUTY.value: _l("On duty"),
    InspectorStatus.TRANSFERRED.value: _l("Transferred"),
    InspectorStatus.RETIRED.value: _l("Retired"),
    InspectorStatus.SUSPENDED.value: _l("Suspended"),
}
CATEGORY_LABELS = {
    InspectorCategory.LAW_ENFORCEMENT.value: _l("Law-enforcement inspector"),
    InspectorCategory.ASSISTANT.value: _l("Assistant (expert or third party)"),
}


def status_label(value) -> str:
    return str(STATUS_LABELS.get(str(value), value))


def value_label(field: str, value: str | None) -> str | None:
    """A value of the roster's history as shown: a status or category in words, anything else as stored."""
    labels = {"status": STATUS_LABELS, "category": CATEGORY_LABELS}.get(field)
    return str(labels.get(value, value)) if labels and value else value


class CheckboxesField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class InspectorForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=64)])
    unit = SelectField(_l("Unit"), coerce=int)
    category = SelectField(
        _l("Category"),
        choices=[SelectChoice(value, label) for value, label in CATEGORY_LABELS.items()],
    )
    certificate_number = StringField(_l("Law-enforcement certificate number"), validators=[Optional(), Length(max=40)])
    certificate_valid_until = DateField(_l("Certificate valid until"), validators=[Optional(), within_app_years])
    status = SelectField(_l("Status"), choices=[SelectChoice(v, label) for v, label in STATUS_LABELS.items()])
    specialties = CheckboxesField(_l("Enforcement fields"))
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=32)])
    account = StringField(_l("Login account (username)"), validators=[Optional(), Length(max=64)])
    effective_on = DateField(
        _l("Changes take effect on"), default=clock.today, validators=[DataRequired(), within_app_years]
    )
    note = StringField(_l("Note for the history (e.g. the transfer order)"), validators=[Optional(), Length(max=500)])

    def __init__(self, *args, units=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.unit.choices = [SelectChoice(u.id, unit_label(u)) for u in units]
        self.specialties.choices = [SelectChoice(n, n) for n in specialty_names()]

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        number = (self.certificate_number.data or "").strip()
        if self.category.data == InspectorCategory.LAW_ENFORCEMENT and not number:
            self.certificate_number.errors.append(_l("A law-enforcement inspector needs a certificate number."))
            ok = False
        if number and self.certificate_valid_until.data is None and not self.certificate_valid_until.errors:
            self.certificate_valid_until.errors.append(_l("Give the date the certificate is valid until."))
            ok = False
        return ok


# The label of each roster field by name, the form's own: the history of changes names its fields so.
FIELD_LABELS = {name: field.args[0] for name, field in vars(InspectorForm).items() if isinstance(field, UnboundField)}


class ConflictForm(FlaskForm):
    subject_code = StringField(
        _l("Subject (credit code or registration number)"), validators=[Optional(), Length(max=18)]
    )
    person_name = StringField(_l("Or a person's name"), validators=[Optional(), Length(max=64)])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=500)])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and not (self.subject_code.data or "").strip() and not (self.person_name.data or "").strip():
            self.subject_code.errors.append(_l("Name a subject or a person."))
            return False
        return ok
