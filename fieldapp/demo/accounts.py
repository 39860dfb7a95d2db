"""Demo accounts, one per role and level, documented in the README."""

from __future__ import annotations

from sqlalchemy import select

from ..auth.models import Role, Unit, User
from ..auth.units import ensure_units
from ..extensions import db

DEMO_PASSWORD = "demo-2021"

# username, name, role, unit code
DEMO_ACCOUNTS = [
    ("admin", "系统管理员", Role.ADMIN, "city"),
    ("city-supervisor", "贾一英", Role.SUPERVISOR, "city"),
    ("metrology-supervisor", "王建国", Role.SUPERVISOR, "city-metrology"),
    ("shuocheng-supervisor", "李秀兰", Role.SUPERVISOR, "140602"),
    ("pinglu-supervisor", "赵志强", Role.SUPERVISOR, "140603"),
    ("shuocheng-inspector", "张伟", Role.INSPECTOR, "140602"),
    ("shuocheng-inspector2", "刘芳", Role.INSPECTOR, "140602"),
    ("pinglu-inspector", "陈磊", Role.INSPECTOR, "140603"),
    ("city-inspector", "杨静", Role.INSPECTOR, "city-metrology"),
]


def ensure_demo_accounts(password: str = DEMO_PASSWORD) -> list[User]:
    """Create the demo accounts where missing (existing passwords are left alone)."""
    ensure_units()
    units = {u.code: u for u in db.session.scalars(select(Unit))}
    users = []
    for username, name, role, unit_code in DEMO_ACCOUNTS:
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None:
            user = User(username=username, name=name, role=role.value, unit=units[unit_code])
            user.set_password(password)
            db.session.add(user)
        users.append(user)
    db.session.flush()
    return users
