"""Accounts through the web and the command line: the rules for a username and a password, and the
changes an account holder or an administrator makes (create, change or reset the password, deactivate,
reactivate). Plain functions: each checks, changes, records an audit event (never the password) and
flushes; the caller (a view or a command) commits. Who may do what is asked of ``access.py``.
"""

from __future__ import annotations

import re
import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import audit
from ..errors import InvalidInput, PermissionDenied
from ..extensions import db
from . import access, devices
from .models import Role, Unit, User
from .session import end_all_sessions

USERNAME_MAX = 64  # the column's length
# Letters (Chinese too), digits and . _ -, starting with a letter or a digit: what a login form can
# take without doubt (no spaces the form strips, no characters that look alike in a list).
USERNAME_RULE = re.compile(r"[^\W_][\w.\-]*")
PASSWORD_MIN = 8
PASSWORD_MAX = 256  # the login form's limit
# Generated passwords: no characters that are mistaken for others when read out or copied by hand.
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
GENERATED_LENGTH = 12
OBJECT_TYPE = "user_account"


def check_username(username: str) -> str:
    """``username`` stripped, when it may name a new account; else InvalidInput (field ``username``)."""
    username = username_form(username)
    taken = db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower()))
    if taken is not None:
        raise InvalidInput(_l("The username %(username)s is taken.", username=username), field="username")
    return username


def username_form(username: str) -> str:
    """``username`` stripped, when it is written as a username may be (taken or not); else InvalidInput."""
    username = (username or "").strip()
    if not username:
        raise InvalidInput(_l("Enter a username."), field="username")
    if len(username) > USERNAME_MAX or not USERNAME_RULE.fullmatch(username):
        raise InvalidInput(
            _l(
                "A username is at most %(max)s letters, digits, dots, hyphens or underscores, "
                "starting with a letter or a digit.",
                max=USERNAME_MAX,
            ),
            field="username",
        )
    return username


def check_password(password: str, username: str, field: str = "password") -> str:
    """``password`` when it may be an account's password: long enough, not the username."""
    password = password or ""
    if len(password) < PASSWORD_MIN:
        raise InvalidInput(_l("A password has at least %(min)s characters.", min=PASSWORD_MIN), field=field)
    if len(password) > PASSWORD_MAX:
        raise InvalidInput(_l("A password has at most %(max)s characters.", max=PASSWORD_MAX), field=field)
    if password.strip().lower() == username.strip().lower():
        raise InvalidInput(_l("The password must not be the username."), field=field)
    return password


def generated_password() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(GENERATED_LENGTH))


def _record(account: User, action: str, actor: User, **details) -> None:
    audit.record(OBJECT_TYPE, account.id, action, actor, details={"username": account.username, **details})


def change_own_password(user: User, current: str, new: str) -> None:
    """The account holder's change: the current password, then a new one by the rules. Every
    session and device login of the account ends with it (the caller signs this browser in again)."""
    if not user.check_password(current or ""):
        raise InvalidInput(_l("The current password is wrong."), field="current_password")
    check_password(new, user.username, field="new_password")
    if user.check_password(new):
        raise InvalidInput(_l("The new password is the current one."), field="new_password")
    user.set_password(new)
    user.password_change_due = False
    db.session.flush()
    _record(user, "password_change", user)


def create_account(actor: User, username: str, name: str, role: str, unit: Unit, password: str) -> User:
    """A new account, made by an administrator for a unit in their reach."""
    username = check_username(username)
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_l("Enter the person's name."), field="name")
    if role not in {r.value for r in Role}:
        raise InvalidInput(_l("Choose a role."), field="role")
    if not access.may_create_account_in(actor, unit):
        raise PermissionDenied(_l("You cannot create an account in this unit."))
    user = User(username=username, name=name[:64], role=role, unit=unit)
    user.set_password(check_password(password, username))
    user.password_change_due = True  # the administrator knows it: the holder sets their own
    db.session.add(user)
    db.session.flush()
    _record(user, "create", actor, name=user.name, role=role, unit=unit.code)
    return user


def reset_password(actor: User, account: User, password: str) -> None:
    """An administrator sets a new password: every session and device login of the account ends."""
    if not access.may_reset_password(actor, account):
        raise PermissionDenied(_l("Change your own password on your account page."))
    account.set_password(check_password(password, account.username))
    account.password_change_due = True
    db.session.flush()
    _record(account, "password_reset", actor)


def set_active(actor: User, account: User, active: bool) -> None:
    """Deactivate (it cannot log in; its sessions and device logins end) or reactivate an account."""
    if not access.may_deactivate(actor, account):
        raise PermissionDenied(_l("You cannot deactivate your own account."))
    if account.is_active_account == active:
        return
    account.is_active_account = active
    db.session.flush()
    _record(account, "reactivate" if active else "deactivate", actor)
    if not active:
        for device in devices.devices_of(account):
            if device.is_active:
                devices.revoke(device, "admin")
        end_all_sessions(account)
