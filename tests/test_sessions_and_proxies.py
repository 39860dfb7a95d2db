"""Sessions end everywhere on logout and password change; behind a TLS proxy the app knows its
scheme, host and client address only from the hops it trusts; a forged Host never reaches a link."""

from __future__ import annotations

import pytest

from fieldapp.extensions import db


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _with_cookie(app, cookie: str, **environ):
    other = app.test_client()
    other.set_cookie("session", cookie)
    if environ:
        other.environ_base.update(environ)
    return other


def test_a_session_cookie_stops_working_after_logout(app, client, auth):
    auth.login()
    stolen = _cookie(client)
    thief = _with_cookie(app, stolen)
    assert thief.get("/review/").status_code == 200
    assert client.post("/logout").status_code in (302, 303)
    assert thief.get("/review/").status_code in (302, 401)
    assert _with_cookie(app, stolen).get("/review/").status_code in (302, 401)


def test_logout_ends_every_session_of_that_account_only(app, client, auth):
    auth.login()
    second = app.test_client()
    second.post("/login", data={"username": "city-supervisor", "password": auth.PASSWORD})
    auth.create("pinglu", "supervisor", "city")
    third = app.test_client()
    third.post("/login", data={"username": "pinglu", "password": auth.PASSWORD})
    client.post("/logout")
    assert second.get("/review/").status_code == 302
    assert third.get("/review/").status_code == 200


def test_a_password_change_ends_every_session_cookie(app, client, auth):
    user = auth.create("city-supervisor")
    auth.login()
    assert client.get("/review/").status_code == 200
    user.set_password("another long passphrase")
    db.session.commit()
    assert client.get("/review/").status_code == 302


def test_a_session_is_not_bound_to_the_network_address(app, client, auth):
    auth.login()
    moved = _with_cookie(app, _cookie(client), REMOTE_ADDR="10.9.8.7")
    assert moved.get("/review/").status_code == 200


def test_a_forged_host_header_is_refused_with_the_apps_own_page(client):
    response = client.get("/public/results", headers={"Host": "evil.example"})
    assert response.status_code == 400
    assert "evil.example" not in response.get_data(as_text=True)


def test_links_in_open_data_use_the_trusted_host(client):
    response = client.get("/public/results.csv")
    assert response.status_code == 200
    assert client.get("/public/results.csv", headers={"Host": "evil.example"}).status_code == 400


class TestWithoutTrustedProxies:
    @pytest.fixture
    def app_config(self):
        return {
            "RATELIMIT_ENABLED": True,
            "LOGIN_LIMIT_PER_ADDRESS": "3 per minute",
            "LOGIN_LIMIT_PER_ACCOUNT": "100 per minute",
        }

    def test_a_forged_x_forwarded_for_does_not_reset_the_address_limit(self, client, auth):
        statuses = []
        for n in range(6):
            r = client.post(
                "/login",
                data={"username": f"nobody{n}", "password": "x"},
                headers={"X-Forwarded-For": f"203.0.113.{n}"},
            )
            statuses.append(r.status_code)
        assert statuses[:3] == [401, 401, 401]
        assert set(statuses[3:]) == {429}

    def test_plain_http_gets_no_hsts_and_no_secure_cookie(self, client, auth):
        response = auth.login()
        assert "Strict-Transport-Security" not in response.headers
        assert "Secure" not in response.headers.get("Set-Cookie", "")
        forged = client.get("/", headers={"X-Forwarded-Proto": "https"})
        assert "Strict-Transport-Security" not in forged.headers


class TestBehindOneTrustedProxy:
    @pytest.fixture
    def app_config(self):
        return {
            "TRUSTED_PROXIES": 1,
            "TRUSTED_HOSTS": ["spotcheck.example.gov.cn"],
            "RATELIMIT_ENABLED": True,
            "LOGIN_LIMIT_PER_ADDRESS": "3 per minute",
            "LOGIN_LIMIT_PER_ACCOUNT": "100 per minute",
        }

    HEADERS = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "spotcheck.example.gov.cn"}

    def test_https_through_the_proxy_gives_secure_cookies_hsts_and_https_links(self, client, auth):
        auth.create("city-supervisor")
        r = client.post(
            "/login",
            data={"username": "city-supervisor", "password": auth.PASSWORD},
            headers=dict(self.HEADERS, **{"X-Forwarded-For": "198.51.100.1"}),
        )
        assert r.status_code == 302
        assert "Secure" in r.headers["Set-Cookie"]
        assert r.headers["Strict-Transport-Security"].startswith("max-age=")
        spec = client.get("/api/v1/openapi.json", headers=self.HEADERS).json
        assert spec["servers"][0]["url"] == "https://spotcheck.example.gov.cn/api/v1"

    def test_a_forged_forwarded_host_is_refused(self, client):
        headers = dict(self.HEADERS, **{"X-Forwarded-Host": "evil.example"})
        assert client.get("/public/results", headers=headers).status_code == 400

    def test_only_the_last_hop_counts_as_the_client_address(self, client):
        statuses = []
        for n in range(5):
            # The client forges the left part; the trusted proxy appends the real address.
            forwarded = f"203.0.113.{n}, 198.51.100.7"
            r = client.post(
                "/login",
                data={"username": f"nobody{n}", "password": "x"},
                headers=dict(self.HEADERS, **{"X-Forwarded-For": forwarded}),
            )
            statuses.append(r.status_code)
        assert statuses[:3] == [401, 401, 401]
        assert set(statuses[3:]) == {429}
