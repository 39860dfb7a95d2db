"""Pages answered before Flask: a small WSGI layer in front of the app for pages kept per process.

A page a worker already holds (the public search's, ``publication/early_hits.py``; an inspector's
list, ``inspections/list_page.py``) costs one tiny read of the database and nothing else: no request
context, no database session, no user load, no template. Each feature gives an *answerer* for one
endpoint: it is asked only for a ``GET`` of exactly that endpoint's path with a trusted ``Host``, and
answers exactly what the view would answer or ``None``, and then the request goes on to Flask.

This module holds what every answerer shares, each made once from the app's own configuration:
the session as Flask would open it (the app's signing serializer and lifetime), the visitor's own
CSRF token in the page (a new session cookie when the session had none, as Flask-WTF would make),
the security headers, and reads of one row on a pooled connection of their own."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import create_engine
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.exceptions import SecurityError
from werkzeug.http import dump_cookie, parse_cookie
from werkzeug.wsgi import get_host

from .token_pages import Page
from .web import security_header_pairs

Answer = tuple[str, list[tuple[str, str]], bytes]
VARY = ("Vary", "HX-Request, Cookie")  # as Flask sends a page: htmx requests (web.py), then the session


class Answerer(Protocol):
    def __call__(self, environ: dict, visit: Visit) -> Answer | None: ...


@dataclass
class Setup:
    """What every answer needs, made once from the configured app."""

    app: Flask
    engine: Any
    sessions: Any  # the app's session signing serializer (None without a secret key)
    max_age: int
    cookie: str
    cookie_options: dict[str, Any]
    cookie_secure: bool
    csrf: URLSafeTimedSerializer
    languages: tuple[str, ...]
    default_language: str
    config: Any

    @classmethod
    def of(cls, app: Flask) -> Setup:
        from ..extensions import db

        with app.app_context():
            engine = reads_engine(db.engine)
        app.extensions["fieldapp_early_reads"] = engine
        interface = app.session_interface
        assert isinstance(interface, SecureCookieSessionInterface), "sessions are signed cookies (core/web.py)"
        config = app.config
        return cls(
            app=app,
            engine=engine,
            sessions=interface.get_signing_serializer(app),
            max_age=int(app.permanent_session_lifetime.total_seconds()),
            cookie=interface.get_cookie_name(app),
            cookie_options={
                "domain": interface.get_cookie_domain(app),
                "path": interface.get_cookie_path(app),
                "httponly": interface.get_cookie_httponly(app),
                "samesite": interface.get_cookie_samesite(app),
                "partitioned": interface.get_cookie_partitioned(app),
            },
            cookie_secure=bool(config["SESSION_COOKIE_SECURE"]),
            csrf=URLSafeTimedSerializer(
                config.get("WTF_CSRF_SECRET_KEY") or app.secret_key or "", salt="wtf-csrf-token"
            ),
            languages=tuple(config["LANGUAGES"]),
            default_language=str(config["BABEL_DEFAULT_LOCALE"]),
            config=config,
        )

    def path_of(self, endpoint: str) -> str:
        return next(rule.rule for rule in self.app.url_map.iter_rules() if rule.endpoint == endpoint)


@dataclass
class Visit:
    """One request as the early layer sees it: its cookies and signed session, read once."""

    environ: dict
    setup: Setup
    cookies: Mapping[str, str] = field(init=False)
    secure: bool = field(init=False)

    def __post_init__(self) -> None:
        self.cookies = parse_cookie(self.environ.get("HTTP_COOKIE"))
        self.secure = self.environ.get("wsgi.url_scheme") == "https"

    def session(self) -> dict | None:
        """The session as Flask opens it: ``{}`` for none or a bad signature (Flask starts a new
        one too), None when there is no signing key or it holds something other than a dict."""
        sessions = self.setup.sessions
        cookie = self.cookies.get(self.setup.cookie)
        if sessions is None:
            return None
        if not cookie:
            return {}
        try:
            data = sessions.loads(cookie, max_age=self.setup.max_age)
        except BadSignature:
            return {}
        return data if isinstance(data, dict) else None

    def trusted(self) -> bool:
        """The ``Host`` is one the site answers to (any other: Flask answers it, a 400)."""
        trusted_hosts = self.setup.config["TRUSTED_HOSTS"]  # as Flask reads it, on every request
        if trusted_hosts is None:
            return True
        try:
            get_host(self.environ, trusted_hosts)
        except SecurityError:
            return False
        return True

    def locale(self, session: Mapping[str, Any]) -> str:
        """The language as ``core/i18n.select_locale`` chooses it."""
        lang = session.get("lang")
        return str(lang) if lang in self.setup.languages else self.setup.default_language

    def token(self, session: Mapping[str, Any]) -> tuple[str, list[tuple[str, str]]]:
        """The session's CSRF secret, as Flask-WTF's ``generate_csrf`` gives it: a session without
        one gets a new one, in a new session cookie (its header returned to be sent)."""
        raw = session.get("csrf_token")
        if isinstance(raw, str) and raw:
            return raw, []
        raw = hashlib.sha1(os.urandom(64)).hexdigest()
        value = self.setup.sessions.dumps({**session, "csrf_token": raw})
        secure = self.setup.cookie_secure or self.secure
        cookie = dump_cookie(self.setup.cookie, value, secure=secure, **self.setup.cookie_options)
        return raw, [("Set-Cookie", cookie)]

    def page(self, page: Page, raw: str, headers: list[tuple[str, str]]) -> Answer:
        """A 200 with ``page`` carrying the visitor's own token (``raw``, signed as the view signs it)."""
        body = page.with_token(self.setup.csrf.dumps(raw))
        return "200 OK", [*headers, *self.security_headers(), *html_headers(body)], body

    def security_headers(self) -> list[tuple[str, str]]:
        return security_header_pairs(self.setup.config, self.secure)


def html_headers(body: bytes) -> list[tuple[str, str]]:
    return [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]


def reads_engine(engine):
    """The engine the early layer reads with. PostgreSQL: one of its own, in autocommit and with no
    ping before each checkout (the app's pings every connection it hands out: a second round trip
    for a one-row read, about a third of a kept page's cost); a connection that fails is dropped
    (:func:`read_row`) and Flask answers that request. SQLite: the app's own."""
    if engine.dialect.name != "postgresql":
        return engine
    return create_engine(engine.url, pool_pre_ping=False, isolation_level="AUTOCOMMIT")


def read_row(engine, sql: str, params: tuple = ()) -> tuple | None:
    """One row of ``sql`` (parameters written ``?``, no other ``?`` in it), read on a pooled
    connection of its own, outside the ORM session. On PostgreSQL the read runs in autocommit (no
    BEGIN and COMMIT around it), so any data the request reads after it is at least as new."""
    connection = engine.raw_connection()
    try:
        driver = connection.driver_connection
        postgresql = engine.dialect.name == "postgresql"
        toggle = postgresql and not driver.autocommit  # the app's engine: autocommit for this read only
        if toggle:
            driver.autocommit = True
        try:
            cursor = connection.cursor()
            cursor.execute(sql.replace("?", "%s") if postgresql else sql, params)
            row = cursor.fetchone()
            cursor.close()
        finally:
            if toggle:  # whatever happened: back in the pool as the ORM expects it
                driver.autocommit = False
        if not postgresql:
            connection.commit()  # end the read (the driver may have opened a transaction for it)
    except Exception:
        connection.invalidate()  # a connection that failed is never handed out again
        raise
    finally:
        connection.close()
    return tuple(row) if row is not None else None


class EarlyPages:
    """Wraps ``app.wsgi_app`` (inside ProxyFix, so the address, scheme and host are the client's)."""

    def __init__(self, app: Flask, wsgi_app, answerers: Mapping[str, Callable[[Setup], Answerer]]) -> None:
        self.app, self.wsgi_app, self.answerers = app, wsgi_app, answerers
        self._setup: Setup | None = None
        self._by_path: dict[str, Answerer] = {}

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "GET":
            if self._setup is None:
                self._make()
            answerer = self._by_path.get(environ.get("PATH_INFO", ""))
            if answerer is not None:
                assert self._setup is not None
                answer = self._answer(answerer, environ)
                if answer is not None:
                    status, headers, body = answer
                    start_response(status, headers)
                    return [body]
        return self.wsgi_app(environ, start_response)

    def _answer(self, answerer: Answerer, environ: dict) -> Answer | None:
        """The answerer's answer; None (Flask answers) for an untrusted host or when it failed (a
        database that does not answer: Flask's own error page)."""
        assert self._setup is not None
        visit = Visit(environ, self._setup)
        if not visit.trusted():
            return None
        try:
            return answerer(environ, visit)
        except Exception:
            self.app.logger.exception("a kept page could not be answered early; Flask answers it")
            return None

    def _make(self) -> None:
        """Each answerer made once, after the app is configured (the first request). None when
        Flask-WTF keeps the CSRF secret under another session key than the pages' ``csrf_token``."""
        setup = Setup.of(self.app)
        if setup.config.get("WTF_CSRF_FIELD_NAME", "csrf_token") == "csrf_token":
            self._by_path = {setup.path_of(endpoint): make(setup) for endpoint, make in self.answerers.items()}
        self._setup = setup


def install(app: Flask, answerers: Mapping[str, Callable[[Setup], Answerer]]) -> None:
    """Put the layer in front of the app, with an answerer maker per endpoint (``create_app``
    calls this before ProxyFix wraps it)."""
    app.wsgi_app = EarlyPages(app, app.wsgi_app, answerers)  # type: ignore[method-assign]
