"""Access checks used by every blueprint: roles, and the county boundary ("谁管辖、谁负责")."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import Select

from .models import Role


def role_required(*roles: Role | str):
    """Logged in, with one of ``roles`` (administrators pass every role check)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def require_division(division_code: str | None) -> None:
    """404 (not 403: do not reveal what exists) when the user may not see this county's data."""
    if not current_user.may_access_division(division_code):
        abort(404)


def require_unit(unit) -> None:
    if not current_user.may_access_unit(unit):
        abort(404)


def limit_to_user_divisions(stmt: Select, column) -> Select:
    """Restrict a query to the counties the current user may see."""
    codes = current_user.division_codes()
    if codes is None:
        return stmt
    return stmt.where(column.in_(codes))
