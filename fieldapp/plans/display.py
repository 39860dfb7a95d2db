"""Words for plan values in the reader's language: ratios, windows, kinds, statuses."""

from __future__ import annotations

from decimal import Decimal

from babel.dates import get_month_names
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .class_ratios import describe_ratios, stored_ratios
from .identity import document_label
from .models import FilingStatus, Plan, PlanKind, PlanStatus, TaskKind

KIND_LABELS: dict[str, str] = {TaskKind.TARGETED: "定向", TaskKind.UNTARGETED: "不定向"}  # data: as the plans write it
KIND_WORDS: dict[str, object] = {
    TaskKind.TARGETED: _l("Targeted (定向)"),
    TaskKind.UNTARGETED: _l("Non-targeted (不定向)"),
}  # on pages
PLAN_KIND_LABELS = {PlanKind.OWN: _l("Bureau's own plan"), PlanKind.JOINT: _l("Joint plan with other departments")}
PLAN_STATUS_LABELS = {PlanStatus.DRAFT: _l("Draft"), PlanStatus.PUBLISHED: _l("Published")}
FILING_LABELS = {
    FilingStatus.NOT_FILED: _l("Not filed"),
    FilingStatus.FILED: _l("Filed, awaiting the city bureau"),
    FilingStatus.ACKNOWLEDGED: _l("Acknowledged by the city bureau"),
}
SUBJECT_KIND_LABELS = {
    "enterprise": _l("Enterprises (企业)"),
    "individual": _l("Individual businesses (个体工商户)"),
    "cooperative": _l("Farmers' cooperatives (农民专业合作社)"),
}
FIELD_LABELS = {
    "task": _l("Task"),
    "name": _l("Task name"),
    "kind": _l("Type"),
    "items": _l("Inspection items"),
    "scope": _l("Subjects in scope"),
    "scope_rule": _l("Scope rule"),
    "ratio": _l("Ratio"),
    "ratio_is_floor": _l("Ratio is a minimum"),
    "fixed_count": _l("Fixed number of subjects"),
    "rounds_per_year": _l("Rounds a year"),
    "window_start_month": _l("Window starts"),
    "window_end_month": _l("Window ends"),
    "initiator": _l("Initiator"),
    "guiding_department": _l("Guiding department"),
    "executor": _l("Executed by"),
    "cooperating_departments": _l("Cooperating departments"),
    "risk_multipliers": _l("Class multipliers"),
    "class_ratios": _l("Ratios by credit class"),
    "executes_city": _l("City bureau executes"),
    "executes_county": _l("County bureaus execute"),
}


def plan_label(plan: Plan) -> str:
    """A plan among the others of its unit: year, kind (本部门 / 部门联合) and 《title（文号）》."""
    document = document_label(plan.title, plan.doc_number)
    kind = str(PLAN_KIND_LABELS.get(plan.kind, plan.kind))
    return f"{plan.year} · {kind}" + (f" · 《{document}》" if document else "")


def task_number_label(task) -> str:
    """A task's 序号 where the tasks of several plans meet, marked 联合 when its plan is a 部门联合 plan
    (序号 repeat across a unit's plans: a unit's own plan and its joint plan both have a task 1). The
    one label wherever a task's number is shown outside its plan's page. ``task``: a Task, or a row
    with ``number`` and ``plan_kind`` (the lists that select columns, not records)."""
    kind = task.plan_kind if hasattr(task, "plan_kind") else task.plan.kind if task.plan is not None else None
    if kind == PlanKind.JOINT:
        return _("joint %(number)s", number=task.number)
    return str(task.number)


def percent(value: Decimal | float | str | None) -> str:
    if value is None or value == "":
        return ""
    number = (Decimal(str(value)) * 100).normalize()
    return f"{number:f}%"


def describe_class_ratios(stored: dict) -> str:
    """``A类 1%、B类 3%…`` / ``class A 1%, class B 3%…``: a task's ratios by credit class."""
    ratios = stored_ratios(stored)
    parts = [_("class %(cls)s %(percent)s", cls=cls, percent=percent(value)) for cls, value in ratios.items()]
    return ("、" if str(get_locale()).startswith("zh") else ", ").join(parts)


def describe_ratio(task) -> str:
    """``不低于5%，每年2次`` / ``at least 5%, twice a year``; ``10户`` for a fixed count."""
    if task.fixed_count:
        amount = (
            _("at least %(count)s subjects", count=task.fixed_count)
            if task.ratio_is_floor
            else _("%(count)s subjects", count=task.fixed_count)
        )
    elif task.class_ratios:
        value = describe_class_ratios(task.class_ratios)
        amount = _("at least %(percent)s", percent=value) if task.ratio_is_floor else value
    elif task.ratio is not None:
        value = percent(task.ratio)
        amount = _("at least %(percent)s", percent=value) if task.ratio_is_floor else value
    else:
        return _("not set")
    rounds = task.rounds_per_year or 1
    return (
        _("%(amount)s, %(rounds)s times a year", amount=amount, rounds=rounds)
        if rounds > 1
        else _("%(amount)s, once a year", amount=amount)
    )


def month_name(month: int) -> str:
    names = get_month_names("abbreviated", locale=get_locale())
    return names.get(month, str(month))


def describe_window(task) -> str:
    start, end = task.window_start_month, task.window_end_month
    if not start or not end:
        return _("not set")
    if start == end:
        return month_name(start)
    return _("%(start)s to %(end)s", start=month_name(start), end=month_name(end))


def describe_levels(task) -> str:
    if task.executes_city and task.executes_county:
        return _("city and county bureaus")
    if task.executes_city:
        return _("city bureau")
    if task.executes_county:
        return _("county bureaus")
    return _("not set")


def describe_value(field: str, value) -> str:
    """A value from a version's change list, for the history of adjustments."""
    if value is None or value == "" or value == []:
        return "—"
    if field == "ratio":
        return percent(value)
    if field == "kind":
        return KIND_LABELS.get(value, str(value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if field in ("window_start_month", "window_end_month"):
        return month_name(int(value))
    if field == "items" and isinstance(value, list):
        return "；".join(f"{i}. {text}" for i, text in enumerate(value, 1))
    if field == "class_ratios" and isinstance(value, dict):
        text = describe_class_ratios(value)
        return text + ("" if value.get("confirmed") else " " + _("(not confirmed)"))
    if field == "risk_multipliers" and isinstance(value, dict):
        return "、".join(f"{cls} × {value[cls]}" for cls in sorted(value))
    if field == "scope_rule" and isinstance(value, dict):
        text = "、".join(describe_rule(value)) or _("any operating subject")
        return text + ("" if value.get("confirmed") else " " + _("(proposed, not confirmed)"))
    return str(value)


RULE_NOTES = {
    "scope_holding": _l("the scope names holders of %(words)s"),
    "item_holding": _l("an item is about %(words)s: only its holders"),
    "items_choose": _l("the items choose %(words)s among the holdings the scope names"),
    "high_risk": _l("%(words)s: the high-risk credit classes, not a hand-set tag"),
}


def describe_rule(rule: dict) -> list[str]:
    """Each rule of a scope in words (a list; empty means any operating subject)."""
    parts = [str(SUBJECT_KIND_LABELS.get(k, k)) for k in rule.get("kinds") or []]
    if (rule.get("status") or "在业") != "在业":
        parts.append(_("status %(status)s", status=rule["status"]))
    if rule.get("tags_any"):
        parts.append(_("tagged %(tags)s", tags=" / ".join(rule["tags_any"])))
    if rule.get("holdings_any"):
        parts.append(_("holders of %(holdings)s", holdings=" / ".join(rule["holdings_any"])))
    if rule.get("industries"):
        parts.append(_("industry %(industries)s", industries=" / ".join(rule["industries"])))
    if rule.get("credit_classes"):
        parts.append(_("credit class %(classes)s", classes=" / ".join(rule["credit_classes"])))
    if rule.get("past_business_term"):
        parts.append(_("past their business term"))
    if rule.get("counties"):
        parts.append(_("counties %(counties)s", counties=" / ".join(rule["counties"])))
    return parts


def describe_rule_note(note: dict) -> str:
    """A proposal's note as stored in the rule (``{"key", "code", "words"}``); an unknown code says nothing."""
    code = note.get("code")
    text = RULE_NOTES.get(code) if isinstance(code, str) else None
    return str(text % {"words": note.get("words", "")}) if text else ""


TEMPLATE_HELPERS = {
    "describe_ratio": describe_ratio,
    "describe_class_ratios": describe_class_ratios,
    "describe_window": describe_window,
    "describe_levels": describe_levels,
    "describe_value": describe_value,
    "kind_label": lambda value: str(KIND_WORDS.get(value, value)),  # a page's; printed documents: task_kind_label
    "plan_kind_label": lambda value: PLAN_KIND_LABELS.get(value, value),
    "plan_label": plan_label,
    "task_number_label": task_number_label,
    "plan_status_label": lambda value: PLAN_STATUS_LABELS.get(value, value),
    "filing_label": lambda value: FILING_LABELS.get(value, value),
    "field_label": lambda value: FIELD_LABELS.get(value, value),
    "subject_kind_label": lambda value: SUBJECT_KIND_LABELS.get(value, value),
    "percent": percent,
    "class_ratio_text": lambda task: describe_ratios(stored_ratios(task.class_ratios)),  # printed: as plans write it
    "describe_rule": describe_rule,
    "describe_rule_note": describe_rule_note,
}
