"""Device logins: an inspector's phone stays logged in across browser restarts and network
changes, and the login ends on logout, on a password change, or by an administrator."""

from __future__ import annotations

from sqlalchemy import select

from fieldapp.auth.devices import COOKIE_NAME
from fieldapp.auth.models import DeviceLogin, User


def _device_cookie(client) -> str | None:
    cookie = client.get_cookie(COOKIE_NAME)
    return cookie.value if cookie else None


def _restart_browser(client, cookie: str) -> None:
    """A closed browser forgets its session cookie and keeps the long-lived ones."""
    client.delete_cookie("session")
    client.set_cookie(COOKIE_NAME, cookie)


def test_an_inspector_login_makes_a_device_login_that_outlives_the_session(client, auth, db):
    auth.login("insp", role="inspector", unit="140602")
    cookie = _device_cookie(client)
    assert cookie
    device = db.session.scalar(select(DeviceLogin))
    assert device.is_active and device.last_used_at is not None
    assert cookie.split(".")[1] not in device.token_sha256  # only a hash is kept
    _restart_browser(client, cookie)
    # Another network (address) and another way the browser names itself: still logged in.
    response = client.get(
        "/my/visits",
        environ_base={"REMOTE_ADDR": "10.11.12.13"},
        headers={"User-Agent": "Mozilla/5.0 (Linux; Android 12) Chrome/120 Mobile"},
    )
    assert response.status_code == 200
    assert client.get("/my/visits", environ_base={"REMOTE_ADDR": "127.0.0.9"}).status_code == 200


def test_logout_revokes_the_device_login(client, auth, db):
    auth.login("insp", role="inspector", unit="140602")
    cookie = _device_cookie(client)
    auth.logout()
    device = db.session.scalar(select(DeviceLogin))
    assert not device.is_active and device.revoked_reason == "logout"
    _restart_browser(client, cookie)
    response = client.get("/my/visits")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/api/v1/submissions/x", headers={"X-Fieldapp-Client": "pwa"}).status_code == 401


def test_a_password_change_ends_every_device_login_and_its_sessions(client, auth, db):
    auth.login("insp", role="inspector", unit="140602")
    cookie = _device_cookie(client)
    assert client.get("/my/visits").status_code == 200
    user = db.session.scalar(select(User).where(User.username == "insp"))
    user.set_password("a new password for the field")
    db.session.commit()
    assert db.session.scalar(select(DeviceLogin)).revoked_reason == "password"
    assert client.get("/my/visits").status_code == 302  # the open session ends too
    _restart_browser(client, cookie)
    assert client.get("/my/visits").status_code == 302


def test_the_account_page_lists_devices_and_an_administrator_revokes_one(app, auth, db):
    phone = app.test_client()
    from conftest import AuthActions

    AuthActions(phone).login("insp", role="inspector", unit="140602")
    page = phone.get("/account")
    assert page.status_code == 200 and "本设备" in page.get_data(as_text=True)
    device = db.session.scalar(select(DeviceLogin))
    admin = app.test_client()
    AuthActions(admin).login("boss", role="admin", unit="city")
    user = db.session.scalar(select(User).where(User.username == "insp"))
    assert f"/account/devices/{device.id}/revoke" in admin.get(f"/account/users/{user.id}").get_data(as_text=True)
    assert admin.post(f"/account/devices/{device.id}/revoke").status_code == 302
    db.session.expire_all()
    assert db.session.get(DeviceLogin, device.id).revoked_reason == "admin"
    assert phone.get("/my/visits").status_code == 302
    # Nobody else may revoke it, nor see another account's devices.
    other = app.test_client()
    AuthActions(other).login("insp2", role="inspector", unit="140602")
    assert other.post(f"/account/devices/{device.id}/revoke").status_code == 404
    assert other.get(f"/account/users/{user.id}").status_code == 403


def test_a_supervisor_gets_no_device_login(client, auth, db):
    auth.login("sup", role="supervisor", unit="city")
    assert _device_cookie(client) is None
    assert db.session.scalar(select(DeviceLogin)) is None
