"""Login attempts per account, counted atomically in the rate limiter's storage (memory, or Redis
when ``RATELIMIT_STORAGE_URI`` names it) *before* the password is checked: of any number of
simultaneous guesses for one account, at most the limit are ever checked. A correct password
clears the account's count. The same work (one scrypt check) is done for unknown usernames.
"""

from __future__ import annotations

import logging
from functools import cache

from flask import current_app
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from typing import TYPE_CHECKING, TypeGuard

from werkzeug.security import check_password_hash, generate_password_hash

from ..extensions import limiter

if TYPE_CHECKING:
    from .models import User

NAMESPACE = "login-account"
log = logging.getLogger(__name__)


@cache
def _fallback() -> FixedWindowRateLimiter:
    """Counts while the shared storage (Redis) cannot be reached: per process, still before the
    password is checked, so an outage neither locks everyone out nor lifts the limit."""
    return FixedWindowRateLimiter(MemoryStorage())


def _enabled() -> bool:
    return bool(current_app.config["RATELIMIT_ENABLED"])


def _key(username: str) -> str:
    return username.strip().lower()[:200]


def count_attempt(username: str) -> bool:
    """Count one attempt for ``username``; False when its limit is already spent."""
    if not _enabled():
        return True
    limit = parse(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"])
    try:
        return limiter.limiter.hit(limit, NAMESPACE, _key(username))
    except limiter.storage.base_exceptions as exc:
        log.warning("login counters: the storage cannot be reached (%s); counting in this process", exc)
        return _fallback().hit(limit, NAMESPACE, _key(username))


def clear_attempts(username: str) -> None:
    if not _enabled():
        return
    limit = parse(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"])
    _fallback().clear(limit, NAMESPACE, _key(username))
    try:
        limiter.limiter.clear(limit, NAMESPACE, _key(username))
    except limiter.storage.base_exceptions as exc:
        log.warning("login counters: the storage cannot be reached (%s)", exc)


@cache
def _dummy_hash() -> str:
    return generate_password_hash("no such account", method="scrypt")


def password_matches(user: User | None, password: str) -> TypeGuard[User]:
    """The password check, with the same scrypt work when there is no such (active) account."""
    if user is None or not user.is_active:
        check_password_hash(_dummy_hash(), password)
        return False
    return user.check_password(password)
