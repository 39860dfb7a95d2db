"""Sessions end everywhere on logout and password change; behind a TLS proxy the app knows its
scheme, host and client address only from the hops it trusts; a forged Host never reaches a link."""

from __future__ import annotations

import pytest

from conftest import AuthActions, ClientRequest, new_browser
from fieldapp.extensions import db


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _with_cookie(app, cookie: str, **environ) -> ClientRequest:
    """Another browser holding ``cookie`` (copied or stolen), from another address if ``environ`` says."""
    other = app.test_client()
    other.set_cookie("session", cookie)
    if environ:
        other.environ_base.update(environ)
    return ClientRequest(app, other, AuthActions(other))


REVIEW = "review.queue"


def test_a_session_cookie_stops_working_after_logout(app, client, client_request):
    client_request.login("city-supervisor")
    stolen = _cookie(client)
    thief = _with_cookie(app, stolen)
    thief.get_response(REVIEW)
    client_request.logout()
    thief.get_response(REVIEW, _expected_status=302)
    _with_cookie(app, stolen).get_response(REVIEW, _expected_status=302)


def test_logout_ends_every_session_of_that_account_only(app, client_request, auth):
    client_request.login("city-supervisor")
    second = new_browser(app)
    second.login("city-supervisor")
    auth.create("pinglu", "supervisor", "city")
    third = new_browser(app)
    third.login("pinglu")
    client_request.logout()
    second.get_response(REVIEW, _expected_status=302)
    third.get_response(REVIEW)


def test_a_password_change_ends_every_session_cookie(app, client_request, auth):
    user = auth.create("city-supervisor")
    client_request.login(user)
    client_request.get_response(REVIEW)
    user.set_password("another long passphrase")
    db.session.commit()
    client_request.get_response(REVIEW, _expected_status=302)


def test_a_session_is_not_bound_to_the_network_address(app, client, client_request):
    client_request.login("city-supervisor")
    moved = _with_cookie(app, _cookie(client), REMOTE_ADDR="10.9.8.7")
    moved.get_response(REVIEW)


def test_a_forged_host_header_is_refused_with_the_apps_own_page(client_request):
    page = client_request.get("publication.public_results", _headers={"Host": "evil.example"}, _expected_status=400)
    assert "evil.example" not in str(page)


def test_links_in_open_data_use_the_trusted_host(client_request):
    client_request.get_response("publication.open_data_csv")
    client_request.get_response("publication.open_data_csv", _headers={"Host": "evil.example"}, _expected_status=400)


def _login_statuses(client_request, headers_for, expected: list[int]) -> None:
    """Wrong passwords for a new name each time, from the addresses ``headers_for(n)`` claims."""
    for n, status in enumerate(expected):
        client_request.post_response(
            "auth.login",
            _data={"username": f"nobody{n}", "password": "x"},
            _headers=headers_for(n),
            _expected_status=status,
        )


class TestWithoutTrustedProxies:
    @pytest.fixture
    def app_config(self):
        return {
            "RATELIMIT_ENABLED": True,
            "LOGIN_LIMIT_PER_ADDRESS": "3 per minute",
            "LOGIN_LIMIT_PER_ACCOUNT": "100 per minute",
        }

    def test_a_forged_x_forwarded_for_does_not_reset_the_address_limit(self, client_request):
        _login_statuses(client_request, lambda n: {"X-Forwarded-For": f"203.0.113.{n}"}, [401] * 3 + [429] * 3)

    def test_plain_http_gets_no_hsts_and_no_secure_cookie(self, client_request, auth):
        response = auth.login()
        assert "Strict-Transport-Security" not in response.headers
        assert "Secure" not in response.headers.get("Set-Cookie", "")
        forged = client_request.get_response("core.index", _headers={"X-Forwarded-Proto": "https"})
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

    def test_https_through_the_proxy_gives_secure_cookies_hsts_and_https_links(self, client_request, auth):
        auth.create("city-supervisor")
        r = client_request.post_response(
            "auth.login",
            _data={"username": "city-supervisor", "password": auth.PASSWORD},
            _headers=dict(self.HEADERS, **{"X-Forwarded-For": "198.51.100.1"}),
        )
        assert "Secure" in r.headers["Set-Cookie"]
        assert r.headers["Strict-Transport-Security"].startswith("max-age=")
        spec = client_request.get_response("inspections.openapi", _headers=self.HEADERS).json
        assert spec["servers"][0]["url"] == "https://spotcheck.example.gov.cn/api/v1"

    def test_a_forged_forwarded_host_is_refused(self, client_request):
        headers = dict(self.HEADERS, **{"X-Forwarded-Host": "evil.example"})
        client_request.get_response("publication.public_results", _headers=headers, _expected_status=400)

    def test_only_the_last_hop_counts_as_the_client_address(self, client_request):
        # The client forges the left part; the trusted proxy appends the real address.
        def headers_for(n):
            return dict(self.HEADERS, **{"X-Forwarded-For": f"203.0.113.{n}, 198.51.100.7"})

        _login_statuses(client_request, headers_for, [401] * 3 + [429] * 2)
