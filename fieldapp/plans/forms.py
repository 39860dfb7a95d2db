"""Forms for plans: task edit, import, publish, file (备案), acknowledge."""

from __future__ import annotations

import re
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from ..core.numbers import decimal_places
from .class_ratios import ClassRule, describe_ratios, read_typed, stored_ratios
from .models import RATIO_PLACES
from .display import KIND_LABELS, SUBJECT_KIND_LABELS
from .scope import CLASSES, INDUSTRY_CODE, KINDS, clean_rule, industry_terms, tag_vocabulary

MONTHS = [SelectChoice("", "—")] + [SelectChoice(str(m), f"{m}月") for m in range(1, 13)]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def ratio_places(form, field) -> None:
    """The ratio is kept exactly: refuse a percentage with more places than can be stored (a NaN or an
    infinity is the range check's to refuse)."""
    if field.data is not None and field.data.is_finite() and decimal_places(field.data.normalize()) > RATIO_PLACES - 2:
        raise ValidationError(_l("Give the percentage with at most 6 decimal places."))


# Why typed ratios by credit class cannot apply, by the reading's refusal code (class_ratios.read_typed).
CLASS_RATIO_REFUSALS = {
    "credit_ratios_none": _l(
        "No ratio by credit class could be read here. Write each class with its ratio, e.g. A类1%、B类3%、C类5%、D类10%."
    ),
    "credit_ratios_conflict": _l("A credit class is given two different ratios."),
    "credit_ratios_not_applied": _l(
        "Each ratio must be above 0% and at most 100%, with at most 6 decimal places; "
        "and at most one ratio may be written without a class."
    ),
    "ratio_range": _l("Give each credit class one ratio, not a range."),
    "credit_ratios_inexact": _l("The draw cannot take these ratios exactly: give them with fewer decimal places."),
}


def _month(value):
    return int(value) if value not in (None, "", "None") else None


NEW_PLAN = "new"  # ImportForm.version_of: the file is a plan of its own


def _plan_id(value):
    if value == NEW_PLAN:
        return NEW_PLAN
    return int(value) if value not in (None, "", "None") and str(value).isdigit() else None


class TaskForm(FlaskForm):
    name = StringField(_l("Task name"), validators=[DataRequired(), Length(max=500)])
    kind = SelectField(_l("Type"), choices=[SelectChoice(k, v) for k, v in KIND_LABELS.items()])
    items = TextAreaField(
        _l("Inspection items"),
        validators=[DataRequired()],
        description=_l("One item per line, without its number."),
    )
    scope = TextAreaField(_l("Subjects in scope (as the plan writes it)"), validators=[Length(max=2000)])
    kinds = CheckboxesField(_l("Kinds of subject"), choices=[SelectChoice(k, SUBJECT_KIND_LABELS[k]) for k in KINDS])
    tags = CheckboxesField(_l("Subject tags (any of them)"), choices=[])
    past_business_term = BooleanField(_l("Only enterprises past their business term (超出经营期限)"))
    ratio_percent = DecimalField(
        _l("Ratio (%)"),
        places=None,
        validators=[Optional(), NumberRange(min=Decimal("0.000001"), max=100), ratio_places],
    )
    class_ratios_text = StringField(
        _l("Or ratios by credit class"),
        validators=[Length(max=500)],
        description=_l(
            "As a plan writes them, e.g. A类1%、B类3%、C类5%、D类10% (a ratio without a class is for the classes "
            "not named). The draw then takes their base as the ratio; they are confirmed on the task's scope page."
        ),
    )
    ratio_is_floor = BooleanField(_l("The ratio is a minimum (不低于)"))
    fixed_count = IntegerField(
        _l("Or a fixed number of subjects"), validators=[Optional(), NumberRange(min=1, max=100000)]
    )
    rounds_per_year = IntegerField(
        _l("Rounds a year"), default=1, validators=[DataRequired(), NumberRange(min=1, max=12)]
    )
    window_start_month = SelectField(_l("Draw window from"), choices=MONTHS, coerce=_month, validate_choice=False)
    window_end_month = SelectField(_l("Draw window to"), choices=MONTHS, coerce=_month, validate_choice=False)
    initiator = StringField(_l("Initiator (发起主体)"), validators=[Length(max=500)])
    guiding_department = StringField(_l("Guiding department (指导单位)"), validators=[Length(max=500)])
    executor = StringField(_l("Executed by (抽查检查主体)"), validators=[Length(max=500)])
    cooperating_departments = StringField(_l("Cooperating departments (配合部门)"), validators=[Length(max=1000)])
    executes_city = BooleanField(_l("The city bureau executes"))
    executes_county = BooleanField(_l("The county bureaus execute"))
    reason = TextAreaField(_l("Reason for the adjustment"), validators=[Length(max=2000)])

    def __init__(self, *args, task=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.tags.choices = [SelectChoice(t["name"], t["name"]) for t in tag_vocabulary()]
        self.task = task  # the task edited (None: a new one)
        self.class_rule: ClassRule | None = None  # the typed ratios by class, once read

    def validate_class_ratios_text(self, field):
        if not (field.data or "").strip():
            return
        read = read_typed(field.data)
        if isinstance(read, str):
            raise ValidationError(CLASS_RATIO_REFUSALS[read])
        self.class_rule = read

    def new_class_rule(self) -> ClassRule | None:
        """The typed ratios by class when they are not the task's already (those stay as stored,
        their confirmation too, as a re-import of the same ratios keeps it)."""
        stored = stored_ratios(self.task.class_ratios) if self.task is not None else {}
        if self.class_rule is None or self.class_rule.ratios == stored:
            return None
        return self.class_rule

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.class_ratios_text.errors:
            return False
        if (rule := self.new_class_rule()) is not None:
            return self._validate_with_class_rule(rule) and valid
        # Not an inline validator: Optional() stops the chain on an empty field.
        if not self.ratio_percent.errors and not self.fixed_count.errors:
            ratio, count = self.ratio_percent.data, self.fixed_count.data
            if ratio is None and count is None and self.class_rule is not None:
                return valid  # the task's ratios by class, unchanged
            if ratio is None and count is None:
                self.ratio_percent.errors = [
                    *self.ratio_percent.errors,
                    _l("Give a ratio or a fixed number of subjects."),
                ]
                valid = False
            elif ratio is not None and count is not None:
                self.ratio_percent.errors = [
                    *self.ratio_percent.errors,
                    _l("Give a ratio or a fixed number of subjects, not both."),
                ]
                valid = False
        return valid

    def _validate_with_class_rule(self, rule: ClassRule) -> bool:
        """New ratios by class give the ratio: no fixed number beside them, and no other ratio than
        the one the form showed (the task's) or their base."""
        if self.fixed_count.data is not None:
            self.class_ratios_text.errors = [_l("Give ratios by credit class or a fixed number of subjects, not both.")]
            return False
        ratio = self.ratio_percent.data
        shown = self.task.ratio if self.task is not None else None
        if ratio is not None and ratio.is_finite() and Decimal(ratio) / 100 not in (shown, rule.rule.ratio):
            self.ratio_percent.errors = [
                *self.ratio_percent.errors,
                _l(
                    "Give one ratio or ratios by credit class, not both (with ratios by class, the ratio is their base)."
                ),
            ]
            return False
        return True

    def validate_window_start_month(self, field):
        start, end = field.data, self.window_end_month.data
        if start is not None and not 1 <= start <= 12:
            raise ValidationError(_l("Choose a month."))
        if (start is None) != (end is None):
            raise ValidationError(_l("Give both months of the window, or neither."))
        if start is not None and end is not None and start > end:
            raise ValidationError(_l("The window cannot end before it starts."))

    def validate_window_end_month(self, field):
        if field.data is not None and not 1 <= field.data <= 12:
            raise ValidationError(_l("Choose a month."))

    def validate_executes_county(self, field):
        if not field.data and not self.executes_city.data:
            raise ValidationError(_l("Choose who executes the task."))

    def fill_from(self, task) -> None:
        rule = task.scope_rule or {}
        self.name.data = task.name
        self.kind.data = task.kind
        self.items.data = "\n".join(item.text for item in task.items)
        self.scope.data = task.scope
        self.kinds.data = list(rule.get("kinds") or [])
        self.tags.data = list(rule.get("tags_any") or [])
        self.past_business_term.data = bool(rule.get("past_business_term"))
        # Plain notation: 30, never 3E+1 (normalize() alone writes exponents).
        self.ratio_percent.data = (
            Decimal(format((task.ratio * 100).normalize(), "f")) if task.ratio is not None else None
        )
        self.class_ratios_text.data = describe_ratios(stored_ratios(task.class_ratios))
        self.ratio_is_floor.data = task.ratio_is_floor
        self.fixed_count.data = task.fixed_count
        self.rounds_per_year.data = task.rounds_per_year
        self.window_start_month.data = task.window_start_month
        self.window_end_month.data = task.window_end_month
        self.initiator.data = task.initiator
        self.guiding_department.data = task.guiding_department
        self.executor.data = task.executor
        self.cooperating_departments.data = task.cooperating_departments
        self.executes_city.data = task.executes_city
        self.executes_county.data = task.executes_county

    def values(self, task) -> dict:
        """What to pass to :func:`fieldapp.plans.operations.update_task`."""
        rule = dict((task.scope_rule if task is not None else None) or {})
        rule.update(
            kinds=list(self.kinds.data or []),
            tags_any=list(self.tags.data or []),
            past_business_term=bool(self.past_business_term.data),
        )
        ratio = self.ratio_percent.data
        values = {
            "name": self.name.data.strip(),
            "kind": self.kind.data,
            "items": (self.items.data or "").splitlines(),
            "scope": (self.scope.data or "").strip(),
            "scope_rule": rule,
            "ratio": (Decimal(ratio) / 100) if ratio is not None else None,
            "ratio_is_floor": bool(self.ratio_is_floor.data),
            "fixed_count": self.fixed_count.data,
            "rounds_per_year": self.rounds_per_year.data,
            "window_start_month": self.window_start_month.data,
            "window_end_month": self.window_end_month.data,
            "initiator": (self.initiator.data or "").strip(),
            "guiding_department": (self.guiding_department.data or "").strip(),
            "executor": (self.executor.data or "").strip(),
            "cooperating_departments": (self.cooperating_departments.data or "").strip(),
            "executes_city": bool(self.executes_city.data),
            "executes_county": bool(self.executes_county.data),
        }
        return {**values, **self._class_values(task)}

    def _class_values(self, task) -> dict:
        """The ratio fields the ratios by class decide: new ones set the ratio, the multipliers
        and the ratios (unconfirmed); unchanged ones leave them as they are unless the ratio or the
        number is set by hand (then ``class_ratio_rules.hand_set_ratio`` drops them); none typed
        drop the task's."""
        if (rule := self.new_class_rule()) is not None:
            words = self.class_ratios_text.data.strip()
            typed = rule.stored("", words, typed=True)
            return {
                "ratio": rule.rule.ratio,
                "fixed_count": None,
                "risk_multipliers": rule.multipliers(),
                "class_ratios": typed,
            }
        if self.class_rule is not None:
            if self.ratio_percent.data is None and self.fixed_count.data is None:
                return {"ratio": task.ratio}
            return {}
        if task is not None and task.class_ratios:
            return {"class_ratios": None, "risk_multipliers": None}
        return {}


PLAN_SUFFIXES = ["docx", "xlsx", "xlsm", "xls", "pdf", "csv", "tsv", "txt", "html", "htm"]
OLD_SUFFIXES = ["doc", "wps", "et", "rtf"]


class ImportForm(FlaskForm):
    file = FileField(
        _l("Plan table"),
        validators=[
            FileRequired(),
            # The old Office formats pass here so that the reader can say how to save them as new ones.
            FileAllowed(PLAN_SUFFIXES + OLD_SUFFIXES, _l("Use a .docx, .xlsx, .xls, .pdf, .csv, .txt or .html file.")),
        ],
        description=_l(
            "The plan as a Word document (.docx), an Excel workbook (.xlsx or .xls), a PDF with text (not a scan), a web "
            "page saved from the bureau's site (.html), a CSV (UTF-8 or GB18030) or as printed (.txt)."
        ),
    )
    year = IntegerField(_l("Year"), validators=[Optional(), NumberRange(min=2000, max=2100)])
    reason = TextAreaField(_l("Reason, if this changes a published plan"), validators=[Length(max=2000)])
    # A plan of the bureau (ImportForm.offer_plans), when the file is a new version of it whatever its
    # title or 文号; empty: the stored plan the file names, or a new plan.
    version_of = SelectField(
        _l("This file is a new version of"), coerce=_plan_id, choices=[SelectChoice("", "—")], validate_choice=False
    )

    def offer_plans(self, plans, label) -> None:
        """The plans the file may be said to be a new version of (``label``: how one is named)."""
        self.version_of.choices = [SelectChoice("", _l("— (no: the plan the file names, or a new plan)"))] + [
            SelectChoice(str(plan.id), label(plan)) for plan in plans
        ]
        if plans:
            self.version_of.choices.append(
                SelectChoice(NEW_PLAN, _l("none of them: another document, a plan of its own"))
            )

    @property
    def plan_id(self) -> int | None:
        return self.version_of.data if isinstance(self.version_of.data, int) else None

    @property
    def new_plan(self) -> bool:
        return self.version_of.data == NEW_PLAN


class ConfirmForm(FlaskForm):
    """Publish or acknowledge: nothing to fill in but the CSRF token."""


class ClassRatiosForm(FlaskForm):
    """Confirm the ratios by credit class read from the plan (a published plan: with a reason)."""

    reason = TextAreaField(_l("Reason for the change"), validators=[Length(max=2000)])


class FilingForm(FlaskForm):
    note = TextAreaField(_l("Note to the city bureau"), validators=[Length(max=2000)])


class ScopeForm(FlaskForm):
    """A task's scope rules over the directory (all must hold), with the reason for a change."""

    kinds = CheckboxesField(_l("Kinds of subject"), choices=[SelectChoice(k, SUBJECT_KIND_LABELS[k]) for k in KINDS])
    status = SelectField(
        _l("Registration status"), choices=[SelectChoice(s, s) for s in ("在业", "注销", "吊销", "撤销", "迁出")]
    )
    tags = CheckboxesField(_l("Subject tags (any of them)"), choices=[])
    holdings = CheckboxesField(_l("Holders of (any of them)"), choices=[])
    industries = StringField(
        _l("Industries"),
        validators=[Length(max=500)],
        description=_l(
            "GB/T 4754 codes or names, separated by spaces or commas (F, F52, 零售业). Empty: any industry."
        ),
    )
    credit_classes = CheckboxesField(_l("Credit classes"), choices=[SelectChoice(c, c) for c in CLASSES])
    past_business_term = BooleanField(_l("Only enterprises past their business term (超出经营期限)"))
    counties = CheckboxesField(_l("Counties"), choices=[])
    reason = TextAreaField(_l("Reason for the change"), validators=[Length(max=2000)])

    def __init__(self, *args, counties=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.tags.choices = [SelectChoice(t["name"], t["name"]) for t in tag_vocabulary()]
        self.holdings.choices = [SelectChoice(t["name"], t["name"]) for t in tag_vocabulary() if t["holding"]]
        self.counties.choices = [SelectChoice(u.division_code, u.name) for u in counties]

    def validate_industries(self, field):
        for term in industry_terms(re.split(r"[\s,，、;；]+", field.data or "")):
            if re.fullmatch(r"[A-Za-z]\d*", term) and not INDUSTRY_CODE.fullmatch(term.upper()):
                raise ValidationError(
                    _l("%(code)s is not a GB/T 4754 code (a letter A–T and up to four digits).", code=term)
                )

    def fill_from(self, rule: dict) -> None:
        rule = clean_rule(rule)
        self.kinds.data = rule["kinds"]
        self.status.data = rule["status"]
        self.tags.data = rule["tags_any"]
        self.holdings.data = rule["holdings_any"]
        self.industries.data = " ".join(rule["industries"])
        self.credit_classes.data = rule["credit_classes"]
        self.past_business_term.data = rule["past_business_term"]
        self.counties.data = rule["counties"]

    def rule(self) -> dict:
        return clean_rule(
            {
                "kinds": self.kinds.data or [],
                "status": self.status.data,
                "tags_any": self.tags.data or [],
                "holdings_any": self.holdings.data or [],
                "industries": re.split(r"[\s,，、;；]+", self.industries.data or ""),
                "credit_classes": self.credit_classes.data or [],
                "past_business_term": bool(self.past_business_term.data),
                "counties": self.counties.data or [],
            }
        )
