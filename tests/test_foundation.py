"""The skeleton: health check, security headers, languages, login and its limits, CSRF."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from conftest import make_app, new_browser


def test_healthz_ok(client_request):
    assert client_request.url_for("core.healthz") == "/healthz"  # the address the deployment's checks poll
    body = client_request.get_response("core.healthz").get_json()
    assert body["status"] == "ok" and body["database"] == "ok"
    # Tests run jobs inline; the queue's storage answers and nothing is waiting.
    assert body["queue"] == {"status": "ok", "backend": "memory", "pending": 0, "jobs_waiting": 0, "worker": "inline"}


def test_healthz_reports_a_dead_database(tmp_path):
    app = make_app(f"sqlite:///{tmp_path}/missing-dir/nope/db.sqlite")
    body = new_browser(app).get_response("core.healthz", _expected_status=503).get_json()
    assert body["status"] == "error" and body["database"] == "unavailable" and body["database_reason"]


def test_healthz_reports_an_unreachable_queue(_schema, tmp_path):
    # Redis on a port where nothing listens: the queue is reported down, the database still ok.
    app = make_app(_schema, HUEY_IMMEDIATE=False, REDIS_URL="redis://127.0.0.1:9/0")
    try:
        body = new_browser(app).get_response("core.healthz", _expected_status=503).get_json()
    finally:
        make_app(_schema)  # the queue back to its test settings
    assert body["database"] == "ok" and body["queue"]["status"] == "unavailable"
    assert body["queue"]["backend"] == "redis" and "Connection" in body["queue"]["reason"]


def test_healthz_sees_the_worker_and_the_waiting_jobs(_schema, tmp_path):
    # SQLite queue storage as ``make run`` has it, no worker yet: reported, not fatal.
    app = make_app(_schema, HUEY_IMMEDIATE=False, HUEY_SQLITE_PATH=str(tmp_path / "huey.sqlite"))
    try:
        queue = new_browser(app).get_response("core.healthz").get_json()["queue"]
        assert queue["status"] == "ok" and queue["backend"] == "sqlite" and queue["worker"] == "not seen"
        from fieldapp import clock
        from fieldapp.extensions import huey
        from fieldapp.jobs.runtime import WORKER_SEEN_KEY

        huey.put(WORKER_SEEN_KEY, clock.now().isoformat())
        queue = new_browser(app).get_response("core.healthz").get_json()["queue"]
        assert queue["worker"] == "ok" and queue["worker_seen_seconds_ago"] <= 5
    finally:
        make_app(_schema)


def test_security_headers(client_request):
    response = client_request.get_response("core.index")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "HX-Request" in response.headers["Vary"]


def test_pages_have_no_inline_script(client_request):
    page = client_request.get("auth.login")
    for script in page.find_all("script"):
        assert script.get("src"), "inline <script> would be blocked by the CSP"
    assert not page.select("[style]"), "inline style attributes would be blocked by the CSP"


def test_chinese_by_default_english_on_request(client_request):
    page = client_request.get("auth.login")
    assert page.html["lang"] == "zh-CN"
    assert page.h1.get_text(strip=True) == "登录"
    login = client_request.url_for("auth.login")
    client_request.post("core.set_language", _data={"lang": "en", "next": login}, _expected_redirect=login)
    page = client_request.get("auth.login")
    assert page.html["lang"] == "en"
    assert page.h1.get_text(strip=True) == "Log in"


def test_language_switch_refuses_open_redirect(client_request):
    client_request.post("core.set_language", _data={"lang": "en", "next": "//evil.example/"}, _expected_redirect="/")


def test_login_and_logout(client_request, auth):
    auth.create("someone", "supervisor", "140602")
    client_request.post("auth.login", _data={"username": "someone", "password": auth.PASSWORD})
    assert "someone" in client_request.get_response("core.index").get_data(as_text=True)
    client_request.post("auth.logout")
    assert "someone" not in client_request.get_response("core.index").get_data(as_text=True)


def test_wrong_password_is_refused_with_a_message(client_request, auth):
    auth.create("someone")
    page = client_request.post("auth.login", _data={"username": "someone", "password": "wrong"}, _expected_status=401)
    assert "用户名或密码错误" in page.get_text()


def test_passwords_are_hashed_with_scrypt(app, auth):
    user = auth.create("hashme")
    assert user.password_hash.startswith("scrypt:")
    assert auth.PASSWORD not in user.password_hash


class TestLimits:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_ENABLED": True}

    def test_login_is_rate_limited_per_account(self, app, auth):
        from fieldapp.extensions import limiter

        limiter.reset()
        auth.create("target")
        browser = new_browser(app)
        for i, status in enumerate([401] * 5 + [429, 429]):
            browser.post_response(
                "auth.login",
                _data={"username": "target", "password": "nope"},
                _environ_base={"REMOTE_ADDR": f"10.0.0.{i}"},
                _expected_status=status,
            )
        # Even the right password is refused while the account is locked …
        browser.post_response(
            "auth.login", _data={"username": "target", "password": auth.PASSWORD}, _expected_status=429
        )
        # … but another account from another address is not affected.
        auth.create("other")
        browser.post_response(
            "auth.login",
            _data={"username": "other", "password": auth.PASSWORD},
            _environ_base={"REMOTE_ADDR": "10.9.9.9"},
        )
        limiter.reset()

    def test_login_is_rate_limited_per_address(self, app, auth):
        app.config.update(LOGIN_LIMIT_PER_ADDRESS="3 per 15 minutes")
        from fieldapp.extensions import limiter

        limiter.reset()
        browser = new_browser(app)
        for i, status in enumerate([401, 401, 401, 429]):
            browser.post_response(
                "auth.login", _data={"username": f"user{i}", "password": "x"}, _expected_status=status
            )
        limiter.reset()


def test_csrf_rejects_a_post_without_token(app, auth):
    app.config["WTF_CSRF_ENABLED"] = True
    auth.create("someone")
    page = new_browser(app).post(
        "auth.login", _data={"username": "someone", "password": auth.PASSWORD}, _expected_status=400
    )
    assert "重新加载" in page.get_text()


def test_csrf_accepts_the_token_from_the_form_and_the_htmx_header(app, auth):
    app.config["WTF_CSRF_ENABLED"] = True
    auth.create("someone")
    browser = new_browser(app)
    page = browser.get("auth.login")
    token = page.find("input", {"name": "csrf_token"})["value"]
    header_token = page.body["hx-headers"]
    assert "X-CSRFToken" in header_token
    browser.post("auth.login", _data={"username": "someone", "password": auth.PASSWORD, "csrf_token": token})
    # htmx requests carry the token in a header instead of the body.
    browser.post("core.set_language", _data={"lang": "en"}, _headers={"X-CSRFToken": token})


def test_units_have_county_division_codes(app):
    from fieldapp.auth.models import Unit
    from fieldapp.extensions import db

    codes = set(db.session.scalars(select(Unit.division_code).where(Unit.division_code.is_not(None))))
    assert {"140602", "140603", "140621", "140622", "140623", "140681"} <= codes
    names = set(db.session.scalars(select(Unit.name)))
    assert {
        "计量科",
        "消保市场科",
        "广告监管科",
        "网监科",
        "质量监管科",
        "知识产权科",
        "认证科",
        "特设监察科",
        "信用监管科",
        "开发区分局",
    } <= names


def test_county_user_reaches_only_her_county(app, auth):
    from fieldapp.auth.access import may_see, visible_divisions
    from fieldapp.auth.models import Unit
    from fieldapp.extensions import db

    county = auth.create("sc", "supervisor", "140602")
    city = auth.create("cs", "supervisor", "city")
    pinglu = db.session.scalar(select(Unit).where(Unit.code == "140603"))
    assert may_see(county, "140602") and not may_see(county, "140603")
    assert not may_see(county, pinglu)
    assert may_see(city, "140603") and may_see(city, pinglu)
    assert visible_divisions(city) is None and visible_divisions(county) == {"140602"}


def test_the_test_client_follows_redirects(client_request, auth):
    auth.create("follower")
    response = client_request.post_response(
        "auth.login", _data={"username": "follower", "password": auth.PASSWORD}, _follow_redirects=True
    )
    assert "follower" in response.get_data(as_text=True)


def test_plural_messages_are_chinese_by_default(app):
    from flask_babel import ngettext

    with app.test_request_context("/"):
        one = ngettext("%(num)d record published.", "%(num)d records published.", 1)
        many = ngettext("%(num)d record published.", "%(num)d records published.", 3)
    assert "record" not in one and "record" not in many
    assert "3" in many


def test_locale_outside_a_request_is_the_default(app):
    from fieldapp.core.i18n import select_locale

    assert select_locale() == "zh_CN"


def test_session_cookie_is_secure_over_https_only(app, auth):
    auth.create("cookie")
    form = {"username": "cookie", "password": auth.PASSWORD}
    over_http = new_browser(app).post_response("auth.login", _data=form).headers["Set-Cookie"]
    assert "HttpOnly" in over_http and "SameSite=Lax" in over_http and "Secure" not in over_http
    over_https = new_browser(app).post_response("auth.login", _data=form, _base_url="https://localhost")
    over_https = over_https.headers["Set-Cookie"]
    assert "Secure" in over_https and "HttpOnly" in over_https


def test_behind_a_trusted_proxy_the_forwarded_scheme_counts(_schema):
    # nginx terminates TLS and says so; with TRUSTED_PROXIES=1 the session cookie is Secure.
    forwarded = {"X-Forwarded-Proto": "https"}
    behind = new_browser(make_app(_schema, TRUSTED_PROXIES=1, WTF_CSRF_ENABLED=True))
    cookie = behind.get_response("auth.login", _headers=forwarded).headers.get("Set-Cookie", "")
    assert "session=" in cookie and "Secure" in cookie
    # Without the setting the same header is not believed (anyone could send it).
    direct = new_browser(make_app(_schema, WTF_CSRF_ENABLED=True))
    cookie = direct.get_response("auth.login", _headers=forwarded).headers.get("Set-Cookie", "")
    assert "session=" in cookie and "Secure" not in cookie


def test_translations_looked_up_once_per_request_still_follow_a_forced_locale(app):
    from flask_babel import force_locale, gettext

    with app.test_request_context("/"):
        assert gettext("Subjects") == "检查对象"
        with force_locale("en"):
            assert gettext("Subjects") == "Subjects"
        assert gettext("Subjects") == "检查对象"
