"""Device logins: a long-lived, revocable credential per phone or browser.

The cookie holds ``<id>.<secret>``; the server keeps the SHA-256 of the secret, when the device
was last used, and whether (and why) it was revoked. A session opened from a device login
remembers the device, so revoking the device ends that session too. Plain functions: no request
needed, except where a cookie is read or written (``session.py``). They flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from .. import clock
from ..extensions import db
from .models import DeviceLogin, User

COOKIE_NAME = "fieldapp_device"
LIFETIME = timedelta(days=180)
# Writing the last use on every request would make every page a database write.
TOUCH_EVERY = timedelta(minutes=5)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(user: User, user_agent: str = "") -> tuple[DeviceLogin, str]:
    """A new device login for ``user``; returns it and the cookie value (shown only once)."""
    secret = secrets.token_urlsafe(32)
    device = DeviceLogin(
        user_id=user.id, token_sha256=_digest(secret), label=(user_agent or "")[:200], last_used_at=clock.now()
    )
    db.session.add(device)
    db.session.flush()
    return device, f"{device.id}.{secret}"


def resolve(cookie: str | None) -> DeviceLogin | None:
    """The active device login a cookie names, with an active user (its last use: :func:`touch`)."""
    device_id, _, secret = (cookie or "").partition(".")
    if not device_id.isdigit() or not secret:
        return None
    device = db.session.get(DeviceLogin, int(device_id))
    if device is None or not hmac.compare_digest(device.token_sha256, _digest(secret)):
        return None
    if not device.is_active or not device.user.is_active or device.created_at < clock.now() - LIFETIME:
        return None
    return device


def touch(device: DeviceLogin) -> bool:
    """Note the device's use now (at most every ``TOUCH_EVERY``); True when it was written."""
    now = clock.now()
    if device.last_used_at is not None and now - device.last_used_at <= TOUCH_EVERY:
        return False
    device.last_used_at = now
    db.session.flush()
    return True


def active(device_id: int | None) -> DeviceLogin | None:
    device = db.session.get(DeviceLogin, device_id) if device_id else None
    return device if device is not None and device.is_active else None


def revoke(device: DeviceLogin, reason: str) -> None:
    if device.revoked_at is None:
        device.revoked_at, device.revoked_reason = clock.now(), reason
        db.session.flush()


def devices_of(user: User) -> list[DeviceLogin]:
    return list(
        db.session.scalars(
            select(DeviceLogin)
            .where(DeviceLogin.user_id == user.id)
            .order_by(DeviceLogin.revoked_at.is_not(None), DeviceLogin.last_used_at.desc())
        )
    )


@event.listens_for(Session, "before_flush")
def _password_change_revokes_devices(session: Session, flush_context, instances) -> None:
    """However a password changes (account page, administrator, command line), every device
    login of that account ends with it."""
    for obj in session.dirty:
        if isinstance(obj, User) and obj.id is not None:
            history = db.inspect(obj).attrs.password_hash.history
            if history.added:
                session.execute(
                    update(DeviceLogin)
                    .where(DeviceLogin.user_id == obj.id, DeviceLogin.revoked_at.is_(None))
                    .values(revoked_at=clock.now(), revoked_reason="password")
                )
