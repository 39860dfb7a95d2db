"""Flask-Login wiring, the device login that keeps an inspector's phone logged in, and which ``next``
address a login (or a language switch) may return to.

Sessions are not bound to the network address or the user agent: a phone moves between Wi-Fi and
mobile data (and carrier NAT) all day, and the service worker's requests may name the browser
differently. What keeps a phone logged in across browser restarts is its device login
(``devices.py``): a long-lived, revocable cookie that opens a new session when the old one is gone.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import Flask, flash, g, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask.typing import ResponseReturnValue
from flask_login import LoginManager, current_user, login_user, user_logged_in
from sqlalchemy import update
from sqlalchemy.orm import joinedload

from ..extensions import db
from . import devices
from .models import User

DEVICE_SESSION_KEY = "device_login"
# Pages open while an account's own password is due: where it is set, and what the phone app loads.
PASSWORD_CHANGE_OPEN = {
    "auth.account",
    "auth.login",
    "core.healthz",
    "inspections.service_worker",
    "inspections.manifest",
    "inspections.offline",
    "static",
}
NOT_PAGES = ("/api/", "/public/", "/static/")  # the phone's sends, the public record, files
SESSION_VERSION_KEY = "session_version"
LOGIN_SESSION_KEYS = ("_user_id", "_fresh", "_id")  # Flask-Login's own


def init_login(app: Flask, login_manager: LoginManager) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.session_protection = None

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        # With its unit: every signed-in page names it in the header (one query instead of two).
        ident = user_id_of(user_id)
        user = db.session.get(User, ident, options=[joinedload(User.unit)]) if ident is not None else None
        if user is None or not user.is_active:
            return None
        void = void_session(session, user.session_version, lambda device_id: devices.active(device_id) is not None)
        if void == DEVICE_SESSION_KEY:
            # The sign-in goes with the revoked device: with only its key dropped, the next request
            # of the same cookie signed the account in again.
            for key in (DEVICE_SESSION_KEY, *LOGIN_SESSION_KEYS):
                session.pop(key, None)
        return None if void else user

    @login_manager.request_loader
    def load_user_from_device(req) -> User | None:
        device = devices.resolve(req.cookies.get(devices.COOKIE_NAME))
        if device is None:
            if req.cookies.get(devices.COOKIE_NAME):
                g.forget_device = True  # an unknown or revoked cookie is removed
            return None
        if devices.touch(device):
            db.session.commit()  # the loader runs before the view, which may commit nothing (a GET)
        login_user(device.user)
        session[DEVICE_SESSION_KEY] = device.id
        return device.user

    @user_logged_in.connect_via(app)
    def stamp_session_version(sender, user, **extra):
        session[SESSION_VERSION_KEY] = user.session_version

    app.before_request(password_change_gate)

    @login_manager.unauthorized_handler
    def unauthorized():
        if request.path.startswith("/api/"):
            return {"error": "authentication required"}, 401
        flash(login_manager.login_message, "info")
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    @app.after_request
    def device_cookie(response):
        new = g.pop("new_device_cookie", None)
        if new:
            response.set_cookie(
                devices.COOKIE_NAME,
                new,
                max_age=int(devices.LIFETIME.total_seconds()),
                httponly=True,
                samesite="Lax",
                secure=request.is_secure,
                path="/",
            )
        elif g.pop("forget_device", False):
            response.delete_cookie(
                devices.COOKIE_NAME, path="/", httponly=True, samesite="Lax", secure=request.is_secure
            )
        return response


def user_id_of(value: object) -> int | None:
    """The account id a session's ``_user_id`` names (None: none that can exist)."""
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 11 else None


def void_session(data: Mapping[str, Any], session_version: int, device_active: Callable[[Any], bool]) -> str | None:
    """Why a signed session no longer signs its (active) account in, or None while it does: a
    cookie from before the account's last logout or password change (``SESSION_VERSION_KEY``), or
    opened by a device login since revoked (``DEVICE_SESSION_KEY``). Pages answered before Flask
    (``core/early.py``) ask the same."""
    if data.get(SESSION_VERSION_KEY) != session_version:
        return SESSION_VERSION_KEY
    device_id = data.get(DEVICE_SESSION_KEY)
    if device_id is not None and not device_active(device_id):
        return DEVICE_SESSION_KEY
    return None


def remember_device(user: User) -> None:
    """After a login with the password: an inspector's phone gets a device login."""
    if not user.has_role("inspector") or user.role == "admin":
        return
    device, cookie = devices.issue(user, request.headers.get("User-Agent", ""))
    session[DEVICE_SESSION_KEY] = device.id
    g.new_device_cookie = cookie


def forget_device() -> None:
    """Logging out revokes this phone's device login and removes its cookie."""
    device = devices.active(session.pop(DEVICE_SESSION_KEY, None))
    if device is not None:
        devices.revoke(device, "logout")
    g.forget_device = True


def end_all_sessions(user: User) -> None:
    """Every session cookie of ``user`` stops working (logout); device logins are revoked apart."""
    db.session.execute(update(User).where(User.id == user.id).values(session_version=User.session_version + 1))


def is_safe_next(target: str | None) -> bool:
    """Only same-site paths are followed after login or a language switch (no open redirects):
    after percent-decoding, a path starting with one ``/``, with no scheme, host, backslash or
    control character (browsers drop tabs and newlines, so ``/%09/evil`` would become ``//evil``)."""
    if not isinstance(target, str) or not target:
        return False
    decoded = target
    for _round in range(3):  # doubly encoded tricks decode too
        decoded = unquote(decoded)
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in decoded) or "\\" in decoded:
        return False
    if not decoded.startswith("/") or decoded.startswith("//"):
        return False
    parts = urlsplit(decoded)
    return not parts.scheme and not parts.netloc


def password_change_gate() -> ResponseReturnValue | None:
    """An account whose password an administrator chose (a new account, a reset) sees its account
    page, to set its own, before any other page. Only pages are held: the phone app's sends and
    files go on (an inspector's unsent work is never held back by it), as do the public pages."""
    if request.method != "GET" or request.endpoint in PASSWORD_CHANGE_OPEN or request.path.startswith(NOT_PAGES):
        return None
    if not (current_user.is_authenticated and current_user.password_change_due):
        return None
    flash(_l("Your password was set by an administrator. Choose your own before you go on."), "info")
    target = url_for("auth.account")
    if request.headers.get("HX-Request"):
        return "", 204, {"HX-Redirect": target}
    return redirect(target)
