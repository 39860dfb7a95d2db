"""Flask extensions, created unbound here and initialised in :func:`fieldapp.create_app`."""

from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from huey import Huey
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
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
            self.storage_class, self.storage_kwargs = RedisStorage, {"url": config["REDIS_URL"]}
        else:
            self.storage_class, self.storage_kwargs = SqliteStorage, {"filename": config["HUEY_SQLITE_PATH"]}
        self._immediate = bool(config.get("HUEY_IMMEDIATE"))
        self.storage = self.create_storage()

    def backend(self) -> str:
        return "memory" if self._immediate else ("redis" if self.storage_class is RedisStorage else "sqlite")


# Results are kept on the Job rows, not in the queue.
huey = JobQueue("fieldapp", results=False, storage_class=MemoryStorage)
