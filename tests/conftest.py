"""Fixtures in the flaskr style: ``app``, ``client``, ``auth``; a real database for every test.

SQLite by default (one file per test worker). With ``DATABASE_URL`` pointing at PostgreSQL,
each xdist worker gets a database of its own, created here and dropped at the end.
"""

from __future__ import annotations

import contextvars
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

os.environ.setdefault("FIELDAPP_INSTANCE", tempfile.mkdtemp(prefix="fieldapp-test-instance-"))

from fieldapp import create_app  # noqa: E402
from fieldapp.config import database_url_for_tests  # noqa: E402
from factories import PASSWORD  # noqa: E402
from fieldapp.extensions import db as _db  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(config, items):
    # Every test that touches the database is a "db" test: CI runs those again on PostgreSQL.
    for item in items:
        if {"app", "client", "auth", "db", "database_url", "client_request"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    base = database_url_for_tests()
    if not base or base.startswith("sqlite"):
        path = tmp_path_factory.mktemp("db") / f"test-{_worker()}.sqlite"
        yield f"sqlite:///{path}"
        return
    url = make_url(base)
    name = f"{url.database}_{_worker()}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def _schema(database_url):
    """Create the schema once per worker."""
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "test"})
    with app.app_context():
        _db.drop_all()
        _db.create_all()
        _db.engine.dispose()
    return database_url


# Every sequence of the schema back to 1, as a fresh database has them (ids restart with every test).
_RESTART_SEQUENCES = text(
    "SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind = 'S' AND n.nspname = current_schema()"
)


def _empty_all_tables() -> None:
    """Delete every row, children first. On PostgreSQL a DELETE of the few rows a test leaves takes
    ~20 ms where TRUNCATE of all 36 tables took ~500 ms (new files for every table), which was a
    quarter of CI's PostgreSQL phase; the delete triggers fire as they would in the app."""
    engine = _db.engine
    tables = list(reversed(_db.metadata.sorted_tables))
    with engine.begin() as conn:
        for table in tables:
            conn.execute(table.delete())
        if engine.dialect.name == "postgresql":
            conn.execute(_RESTART_SEQUENCES)


_apps_made: list = []


def make_app(database_url: str, **overrides):
    app = create_app(_test_config(database_url, overrides))
    _apps_made.append(app)
    return app


@pytest.fixture(autouse=True)
def _close_database_connections():
    """Each test's apps close their pooled connections when it ends: an app's engine otherwise keeps
    them open until it is garbage-collected, and on PostgreSQL two workers reached the server's 100
    connections ("too many clients already")."""
    yield
    while _apps_made:
        made = _apps_made.pop()
        with made.app_context():
            for engine in _db.engines.values():
                engine.dispose()
        early = made.extensions.get("fieldapp_early_reads")  # the early layer's own (PostgreSQL)
        if early is not None:
            early.dispose()


def _test_config(database_url: str, overrides: dict) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": None,
        "HUEY_IMMEDIATE": True,
    }
    config.update(overrides)
    return config


@pytest.fixture
def app_config() -> dict:
    """Override in a test module to change the app's configuration."""
    return {}


@pytest.fixture
def app(_schema, app_config, tmp_path):
    # Media and job folders per test: job ids restart with every test (and every test worker).
    app = make_app(
        _schema, **{"MEDIA_ROOT": str(tmp_path / "media"), "JOBS_ROOT": str(tmp_path / "jobs"), **app_config}
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        _empty_all_tables()
        from fieldapp.auth.organisation import ensure_units

        ensure_units()
        _db.session.commit()
        yield app
        _db.session.remove()


@pytest.fixture
def db(app):
    return _db


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh context, as in production: nothing cached on ``g``
    (the logged-in user, the locale, the database session) leaks from the test's own
    app context into the request or back. Commit test data before making a request."""

    def open(self, *args, **kwargs):
        response = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():  # not inside a redirect that ``follow_redirects`` is following
            _db.session.expire_all()
        return response


@pytest.fixture
def client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


class FrozenClock:
    """The app's clock (``fieldapp.clock``: now, today, local) pinned to one moment."""

    def __init__(self, monkeypatch):
        self._monkeypatch = monkeypatch

    def set(self, moment: datetime) -> datetime:
        """Pin the clock to ``moment`` (aware; a naive value is read as Beijing time)."""
        from fieldapp import clock

        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=clock.BEIJING)
        self._monkeypatch.setattr(clock, "_frozen", moment.astimezone(UTC))
        return moment

    def beijing(self, *args: int) -> datetime:
        """Pin the clock to a Beijing wall time: ``beijing(2026, 11, 27, 0, 30)``."""
        return self.set(datetime(*args))

    @property
    def now(self) -> datetime:
        from fieldapp import clock

        return clock.now()


@pytest.fixture
def frozen_clock(monkeypatch):
    """Every "now" and "today" of the app pinned: 2026-11-27 10:00 in Beijing unless moved with
    ``frozen_clock.set(...)`` / ``frozen_clock.beijing(y, m, d, h, min)``."""
    frozen = FrozenClock(monkeypatch)
    frozen.beijing(2026, 11, 27, 10, 0)
    return frozen


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


class AuthActions:
    """Log in as a given account; accounts are created on demand with a known password."""

    PASSWORD = PASSWORD

    def __init__(self, client):
        self._client = client

    def create(self, username: str, role: str = "supervisor", unit: str = "city", name: str | None = None):
        from sqlalchemy import select

        from fieldapp.auth.models import Unit, User

        user = _db.session.scalar(select(User).where(User.username == username))
        if user is None:
            unit_obj = _db.session.scalar(select(Unit).where(Unit.code == unit))
            user = User(username=username, name=name or username, role=role, unit=unit_obj)
            user.set_password(self.PASSWORD)
            _db.session.add(user)
            _db.session.commit()
        return user

    def login(self, username: str = "city-supervisor", role: str = "supervisor", unit: str = "city"):
        self.create(username, role, unit)
        return self._client.post("/login", data={"username": username, "password": self.PASSWORD})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


def path_for(app, endpoint: str, **url_args) -> str:
    """The path of ``endpoint`` (``url_for``; arguments the rule does not take become the query string)."""
    from flask import url_for

    # On a host the app trusts (with TRUSTED_HOSTS set, "localhost" may not be one): a path either way.
    host = (app.config.get("TRUSTED_HOSTS") or ["localhost"])[0].lstrip(".")
    with app.test_request_context(base_url=f"http://{host}"):
        return url_for(endpoint, **url_args)


class ClientRequest:
    """Pages by endpoint name, parsed (in the manner of GOV.UK Notify's ``client_request``).

    ``client_request.get("dashboards.index", year=2026)`` builds the URL with ``url_for`` (arguments the
    rule does not take become the query string), asserts the status (200 unless ``_expected_status``)
    and returns the page as BeautifulSoup. ``post`` (form ``_data`` or ``_json``) expects a redirect (302)
    unless it follows redirects (then 200). ``_expected_redirect`` checks where a redirect points;
    ``_base_url`` asks (or posts) under another scheme and host (``"https://gs.example.cn"``), ``_environ_base``
    from another address (``{"REMOTE_ADDR": "10.11.12.13"}``);
    ``get_response`` / ``post_response`` return the response itself (JSON, files, headers)."""

    def __init__(self, app, client, auth: AuthActions):
        self._app, self._client, self._auth = app, client, auth

    def url_for(self, endpoint: str, **url_args) -> str:
        return path_for(self._app, endpoint, **url_args)

    def login(self, user, role: str = "supervisor", unit: str = "city"):
        """Sign in as ``user`` (a User made by ``auth.create`` or a username, created on demand)."""
        username = user if isinstance(user, str) else user.username
        response = self._auth.login(username, role, unit)
        assert response.status_code == 302, f"login as {username!r}: {response.status_code}"
        return user

    def logout(self) -> None:
        self._auth.logout()

    def get_response(
        self,
        endpoint,
        _expected_status=200,
        _follow_redirects=False,
        _expected_redirect=None,
        _headers=None,
        _base_url=None,
        _environ_base=None,
        **url_args,
    ):
        url = self.url_for(endpoint, **url_args)
        response = self._client.get(
            url,
            headers=_headers,
            follow_redirects=_follow_redirects,
            base_url=_base_url,
            environ_base=_environ_base or {},
        )
        return self._check("GET", url, response, _expected_status, _expected_redirect)

    def get(self, endpoint, _expected_status=200, **kwargs) -> BeautifulSoup:
        return _parse(self.get_response(endpoint, _expected_status, **kwargs))

    def get_url(self, url: str, _expected_status=200, _headers=None) -> BeautifulSoup:
        """Follow a link found on a page (its ``href``), status asserted, page parsed."""
        return _parse(self._check("GET", url, self._client.get(url, headers=_headers), _expected_status, None))

    def post_response(
        self,
        endpoint,
        _data=None,
        _expected_status=None,
        _follow_redirects=False,
        _expected_redirect=None,
        _headers=None,
        _json=None,
        _content_type=None,
        _base_url=None,
        _environ_base=None,
        **url_args,
    ):
        if _expected_status is None:
            _expected_status = 200 if _follow_redirects else 302
        url = self.url_for(endpoint, **url_args)
        response = self._client.post(
            url,
            data=_data,
            json=_json,
            content_type=_content_type,
            headers=_headers,
            base_url=_base_url,
            environ_base=_environ_base or {},
        )
        if _follow_redirects and response.status_code in (301, 302, 303):
            # Followed here, one hop, so that ``_expected_redirect`` checks where the post led.
            self._check("POST", url, response, response.status_code, _expected_redirect)
            url, _expected_redirect = response.location, None
            response = self._client.get(url, headers=_headers)
        return self._check("POST", url, response, _expected_status, _expected_redirect)

    def post(self, endpoint, _data=None, _expected_status=None, **kwargs) -> BeautifulSoup:
        return _parse(self.post_response(endpoint, _data, _expected_status, **kwargs))

    @staticmethod
    def _check(method, url, response, expected_status, expected_redirect):
        assert response.status_code == expected_status, (
            f"{method} {url}: {response.status_code}, expected {expected_status}"
        )
        if expected_redirect is not None:
            assert response.location == expected_redirect, f"{method} {url} went to {response.location}"
        return response


def _parse(response) -> BeautifulSoup:
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def new_browser(app) -> ClientRequest:
    """Another browser on the test's app: a client with cookies of its own, pages by endpoint name."""
    client = app.test_client()
    return ClientRequest(app, client, AuthActions(client))


@pytest.fixture
def client_request(app, client, auth):
    """Fetch and post pages by endpoint name, status asserted, HTML parsed (``ClientRequest``)."""
    return ClientRequest(app, client, auth)


# --- a live server and a real browser (Playwright driving Debian's Chromium) -------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
# A mid-range Android phone, 360 px wide: the browser context every phone test starts from.
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}


class LiveServer:
    """The app on a free loopback port; its pages by endpoint name (``url_for``), and signing in as a
    person does (``sign_in``)."""

    def __init__(self, app):
        import threading

        from werkzeug.serving import make_server

        self.app = app

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url_for(self, endpoint: str, **url_args) -> str:
        """The full address of a page on this server."""
        return self.url + path_for(self.app, endpoint, **url_args)

    def sign_in(self, page, username: str, password: str = PASSWORD) -> None:
        """Fill in and send the login page in the browser ``page``, and wait for the home page."""
        page.goto(self.url_for("auth.login"))
        page.fill("#username", username)
        page.fill("#password", password)
        page.click("main form button[type=submit]")
        page.wait_for_url(self.url_for("core.index"))

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)


@pytest.fixture
def live_server(app):
    """The test's app served over HTTP on a free loopback port (its database is the test's)."""
    server = LiveServer(app)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    import shutil

    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian's chromium is not installed (make test installs it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    """A browser context that looks like a mid-range Android phone, 360 px wide."""
    context = browser.new_context(
        **PHONE,
        user_agent="Mozilla/5.0 (Linux; Android 12; fieldapp-test) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36",
    )
    yield context
    context.close()
