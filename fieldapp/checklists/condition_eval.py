"""How conditions are evaluated: values, truth, comparison and look-up in repeat blocks.

The semantics shared with ``static/js/conditions.js`` (see ``conditions.py`` for the grammar).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

NUMERIC_TEXT_RE = re.compile(r"^\s*[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*$")


class Scope:
    def __init__(self, answers: dict, path: tuple | list):
        blocks = [answers if isinstance(answers, dict) else {}]
        current: Any = blocks[0]
        path = list(path)
        for i in range(0, len(path) - 1, 2):
            rows = current.get(path[i]) if isinstance(current, dict) else None
            index = path[i + 1]
            if not isinstance(rows, list) or not isinstance(index, int) or not 0 <= index < len(rows):
                break
            current = rows[index]
            if not isinstance(current, dict):
                break
            blocks.append(current)
        self.blocks = list(reversed(blocks))  # innermost first, top level last

    def lookup(self, item_id: str) -> Any:
        for block in self.blocks:
            if item_id in block:
                return block[item_id]
        return None


def _eval(node: tuple, scope: Scope, self_value: Any) -> Any:
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "ref":
        return normalise(scope.lookup(node[1]))
    if kind == "self":
        return normalise(self_value)
    if kind == "not":
        return not truthy(_eval(node[1], scope, self_value))
    if kind == "and":
        return truthy(_eval(node[1], scope, self_value)) and truthy(_eval(node[2], scope, self_value))
    if kind == "or":
        return truthy(_eval(node[1], scope, self_value)) or truthy(_eval(node[2], scope, self_value))
    if kind == "cmp":
        return compare(node[1], _eval(node[2], scope, self_value), _eval(node[3], scope, self_value))
    if kind == "count":
        value = scope.lookup(node[1])
        if value is None or value == "":
            return Decimal(0)
        return Decimal(len(value)) if isinstance(value, list) else Decimal(1)
    if kind == "selected":
        value = _eval(node[1], scope, self_value)
        if isinstance(value, list):
            return node[2] in value
        if isinstance(value, str):
            return node[2] in value.split()
        return False
    raise ValueError(f"unknown node {kind}")  # pragma: no cover


def normalise(value: Any) -> Any:
    """An answer as the language sees it: None, bool, str, Decimal (literals) or a list."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, float, Decimal)):
        return _canonical_number(value)
    if isinstance(value, list):
        return [v if isinstance(v, (str, dict)) else str(v) for v in value]
    return "[answered]"  # a location or any other structured answer: answered, nothing more


def _canonical_number(value: int | float | Decimal) -> str:
    text = repr(value) if isinstance(value, float) else str(value)
    number = _to_decimal(text)
    if number is None:
        return text
    return _decimal_text(number)


def _decimal_text(number: Decimal) -> str:
    text = format(number.normalize(), "f")
    return "0" if text in ("-0", "") else text


def truthy(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal):
        return value != 0
    if isinstance(value, (str, list)):
        return len(value) > 0
    return True


def _to_decimal(value: Any) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, str) and NUMERIC_TEXT_RE.match(value):
        try:
            return Decimal(value.strip())
        except InvalidOperation:  # pragma: no cover
            return None
    return None


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return _decimal_text(value)
    if isinstance(value, list):
        return " ".join(v if isinstance(v, str) else "[answered]" for v in value)
    return str(value)


def compare(op: str, left: Any, right: Any) -> bool:
    """Both sides numbers: as numbers. A boolean: both as booleans. Otherwise as text;
    an empty side never orders (``<``, ``>``…) and is unequal to any number."""
    if isinstance(left, bool) or isinstance(right, bool):
        return _compare_as(op, int(truthy(left)), int(truthy(right)))
    a, b = _to_decimal(left), _to_decimal(right)
    if a is not None and b is not None:
        return _compare_as(op, a, b)
    left_text, right_text = _as_text(left), _as_text(right)
    if op in ("=", "!="):
        equal = left_text == right_text
        return equal if op == "=" else not equal
    if left_text == "" or right_text == "":
        return False
    return _compare_as(op, left_text, right_text)


_Comparable = TypeVar("_Comparable", int, Decimal, str)


def _compare_as(op: str, a: _Comparable, b: _Comparable) -> bool:
    """``a op b`` for two values of one kind (booleans as 0/1, numbers, or texts)."""
    if op == "=":
        return a == b
    if op == "!=":
        return a != b
    if op == "<":
        return a < b
    if op == "<=":
        return a <= b
    if op == ">":
        return a > b
    return a >= b
