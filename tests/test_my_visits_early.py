"""The inspector's list answered before Flask (inspections/list_page.py, core/early.py): the same
answer as the view gives apart from each request's CSRF token; every change the list shows, made by
whoever writes, reaches the next request at once, in every worker; a signed-out, deactivated or
demoted user, a revoked device login or an odd session never gets the kept page."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from bs4 import BeautifulSoup
from conftest import make_app, new_browser
from flask import request
from sqlalchemy import select, text, update

from factories.inspection import CHECKLIST_DIR, add_visit, build_world, list_changes
from fieldapp.auth.models import DeviceLogin, User
from fieldapp.inspections.list_page import store_of
from fieldapp.inspections.models import Submission
from fieldapp.visits.models import VisitInspector

MY_LIST = "inspections.my_visits"
TOKEN = re.compile(r"[A-Za-z0-9_-]{20,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{20,}")  # a signed CSRF token
SAME_HEADERS = (
    "Content-Type",
    "Content-Length",
    "Vary",
    "Content-Security-Policy",
    "X-Frame-Options",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Permissions-Policy",
    "Cache-Control",
    "ETag",
)


@pytest.fixture
def app_config():
    return {"CHECKLISTS_DIR": str(CHECKLIST_DIR)}


@pytest.fixture
def flask_seen(app):
    """The paths of the requests that reached Flask (the early layer answers the others)."""
    seen: list[str] = []
    app.before_request_funcs.setdefault(None, []).append(lambda: seen.append(request.path))
    return seen


@pytest.fixture
def world(app, auth, client_request, frozen_clock, flask_seen):  # frozen_clock: 2026-11-27 10:00 in Beijing
    w = build_world(auth)
    client_request.login("zhang", "inspector", "140602")
    return w


def _list(browser, status: int = 200):
    return browser.get_response(MY_LIST, _expected_status=status)


def _early(browser, flask_seen) -> BeautifulSoup:
    """The list, answered before Flask (asserted)."""
    before = len(flask_seen)
    response = _list(browser)
    assert len(flask_seen) == before, "the kept list went to Flask"
    return BeautifulSoup(response.text, "html.parser")


def _built(browser, flask_seen, status: int = 200):
    """The list, answered by Flask (asserted): something it shows changed, or it may not be shared."""
    before = len(flask_seen)
    response = _list(browser, status)
    assert len(flask_seen) == before + 1, "a list that changed was answered before Flask"
    return response


def _text(browser, flask_seen) -> str:
    text_now = _built(browser, flask_seen).text
    assert _early(browser, flask_seen).get_text() == BeautifulSoup(text_now, "html.parser").get_text()
    return text_now


def _group(page: str, group: str) -> str:
    section = BeautifulSoup(page, "html.parser").select_one(f"#group-{group}")
    return section.find_parent("section").get_text() if section else ""


def test_the_early_answer_is_the_views_byte_for_byte_apart_from_the_token(world, client_request, flask_seen, app, db):
    assert "Set-Cookie" in _built(client_request, flask_seen).headers  # the session's first CSRF token
    # A new token with nothing else changed: Flask renders the same list again and keeps it.
    db.session.execute(update(User).where(User.id == world.lead_user.id).values(list_token=User.list_token + 1))
    db.session.commit()
    built = _built(client_request, flask_seen)
    hits = store_of(app).hits
    again = _list(client_request)
    assert store_of(app).hits == hits + 1 and flask_seen.count("/my/visits") == 2
    assert again.status_code == built.status_code == 200
    assert {h: again.headers.get(h) for h in SAME_HEADERS} == {h: built.headers.get(h) for h in SAME_HEADERS}
    assert sorted(again.headers.keys()) == sorted(built.headers.keys())
    tokens = set(TOKEN.findall(built.text)) | set(TOKEN.findall(again.text))
    assert len(TOKEN.findall(built.text)) == 3  # hx-headers, logout and language forms
    same = again.data
    for token in tokens:
        same = same.replace(token.encode(), b"TOKEN")
    expected = built.data
    for token in tokens:
        expected = expected.replace(token.encode(), b"TOKEN")
    assert same == expected and b"TOKEN" in same
    # The token is the session's own: a form posted with it is accepted.
    app.config["WTF_CSRF_ENABLED"] = True
    token = BeautifulSoup(again.text, "html.parser").select_one(".language-form input[name=csrf_token]")["value"]
    visits = client_request.url_for(MY_LIST)
    client_request.post(
        "core.set_language", _data={"lang": "en", "next": visits, "csrf_token": token}, _expected_redirect=visits
    )


def test_a_session_without_a_token_gets_one_in_a_new_cookie(world, client_request, client, flask_seen):
    _built(client_request, flask_seen)
    with client.session_transaction() as session:
        session.pop("csrf_token")
    response = _list(client_request)
    assert len(flask_seen) == 2 and "session=" in response.headers["Set-Cookie"]  # early, with a new session
    with client.session_transaction() as session:
        raw = session["csrf_token"]
    assert raw and "zhang" not in raw
    _early(client_request, flask_seen)
    assert "Set-Cookie" not in _list(client_request).headers


def test_every_change_on_the_list_shows_at_once(world, client_request, flask_seen, db, frozen_clock):
    _built(client_request, flask_seen)
    _early(client_request, flask_seen)
    changes = list_changes(world)
    for change, shown in changes:
        change()
        db.session.commit()
        assert shown in _text(client_request, flask_seen), shown
    add_visit(world, name="新分配加油站", window_end=date(2026, 12, 1))  # a new visit assigned
    assert "新分配加油站" in _text(client_request, flask_seen)
    submission = Submission(
        uuid="00000000-0000-4000-8000-000000000001",
        body_sha256="x" * 64,
        visit_id=world.visit.id,
        body={},
        state="submitted",
    )
    db.session.add(submission)
    db.session.commit()
    assert "朔州市改名加油站" in _group(_text(client_request, flask_seen), "done")
    submission.state, submission.review_comment = "returned", "请补拍铅封照片"  # the review sends it back
    db.session.commit()
    assert "请补拍铅封照片" in _text(client_request, flask_seen)
    frozen_clock.set(datetime(2026, 12, 2, 0, 5))  # a new day in Beijing: the new visit is overdue
    assert "新分配加油站" in _group(_text(client_request, flask_seen), "overdue")
    db.session.query(VisitInspector).filter(VisitInspector.inspector_id == world.lead.id).delete()
    db.session.commit()
    assert BeautifulSoup(_text(client_request, flask_seen), "html.parser").select(".visit-card") == []


def test_a_change_for_another_inspector_keeps_this_list(world, client_request, flask_seen, db, auth):
    other_user = auth.create("wang", "inspector", "140602", name="王独立")
    from fieldapp.inspectors.models import Inspector

    db.session.add(
        Inspector(name="王独立", certificate_number="14060299998", unit=world.lead.unit, user_id=other_user.id)
    )
    db.session.commit()
    _built(client_request, flask_seen)
    mine = db.session.scalar(select(User.list_token).where(User.id == world.lead_user.id))
    db.session.execute(update(Inspector).where(Inspector.user_id == other_user.id).values(name="王改名"))
    db.session.commit()
    assert db.session.scalar(select(User.list_token).where(User.id == world.lead_user.id)) == mine
    _early(client_request, flask_seen)


def test_the_language_switch_shows_at_once(world, client_request, flask_seen):
    assert _built(client_request, flask_seen).text.count("我的任务") >= 1
    _early(client_request, flask_seen)
    visits = client_request.url_for(MY_LIST)
    client_request.post("core.set_language", _data={"lang": "en", "next": visits}, _expected_redirect=visits)
    english = _built(client_request, flask_seen)
    assert "My visits" in english.text
    assert "My visits" in _early(client_request, flask_seen).get_text()


def test_signed_out_deactivated_or_demoted_users_never_get_the_kept_list(
    world, client_request, client, app, db, flask_seen
):
    _built(client_request, flask_seen)
    _early(client_request, flask_seen)
    cookie = client.get_cookie("session").value
    client_request.logout()
    # The cookie from before the logout, replayed by another browser without the device cookie.
    replay = new_browser(app)
    replay._client.set_cookie("session", cookie)
    assert _built(replay, flask_seen, 302).location.startswith("/login")
    _built(client_request, flask_seen, 302)
    # Signed in again, then deactivated: a redirect to the login page, never the list.
    client_request.login("zhang", "inspector", "140602")
    _built(client_request, flask_seen)
    _early(client_request, flask_seen)
    world.lead_user.is_active_account = False
    db.session.commit()
    assert _built(client_request, flask_seen, 302).location.startswith("/login")
    world.lead_user.is_active_account = True
    db.session.commit()
    client_request.login("zhang", "inspector", "140602")
    _built(client_request, flask_seen)
    world.lead_user.role = "supervisor"  # no longer an inspector: the view's role check refuses
    db.session.commit()
    _built(client_request, flask_seen, 403)


def test_a_password_change_or_a_revoked_device_login_ends_the_kept_list(world, client_request, client, db, flask_seen):
    _built(client_request, flask_seen)
    _early(client_request, flask_seen)
    device = db.session.scalar(select(DeviceLogin).where(DeviceLogin.user_id == world.lead_user.id))
    device.revoked_at, device.revoked_reason = datetime(2026, 11, 27, 1, 0), "admin"
    db.session.commit()
    assert _built(client_request, flask_seen, 302).location.startswith("/login")
    client_request.login("zhang", "inspector", "140602")
    _built(client_request, flask_seen)
    _early(client_request, flask_seen)
    world.lead_user.set_password("a-new-password-2026")
    db.session.commit()
    assert _built(client_request, flask_seen, 302).location.startswith("/login")


def test_odd_sessions_addresses_and_hosts_go_to_flask(world, client_request, client, app, flask_seen):
    _built(client_request, flask_seen)
    _early(client_request, flask_seen)
    app.config["TRUSTED_HOSTS"] = ["localhost"]
    before = len(flask_seen)
    client_request.get_response(MY_LIST, _expected_status=400, _headers={"Host": "evil.example"})
    assert len(flask_seen) == before + 1  # Flask refuses it (never the kept page)
    _early(client_request, flask_seen)
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "一条提示")]
    assert "一条提示" in _built(client_request, flask_seen).text
    _early(client_request, flask_seen)
    before = len(flask_seen)
    assert client_request.get_response(MY_LIST, extra="1").status_code == 200 and len(flask_seen) == before + 1
    with client.session_transaction() as session:
        session["_user_id"] = str(world.member_user.id)  # only the app signs sessions: this is Flask's to judge
        session["something_else"] = 1
    assert "李协查" in _built(client_request, flask_seen).text  # Flask judged it (another key: never early)
    stranger = new_browser(app)
    stranger._client.set_cookie("session", client.get_cookie("session").value[:-3] + "abc")  # a bad signature
    assert _built(stranger, flask_seen, 302).location.startswith("/login")


def test_another_worker_sees_every_change_made_anywhere(world, client_request, client, _schema, db, flask_seen):
    """Two workers (two apps, each with its own kept pages, on the same database): a change written
    through either, or straight into the database, reaches the other's next answer."""
    other = make_app(_schema, CHECKLISTS_DIR=str(CHECKLIST_DIR))
    cookie = client.get_cookie("session").value
    second = other.test_client()
    second.set_cookie("session", cookie)
    url = client_request.url_for(MY_LIST)
    _built(client_request, flask_seen)
    _early(client_request, flask_seen)
    assert second.get(url).status_code == 200 and second.get(url).status_code == 200
    kept = store_of(other).hits
    with other.app_context():
        from fieldapp.extensions import db as other_db

        other_db.session.execute(
            text("UPDATE subject SET name = '另一进程改名' WHERE id = :id"), {"id": world.subject.id}
        )
        other_db.session.commit()
    assert "另一进程改名" in _text(client_request, flask_seen)
    assert "另一进程改名" in second.get(url).text and store_of(other).hits == kept


def test_a_failed_early_read_leaves_the_answer_to_flask(world, client_request, flask_seen, monkeypatch, db):
    from fieldapp.inspections import list_page

    _built(client_request, flask_seen)
    with monkeypatch.context() as patched:  # (undo() would also unfreeze the clock)
        patched.setattr(list_page, "READ_USER", "SELECT no_such_column FROM user_account WHERE id = ?")
        assert "张检查" in _built(client_request, flask_seen).text
    _early(client_request, flask_seen)
    driver = db.session.connection().connection.driver_connection
    assert not getattr(driver, "autocommit", False)  # PostgreSQL: the pool's connection as the ORM expects it


def test_the_token_changes_with_a_transaction_whatever_its_savepoints_did(world, db):
    """PostgreSQL changes each user's token once per transaction: a savepoint rolled back takes its
    change with it, and a later change in the same transaction still changes the token."""

    def token() -> int:
        return db.session.scalar(select(User.list_token).where(User.id == world.lead_user.id))

    before = token()
    savepoint = db.session.begin_nested()
    world.subject.name = "回滚的名称"
    db.session.flush()
    savepoint.rollback()
    assert token() == before
    world.task.name = "同一事务里改名的任务"
    db.session.flush()
    world.subject.address = "同一事务里的新地址"
    db.session.commit()
    assert token() != before
    unchanged = token()
    world.subject.name = world.subject.name  # no change written: no new token
    db.session.commit()
    assert token() == unchanged


def test_a_lost_database_connection_leaves_one_request_to_flask(world, client_request, flask_seen, db):
    """PostgreSQL: the early layer reads on connections of its own, handed out without a ping; one
    the server dropped fails once, is replaced, and Flask answers that request."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the early layer reads with the app's own engine on SQLite")
    _built(client_request, flask_seen)
    _early(client_request, flask_seen)
    db.session.execute(
        text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND state = 'idle'"
        )
    )
    db.session.commit()
    assert "张检查" in _built(client_request, flask_seen).text
    _early(client_request, flask_seen)
