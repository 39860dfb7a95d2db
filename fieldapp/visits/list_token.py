"""The list token: ``user_account.list_token``, a random value the database changes whenever
anything an inspector's 我的任务 list shows may have changed, whoever writes (a view, a draw, the
review, an import, the CLI, another process). Each worker keeps the list per inspector under it
(``inspections/list_page.py``), so one read of the user's row tells whether the kept page is still the page.

What the list shows, and what changes it:

- the visits the user's inspector is on (``visit_inspector`` written) — of every user on the visit,
  since each card names the co-inspectors — with their window, status, county (``visit``), tasks
  (``visit_task``) and newest submission's version, state and comment (``submission``);
- the names shown on them: a task's number or name, a subject's name or address, an inspector's name
  (or the account an inspector is linked to) — of every user on the visits concerned;
- the units (the county names, the user's unit): any unit written changes every user's token.

The user's own name, role and unit are read with the token and are part of the page's key. Random
rather than counted, so no value comes back. Read before the data a page is built from (the view
reads it with the signed-in user), so a page kept under a token is never older than that token.

SQLite: row triggers (a draw's bulk insert of new visits goes without two of them and changes the
tokens once: :func:`new_visits_inserted`). PostgreSQL: statement triggers with transition tables on the tables that
bulk writes fill (a draw inserts thousands of visits at once: one update per statement, not per
row), row triggers with a ``WHEN`` on the rarely renamed ones; the users are locked in id order.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from ..extensions import db
from ..search_objects import SearchDDL

# The users on the visits whose ids ``visits`` (a subquery) lists.
_USERS_ON = (
    "SELECT i.user_id FROM visit_inspector vi JOIN inspector i ON i.id = vi.inspector_id "
    "WHERE vi.visit_id IN ({visits}) AND i.user_id IS NOT NULL"
)
_USER_OF = "SELECT user_id FROM inspector WHERE id IN ({inspectors}) AND user_id IS NOT NULL"
# Tables keyed by a visit, with their visit column (visit_inspector: also the inspector put on or off).
VISIT_TABLES = (
    ("visit", "id"),
    ("visit_task", "visit_id"),
    ("submission", "visit_id"),
    ("visit_inspector", "visit_id"),
)
# Rarely written tables whose shown columns name what is on the visits: (table, columns, its visits).
NAMED = (
    ("task", ("number", "name"), "SELECT visit_id FROM visit_task WHERE task_id = {row}.id"),
    ("subject", ("name", "address"), "SELECT id FROM visit WHERE subject_id = {row}.id"),
    ("inspector", ("name", "user_id"), "SELECT visit_id FROM visit_inspector WHERE inspector_id = {row}.id"),
)
ALL_TABLES = ("visit", "visit_task", "visit_inspector", "submission", "task", "subject", "inspector", "unit")


def _sqlite_bump(users: str) -> str:
    return f"UPDATE user_account SET list_token = random() WHERE id IN ({users});"


def _sqlite_create() -> list[str]:
    made = []
    events = {"i": ("AFTER INSERT", ("new",)), "d": ("AFTER DELETE", ("old",)), "u": ("AFTER UPDATE", ("old", "new"))}
    for table, column in VISIT_TABLES:
        for suffix, (event, rows) in events.items():
            if table == "visit" and suffix == "i":
                continue  # a new visit is on no list until an inspector is put on it
            when = "BEFORE DELETE" if table == "visit" and suffix == "d" else event  # before its parts go
            body = [_sqlite_bump(_USERS_ON.format(visits=f"{row}.{column}")) for row in rows]
            if table == "visit_inspector":  # the inspector taken off the visit (one put on is on it now)
                body += [
                    _sqlite_bump(_USER_OF.format(inspectors=f"{row}.inspector_id")) for row in rows if row == "old"
                ]
            made.append(
                f"CREATE TRIGGER IF NOT EXISTS list_token_{table}_{suffix} {when} ON {table} BEGIN {' '.join(body)} END"
            )
    for table, columns, visits in NAMED:
        changed = " OR ".join(f"old.{c} IS NOT new.{c}" for c in columns)
        body = [_sqlite_bump(_USERS_ON.format(visits=visits.format(row="new")))]
        if table == "inspector":  # the accounts it was and is linked to
            body.append(_sqlite_bump("old.user_id, new.user_id"))
        made.append(
            f"CREATE TRIGGER IF NOT EXISTS list_token_{table}_u AFTER UPDATE OF {', '.join(columns)} ON {table} "
            f"WHEN {changed} BEGIN {' '.join(body)} END"
        )
    for suffix, event in (("i", "INSERT"), ("d", "DELETE"), ("u", "UPDATE")):
        made.append(
            f"CREATE TRIGGER IF NOT EXISTS list_token_unit_{suffix} AFTER {event} ON unit "
            "BEGIN UPDATE user_account SET list_token = random(); END"
        )
    return made


def _sqlite_drop() -> list[str]:
    names = [f"list_token_{table}_{s}" for table, _ in VISIT_TABLES for s in "idu"]
    names += [f"list_token_{table}_u" for table, _, _ in NAMED]
    names += [f"list_token_unit_{s}" for s in "idu"]
    return [f"DROP TRIGGER IF EXISTS {name}" for name in names if name != "list_token_visit_i"]


_PG_RANDOM = "floor(random() * 9007199254740991)::bigint"
# Each user once per transaction: the new token shows with all of the transaction's changes at
# commit, and a row updated again and again in one transaction (a bulk write a statement per row)
# would grow a chain of versions that every later update walks. The users already done are kept in
# a setting local to the transaction (undone with a rolled-back savepoint, as the update is).
_PG_BUMP = (
    "CREATE OR REPLACE FUNCTION list_token_bump(ids integer[]) RETURNS void LANGUAGE plpgsql AS $$ "
    "DECLARE done integer[] := coalesce(string_to_array(nullif(current_setting('fieldapp.list_token_done', true), ''), "
    "',')::integer[], '{}'); todo integer[]; BEGIN "
    "todo := ARRAY(SELECT DISTINCT u FROM unnest(ids) u WHERE u IS NOT NULL AND NOT u = ANY(done) ORDER BY u); "
    "IF cardinality(todo) = 0 THEN RETURN; END IF; "
    "PERFORM 1 FROM user_account WHERE id = ANY(todo) ORDER BY id FOR NO KEY UPDATE; "  # one lock order for all
    f"UPDATE user_account SET list_token = {_PG_RANDOM} WHERE id = ANY(todo); "
    "PERFORM set_config('fieldapp.list_token_done', array_to_string(done || todo, ','), true); END $$"
)
_PG_BUMP_ALL = (
    "CREATE OR REPLACE FUNCTION list_token_bump_all() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "PERFORM list_token_bump(ARRAY(SELECT id FROM user_account)); RETURN NULL; END $$"
)


def _pg_statement_trigger(table: str, column: str, event: str) -> list[str]:
    """A statement trigger on a visit-keyed table for one event, reading its transition tables."""
    tables = {"INSERT": ("NEW TABLE AS new_rows",), "DELETE": ("OLD TABLE AS old_rows",)}.get(
        event, ("OLD TABLE AS old_rows", "NEW TABLE AS new_rows")
    )
    aliases = [t.split()[-1] for t in tables]
    visits = " UNION ".join(f"SELECT {column} FROM {alias}" for alias in aliases)
    users = [_USERS_ON.format(visits=visits)]
    if table == "visit_inspector":
        users += [_USER_OF.format(inspectors=f"SELECT inspector_id FROM {alias}") for alias in aliases]
    name = f"list_token_{table}_{event[0].lower()}"
    return [
        # EXECUTE: planned for each statement, as large as the tables are now (a plan cached while
        # a draw's first visits were stored scanned the whole table for each of its next thousands).
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"EXECUTE $q$SELECT list_token_bump(ARRAY({' UNION '.join(users)}))$q$; RETURN NULL; END $$",
        f"CREATE OR REPLACE TRIGGER {name} {'BEFORE' if event == 'DELETE' and table == 'visit' else 'AFTER'} "
        f"{event} ON {table} REFERENCING {' '.join(tables)} FOR EACH STATEMENT EXECUTE FUNCTION {name}()",
    ]


def _postgresql_create() -> list[str]:
    made = [_PG_BUMP, _PG_BUMP_ALL]
    for table, column in VISIT_TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            if table == "visit" and event != "UPDATE":
                continue  # a new visit is on no list yet; a deleted one's parts go first (their triggers)
            made += _pg_statement_trigger(table, column, event)
    for table, columns, visits in NAMED:
        users = _USERS_ON.format(visits=visits.format(row="NEW"))
        if table == "inspector":
            users += " UNION SELECT OLD.user_id UNION SELECT NEW.user_id"
        changed = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)
        made += [
            f"CREATE OR REPLACE FUNCTION list_token_{table}_u() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"PERFORM list_token_bump(ARRAY({users})); RETURN NULL; END $$",
            f"CREATE OR REPLACE TRIGGER list_token_{table}_u AFTER UPDATE OF {', '.join(columns)} ON {table} "
            f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION list_token_{table}_u()",
        ]
    made += [
        f"CREATE OR REPLACE TRIGGER list_token_{table}_all AFTER {events} ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION list_token_bump_all()"
        for table, events in (
            ("unit", "INSERT OR UPDATE OR DELETE OR TRUNCATE"),
            *((t, "TRUNCATE") for t in ALL_TABLES if t != "unit"),
        )
    ]
    return made


def _postgresql_drop() -> list[str]:
    functions = [f"list_token_{table}_{e}" for table, _ in VISIT_TABLES for e in "iud"]
    functions = [f for f in functions if f not in ("list_token_visit_i", "list_token_visit_d")]
    functions += [f"list_token_{table}_u" for table, _, _ in NAMED]
    table_of = {f: f.removeprefix("list_token_")[:-2] for f in functions}
    return [
        *(f"DROP TRIGGER IF EXISTS {f} ON {table_of[f]}" for f in functions),
        *(f"DROP TRIGGER IF EXISTS list_token_{t}_all ON {t}" for t in ALL_TABLES),
        *(f"DROP FUNCTION IF EXISTS {f}()" for f in functions),
        "DROP FUNCTION IF EXISTS list_token_bump_all()",
        "DROP FUNCTION IF EXISTS list_token_bump(integer[])",
    ]


# SQLite's row triggers a bulk insert of new visits goes without (:func:`new_visits_inserted`).
_NEW_VISIT_TRIGGERS = ("list_token_visit_task_i", "list_token_visit_inspector_i")


@contextmanager
def new_visits_inserted(inspector_ids: Iterable[int]) -> Iterator[None]:
    """Around a bulk insert of the tasks and inspectors of visits no row referred to before (a
    draw's, tens of thousands at once), ``inspector_ids`` being every inspector put on them.

    SQLite: the row triggers of those two inserts are dropped for the insert and made again after,
    in the same transaction (SQLite's schema is transactional: no other connection ever sees them
    gone, and a rollback brings them back), and the users of ``inspector_ids`` — everyone the new
    visits show on a list — get a new token once. Each row's trigger would have changed the same
    tokens, once per row: 2.1 s of a 1,000,000-subject draw's 8.2 s. PostgreSQL: nothing to do,
    its statement triggers change each user's token once per transaction."""
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        yield
        return
    made = {name: sql for sql in _sqlite_create() for name in _NEW_VISIT_TRIGGERS if f" {name} " in sql}
    driver = connection.connection.driver_connection
    assert driver is not None, "a connection checked out of the pool has its driver connection"
    if not driver.in_transaction:  # (the driver begins one for DML only)
        connection.exec_driver_sql("BEGIN")
    for name in _NEW_VISIT_TRIGGERS:
        connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
    try:
        yield
    finally:
        for name in _NEW_VISIT_TRIGGERS:
            connection.exec_driver_sql(made[name])
    connection.exec_driver_sql(
        _sqlite_bump(_USER_OF.format(inspectors="SELECT value FROM json_each(?)")),
        (json.dumps(sorted(set(inspector_ids))),),
    )


TRIGGERS = SearchDDL(
    create={"sqlite": _sqlite_create(), "postgresql": _postgresql_create()},
    drop={"sqlite": _sqlite_drop(), "postgresql": _postgresql_drop()},
)
create_triggers = TRIGGERS.create_on
drop_triggers = TRIGGERS.drop_on

TRIGGERS.attach(db.metadata)  # made by ``create_all`` once every table exists, removed first by ``drop_all``
