"""The inspector's list (我的任务) kept per worker and per inspector, answered before Flask.

Each worker keeps every inspector's latest page (``MY_VISITS_PAGE_CACHE_SIZE`` inspectors) under
:func:`page_key`: the user's list token (``visits/list_token.py``: the database changes it on every change
the list shows), their name, role and unit, the language, the day in Beijing and the address. The
view keeps a page under it; :class:`MyListAnswers` serves it again from the early layer
(``core/early.py``) at the cost of one read of the user's row, and only when Flask would give this
user this page:

- only ``GET /my/visits`` with no query string and a trusted ``Host``;
- a signed session holding only what a login and the app put there (the user id, session version,
  device login, CSRF token, language; a flashed message or anything else: Flask), naming an active
  account that passes the view's role check, issued under the account's current session version
  and, when a device login opened it, with that device login not revoked (``auth/session.py``);
- the page kept for that user under the key read now; the user gets their own CSRF token and the
  view's headers. Anything else (no session, a signed-out or deactivated user, a remember or device
  cookie that would sign someone in, a page not kept) goes to Flask."""

from __future__ import annotations

from datetime import date
from flask import Flask

from .. import clock
from ..auth.access import roles_of
from ..auth.models import role_allows
from ..auth.session import DEVICE_SESSION_KEY, SESSION_VERSION_KEY, user_id_of, void_session
from ..core.early import VARY, Answer, Setup, Visit, read_row
from ..core.token_pages import LatestPages
from ..extensions import login_manager

ENDPOINT = "inspections.my_visits"
# What Flask-Login and the app put in a signed-in session; a session with any other key goes to Flask.
SESSION_KEYS = frozenset({"_user_id", "_fresh", "_id", "csrf_token", "lang", SESSION_VERSION_KEY, DEVICE_SESSION_KEY})
# The user's row with the list token, and whether the session's device login (if any) is still active.
READ_USER = (
    "SELECT u.is_active_account, u.session_version, u.role, u.name, u.unit_id, u.list_token, "
    "(SELECT count(*) FROM device_login d WHERE d.id = ? AND d.revoked_at IS NULL) "
    "FROM user_account u WHERE u.id = ?"
)


def page_key(token: int, name: str, role: str, unit_id: int, locale: str, today: date, environ: dict) -> tuple:
    """Everything the kept page depends on: the list token covers the list itself and the units."""
    address = (environ.get("SCRIPT_NAME", ""), environ.get("QUERY_STRING", ""))
    return (int(token), str(name), str(role), int(unit_id), str(locale), today.isoformat(), address)


def store_of(app: Flask) -> LatestPages:
    """This process's latest list per inspector for ``app``."""
    found = app.extensions.get("fieldapp_my_visits_pages")
    if found is None:
        size = int(app.config["MY_VISITS_PAGE_CACHE_SIZE"])
        found = app.extensions.setdefault("fieldapp_my_visits_pages", LatestPages(size))
    return found


class MyListAnswers:
    """The inspector's list's answerer for the early layer."""

    def __init__(self, setup: Setup) -> None:
        app, config = setup.app, setup.config
        self.engine = setup.engine
        self.store = store_of(app)
        self.roles = roles_of(app.view_functions[ENDPOINT])  # as the view checks them
        self.enabled = (
            bool(self.store.size)
            and self.roles is not None
            and not (
                config.get("LOGIN_DISABLED")
                or login_manager.session_protection is not None
                or config.get("REMEMBER_COOKIE_REFRESH_EACH_REQUEST")
            )
        )

    def __call__(self, environ, visit: Visit) -> Answer | None:
        if not self.enabled or environ.get("QUERY_STRING"):
            return None
        data = visit.session()
        if not data or not data.keys() <= SESSION_KEYS:
            return None
        user_id = user_id_of(data.get("_user_id"))
        device = data.get(DEVICE_SESSION_KEY)
        if user_id is None or (device is not None and (type(device) is not int or device <= 0)):
            return None  # Flask decides (a device login that cannot exist signs nobody in)
        if not self.store.holds(user_id):
            return None  # no page kept for them: nothing to read the database for
        row = read_row(self.engine, READ_USER, (device, user_id))
        key = self._key(row, data, visit, environ)
        page = self.store.page(user_id, key) if key is not None else None
        if page is None:
            return None
        raw, new_cookie = visit.token(data)
        return visit.page(page, raw, [*new_cookie, VARY])

    def _key(self, row: tuple | None, data: dict, visit: Visit, environ: dict) -> tuple | None:
        """The page key when the session signs in an account that may see the list, else None."""
        if row is None:
            return None
        active, version, role, name, unit_id, token, device_active = row
        if not active or not role_allows(role, self.roles or ()):
            return None
        if void_session(data, version, lambda _device: bool(device_active)):
            return None
        return page_key(token, name, role, unit_id, visit.locale(data), clock.today(), environ)
