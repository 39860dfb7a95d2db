"""Flask extensions, created unbound here and initialised in :func:`fieldapp.create_app`."""

from __future__ import annotations

import enum
import sqlite3
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, cast

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy import (
    CursorResult,
    DateTime,
    Engine,
    Enum,
    Executable,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, registry
from sqlalchemy.types import TypeDecorator

# Stable constraint names so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware timestamp: stored in UTC, read back aware (UTC) on every database.

    PostgreSQL keeps ``timestamp with time zone``; SQLite has no zone, so the UTC wall time is
    stored and the zone put back on reading. A naive value written is taken to be UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def enum_column(enum_class: type[enum.StrEnum], length: int) -> Enum:
    """A status (or kind) column typed with its enum: read back as members, stored as the members'
    values in a plain ``VARCHAR(length)`` (no database enum type, no CHECK), so the data stay as they
    were. The member or its value may be written; a query by an unknown string simply finds nothing."""
    return Enum(
        enum_class,
        native_enum=False,
        create_constraint=False,
        values_callable=lambda members: [m.value for m in members],
        length=length,
    )


class Base(DeclarativeBase):
    # Every ``Mapped[datetime]`` column is aware UTC (the clock rules are in fieldapp/clock.py).
    registry = registry(
        metadata=MetaData(naming_convention=NAMING_CONVENTION),
        type_annotation_map={datetime: UTCDateTime},
    )


db = SQLAlchemy(model_class=Base)
# The base of every model. The type checker cannot see through ``db.Model`` (made at run time), so
# it is told that models are ``Base`` subclasses; at run time it is Flask-SQLAlchemy's ``db.Model``.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


def rows_changed(statement: Executable) -> int:
    """Run an UPDATE or DELETE in the session and answer how many rows it matched (the session's
    ``execute`` is typed as answering any ``Result``; only a cursor result carries ``rowcount``)."""
    result = db.session.execute(statement)
    assert isinstance(result, CursorResult), "an UPDATE or DELETE answers with a CursorResult"
    return result.rowcount


class LockVersion:
    """Optimistic locking for a model: its rows carry ``lock_version``, which the ORM checks and bumps
    on every UPDATE it writes (a stale write fails), and which a decision's conditional UPDATE names
    (review/decisions.py), so that one of two concurrent changes wins and the other is told."""

    lock_version: Mapped[int] = mapped_column(default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        return {"version_id_col": cls.lock_version}


class NaturalKey:
    """A surrogate ``id`` key beside the row's natural key, which is unique: ``natural_key`` names its
    columns (a plan's task by its number, a visit's task by the task …). Both come first in the
    table, as the migrations made it (a mixin's columns otherwise follow the model's own)."""

    natural_key: ClassVar[tuple[str, ...]]

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-2)

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (UniqueConstraint(*cls.natural_key),)


class FieldChange:
    """A row of a record's dated history: which field changed, from what to what. The model adds its
    owner's key (``sort_order=-1``: second, as the migrations made the tables), the dates and notes."""

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-2)
    field: Mapped[str] = mapped_column(String(40), sort_order=-1)
    old_value: Mapped[str | None] = mapped_column(Text, sort_order=-1)
    new_value: Mapped[str | None] = mapped_column(Text, sort_order=-1)


def attributes(record: object, *names: str) -> dict[str, Any]:
    """A record's attributes by their own names (a JSON document that names its fields as the model does)."""
    return {name: getattr(record, name) for name in names}


def table_of(model: type[Base]) -> Table:
    """A model's table as the ``Table`` it is (SQLAlchemy types ``__table__`` as any FromClause)."""
    return cast(Table, model.__table__)


@event.listens_for(Engine, "connect")
def _sqlite_write_ahead_log(dbapi_connection, _record) -> None:
    """A SQLite database file keeps a write-ahead log: readers never wait for a writer, and a
    commit is one fsync of the log instead of the rollback journal's several (the phone's
    uploads commit once each). ``synchronous`` stays FULL, so a confirmed commit survives a power
    cut. Switching needs the file to itself: if another connection is busy, the next try switches."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
    except sqlite3.OperationalError:
        pass
    finally:
        cursor.close()


login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
htmx = Htmx()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


class JobQueue(Huey):
    """Huey, configured from the app's settings by :meth:`configure` (in ``create_app``): a SQLite file in
    the instance folder by default, Redis when ``REDIS_URL`` is set, in-memory and immediate for tests."""

    def configure(self, config) -> None:
        if config.get("REDIS_URL"):
            from redis import ConnectionPool

            from .config import REDIS_TIMEOUTS

            pool = ConnectionPool.from_url(config["REDIS_URL"], **REDIS_TIMEOUTS)
            self.storage_class, self.storage_kwargs = RedisStorage, {"connection_pool": pool}
        else:
            self.storage_class, self.storage_kwargs = SqliteStorage, {"filename": config["HUEY_SQLITE_PATH"]}
        self._immediate = bool(config.get("HUEY_IMMEDIATE"))
        self.storage = self._opened_storage()

    def _opened_storage(self):
        """The storage, opened. Processes opening a new SQLite queue file at once (the web server and
        the worker on a first start, two test workers) each ask SQLite to switch the file to WAL;
        SQLite refuses one at once rather than deadlock ("database is locked", no busy wait), so it
        is asked again, a little later each time (about 10 s in all)."""
        for attempt in range(1, 21):
            try:
                return self.create_storage()
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == 20:
                    raise
                time.sleep(0.05 * attempt)
        raise AssertionError("unreachable")

    def backend(self) -> str:
        return "memory" if self._immediate else ("redis" if self.storage_class is RedisStorage else "sqlite")


# Results are kept on the Job rows, not in the queue.
huey = JobQueue("fieldapp", results=False, storage_class=MemoryStorage)
