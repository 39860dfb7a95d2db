"""Demo accounts, one per role and level, documented in the README."""

from __future__ import annotations

from sqlalchemy import func, select

from ..auth.accounts import check_password
from ..auth.models import Role, Unit, User
from ..auth.organisation import ensure_units, organisation_file, read_organisation
from ..extensions import db
from .org import demo_org

DEMO_PASSWORD = "demo-2021"


def ensure_demo_accounts(password: str = DEMO_PASSWORD) -> list[User]:
    """Create the demo accounts where missing (existing passwords are left alone)."""
    ensure_units()
    units = {u.code: u for u in db.session.scalars(select(Unit))}
    users = []
    accounts = demo_org().accounts
    if not accounts:  # an organisation file without a demo block: one administrator of its top bureau
        top = read_organisation(organisation_file())[0]
        accounts = [("admin", "系统管理员", Role.ADMIN.value, top.code)]
    for username, name, role, unit_code in accounts:
        # Taken in any case, as the username rule has it (auth.accounts.check_username).
        user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
        if user is None:
            check_password(password, username)
            user = User(username=username, name=name, role=Role(role).value, unit=units[unit_code])
            user.set_password(password)
            db.session.add(user)
        users.append(user)
    db.session.flush()
    return users
