"""Item types (check, number, date, text, choice, photo, signature, location, repeat): the base
class and the plain answers (check, text). Number and date items are in ``items_measured.py``, the
structured ones (choice, media, location, repeat) in ``items_more.py``.

Each type knows how to read and check its definition, turn a posted form value or a JSON value into
an answer, check an answer, and decide its outcome (合格 / 问题 / 不适用). Rendering: the macro in
``templates/checklists/_form.html`` dispatches on ``item.type``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any, overload

from flask_babel import lazy_gettext as _l

from .conditions import Condition, ConditionSyntaxError, parse
from .text import LocalText, Problems, read_local_text

PASS, FAIL, NA = "合格", "问题", "不适用"
NA_ANSWER = "不适用"  # the answer "does not apply at this subject" (check, number, date and choice items)
CHECK_VALUES = ("符合", "不符合", NA_ANSWER)
SEVERITIES = ("minor", "major", "serious")
FOLLOW_UPS = ("责令改正", "立案调查", "移送", "抄告", "反馈")
# How a follow-up reads where the short value alone is unclear (domain wording, kept in Chinese):
# 反馈 hands the subject back to day-to-day supervision (e.g. it cannot be reached at its address).
FOLLOW_UP_LABELS = {"反馈": "反馈日常监管部门处理"}
ITEM_ID_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_LABEL = 300
MAX_HELP = 2000
MAX_TEXT_ANSWER = 4000

COMMON_KEYS = {
    "id",
    "type",
    "label",
    "help",
    "required",
    "relevant",
    "constraint",
    "constraint_message",
    "finding",
    "basis",
}


def read_flag(raw: dict, key: str, default: bool, problems: Problems, where: str) -> bool:
    """The definition's true/false ``key`` (``default`` when absent or not a boolean, reported)."""
    value = raw.get(key, default)
    if not isinstance(value, bool):
        problems.add(where, f"'{key}' must be true or false")
        return default
    return value


@overload
def read_count(raw: dict, key: str, default: int, ceiling: int, problems: Problems, where: str) -> int: ...
@overload
def read_count(raw: dict, key: str, default: None, ceiling: int, problems: Problems, where: str) -> int | None: ...
def read_count(raw: dict, key: str, default: int | None, ceiling: int, problems: Problems, where: str) -> int | None:
    """The definition's whole number ``key`` from 0 to ``ceiling`` (``default`` when absent, or when
    out of range, reported; with no default, null is absent too)."""
    value = raw.get(key, default)
    if value is None and default is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= ceiling:
        problems.add(where, f"'{key}' must be a whole number from 0 to {ceiling}")
        return default
    return value


@dataclass(frozen=True)
class FindingRule:
    severity: str
    follow_up: str
    text: LocalText
    result: str | None = None  # a result code that this finding suggests (data/result_categories.yaml)
    listing: bool = False  # the finding proposes listing in the 经营异常名录 (企业信息公示暂行条例第十七条)


class Item:
    type = ""
    default_required = True
    extra_keys: set[str] = set()
    can_fail = False  # whether an answer can be a finding
    json_kind = "text"  # what the answer looks like, for documentation and the phone app

    def __init__(self, raw: dict, parents: tuple[str, ...], problems: Problems, where: str):
        self.raw = raw
        item_id = raw.get("id")
        self.id: str = item_id if isinstance(item_id, str) else ""  # build_item reported a bad one
        self.parents = parents  # ids of the enclosing repeats, outermost first
        self.where = where
        self.label = read_local_text(raw.get("label"), problems, where, "label", max_length=MAX_LABEL)
        self.help = read_local_text(raw.get("help"), problems, where, "help", required=False, max_length=MAX_HELP)
        self.basis = raw.get("basis")
        if self.basis is not None and not isinstance(self.basis, str):
            problems.add(where, "'basis' must be text (the legal basis as cited)")
        self.required = read_flag(raw, "required", self.default_required, problems, where)
        self.relevant = self._condition(raw.get("relevant"), "relevant", problems)
        self.constraint = self._condition(raw.get("constraint"), "constraint", problems)
        self.constraint_message = read_local_text(
            raw.get("constraint_message"), problems, where, "constraint_message", required=False
        )
        if self.relevant is not None and self.relevant.uses_self:
            problems.add(where, "'relevant' cannot use '.' (refer to other items with ${id})")
        self.finding = self._finding(raw.get("finding"), problems)
        if self.finding is not None and not self.can_fail:
            problems.add(where, f"'finding' makes no sense on a {self.type} item: it can never fail")
        unknown = set(raw) - COMMON_KEYS - self.extra_keys
        if unknown:
            problems.add(where, f"unknown keys {sorted(unknown)} for a {self.type} item")
        self.load(raw, problems)

    # --- definition --------------------------------------------------------------------------------

    def load(self, raw: dict, problems: Problems) -> None:
        """Read the type's own keys."""

    def _condition(self, text: Any, name: str, problems: Problems) -> Condition | None:
        if text is None:
            return None
        if not isinstance(text, str):
            problems.add(self.where, f"'{name}' must be a quoted condition")
            return None
        try:
            return parse(text)
        except ConditionSyntaxError as exc:
            problems.add(self.where, f"'{name}' does not parse: {exc} in {text!r}")
            return None

    def _finding(self, raw: Any, problems: Problems) -> FindingRule | None:
        if raw is None:
            return None
        if not isinstance(raw, dict):
            problems.add(self.where, "'finding' must be {severity, follow_up, text}")
            return None
        unknown = set(raw) - {"severity", "follow_up", "text", "result", "listing"}
        if unknown:
            problems.add(self.where, f"'finding' has unknown keys {sorted(unknown)}")
        severity = raw.get("severity")
        if severity not in SEVERITIES:
            problems.add(self.where, f"finding severity {severity!r} is not one of {', '.join(SEVERITIES)}")
        follow_up = raw.get("follow_up")
        if follow_up not in FOLLOW_UPS:
            problems.add(self.where, f"finding follow_up {follow_up!r} is not one of {' / '.join(FOLLOW_UPS)}")
        text = read_local_text(raw.get("text"), problems, self.where, "finding.text")
        result = raw.get("result")
        if result is not None:
            result = str(result)
        listing = raw.get("listing", False)
        if not isinstance(listing, bool):
            problems.add(self.where, "finding 'listing' must be true or false")
            listing = False
        return FindingRule(str(severity), str(follow_up), text or LocalText("", ""), result, listing)

    def finding_rule(self) -> FindingRule:
        """The finding, or a default one (minor, 责令改正, the label) when the file gives none."""
        if self.finding is not None:
            return self.finding
        label = self.label or LocalText("", "")
        return FindingRule("minor", "责令改正", LocalText(f"{label.zh}：不符合", f"{label.en}: not compliant"))

    def children(self) -> list[Item]:
        return []

    def to_json(self) -> dict:
        return self.raw

    # --- answers -----------------------------------------------------------------------------------

    def form_value(self, form, name: str) -> Any:
        """The raw answer from a posted form (a MultiDict); None when nothing was posted."""
        value = form.get(name)
        return value if value not in (None, "") else None

    def coerce(self, value: Any) -> tuple[Any, Any]:
        """(canonical answer, error message or None). The answer is kept even when it is wrong."""
        return value, None

    def is_empty(self, value: Any) -> bool:
        return value is None or value == "" or value == []

    def check(self, value: Any, inspection_date: date | None) -> Any:
        """A type-specific problem with a well-formed answer (message) or None."""
        return None

    def outcome(self, value: Any, inspection_date: date | None) -> str | None:
        return None

    def condition_value(self, value: Any) -> Any:
        """The answer as conditions see it."""
        return value

    # --- "does not apply" (不适用) -----------------------------------------------------------------

    na = False  # whether the item offers 不适用 (judged items read it from the file's ``na`` key)

    def is_na(self, value: Any) -> bool:
        """Whether ``value`` is the answer 不适用 (never a finding, and it answers a required item)."""
        return self.na and (value == NA_ANSWER or value == [NA_ANSWER])

    def na_form_value(self, form, name: str) -> str | None:
        """不适用 when the form ticked the item's "does not apply" box (``{name}-na``)."""
        return NA_ANSWER if self.na and NA_ANSWER in form.getlist(f"{name}-na") else None


class JudgedItem(Item):
    """An item whose answer is judged (合格 / 问题): it can be a finding, and it offers 不适用 unless
    its ``na`` key is false (check, number, date and choice items; their ``extra_keys`` name ``na``)."""

    can_fail = True

    def __init__(self, raw: dict, parents: tuple[str, ...], problems: Problems, where: str):
        self.na = read_flag(raw, "na", True, problems, where)
        super().__init__(raw, parents, problems, where)

    def coerce(self, value: Any) -> tuple[Any, Any]:
        """不适用 as it is; any other answer as the type reads it (``read_answer``)."""
        if self.is_na(value):
            return NA_ANSWER, None
        return self.read_answer(value)

    def read_answer(self, value: Any) -> tuple[Any, Any]:
        """(canonical answer, error message or None) for an answer other than 不适用."""
        return value, None

    def outcome(
        self, value: Any, inspection_date: date | None, lookup: Callable[[str], Any] | None = None
    ) -> str | None:
        """不适用 for 不适用; any other answer as the type judges it (``judge``; ``lookup(id)`` gives
        another item's answer, for a number limit that refers to one)."""
        if self.is_na(value):
            return NA
        return self.judge(value, inspection_date, lookup)

    def judge(self, value: Any, inspection_date: date | None, lookup: Callable[[str], Any] | None) -> str | None:
        return None


class CheckItem(JudgedItem):
    """符合 / 不符合, and 不适用 as a third answer of the same kind (so it reads and judges all three)."""

    type = "check"
    extra_keys = {"na"}

    def load(self, raw: dict, problems: Problems) -> None:
        self.values = CHECK_VALUES if self.na else CHECK_VALUES[:2]

    def coerce(self, value):
        if value in self.values:
            return value, None
        return value, _l("Choose one of the answers offered.")

    def outcome(
        self, value: Any, inspection_date: date | None, lookup: Callable[[str], Any] | None = None
    ) -> str | None:
        return {"符合": PASS, "不符合": FAIL, "不适用": NA}.get(value)


class TextItem(Item):
    type = "text"
    default_required = False
    extra_keys = {"multiline"}

    def load(self, raw: dict, problems: Problems) -> None:
        self.multiline = read_flag(raw, "multiline", False, problems, self.where)

    def coerce(self, value):
        if not isinstance(value, str):
            return value, _l("Enter text.")
        value = value.replace("\r\n", "\n").strip()
        if len(value) > MAX_TEXT_ANSWER:
            return value, _l("Keep it under %(n)s characters.", n=MAX_TEXT_ANSWER)
        return value, None
