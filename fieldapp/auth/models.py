"""Organisation units and user accounts."""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import JSON, BigInteger, Date, ForeignKey, String, UniqueConstraint, func
from sqlalchemy import false as sa_false
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..clock import now
from ..extensions import Model, enum_column


class UnitKind(enum.StrEnum):
    PROVINCE_BUREAU = "province_bureau"  # 省局
    CITY_BUREAU = "city_bureau"  # 市局
    DEPARTMENT = "department"  # 机关科室 / 直属单位
    COUNTY_BUREAU = "county_bureau"  # 县（市、区）局
    BRANCH = "branch"  # development-zone branches (开发区分局) and other branches that govern an area of their own


# The units that govern one area (a division code) directly; subjects belong to one of them.
COUNTY_LEVEL_KINDS = (UnitKind.COUNTY_BUREAU, UnitKind.BRANCH)


class Role(enum.StrEnum):
    INSPECTOR = "inspector"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    AUDITOR = "auditor"  # 纪检 / 上级 reviewers: read-only, may see the draws' restricted files


def role_allows(role: str, roles: tuple[Role | str, ...]) -> bool:
    """Whether an account of ``role`` passes a check for any of ``roles`` (administrators pass every one)."""
    wanted = {r.value if isinstance(r, Role) else r for r in roles}
    return role in wanted or role == Role.ADMIN


def new_token() -> int:
    """A random value for :attr:`User.list_token` (53 bits: exact in every driver and in JSON)."""
    return secrets.randbits(53)


class Unit(Model):
    """A unit of the organisation. Its ``code`` is unique in the database and is what files, links and
    forms use to name it without doubt. Its ``name`` is unique within its *organisation*: the units
    whose nearest city or province bureau (the unit itself included) is the same one — a city bureau
    with its departments and its county bureaus; a province bureau with its departments and the city
    (or a municipality's district) bureaus themselves. A county bureau's departments are named among
    themselves, and never as one of its organisation's own units: two cities may each have a 计量科,
    two counties each a 食品经营监管股, but a county's department not the city's 计量科 (name_rule.py).
    ``organisation.py`` enforces this on loading; the
    database enforces its part that a constraint can say: no two children of one parent share a name.
    """

    __tablename__ = "unit"
    __table_args__ = (UniqueConstraint("parent_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(120), default="")
    kind: Mapped[UnitKind] = mapped_column(enum_column(UnitKind, 20))
    # Administrative division code (GB/T 2260) of the area the unit governs; a county-level unit's
    # subjects carry it. Departments have none; a bureau above county level governs its subtree.
    division_code: Mapped[str | None] = mapped_column(String(6), unique=True)
    # The short place name shown in lists (e.g. XX区) and other spellings found in registration data.
    area_name: Mapped[str] = mapped_column(String(50), default="")
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    closed_on: Mapped[date | None] = mapped_column(Date)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))

    parent: Mapped[Unit | None] = relationship(remote_side=[id])

    @property
    def is_county_level(self) -> bool:
        return self.kind in COUNTY_LEVEL_KINDS

    @property
    def is_city_level(self) -> bool:
        """Above county level (a city or province bureau, or one of their departments)."""
        return not self.is_county_level

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return f"<Unit {self.code} {self.name}>"


class User(UserMixin, Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(enum_column(Role, 20))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    is_active_account: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=now, server_default=func.now())
    # Every session cookie carries the version it was issued under; logging out or changing the
    # password raises it, so every cookie of the account stops working at once (auth/session.py).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # Set when an administrator chose the password (a new account, a reset): the holder sets their
    # own before anything else (``session.password_change_gate``).
    password_change_due: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    # A random token that database triggers change whenever anything on the user's 我的任务 list
    # changes (their visits, its tasks, subjects, co-inspectors and submissions; any unit):
    # fieldapp/visits/list_token.py. The list is kept per worker under it.
    list_token: Mapped[int] = mapped_column(BigInteger, default=new_token, server_default="0")

    unit: Mapped[Unit] = relationship()

    # Flask-Login
    @property
    def is_active(self) -> bool:
        return self.is_active_account

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method="scrypt")
        self.session_version = (self.session_version or 0) + 1  # every session cookie ends with it

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def has_role(self, *roles: Role | str) -> bool:
        return role_allows(self.role, roles)

    @property
    def is_city_level(self) -> bool:
        return self.unit.is_city_level


class DeviceLogin(Model):
    """A long-lived login of one phone or browser (the inspector's installed app): it survives a
    browser restart and a change of network address, and is revoked on logout, when the password
    changes, or by an administrator. Only a hash of its secret is kept."""

    __tablename__ = "device_login"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200), default="")  # the user agent, as the browser sent it
    created_at: Mapped[datetime] = mapped_column(default=now, server_default=func.now())
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str] = mapped_column(String(20), default="")  # logout / password / admin / user

    user: Mapped[User] = relationship()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
