"""Per-process caches for the public result search, each valid for one public generation
(:mod:`.generation`): the filter lists (tasks, years, counties) and whole pages for visitors who are
not signed in, keyed by :func:`page_key` (the query string as sent, language, full page or htmx
fragment): everything the page is built from besides the data.

A page is cached with a placeholder where the session's CSRF token goes and gets the visitor's own
token when served, so no visitor ever sees another's token. Pages of signed-in users are never
cached (their pages name them); neither are pages carrying messages (flashes, invalid input).
``PUBLIC_PAGE_CACHE_SIZE`` pages at most per process (0 turns the page cache off). A cached page is
served before Flask by :mod:`.early_hits`.

A page that is not cached yet is built into a :class:`Frame`, the full page of a visitor who is not
signed in rendered once per generation and language with slots where the query's own parts go (its
text, the chosen options, the results, the links that repeat it): the header, form, notices and
footer were three quarters of the template's time."""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app
from markupsafe import Markup, escape

from ..core.token_pages import Page

DEFAULT_SIZE = 2000
FRAGMENT_TARGET = "results"  # an htmx request aimed at this id gets the results fragment alone


def is_fragment(hx_request: str | None, hx_target: str | None) -> bool:
    """An htmx request for the results alone (as ``request.htmx`` reads ``HX-Request``)."""
    return (hx_request or "").lower() == "true" and hx_target == FRAGMENT_TARGET


def page_key(query_string: str, locale: str, fragment: bool) -> tuple[str, str, bool]:
    """What a cached page depends on besides the data: the query string exactly as sent (the page's
    links repeat it), the language and whether it is the htmx fragment."""
    return (query_string, locale, fragment)


def etag(generation: int | None, locale: str, fragment: bool, csrf_raw: str) -> str:
    """Changes with the public generation, the language, page or fragment, and the session's CSRF
    token (a page kept by the browser carries it)."""
    own = hashlib.sha256(csrf_raw.encode()).hexdigest()[:12]
    return f"{(generation or 0) & 0xFFFFFFFFFFFF:x}-{locale}-{'f' if fragment else 'p'}-{own}"


@dataclass(frozen=True)
class SearchOptions:
    """What the search form offers: tasks and years with published results, the counties, and
    each select's options as HTML made once (the same in every language: names and codes only)."""

    tasks: list
    years: list[int]
    counties: dict[str, str]
    html: dict[str, Markup] = field(default_factory=dict)  # select name → its <option>s; "notices"


def options_html(pairs) -> Markup:
    """``<option>``s for (value, label) pairs; :func:`with_selected` marks the chosen one."""
    return Markup("".join(f'<option value="{escape(value)}">{escape(label)}</option>' for value, label in pairs))


def with_selected(options: Markup, value) -> Markup:
    """``options`` with the one whose value is ``value`` selected (all unselected for None)."""
    if value is None or value == "":
        return options
    marker = f'<option value="{escape(value)}">'
    return Markup(str(options).replace(marker, marker[:-1] + " selected>", 1))


# Each process's markers carry a secret: text from the data (a task's name in the notices, which
# the frame holds as it is) cannot forge one and split the page where it stands.
SLOT = "__fieldapp_slot_" + secrets.token_hex(8) + "_{}__"
_SLOTS = re.compile(SLOT.format(r"(\w+?)"))


def slot(name: str) -> Markup:
    """The marker a frame is rendered with where ``name``'s value goes."""
    return Markup(SLOT.format(name))


@dataclass(frozen=True)
class Frame:
    """A page as text with named slots: text, name, text, … text."""

    parts: tuple[str, ...]

    @classmethod
    def of(cls, body: str) -> Frame:
        return cls(tuple(_SLOTS.split(body)))

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self.parts[1::2])

    def fill(self, values: Mapping[str, str]) -> str:
        """The page with each slot's value (already HTML: escaped where the template would)."""
        parts = list(self.parts)
        parts[1::2] = [values[name] for name in self.parts[1::2]]
        return "".join(parts)


class PublicPageCache:
    def __init__(self, size: int) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._generation: int | None = None
        self._options: SearchOptions | None = None
        self._frames: dict[str, Frame] = {}
        self._pages: OrderedDict[Any, Page] = OrderedDict()
        self.hits = self.misses = 0

    def _at(self, generation: int | None) -> None:
        """Forget everything made under another generation (call with the lock held)."""
        if generation != self._generation:
            self._generation, self._options = generation, None
            self._frames.clear()
            self._pages.clear()

    def options(self, generation: int | None, build: Callable[[], SearchOptions]) -> SearchOptions:
        with self._lock:
            self._at(generation)
            if self._options is not None:
                return self._options
        built = build()
        with self._lock:
            if generation is not None and generation == self._generation:
                self._options = built
        return built

    def frame(self, generation: int | None, locale: str, build: Callable[[], Frame]) -> Frame:
        with self._lock:
            self._at(generation)
            found = self._frames.get(locale)
        if found is not None:
            return found
        built = build()
        with self._lock:
            if generation is not None and generation == self._generation:
                self._frames[locale] = built
        return built

    def page(self, generation: int | None, key: Any) -> Page | None:
        if generation is None or not self.size:
            return None
        with self._lock:
            self._at(generation)
            body = self._pages.get(key)
            if body is None:
                self.misses += 1
                return None
            self._pages.move_to_end(key)
            self.hits += 1
            return body

    def keep(self, generation: int | None, key: Any, body: Page) -> None:
        if generation is None or not self.size:
            return
        with self._lock:
            if generation != self._generation:
                return  # the data moved on while this page was built
            self._pages[key] = body
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)


def cache() -> PublicPageCache:
    """This process's cache for the current app."""
    return cache_of(current_app)


def cache_of(app: Flask) -> PublicPageCache:
    found = app.extensions.get("fieldapp_public_pages")
    if found is None:
        size = int(app.config.get("PUBLIC_PAGE_CACHE_SIZE", DEFAULT_SIZE))
        found = app.extensions.setdefault("fieldapp_public_pages", PublicPageCache(size))
    return found
