"""Cached public search pages answered before Flask: a small WSGI layer in front of the app.

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

import hashlib
import os
import threading
import time
from collections import deque
from typing import Any

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, URLSafeTimedSerializer
from limits import parse_many
from werkzeug.exceptions import SecurityError
from werkzeug.http import dump_cookie, parse_cookie, parse_etags
from werkzeug.wsgi import get_host

from ..auth import devices
from ..core.web import security_header_pairs
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


class EarlyHits:
    """Wraps ``app.wsgi_app`` (inside ProxyFix, so the address, scheme and host are the client's)."""

    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app, self.wsgi_app = app, wsgi_app
        self._setup: dict[str, Any] | None = None

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "GET":
            setup = self._setup or self._make_setup()
            if environ.get("PATH_INFO") == setup["path"]:
                answer = self._answer(environ, setup)
                if answer is not None:
                    status, headers, body = answer
                    start_response(status, headers)
                    return [body]
        return self.wsgi_app(environ, start_response)

    def _make_setup(self) -> dict[str, Any]:
        """What every answer needs, made once (after the app is configured)."""
        app = self.app
        from ..extensions import db

        with app.app_context():
            engine = db.engine
        interface = app.session_interface
        assert isinstance(interface, SecureCookieSessionInterface), "sessions are signed cookies (core/web.py)"
        config = app.config
        self._setup = {
            "path": next(rule.rule for rule in app.url_map.iter_rules() if rule.endpoint == ENDPOINT),
            "engine": engine,
            "store": page_cache.cache_of(app),
            "sessions": interface.get_signing_serializer(app),
            "max_age": int(app.permanent_session_lifetime.total_seconds()),
            "cookie": interface.get_cookie_name(app),
            "cookie_options": {
                "domain": interface.get_cookie_domain(app),
                "path": interface.get_cookie_path(app),
                "httponly": interface.get_cookie_httponly(app),
                "samesite": interface.get_cookie_samesite(app),
                "partitioned": interface.get_cookie_partitioned(app),
            },
            "cookie_secure": bool(config["SESSION_COOKIE_SECURE"]),
            "other_cookies": (devices.COOKIE_NAME, config.get("REMEMBER_COOKIE_NAME", "remember_token")),
            "csrf": URLSafeTimedSerializer(
                config.get("WTF_CSRF_SECRET_KEY") or app.secret_key or "", salt="wtf-csrf-token"
            ),
            "languages": tuple(config["LANGUAGES"]),
            "default_language": str(config["BABEL_DEFAULT_LOCALE"]),
            "trusted_hosts": config["TRUSTED_HOSTS"],
            "max_age_public": config.get("PUBLIC_PAGE_MAX_AGE", 30),
            "config": config,
            "window": MovingWindow(config["PUBLIC_SEARCH_LIMIT"]) if config.get("RATELIMIT_ENABLED", True) else None,
        }
        return self._setup

    def _answer(self, environ, setup) -> tuple[str, list[tuple[str, str]], bytes] | None:
        store = setup["store"]
        if not store.size or setup["sessions"] is None:
            return None
        cookies = parse_cookie(environ.get("HTTP_COOKIE"))
        if any(cookies.get(name) for name in setup["other_cookies"]):
            return None  # it may sign someone in
        visitor = self._session(cookies.get(setup["cookie"]), setup)
        if visitor is None or not self._trusted(environ, setup):
            return None
        generation = read_generation(setup["engine"])  # before any data the page shows
        if generation is None:
            return None
        lang = visitor.get("lang")
        locale = str(lang) if lang in setup["languages"] else str(setup["default_language"])
        fragment = page_cache.is_fragment(environ.get("HTTP_HX_REQUEST"), environ.get("HTTP_HX_TARGET"))
        raw = visitor.get("csrf_token")
        secure = environ.get("wsgi.url_scheme") == "https"
        if isinstance(raw, str) and raw and environ.get("HTTP_IF_NONE_MATCH"):
            tag = page_cache.etag(generation, locale, fragment, raw)
            if parse_etags(environ["HTTP_IF_NONE_MATCH"]).contains_weak(tag):
                return "304 NOT MODIFIED", self._headers(setup, tag, secure), b""
        page = store.page(generation, page_cache.page_key(environ.get("QUERY_STRING", ""), locale, fragment))
        if page is None or (setup["window"] and not setup["window"].hit(environ.get("REMOTE_ADDR") or "")):
            return None
        headers = []
        if not isinstance(raw, str) or not raw:  # a new visitor: a session with their own token
            raw = hashlib.sha1(os.urandom(64)).hexdigest()
            value = setup["sessions"].dumps({**visitor, "csrf_token": raw})
            options = setup["cookie_options"]
            headers.append(
                ("Set-Cookie", dump_cookie(setup["cookie"], value, secure=setup["cookie_secure"] or secure, **options))
            )
        body = page.with_token(setup["csrf"].dumps(raw))
        headers += self._headers(setup, page_cache.etag(generation, locale, fragment, raw), secure)
        headers += [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
        return "200 OK", headers, body

    @staticmethod
    def _session(cookie: str | None, setup) -> dict | None:
        """The visitor's session as Flask would open it, or None when its page may not be shared."""
        if not cookie:
            return {}
        try:
            data = setup["sessions"].loads(cookie, max_age=setup["max_age"])
        except BadSignature:
            return {}  # Flask starts a new session too
        return data if isinstance(data, dict) and data.keys() <= SESSION_KEYS_SHARED else None

    @staticmethod
    def _trusted(environ, setup) -> bool:
        if setup["trusted_hosts"] is None:
            return True
        try:
            get_host(environ, setup["trusted_hosts"])
        except SecurityError:
            return False  # Flask answers it (a 400)
        return True

    @staticmethod
    def _headers(setup, tag: str, secure: bool) -> list[tuple[str, str]]:
        return [
            ("ETag", f'W/"{tag}"'),
            ("Cache-Control", f"public, max-age={setup['max_age_public']}"),
            *security_header_pairs(setup["config"], secure),
            ("Vary", "HX-Request, Cookie"),
        ]


def install(app: Flask) -> None:
    """Put the layer in front of the app (``create_app`` calls this before ProxyFix wraps it)."""
    app.wsgi_app = EarlyHits(app, app.wsgi_app)  # type: ignore[method-assign]
