"""Ratios by credit-risk class (A类1%、B类3%、C类5%、D类10%; 低风险 … 高风险), read into the task's draw rule.

The draw (docs/draw-algorithm.md §4) takes one ratio r and a multiplier m_c per class, and draws
q_c = min(N_c, round_half_up(N_c × r × m_c)) of class c, then tops up to ⌈N × r⌉ from D, C, B, A.
A plan's ratio per class r_c is expressed exactly by r = the smallest of them and m_c = r_c / r
(r × m_c = r_c, as fractions): each class then gets round_half_up(N_c × r_c) — its stated share
rounded half up, never more than the class — and only when those sum below ⌈N × r⌉ does the top-up
add the difference (from D first). When some r_c / r is not a finite decimal (5% / 3%), r is the
ratios' greatest common divisor instead (1%: multipliers 3 and 5), still exact.

A class the plan does not name takes the ratio written without a class beside them (抽查比例3%，其中D类
100%), else the nearest named class's ratio weighted as the draw weights classes by default (A 0.5,
B 1, C 2, D 4; at most 100%) — either kept no lower than a less risky named class's ratio and no higher
than a riskier one's. Pure: no database, no Flask. The reading is stored on the task
(``Task.class_ratios``) unconfirmed; a supervisor confirms it on the task's scope page.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from ..core.numbers import decimal_places
from .cells import normalise
from .models import RATIO_PLACES

CLASSES = ("A", "B", "C", "D")
DEFAULT_WEIGHTS = {"A": Fraction(1, 2), "B": Fraction(1), "C": Fraction(2), "D": Fraction(4)}
_RISK_WORDS = {"低": "A", "较低": "A", "一般": "B", "较高": "C", "高": "D"}
_LEVEL = r"(较高|较低|一般|低|高)"
# A class label: A类 / B级 (not 3C类), or a risk level: 低风险, 较高风险, 信用风险一般, 风险高.
_LABEL = re.compile(
    rf"(?<![0-9A-Za-z])([ABCD](?:\s*[、,/和及与]\s*[ABCD])*)\s*[类级]|{_LEVEL}\s*风险|风险\s*(?:等级)?\s*(?:为)?\s*{_LEVEL}"
)
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)\s*([%‰])|(全覆盖|全部抽查|全部检查)")
_RANGE = re.compile(r"(\d+(?:\.\d+)?)\s*[%‰]?\s*(?:-|－|—|–|~|～|至|到)\s*(\d+(?:\.\d+)?)\s*([%‰])")
# Multipliers the published bundle can carry (tools/verify_draw_2.py: up to 6 digits, 10 places).
MULTIPLIER_DIGITS, MULTIPLIER_PLACES = 6, 10


@dataclass
class ClassReading:
    """What a text says per class: the ratios as written, and any ratio written without a class."""

    stated: dict[str, Decimal] = field(default_factory=dict)
    general: list[Decimal] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)  # classes given two different ratios
    unreadable: list[str] = field(default_factory=list)  # ratios out of range or too precise
    ranges: list[tuple[str, str]] = field(default_factory=list)  # (1%-3%, 1%): read as the least


def label_classes(match: re.Match) -> list[str]:
    """The classes one label names: A类 → A, A、B类 → A and B, 较高风险 → C."""
    if match.group(1):
        return [c for c in match.group(1) if c in CLASSES]
    return [_RISK_WORDS[match.group(2) or match.group(3)]]


def classes_named(text: str) -> list[str]:
    """The classes a text (a column's title) names, in order, each once."""
    return list(dict.fromkeys(c for m in _LABEL.finditer(normalise(text)) for c in label_classes(m)))


def _value(match: re.Match, reading: ClassReading) -> Decimal | None:
    if match.group(3):
        return Decimal(1)
    value = Decimal(match.group(1)) / (100 if match.group(2) == "%" else 1000)
    if value <= 0 or value > 1 or decimal_places(value.normalize()) > RATIO_PLACES:
        reading.unreadable.append(match.group(0))
        return None
    return value.normalize()


def _least(reading: ClassReading):
    def replace(match: re.Match) -> str:
        if Decimal(match.group(1)) >= Decimal(match.group(2)):
            return match.group(0)
        reading.ranges.append((match.group(0), match.group(1) + match.group(3)))
        return match.group(1) + match.group(3)

    return replace


def read_class_ratios(text: str) -> ClassReading | None:
    """Each percent goes to the classes named since the percent before it (A类、B类企业3%，C类10%);
    a percent after no class is a general ratio. None when the text gives no class a ratio."""
    reading = read_all(text)
    return reading if reading.stated else None


def read_all(text: str) -> ClassReading:
    """What :func:`read_class_ratios` reads, also when no class is given a ratio (its ratios out of
    range, say)."""
    reading = ClassReading()
    raw = _RANGE.sub(_least(reading), normalise(text))
    tokens = sorted(
        [(m.start(), "label", m) for m in _LABEL.finditer(raw)]
        + [(m.start(), "ratio", m) for m in _PERCENT.finditer(raw)],
        key=lambda token: token[0],
    )
    pending: list[str] = []
    for _, kind, match in tokens:
        if kind == "label":
            pending.extend(label_classes(match))
            continue
        value = _value(match, reading)
        if value is not None and not pending:
            reading.general.append(value)
        for cls in dict.fromkeys(pending):
            if value is not None and reading.stated.setdefault(cls, value) != value:
                reading.conflicts.append(cls)
        pending = []
    return reading


def fill_missing(stated: dict[str, Decimal], general: Decimal | None) -> tuple[dict[str, Decimal], dict[str, str]]:
    """Every class's ratio, and for each class the plan does not name where its ratio came from:
    ``"general"`` (the ratio written without a class) or the named class it was weighted from."""
    ratios, filled = dict(stated), {}
    for cls in CLASSES:
        if cls in stated:
            continue
        index = CLASSES.index(cls)
        if general is not None:
            value, filled[cls] = general, "general"
        else:
            near = min(stated, key=lambda c: (abs(CLASSES.index(c) - index), CLASSES.index(c) > index))
            weighted = Fraction(stated[near]) * DEFAULT_WEIGHTS[cls] / DEFAULT_WEIGHTS[near]
            value, filled[cls] = min(Decimal(1), _decimal(weighted) or Decimal(1)), near
        ratios[cls] = _between(value, stated, index)
    return {c: ratios[c] for c in CLASSES}, filled


def _between(value: Decimal, stated: dict[str, Decimal], index: int) -> Decimal:
    """``value`` kept no lower than a less risky named class's ratio and no higher than a riskier one's."""
    lower = [r for c, r in stated.items() if CLASSES.index(c) < index]
    higher = [r for c, r in stated.items() if CLASSES.index(c) > index]
    if lower:
        value = max(value, max(lower))
    if higher:
        value = min(value, min(higher))
    return value


def _decimal(value: Fraction, places: int = RATIO_PLACES) -> Decimal | None:
    """``value`` as a decimal of at most ``places`` places, None when it has none (1/3)."""
    scaled = value * 10**places
    if scaled.denominator != 1:
        return None
    return (Decimal(scaled.numerator) / Decimal(10) ** places).normalize()


def _multipliers(ratios: dict[str, Decimal], base: Decimal) -> dict[str, Decimal] | None:
    result = {}
    for cls, ratio in ratios.items():
        value = _decimal(Fraction(ratio) / Fraction(base), MULTIPLIER_PLACES)
        if value is None or value >= 10**MULTIPLIER_DIGITS:
            return None
        result[cls] = value
    return result


def _gcd(ratios: list[Decimal]) -> Decimal:
    scale = 10**RATIO_PLACES
    whole = [int(Fraction(r) * scale) for r in ratios]
    return (Decimal(math.gcd(*whole)) / scale).normalize()


@dataclass
class DrawRule:
    ratio: Decimal  # r
    multipliers: dict[str, Decimal]  # m_c, r × m_c = the class's ratio exactly
    base: str  # "smallest": r is the smallest class ratio; "divisor": their greatest common divisor


def draw_rule(ratios: dict[str, Decimal]) -> DrawRule | None:
    """r and m_c with r × m_c = ratio_c exactly; None when no multipliers a bundle can carry do it."""
    smallest = min(ratios.values())
    multipliers = _multipliers(ratios, smallest)
    if multipliers is not None:
        return DrawRule(smallest, multipliers, "smallest")
    divisor = _gcd(list(ratios.values()))
    multipliers = _multipliers(ratios, divisor)
    return DrawRule(divisor, multipliers, "divisor") if multipliers is not None else None


def reading_refusal(reading: ClassReading) -> str | None:
    """Why a reading cannot be applied as it stands (the problem's code), None when it can: a class
    given two ratios; a ratio out of range or too precise, or two ratios written without a class."""
    if reading.conflicts:
        return "credit_ratios_conflict"
    if reading.unreadable or len(set(reading.general)) > 1:
        return "credit_ratios_not_applied"
    return None


@dataclass
class ClassRule:
    """Every class's ratio, where each unnamed one came from, and the draw's r and m_c for them."""

    ratios: dict[str, Decimal]
    filled: dict[str, str]
    rule: DrawRule

    def multipliers(self) -> dict[str, str]:
        """The task's ``risk_multipliers``."""
        return {c: text(m) for c, m in self.rule.multipliers.items()}

    def stored(self, column: str, words: str, **extra) -> dict:
        """The task's ``class_ratios``, unconfirmed: a supervisor confirms them on the scope page."""
        return {
            "ratios": {c: text(v) for c, v in self.ratios.items()},
            "filled": self.filled,
            "column": column,
            "words": words[:200],
            "base": self.rule.base,
            "confirmed": False,
            **extra,
        }


def class_rule(stated: dict[str, Decimal], general: Decimal | None) -> ClassRule | None:
    """The draw rule of ratios by class (``general``: the ratio for classes not named, if any);
    None when no multipliers a bundle can carry express them exactly."""
    ratios, filled = fill_missing(stated, general)
    rule = draw_rule(ratios)
    return ClassRule(ratios, filled, rule) if rule is not None else None


def read_typed(words: str) -> ClassRule | str:
    """Ratios by class typed by a supervisor (the task's edit form), read as the importer reads a
    ratio cell: a ratio written without a class is the unnamed classes' ratio, else they are
    weighted from the nearest named one. The refusal's code when they cannot apply (the form
    says why); a range, which the importer reads as its least and asks about, is refused."""
    reading = read_all(words)
    if refusal := reading_refusal(reading):
        return refusal
    if not reading.stated:
        return "credit_ratios_none"
    if reading.ranges:
        return "ratio_range"
    read = class_rule(reading.stated, reading.general[0] if reading.general else None)
    return read if read is not None else "credit_ratios_inexact"


def text(value: Decimal) -> str:
    """A decimal as stored in JSON: fixed point, no exponent (1E+1 → 10)."""
    return format(value.normalize(), "f")


def stored_ratios(stored: dict | None) -> dict[str, Decimal]:
    """The per-class ratios of a task's ``class_ratios`` ({} when it has none)."""
    ratios = (stored or {}).get("ratios") or {}
    return {c: Decimal(str(ratios[c])) for c in CLASSES if c in ratios}


def percent_text(value: Decimal) -> str:
    return f"{(value * 100).normalize():f}%"


def describe_ratios(ratios: dict[str, Decimal]) -> str:
    """``A类 1%、B类 3%、C类 5%、D类 10%`` (class names as plans write them, in any language)."""
    return "、".join(f"{cls}类 {percent_text(ratios[cls])}" for cls in CLASSES if cls in ratios)
