"""Device logins: an inspector's phone stays logged in across browser restarts and network
changes, and the login ends on logout, on a password change, or by an administrator."""

from __future__ import annotations

from sqlalchemy import select

from conftest import new_browser
from fieldapp.auth.devices import COOKIE_NAME
from fieldapp.auth.models import DeviceLogin, User


def _device_cookie(client) -> str | None:
    cookie = client.get_cookie(COOKIE_NAME)
    return cookie.value if cookie else None


def _restart_browser(client, cookie: str) -> None:
    """A closed browser forgets its session cookie and keeps the long-lived ones."""
    client.delete_cookie("session")
    client.set_cookie(COOKIE_NAME, cookie)


def test_an_inspector_login_makes_a_device_login_that_outlives_the_session(client_request, client, db):
    client_request.login("insp", role="inspector", unit="140602")
    cookie = _device_cookie(client)
    assert cookie
    device = db.session.scalar(select(DeviceLogin))
    assert device.is_active and device.last_used_at is not None
    assert cookie.split(".")[1] not in device.token_sha256  # only a hash is kept
    _restart_browser(client, cookie)
    # Another network (address) and another way the browser names itself: still logged in.
    client_request.get_response(
        "inspections.my_visits",
        _environ_base={"REMOTE_ADDR": "10.11.12.13"},
        _headers={"User-Agent": "Mozilla/5.0 (Linux; Android 12) Chrome/120 Mobile"},
    )
    client_request.get_response("inspections.my_visits", _environ_base={"REMOTE_ADDR": "127.0.0.9"})


def test_logout_revokes_the_device_login(client_request, client, db):
    client_request.login("insp", role="inspector", unit="140602")
    cookie = _device_cookie(client)
    client_request.logout()
    device = db.session.scalar(select(DeviceLogin))
    assert not device.is_active and device.revoked_reason == "logout"
    _restart_browser(client, cookie)
    response = client_request.get_response("inspections.my_visits", _expected_status=302)
    assert response.location.startswith(client_request.url_for("auth.login"))
    client_request.get_response(
        "inspections.api_submission", uuid="x", _headers={"X-Fieldapp-Client": "pwa"}, _expected_status=401
    )


def test_a_password_change_ends_every_device_login_and_its_sessions(client_request, client, db):
    client_request.login("insp", role="inspector", unit="140602")
    cookie = _device_cookie(client)
    client_request.get_response("inspections.my_visits")
    user = db.session.scalar(select(User).where(User.username == "insp"))
    user.set_password("a new password for the field")
    db.session.commit()
    assert db.session.scalar(select(DeviceLogin)).revoked_reason == "password"
    client_request.get_response("inspections.my_visits", _expected_status=302)  # the open session ends too
    _restart_browser(client, cookie)
    client_request.get_response("inspections.my_visits", _expected_status=302)


def test_the_account_page_lists_devices_and_an_administrator_revokes_one(app, db):
    phone = new_browser(app)
    phone.login("insp", role="inspector", unit="140602")
    assert "本设备" in phone.get_response("auth.account").get_data(as_text=True)
    device = db.session.scalar(select(DeviceLogin))
    admin = new_browser(app)
    admin.login("boss", role="admin", unit="city")
    user = db.session.scalar(select(User).where(User.username == "insp"))
    revoke = {"endpoint": "auth.revoke_device", "device_id": device.id}
    page = admin.get_response("auth.user_account", user_id=user.id).get_data(as_text=True)
    assert admin.url_for(**revoke) in page
    admin.post_response(**revoke)
    db.session.expire_all()
    assert db.session.get(DeviceLogin, device.id).revoked_reason == "admin"
    phone.get_response("inspections.my_visits", _expected_status=302)
    # Nobody else may revoke it, nor see another account's devices.
    other = new_browser(app)
    other.login("insp2", role="inspector", unit="140602")
    other.post_response(**revoke, _expected_status=404)
    other.get_response("auth.user_account", user_id=user.id, _expected_status=403)


def test_a_supervisor_gets_no_device_login(client_request, client, db):
    client_request.login("sup", role="supervisor", unit="city")
    assert _device_cookie(client) is None
    assert db.session.scalar(select(DeviceLogin)) is None


WECHAT_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN"
)
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 12; V2130A) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36"
)


def test_the_account_page_names_each_device_by_browser_and_system_not_its_user_agent(client_request, db):
    client_request.login("insp", role="inspector", unit="140602")
    user = db.session.scalar(select(User).where(User.username == "insp"))
    for agent in (WECHAT_IPHONE, CHROME_ANDROID, "curl/8.5.0"):
        db.session.add(DeviceLogin(user_id=user.id, token_sha256=agent[-20:].ljust(64, "0"), label=agent))
    db.session.commit()
    page = client_request.get("auth.account", _headers={"Accept-Language": "zh-CN"})
    names = {cell["title"]: cell.get_text() for cell in page.select(".device-name")}
    assert names[WECHAT_IPHONE] == "微信 · iPhone"
    assert names[CHROME_ANDROID] == "Chrome · Android"
    assert names["curl/8.5.0"] == "未知浏览器"
    assert "Mozilla" not in page.select_one("main").get_text()


def test_a_device_login_keeps_the_user_agent_as_the_browser_sent_it(client_request, auth, db):
    auth.create("insp", role="inspector", unit="140602")
    client_request.post_response(
        "auth.login", _data={"username": "insp", "password": auth.PASSWORD}, _headers={"User-Agent": WECHAT_IPHONE}
    )
    assert db.session.scalar(select(DeviceLogin)).label == WECHAT_IPHONE
