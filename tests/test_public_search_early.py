"""Cached public search pages answered before Flask (publication/early_hits.py): the same answer
as the view gives, each visitor's own session and token, and everything it must not answer
(signed-in users, flashed messages, device logins, untrusted hosts) left to Flask."""

from __future__ import annotations

from datetime import date

import pytest
from bs4 import BeautifulSoup

from conftest import make_app
from factories import publication as f
from fieldapp.auth import devices
from fieldapp.publication import operations
from fieldapp.publication.page_cache import cache, cache_of

URL = "/public/results?q=民福"
COMPARED = ("ETag", "Cache-Control", "Vary", "Content-Type", "Content-Security-Policy", "X-Frame-Options")


def _publish(db, seq: int, name: str):
    result = f.approved_result(subj=f.subject(seq, name=name))
    operations.publish([result], f.supervisor(result.inspecting_unit.code), on=date(2021, 7, 1))
    db.session.commit()


def _token(response) -> str:
    return BeautifulSoup(response.text, "html.parser").select_one(".language-form input[name=csrf_token]")["value"]


def test_a_cached_page_is_answered_as_the_view_answers_it(app, client, db):
    _publish(db, 1, "朔州市民福加油站")
    built = client.get(URL)  # a new visitor: built by the view, with a new session
    hits = cache().hits
    again = client.get(URL)  # the same visitor, from the cache before Flask
    assert cache().hits == hits + 1
    assert {h: again.headers.get(h) for h in COMPARED} == {h: built.headers.get(h) for h in COMPARED}
    assert again.text.replace(_token(again), "") == built.text.replace(_token(built), "")
    # A new visitor served from the cache gets a session cookie of their own, as the view sets it.
    other = app.test_client()
    first = other.get(URL)
    assert cache().hits == hits + 2
    assert first.headers["Set-Cookie"].startswith("session=") and "HttpOnly" in first.headers["Set-Cookie"]
    assert "SameSite=Lax" in first.headers["Set-Cookie"] and _token(first) != _token(again)
    assert "Set-Cookie" not in other.get(URL).headers  # the next request carries it


def test_the_query_string_as_sent_language_and_fragment_each_have_their_own_page(app, client, db):
    _publish(db, 1, "朔州市民福加油站")
    _publish(db, 2, "朔州市恒达超市")
    assert "民福加油站" in client.get(URL).text
    assert "恒达超市" in client.get("/public/results?q=恒达").text
    hits = cache().hits
    assert "民福加油站" in client.get(URL).text and cache().hits == hits + 1
    # An extra parameter is repeated in the page's links, so it is a page of its own.
    client.get(URL + "&page=1")
    assert cache().hits == hits + 1
    fragment = client.get(URL, headers={"HX-Request": "true", "HX-Target": "results"})
    assert "<html" not in fragment.text and "民福加油站" in fragment.text
    assert "<html" in client.get(URL, headers={"HX-Request": "true", "HX-Target": "main"}).text
    assert "<html" in client.get(URL).text  # the full page was not replaced by the fragment
    client.post("/language", data={"lang": "en", "next": URL})
    assert "Spot-check results" in client.get(URL).text
    assert "Spot-check results" in client.get(URL).text  # from the cache, still English
    assert "抽查结果" in app.test_client().get(URL).text


def test_signed_in_users_flashed_messages_and_device_logins_go_to_flask(app, client, db, auth):
    _publish(db, 1, "朔州市民福加油站")
    client.get(URL)
    client.get(URL)
    hits = cache().hits
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "一条提示")]
    assert "一条提示" in client.get(URL).text
    auth.create("city-supervisor", name="市局张科长")
    auth.login("city-supervisor")
    assert "市局张科长" in client.get(URL).text
    assert cache().hits == hits
    # A device login cookie may sign its phone in: Flask looks at it (an unknown one is removed).
    device_visitor = app.test_client()
    device_visitor.set_cookie(devices.COOKIE_NAME, "not-a-device")
    answer = device_visitor.get(URL)
    assert answer.status_code == 200 and f"{devices.COOKIE_NAME}=;" in answer.headers["Set-Cookie"]


def test_an_untrusted_host_is_refused_even_for_a_cached_page(app, client, db):
    _publish(db, 1, "朔州市民福加油站")
    app.config["TRUSTED_HOSTS"] = ["localhost"]
    client.get(URL)
    assert client.get(URL).status_code == 200
    assert client.get(URL, headers={"Host": "evil.example"}).status_code == 400


def test_behind_a_proxy_a_cached_page_sees_the_clients_scheme(_schema, db):
    app = make_app(_schema, TRUSTED_PROXIES=1, HSTS_SECONDS=600)
    with app.app_context():
        _publish(db, 1, "朔州市民福加油站")
    https = {"X-Forwarded-Proto": "https"}
    app.test_client().get(URL, headers=https)  # built by the view
    hits = cache_of(app).hits
    answer = app.test_client().get(URL, headers=https)  # a new visitor, from the cache
    assert cache_of(app).hits == hits + 1
    assert answer.headers["Strict-Transport-Security"] == "max-age=600"
    assert "Secure" in answer.headers["Set-Cookie"]
    assert "Strict-Transport-Security" not in app.test_client().get(URL).headers


def test_a_failed_generation_read_leaves_its_connection_as_the_orm_expects(app, db, monkeypatch):
    from fieldapp.publication import generation

    monkeypatch.setattr(generation, "READ", "SELECT value FROM no_such_table")
    with pytest.raises(Exception, match="no_such_table"):
        generation.current()
    monkeypatch.undo()
    assert generation.current() is not None
    driver = db.session.connection().connection.driver_connection
    assert not getattr(driver, "autocommit", False)  # PostgreSQL: in a transaction again
