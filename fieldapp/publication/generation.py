"""The public generation: one token in the database that changes whenever anything the public
search page shows may have changed, so a page cached under the old token is never served again.

The database changes it itself, by triggers, whatever writes (a publication, a correction, the
CLI, a bulk import, another process): a published record written or removed, a subject renamed
(the search also matches a subject's current name), a unit, task or plan written (the county,
task and year lists). The token is random rather than counted, so emptying the table (tests do)
can never bring an old value back; a missing row means "do not cache".

Read it before the data a page is built from: under READ COMMITTED (PostgreSQL) the data is then at
least as new as the token, so a page can be newer than its key but never older.
"""

from __future__ import annotations

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from ..core.early import read_row
from ..extensions import Model, db
from ..search_objects import SearchDDL


class PublicGeneration(Model):
    """A single row (id 1) whose ``value`` changes on every change the public pages can show."""

    __tablename__ = "public_generation"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0)


WATCHED = ("published_result", "unit", "task", "plan")

_SQLITE_BUMP = (
    "INSERT INTO public_generation (id, value) VALUES (1, random()) ON CONFLICT (id) DO UPDATE SET value = random();"
)
SQLITE_CREATE = [
    *(
        f"CREATE TRIGGER IF NOT EXISTS public_generation_{table}_{op[0]} AFTER {op} ON {table} BEGIN {_SQLITE_BUMP} END"
        for table in WATCHED
        for op in ("INSERT", "UPDATE", "DELETE")
    ),
    "CREATE TRIGGER IF NOT EXISTS public_generation_subject_name AFTER UPDATE OF name ON subject "
    f"WHEN old.name IS NOT new.name BEGIN {_SQLITE_BUMP} END",
    "INSERT OR IGNORE INTO public_generation (id, value) VALUES (1, random())",
]
SQLITE_DROP = [
    *(
        f"DROP TRIGGER IF EXISTS public_generation_{table}_{op[0]}"
        for table in WATCHED
        for op in ("INSERT", "UPDATE", "DELETE")
    ),
    "DROP TRIGGER IF EXISTS public_generation_subject_name",
]
POSTGRESQL_CREATE = [
    "CREATE OR REPLACE FUNCTION public_generation_bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "INSERT INTO public_generation (id, value) VALUES (1, floor(random() * 9007199254740991)::bigint) "
    "ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value; RETURN NULL; END $$",
    *(
        f"CREATE OR REPLACE TRIGGER public_generation_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
        f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION public_generation_bump()"
        for table in WATCHED
    ),
    "CREATE OR REPLACE TRIGGER public_generation_subject_name AFTER UPDATE OF name ON subject FOR EACH ROW "
    "WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION public_generation_bump()",
    "INSERT INTO public_generation (id, value) VALUES (1, floor(random() * 9007199254740991)::bigint) "
    "ON CONFLICT (id) DO NOTHING",
]
POSTGRESQL_DROP = [
    *(f"DROP TRIGGER IF EXISTS public_generation_{table} ON {table}" for table in WATCHED),
    "DROP TRIGGER IF EXISTS public_generation_subject_name ON subject",
    "DROP FUNCTION IF EXISTS public_generation_bump()",
]

TRIGGERS = SearchDDL(
    create={"sqlite": SQLITE_CREATE, "postgresql": POSTGRESQL_CREATE},
    drop={"sqlite": SQLITE_DROP, "postgresql": POSTGRESQL_DROP},
)
create_triggers = TRIGGERS.create_on
drop_triggers = TRIGGERS.drop_on


TRIGGERS.attach(db.metadata)  # made by ``create_all`` once every table exists, removed first by ``drop_all``


READ = "SELECT value FROM public_generation WHERE id = 1"


def current() -> int | None:
    """The token now (None: no row, so nothing may be cached), on the app's engine."""
    return read(db.engine)


def read(engine) -> int | None:
    """The token, read on a pooled connection of its own, outside the ORM session (in autocommit on
    PostgreSQL): a cached page then costs one tiny query and no session at all. Any data the
    request reads after this is at least as new."""
    row = read_row(engine, READ)
    return int(row[0]) if row else None
