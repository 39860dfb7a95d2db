"""Numbers from URLs: every integer in a path or query string is bounded, so a huge id is a 404
(or the parameter's default) and never reaches the database as an overflowing value; so are dates.

``BoundedIntConverter`` replaces Flask's ``int`` converter; the request class's ``BoundedArgs`` make
``request.args.get(name, type=int)`` treat a number outside the database's INTEGER range as
invalid (the default), as it already treats ``abc``. ``year_arg`` bounds years.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

MAX_INT = 2**31 - 1  # INTEGER on SQLite and PostgreSQL alike
MAX_DIGITS = 10
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100


class BoundedIntConverter(IntegerConverter):
    """``<int:id>`` matches only 1..MAX_INT (a longer number is a 404)."""

    regex = r"\d{1,%d}" % MAX_DIGITS

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=MAX_INT if max is None else max, signed=signed)


def bounded_int(value: str) -> int:
    """``int`` for parameters: refuses anything but a plain number within the INTEGER range."""
    text = value.strip()
    if not text.lstrip("-").isdigit() or len(text) > MAX_DIGITS + 1:
        raise ValueError(value)
    number = int(text)
    if not -MAX_INT <= number <= MAX_INT:
        raise ValueError(value)
    return number


class BoundedArgs(ImmutableMultiDict):
    # werkzeug's overloads of ``get`` let ``type`` stand second, where its own implementation (and
    # this one) reads ``default``; it ignores the same mismatch on its own override.
    def get(self, key: Any, default: Any = None, type: Any = None) -> Any:  # type: ignore[override]  # noqa: A002
        return super().get(key, default, bounded_int if type is int else type)

    def getlist(self, key: Any, type: Any = None) -> Any:  # noqa: A002
        return super().getlist(key, bounded_int if type is int else type)


def year_arg(name: str = "year") -> int | None:
    """A year from the query string, or ``None`` when absent or outside 2000–2100."""
    year = request.args.get(name, type=int)
    return year if year is not None and EARLIEST_YEAR <= year <= LATEST_YEAR else None


def date_arg(name: str) -> date | None:
    """A date (YYYY-MM-DD) from the query string, or ``None`` when absent, malformed or outside 2000–2100:
    the calendar's ends are no filter, and working days counted from them overflowed (a 500)."""
    try:
        day = date.fromisoformat(request.args.get(name, "").strip())
    except ValueError:
        return None
    return day if EARLIEST_YEAR <= day.year <= LATEST_YEAR else None


def query_args(*exclude: str) -> dict[str, Any]:
    """The query string's non-empty values for building links back to the same page, without
    ``exclude`` and without the names ``url_for`` reads itself (``_method``, ``_external``…). The
    values are strings, typed ``Any`` to be passed as ``url_for``'s ``**values``: a checker cannot
    see that none of these names is one of its own keywords."""
    return {k: v for k, v in request.args.items() if v and k not in exclude and not k.startswith("_")}


def init_params(app) -> None:
    """Bounded ints for the app's request class (kept as a subclass of whatever it is, e.g.
    htmx-flask's) and its ``<int:…>`` routes."""
    if not issubclass(app.request_class.parameter_storage_class, BoundedArgs):
        app.request_class = type("BoundedRequest", (app.request_class,), {"parameter_storage_class": BoundedArgs})
    app.url_map.converters["int"] = BoundedIntConverter
