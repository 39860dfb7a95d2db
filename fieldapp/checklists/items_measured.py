"""Item types judged against a limit or a rule: numbers (exact decimals, limits that may refer to
other answers) and dates (rules relative to the inspection date)."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l

from ..core.numbers import decimal_places
from .items import FAIL, PASS, JudgedItem, read_count
from .text import LocalText, Problems

LIMIT_REF_RE = re.compile(r"^\s*\$\{([a-z][a-z0-9_]{0,39})\}\s*$")
NUMBER_CLEAN_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")


def to_decimal(value: Any) -> Decimal | None:
    """A YAML or JSON number, or decimal text, as an exact Decimal (0.3 stays 0.3)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, str) and NUMBER_CLEAN_RE.match(value.strip()):
        return Decimal(value.strip())
    return None


def clean_number_text(text: str) -> str:
    """What people type on phones: full-width digits, a comma for the decimal point, spaces, '%'."""
    import unicodedata

    text = unicodedata.normalize("NFKC", text).strip().replace(" ", "").replace("−", "-")
    if text.endswith("%"):
        text = text[:-1]
    if "," in text and "." not in text and text.count(",") == 1:
        text = text.replace(",", ".")
    return text


class MeasuredItem(JudgedItem):
    """A number or a date: 不适用 is a box beside the input (``{name}-na``), and ticked it wins."""

    def form_value(self, form, name):
        return self.na_form_value(form, name) or super().form_value(form, name)


class NumberItem(MeasuredItem):
    type = "number"
    extra_keys = {"unit", "decimals", "limit", "na"}
    json_kind = "decimal text, or 不适用"

    def load(self, raw: dict, problems: Problems) -> None:
        self.unit = raw.get("unit")
        if self.unit is not None and not isinstance(self.unit, str):
            problems.add(self.where, "'unit' must be text")
        self.decimals = read_count(raw, "decimals", None, 6, problems, self.where)
        self.limit_min: Decimal | None = None
        self.limit_max: Decimal | None = None
        self.limit_refs: dict[str, str] = {}  # limit key -> id of the number item whose answer it is
        self.limit_labels: dict[str, LocalText] = {}  # limit key -> that item's label (set when checked)
        self.limit_numbers: dict[str, Decimal] = {}  # limit key -> the number the file gives
        limit = raw.get("limit")
        if limit is not None:
            self._load_limit(limit, problems)
        if raw.get("finding") is not None and not (self.has_limit or self.limit_refs):
            problems.add(self.where, "a number item with a 'finding' needs a 'limit' (outside it is the finding)")

    def _load_limit(self, limit: Any, problems: Problems) -> None:
        """``{min, max}`` or ``{target, tolerance}``: numbers, or ``${id}`` (the answer to another number item)."""
        if not isinstance(limit, dict) or not limit or set(limit) - {"min", "max", "target", "tolerance"}:
            problems.add(self.where, "'limit' must be {min, max} or {target, tolerance}")
            return
        bounds: dict[str, Decimal] = {}
        for k, v in limit.items():
            ref = LIMIT_REF_RE.match(v) if isinstance(v, str) else None
            if ref:
                self.limit_refs[k] = ref.group(1)
                continue
            number = to_decimal(v)
            if number is None:
                problems.add(self.where, f"limit.{k} must be a number or ${{id}} of a number item")
                return
            bounds[k] = self.limit_numbers[k] = number
        if "tolerance" in limit:
            if {"min", "max"} & set(limit):
                problems.add(self.where, "use either limit {min, max} or {target, tolerance}, not both")
            elif bounds.get("tolerance", Decimal(0)) < 0:
                problems.add(self.where, "limit.tolerance cannot be negative")
            elif not self.limit_refs:
                target = bounds.get("target", Decimal(0))
                self.limit_min, self.limit_max = target - bounds["tolerance"], target + bounds["tolerance"]
        elif "target" in limit:
            problems.add(self.where, "limit.target needs limit.tolerance")
        elif not self.limit_refs:
            self.limit_min, self.limit_max = bounds.get("min"), bounds.get("max")
            if self.limit_min is not None and self.limit_max is not None and self.limit_min > self.limit_max:
                problems.add(self.where, "limit.min must not be above limit.max")

    def bounds(self, lookup) -> tuple[Decimal | None, Decimal | None] | None:
        """(min, max) of a limit that refers to other answers (``lookup(id)`` gives an answer), or
        None while one of them is unanswered."""
        spec = dict(self.limit_numbers)
        for k, ref in self.limit_refs.items():
            number = to_decimal(lookup(ref))
            if number is None:
                return None
            spec[k] = number
        if "tolerance" in spec:
            target = spec.get("target", Decimal(0))
            return target - spec["tolerance"], target + spec["tolerance"]
        return spec.get("min"), spec.get("max")

    @property
    def has_limit(self) -> bool:
        return self.limit_min is not None or self.limit_max is not None

    def read_answer(self, value):
        if isinstance(value, str):
            text = clean_number_text(value)
            number = to_decimal(text)
            if number is None:
                return value, _l("Enter a number, such as 0.25 or -1.5.")
        else:
            number = to_decimal(value)
            if number is None:
                return value, _l("Enter a number, such as 0.25 or -1.5.")
            text = format(number, "f")
        if not number.is_finite():  # pragma: no cover (the pattern admits only digits)
            return value, _l("Enter a number, such as 0.25 or -1.5.")
        if text.startswith("+"):
            text = text[1:]
        if text.startswith("."):
            text = "0" + text
        elif text.startswith("-."):
            text = "-0" + text[1:]
        if text.endswith("."):
            text = text[:-1]
        if self.decimals is not None:
            if decimal_places(number) > self.decimals:
                if self.decimals == 0:
                    return text, _l("Enter a whole number.")
                return text, _l("Enter at most %(n)s decimal places.", n=self.decimals)
        return text, None

    def judge(self, value, inspection_date, lookup):
        number = to_decimal(value)
        if number is None:
            return None
        low, high = self.limit_min, self.limit_max
        if self.limit_refs:
            found = self.bounds(lookup or (lambda _id: None))
            if found is None:
                return None  # judged once the answers it depends on are given
            low, high = found
        if low is not None and number < low:
            return FAIL
        if high is not None and number > high:
            return FAIL
        return PASS


DATE_RULES = {
    "on_or_after_inspection": lambda d, i: d >= i,
    "after_inspection": lambda d, i: d > i,
    "before_inspection": lambda d, i: d < i,
    "on_or_before_inspection": lambda d, i: d <= i,
}


def parse_iso_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


class DateItem(MeasuredItem):
    type = "date"
    extra_keys = {"rule", "na"}
    json_kind = "YYYY-MM-DD, or 不适用"

    def load(self, raw: dict, problems: Problems) -> None:
        self.rule = raw.get("rule")
        if self.rule is not None and self.rule not in DATE_RULES:
            problems.add(self.where, f"date rule {self.rule!r} is not one of {', '.join(DATE_RULES)}")
            self.rule = None
        if raw.get("finding") is not None and self.rule is None:
            problems.add(
                self.where, "a date item with a 'finding' needs a 'rule' (when the rule fails it is the finding)"
            )

    def read_answer(self, value):
        if isinstance(value, date):
            value = value.isoformat()
        parsed = parse_iso_date(value)
        if parsed is None:
            return value, _l("Enter a date as year-month-day, such as 2021-06-30.")
        if not 1900 <= parsed.year <= 2100:
            return value, _l("Enter a date between 1900 and 2100.")
        return parsed.isoformat(), None

    def judge(self, value, inspection_date, lookup):
        parsed = parse_iso_date(value)
        if parsed is None:
            return None
        if self.rule is None or inspection_date is None:
            return PASS
        return PASS if DATE_RULES[self.rule](parsed, inspection_date) else FAIL
