"""Hostile and careless URLs: huge ids, huge page numbers and years, method overrides, bad
``next`` targets and odd upload names get the app's own 4xx page in the user's language."""

from __future__ import annotations

import io
import re

import pytest

from fieldapp.auth.session import is_safe_next

HUGE = "99999999999999999999"
PARAMS = ("page", "cpage", "year", "task", "inspector", "plan", "unit", "round", "version", "id")


def _get_rules(app):
    rules = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        rules.append(rule)
    return rules


def _fill(rule, number: str) -> str | None:
    """The rule's URL with every int argument set to ``number`` (others set to plausible text)."""
    path = rule.rule
    for arg in rule.arguments:
        converter = rule._converters[arg].__class__.__name__
        value = number if "Integer" in converter else ("2021" if arg == "year" else "x")
        path = re.sub(rf"<(?:[^:<>]+:)?{arg}>", value, path)
    return path


def _sweep(client, app):
    failures = []
    for rule in _get_rules(app):
        url = _fill(rule, HUGE)
        query = "&".join(f"{p}={HUGE}" for p in PARAMS)
        for target in (url, f"{url}?{query}", f"{url}?year=99999&page=-{HUGE}", f"{url}?_method=POST"):
            try:
                status = client.get(target).status_code
            except Exception as exc:  # the test client re-raises what would be a 500
                status = repr(exc)[:80]
            if not isinstance(status, int) or status >= 500:
                failures.append((target, status))
    return failures


def test_huge_ids_pages_and_years_never_give_a_server_error_anonymously(app, client):
    assert _sweep(client, app) == []


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-01", "0001-01-02", "2021-02-30", "99999-01-01"])
def test_a_date_filter_at_the_calendars_ends_is_ignored_never_a_500(client, auth, day):
    """Working days counted back and forth from 9999-12-31 or 0001-01-01 overflowed (OverflowError: a 500)."""
    from factories import review as rf

    rf.scenario()
    auth.login("county-supervisor", "supervisor", "140602")
    for headers in ({}, {"HX-Request": "true"}):
        response = client.get(f"/review/?due_by={day}", headers=headers)
        assert response.status_code == 200, (day, headers)
        assert "朔州市某某加油站有限公司" in response.get_data(as_text=True)  # unfiltered: its submission shown


@pytest.mark.parametrize("role", ["admin", "supervisor", "inspector"])
def test_huge_ids_pages_and_years_never_give_a_server_error_signed_in(app, client, auth, role):
    auth.login(f"someone-{role}", role, "city")
    assert _sweep(client, app) == []


def test_a_huge_id_in_a_path_is_the_apps_own_404_in_chinese(client):
    response = client.get(f"/public/tasks/{HUGE}/results")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "页面不存在" in page or "不存在" in page
    assert "Traceback" not in page and "werkzeug" not in page.lower()


def test_a_year_out_of_range_is_refused_or_ignored_never_a_500(client, auth):
    auth.login()
    for url in ("/review/serious?year=99999", "/review/serious?year=0", "/dashboard/?year=99999"):
        assert client.get(url).status_code < 500, url


def test_method_override_in_the_query_is_ignored(client, auth):
    auth.login()
    response = client.get("/review/?_method=POST")
    assert response.status_code == 200
    response = client.post("/logout?_method=GET")
    assert response.status_code in (302, 303)


@pytest.mark.parametrize("code,path", [(405, "/healthz"), (400, None)])
def test_every_error_page_is_the_apps_own_in_the_users_language(client, code, path):
    if code == 405:
        response = client.delete(path)
    else:
        response = client.post("/language", data={"lang": ["x"] * 3, "next": "/\r\nSet-Cookie: x=1"})
    assert response.status_code < 500
    if response.status_code == code:
        page = response.get_data(as_text=True)
        assert 'lang="zh-CN"' in page
        assert "<title>" in page and "Werkzeug" not in page


def test_the_english_error_page_is_in_english(client):
    client.post("/language", data={"lang": "en", "next": "/"})
    response = client.get(f"/public/tasks/{HUGE}/results")
    assert response.status_code == 404
    assert 'lang="en"' in response.get_data(as_text=True)


NOT_SAME_SITE = [
    "//evil.example",
    "/\\evil.example",
    "/%09/evil.example",
    "/\t/evil.example",
    "/%2F/evil.example",
    "https://evil.example/",
    "/\r\nLocation: https://evil.example",
    "/%0d%0aSet-Cookie:x=1",
    "javascript:alert(1)",
    "/%5cevil.example",
    "",
    None,
]


@pytest.mark.parametrize("target", NOT_SAME_SITE)
def test_next_accepts_only_same_site_paths(target):
    assert not is_safe_next(target)


@pytest.mark.parametrize("target", ["/", "/review/?page=2", "/public/results?q=%E5%8A%A0%E6%B2%B9"])
def test_next_keeps_same_site_paths(target):
    assert is_safe_next(target)


@pytest.mark.parametrize("target", ["/%09/evil.example", "/\r\nX: y", "//evil.example", "/\\evil.example"])
def test_a_hostile_next_after_login_and_language_switch_stays_on_site(client, auth, target):
    auth.create("city-supervisor")
    for response in (
        client.post("/login", data={"username": "city-supervisor", "password": auth.PASSWORD, "next": target}),
        client.post("/language", data={"lang": "zh_CN", "next": target}),
    ):
        assert response.status_code in (302, 303)
        location = response.headers["Location"]
        assert "evil" not in location and "\n" not in location and not location.startswith("//")


@pytest.mark.parametrize("name", ["..", ".", "../..", "", "/", "a/../..", "\x00"])
def test_an_upload_named_dot_or_dotdot_is_refused_not_a_500(client, auth, name):
    auth.login("admin", "admin", "city")
    for url in ("/subjects/import", "/inspectors/import", "/plans/import"):
        data = {"file": (io.BytesIO(b"a,b\n1,2\n"), name)}
        response = client.post(url, data=data, content_type="multipart/form-data")
        assert response.status_code < 500, (url, name, response.status_code)
