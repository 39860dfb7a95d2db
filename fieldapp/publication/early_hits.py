"""Cached public search pages answered before Flask, by the early layer (``core/early.py``).

A search a visitor who is not signed in asks again (the page cache, :mod:`.page_cache`) costs one
read of the public generation and nothing else: no request context, no database session, no user
load, no template. Whatever this layer cannot answer exactly as the view would goes on to Flask,
which builds the page (and keeps it for the next visitor):

- only ``GET`` of the search page, with a trusted ``Host``, the page cache on and the page cached
  under the current generation for this query string, language and page or htmx fragment;
- only a visitor with no device login or remember cookie and a session holding nothing but a CSRF
  token and a language (a signed-in user, a flashed message or anything else: Flask);
- the visitor gets their own CSRF token in the page as the view gives it (a new visitor a new
  session cookie holding it, signed by the app's own session serializer), the same ETag, 304,
  ``Cache-Control``, ``Vary`` and security headers.

A cached answer costs about what a static file does, so it is not counted in the rate limiter's
storage (Redis in production: a round trip would cost as much as the page). Each process counts an
address's cached answers in a moving window of its own with the same limit (``PUBLIC_SEARCH_LIMIT``);
past it the request goes to Flask, whose limiter counts it as any other. So one address gets at most
twice the limit per window from each process before it is refused, and every page that has to be
built is counted by the limiter as before (it protects the database)."""

from __future__ import annotations

import threading
import time
from collections import deque

from limits import parse_many
from werkzeug.http import parse_etags

from ..auth import devices
from ..core.early import VARY, Answer, Setup, Visit
from . import page_cache
from .generation import read as read_generation

ENDPOINT = "publication.public_results"
SESSION_KEYS_SHARED = frozenset({"csrf_token", "lang"})  # a session with any other key goes to Flask
MOST_ADDRESSES = 10_000  # addresses a window remembers before forgetting those that went quiet


class MovingWindow:
    """Per-process moving windows of ``limit`` (e.g. "120 per minute") by client address."""

    def __init__(self, limit: str) -> None:
        self.rules = [(item.amount, item.get_expiry()) for item in parse_many(limit)]
        self.span = max((seconds for _, seconds in self.rules), default=0)
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, address: str) -> bool:
        """Count one answer for ``address``; False (and not counted) once any rule is used up."""
        now = time.monotonic()
        with self._lock:
            seen = self._seen.get(address)
            if seen is None:
                if len(self._seen) >= MOST_ADDRESSES:
                    self._forget_quiet(now)
                seen = self._seen[address] = deque()
            while seen and seen[0] <= now - self.span:
                seen.popleft()
            for amount, seconds in self.rules:
                if sum(1 for moment in seen if moment > now - seconds) >= amount:
                    return False
            seen.append(now)
            return True

    def _forget_quiet(self, now: float) -> None:
        for address in [a for a, seen in self._seen.items() if not seen or seen[-1] <= now - self.span]:
            del self._seen[address]


class PublicSearchAnswers:
    """The public search's answerer for the early layer (``core/early.py``)."""

    def __init__(self, setup: Setup) -> None:
        config = setup.config
        self.setup = setup
        self.store = page_cache.cache_of(setup.app)
        self.other_cookies = (devices.COOKIE_NAME, config.get("REMEMBER_COOKIE_NAME", "remember_token"))
        self.max_age_public = config.get("PUBLIC_PAGE_MAX_AGE", 30)
        self.window = MovingWindow(config["PUBLIC_SEARCH_LIMIT"]) if config.get("RATELIMIT_ENABLED", True) else None

    def __call__(self, environ, visit: Visit) -> Answer | None:
        if not self.store.size or any(visit.cookies.get(name) for name in self.other_cookies):
            return None  # a device login or remember cookie may sign someone in
        visitor = visit.session()
        if visitor is None or not visitor.keys() <= SESSION_KEYS_SHARED:
            return None
        generation = read_generation(self.setup.engine)  # before any data the page shows
        if generation is None:
            return None
        locale = visit.locale(visitor)
        fragment = page_cache.is_fragment(environ.get("HTTP_HX_REQUEST"), environ.get("HTTP_HX_TARGET"))
        raw = visitor.get("csrf_token")
        if isinstance(raw, str) and raw and environ.get("HTTP_IF_NONE_MATCH"):
            tag = page_cache.etag(generation, locale, fragment, raw)
            if parse_etags(environ["HTTP_IF_NONE_MATCH"]).contains_weak(tag):
                return "304 NOT MODIFIED", self._headers(visit, tag), b""
        page = self.store.page(generation, page_cache.page_key(environ.get("QUERY_STRING", ""), locale, fragment))
        if page is None or (self.window and not self.window.hit(environ.get("REMOTE_ADDR") or "")):
            return None
        raw, new_cookie = visit.token(visitor)
        return visit.page(
            page, raw, [*new_cookie, *self._cache_headers(page_cache.etag(generation, locale, fragment, raw))]
        )

    def _cache_headers(self, tag: str) -> list[tuple[str, str]]:
        return [("ETag", f'W/"{tag}"'), ("Cache-Control", f"public, max-age={self.max_age_public}"), VARY]

    def _headers(self, visit: Visit, tag: str) -> list[tuple[str, str]]:
        return [*self._cache_headers(tag), *visit.security_headers()]
