"""Accounts through the web: the holder changes their password on /account; an administrator lists the
accounts of their area, creates one, resets a password, deactivates and reactivates — each change
audited without the password; another city's administrator gets 404, a supervisor 403."""

from __future__ import annotations

import json

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from conftest import new_browser
from factories import PASSWORD
from factories.organisation import TWO_CITIES
from fieldapp.audit import AuditEvent, events_for
from fieldapp.auth.accounts import OBJECT_TYPE
from fieldapp.auth.devices import COOKIE_NAME
from fieldapp.auth.models import DeviceLogin, User
from fieldapp.auth.organisation import load_organisation

NEW = "a-new-password-2026"


def _user(db, username: str) -> User:
    db.session.expire_all()
    return db.session.scalar(select(User).where(User.username == username))


def _can_log_in(app, username: str, password: str) -> bool:
    response = new_browser(app)._auth._client.post("/login", data={"username": username, "password": password})
    return response.status_code == 302


def _no_password_in_audit(db, *passwords: str) -> list[AuditEvent]:
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == OBJECT_TYPE)))
    text = json.dumps([[e.action, e.reason, e.details] for e in events], ensure_ascii=False)
    assert not any(p in text for p in passwords)
    return events


def _field_error(page, field: str) -> str:
    return page.select_one(f"#field-{field} .field__error").get_text()


# --- the holder's own password -------------------------------------------------------------------


def test_a_password_change_keeps_this_browser_and_ends_the_others_and_the_phones(app, db):
    phone = new_browser(app)
    phone.login("insp", role="inspector", unit="140602")
    assert phone._client.get_cookie(COOKIE_NAME) is not None
    desk = new_browser(app)
    desk.login("insp", role="inspector", unit="140602")
    data = {"current_password": PASSWORD, "new_password": NEW, "new_password_again": NEW}
    desk.post("auth.change_password", _data=data, _expected_redirect=desk.url_for("auth.account"))
    assert "密码已修改" in desk.get("auth.account").select_one(".flashes").get_text()
    desk.get_response("inspections.my_visits")  # this browser stays signed in
    phone.get_response("inspections.my_visits", _expected_status=302)  # the other session ends
    assert {d.revoked_reason for d in db.session.scalars(select(DeviceLogin))} == {"password"}
    assert _can_log_in(app, "insp", NEW) and not _can_log_in(app, "insp", PASSWORD)
    (event,) = _no_password_in_audit(db, NEW, PASSWORD)
    assert (event.action, event.actor_id, event.object_id) == ("password_change", event.object_id, _user(db, "insp").id)


@pytest.mark.parametrize(
    "data, field, message",
    [
        (
            {"current_password": "wrong-one-1", "new_password": NEW, "new_password_again": NEW},
            "current_password",
            "当前密码不正确",
        ),
        (
            {"current_password": PASSWORD, "new_password": "short", "new_password_again": "short"},
            "new_password",
            "至少 8 个字符",
        ),
        ({"current_password": PASSWORD, "new_password": "Insp-Sup1", "new_password_again": "Insp-Sup1"}, None, None),
        ({"current_password": PASSWORD, "new_password": "insp-sup1", "new_password_again": "insp-sup1"}, None, None),
        (
            {"current_password": PASSWORD, "new_password": NEW, "new_password_again": NEW + "x"},
            "new_password_again",
            "两次输入的新密码不一致",
        ),
        (
            {"current_password": PASSWORD, "new_password": PASSWORD, "new_password_again": PASSWORD},
            "new_password",
            "与当前密码相同",
        ),
        (
            {"current_password": "", "new_password": NEW, "new_password_again": NEW},
            "current_password",
            "请输入当前密码",
        ),
    ],
    ids=["wrong current", "too short", "the username", "username other case", "differ", "unchanged", "no current"],
)
def test_a_refused_password_change_says_why_on_its_field_and_changes_nothing(client_request, db, data, field, message):
    client_request.login("insp-sup1", role="supervisor", unit="140602")
    before = _user(db, "insp-sup1").password_hash
    page = client_request.post("auth.change_password", _data=data, _expected_status=422)
    if field is None:  # the username, in whatever case
        field, message = "new_password", "不能与用户名相同"
    assert message in _field_error(page, field)
    assert _user(db, "insp-sup1").password_hash == before
    client_request.get_response("auth.account")  # still signed in
    assert events_for(OBJECT_TYPE, _user(db, "insp-sup1").id) == []


def test_the_password_change_speaks_english_when_asked(client_request):
    client_request.login("insp", role="inspector", unit="140602")
    client_request.post("core.set_language", _data={"lang": "en", "next": "/"})
    data = {"current_password": PASSWORD, "new_password": "short", "new_password_again": "short"}
    page = client_request.post("auth.change_password", _data=data, _expected_status=422)
    assert "A password has at least 8 characters." in _field_error(page, "new_password")


# --- the administrator's accounts ----------------------------------------------------------------


def test_an_administrator_creates_an_account_with_a_password_shown_once(app, client_request, db):
    client_request.login("boss", role="admin", unit="city")
    form = client_request.get("auth.new_account")
    units = [o["value"] for o in form.select("#unit option")]
    assert {"city", "city-metrology", "140602", "140603"} <= set(units)
    data = {"username": "zhang-wei", "name": "张伟", "role": "inspector", "unit": "140602", "password": ""}
    response = client_request.post_response("auth.create_account", _data=data, _expected_status=200)
    assert "no-store" in response.headers["Cache-Control"]
    password = BeautifulSoup(response.get_data(as_text=True), "html.parser").select_one(".account-password").get_text()
    page = client_request.get("auth.accounts_index")
    assert len(password) == 12 and _can_log_in(app, "zhang-wei", password)
    created = _user(db, "zhang-wei")
    assert (created.name, created.role, created.unit.code) == ("张伟", "inspector", "140602")
    assert "zhang-wei" in page.select_one("main").get_text()
    account_page = client_request.get_response("auth.user_account", user_id=created.id).get_data(as_text=True)
    assert password not in account_page
    (event,) = _no_password_in_audit(db, password)
    assert (event.action, event.actor.username, event.details["unit"]) == ("create", "boss", "140602")


def test_an_administrator_types_the_initial_password(app, client_request, db):
    client_request.login("boss", role="admin", unit="city")
    data = {"username": "li-na", "name": "李娜", "role": "supervisor", "unit": "city-metrology", "password": NEW}
    page = client_request.post("auth.create_account", _data=data, _expected_status=200)
    assert page.select_one(".account-password") is None
    assert _can_log_in(app, "li-na", NEW)
    _no_password_in_audit(db, NEW)


@pytest.mark.parametrize(
    "changes, field, message",
    [
        ({"username": "zhang wei"}, "username", "用户名"),
        ({"username": "-zhang"}, "username", "用户名"),
        ({"username": "x" * 65}, "username", "用户名"),
        ({"username": "BOSS"}, "username", "已被使用"),
        ({"username": ""}, "username", "请输入用户名"),
        ({"name": "  "}, "name", "请输入姓名"),
        ({"password": "short"}, "password", "至少 8 个字符"),
        ({"password": "Zhang-Wei"}, "password", "不能与用户名相同"),
        ({"unit": "nowhere"}, "unit", "请选择单位"),
        ({"role": "root"}, "role", "请选择角色"),
    ],
    ids=[
        "space",
        "leading hyphen",
        "too long",
        "taken in another case",
        "none",
        "blank name",
        "short password",
        "password is username",
        "unknown unit",
        "unknown role",
    ],
)
def test_a_refused_account_says_why_on_its_field_and_creates_nothing(client_request, db, changes, field, message):
    client_request.login("boss", role="admin", unit="city")
    data = {"username": "zhang-wei", "name": "张伟", "role": "inspector", "unit": "140602", "password": "", **changes}
    page = client_request.post("auth.create_account", _data=data, _expected_status=422)
    assert message in _field_error(page, field)
    assert page.select_one("#username")["value"] == data["username"].strip() or not data["username"].strip()
    assert db.session.scalar(select(User).where(User.username.not_in(["boss"]))) is None


def test_an_administrator_creates_no_account_above_their_own_bureau(client_request, db):
    client_request.login("pc-admin", role="admin", unit="140602")
    form = client_request.get("auth.new_account")
    assert [o["value"] for o in form.select("#unit option")] == ["140602"]
    data = {"username": "up-there", "name": "上级", "role": "admin", "unit": "city", "password": NEW}
    page = client_request.post("auth.create_account", _data=data, _expected_status=403)
    assert "不能在该单位创建账号" in page.get_text()
    assert _user(db, "up-there") is None


def test_a_reset_password_ends_the_accounts_sessions_and_devices(app, client_request, db):
    phone = new_browser(app)
    phone.login("insp", role="inspector", unit="140602")
    client_request.login("boss", role="admin", unit="city")
    target = _user(db, "insp")
    page = client_request.get("auth.user_account", user_id=target.id)
    assert page.select_one(f"form[action='{client_request.url_for('auth.reset_password', user_id=target.id)}']")
    page = client_request.post("auth.reset_password", user_id=target.id, _data={"password": NEW}, _expected_status=200)
    assert page.select_one(".account-password") is None
    phone.get_response("inspections.my_visits", _expected_status=302)
    assert {d.revoked_reason for d in db.session.scalars(select(DeviceLogin))} == {"password"}
    assert _can_log_in(app, "insp", NEW)
    (event,) = _no_password_in_audit(db, NEW)
    assert (event.action, event.actor.username) == ("password_reset", "boss")
    short = client_request.post(
        "auth.reset_password", user_id=target.id, _data={"password": "abc"}, _expected_status=422
    )
    assert "至少 8 个字符" in _field_error(short, "password")


def test_an_administrator_resets_not_their_own_password_there(client_request, db):
    client_request.login("boss", role="admin", unit="city")
    me = _user(db, "boss")
    page = client_request.get("auth.user_account", user_id=me.id)
    # Their own page asks for the current password, as /account does; no reset form.
    assert page.select_one("#password") is None and page.select_one("#current_password") is not None
    client_request.post("auth.reset_password", user_id=me.id, _data={"password": NEW}, _expected_status=403)
    assert _user(db, "boss").check_password(PASSWORD)


def test_a_deactivated_account_cannot_log_in_and_is_logged_out_everywhere(app, client_request, db):
    phone = new_browser(app)
    phone.login("insp", role="inspector", unit="140602")
    cookie = phone._client.get_cookie(COOKIE_NAME).value
    client_request.login("boss", role="admin", unit="city")
    target = _user(db, "insp")
    client_request.post("auth.deactivate_account", user_id=target.id)
    assert not _user(db, "insp").is_active_account
    phone.get_response("inspections.my_visits", _expected_status=302)
    assert {d.revoked_reason for d in db.session.scalars(select(DeviceLogin))} == {"admin"}
    assert not _can_log_in(app, "insp", PASSWORD)
    row = client_request.get("auth.accounts_index").select_one(f"tr[data-user-id='{target.id}']")
    assert "已停用" in row.get_text()
    client_request.post("auth.reactivate_account", user_id=target.id)
    # Back in, with the password: the old session and the revoked phone stay out.
    phone._client.set_cookie(COOKIE_NAME, cookie)
    phone.get_response("inspections.my_visits", _expected_status=302)
    assert _can_log_in(app, "insp", PASSWORD)
    assert [e.action for e in events_for(OBJECT_TYPE, target.id)] == ["deactivate", "reactivate"]


def test_an_administrator_cannot_deactivate_themselves(client_request, db):
    client_request.login("boss", role="admin", unit="city")
    me = _user(db, "boss")
    assert client_request.get("auth.user_account", user_id=me.id).select_one("button.button--danger") is None
    page = client_request.post("auth.deactivate_account", user_id=me.id, _expected_status=403)
    assert "不能停用自己的账号" in page.get_text()
    assert _user(db, "boss").is_active_account
    client_request.get_response("auth.accounts_index")


# --- who may: another city's administrator 404, a supervisor 403 ---------------------------------

ADMIN_POSTS = [
    ("auth.reset_password", {"password": NEW}),
    ("auth.deactivate_account", {}),
    ("auth.reactivate_account", {}),
]


@pytest.fixture
def yangquan_account(db, auth):
    load_organisation(TWO_CITIES)
    db.session.commit()
    return auth.create("yq-insp", "inspector", "yq-cq")


def test_another_citys_administrator_neither_sees_nor_changes_an_account(client_request, db, yangquan_account):
    client_request.login("dt-admin", role="admin", unit="dt")
    listed = client_request.get("auth.accounts_index").select("tr[data-user-id]")
    assert [row.a.get_text() for row in listed] == ["dt-admin"]
    assert "yq-cq" not in [o["value"] for o in client_request.get("auth.new_account").select("#unit option")]
    client_request.get_response("auth.user_account", user_id=yangquan_account.id, _expected_status=404)
    for endpoint, data in ADMIN_POSTS:
        client_request.post(endpoint, user_id=yangquan_account.id, _data=data, _expected_status=404)
    data = {"username": "spy", "name": "间谍", "role": "inspector", "unit": "yq-cq", "password": NEW}
    client_request.post("auth.create_account", _data=data, _expected_status=403)
    target = _user(db, "yq-insp")
    assert target.is_active_account and target.check_password(PASSWORD) and _user(db, "spy") is None


def test_a_supervisor_gets_403_on_every_account_page_but_their_own(client_request, db, yangquan_account):
    client_request.login("sup", role="supervisor", unit="city")
    for endpoint in ("auth.accounts_index", "auth.new_account"):
        client_request.get_response(endpoint, _expected_status=403)
    client_request.get_response("auth.user_account", user_id=yangquan_account.id, _expected_status=403)
    for endpoint, data in ADMIN_POSTS:
        client_request.post(endpoint, user_id=yangquan_account.id, _data=data, _expected_status=403)
    data = {"username": "x-y", "name": "某", "role": "admin", "unit": "city", "password": NEW}
    client_request.post("auth.create_account", _data=data, _expected_status=403)
    assert _user(db, "x-y") is None
    nav = client_request.get("auth.account").select_one("nav")
    assert client_request.url_for("auth.accounts_index") not in str(nav)


def test_administrators_find_the_accounts_in_the_menu(client_request):
    client_request.login("boss", role="admin", unit="city")
    links = [a["href"] for a in client_request.get("auth.account").select("nav a")]
    assert client_request.url_for("auth.accounts_index") in links


# --- one username rule, for the page and the command line ----------------------------------------


@pytest.mark.db
def test_the_command_line_refuses_what_the_page_refuses(app, runner, client_request, db):
    args = ["users", "create", "zhang wei", "--name", "张伟", "--role", "inspector", "--unit", "140602"]
    result = runner.invoke(args=[*args, "--password", NEW])
    assert result.exit_code == 1 and "用户名" in result.output, result.output
    args[2] = "zhang-wei"
    result = runner.invoke(args=[*args, "--password", "short"])
    assert result.exit_code == 1 and "至少 8 个字符" in result.output, result.output
    assert runner.invoke(args=[*args, "--password", NEW]).exit_code == 0
    client_request.login("boss", role="admin", unit="city")
    data = {"username": "Zhang-Wei", "name": "张伟", "role": "inspector", "unit": "140602", "password": ""}
    page = client_request.post("auth.create_account", _data=data, _expected_status=422)
    assert "已被使用" in _field_error(page, "username")


# --- a password an administrator chose --------------------------------------------------------------


def test_an_account_whose_password_an_administrator_chose_sets_its_own_first(app, client_request, db):
    client_request.login("boss", role="admin", unit="city")
    data = {"username": "wang-fang", "name": "王芳", "role": "inspector", "unit": "140602", "password": PASSWORD}
    client_request.post("auth.create_account", _data=data, _expected_status=200)
    holder = new_browser(app)
    holder.login("wang-fang")
    account = holder.url_for("auth.account")
    holder.get_response("inspections.my_visits", _expected_status=302, _expected_redirect=account)
    page = holder.get("auth.account")
    assert "由管理员设置" in page.select_one(".flashes").get_text()
    response = holder.get_response("inspections.my_visits", _expected_status=204, _headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"] == account
    # Only pages wait: the phone's sends and checks, and the public record, go on.
    holder.get_response("inspections.api_visit_states", _headers={"X-Fieldapp-Client": "pwa"})
    holder.get_response("publication.public_results")
    data = {"current_password": PASSWORD, "new_password": NEW, "new_password_again": NEW}
    holder.post("auth.change_password", _data=data, _expected_redirect=holder.url_for("core.index"))
    holder.get_response("inspections.my_visits")
    assert _user(db, "wang-fang").password_change_due is False
    # A password the administrator sets again is due again.
    client_request.post(
        "auth.reset_password", _data={"password": PASSWORD}, user_id=_user(db, "wang-fang").id, _expected_status=200
    )
    again = new_browser(app)
    again.login("wang-fang")
    again.get_response("inspections.my_visits", _expected_status=302, _expected_redirect=account)
    assert "本人尚未设置密码" in client_request.get("auth.user_account", user_id=_user(db, "wang-fang").id).get_text()
