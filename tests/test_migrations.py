"""The Alembic migrations build the same schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from conftest import make_app
from fieldapp.extensions import db
from fieldapp.visits import list_token
from fieldapp.publication import generation
from fieldapp.search_objects import include_object


TRIGRAM_OPTIONS = (
    "SELECT relname, reloptions FROM pg_class WHERE relname LIKE '%\\_name\\_trgm' OR relname LIKE '%\\_name\\_pairs'"
)


@pytest.fixture
def fresh_url(database_url, tmp_path):
    """An empty database beside the test's own (dropped again afterwards on PostgreSQL)."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path}/migrated.sqlite"
        return
    name = f"{url.database}_migrations"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield url.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_migrations_match_the_models(fresh_url):
    url = fresh_url
    app = make_app(url)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include_object})
            diff = compare_metadata(context, db.metadata)
            names = set(inspect(conn).get_table_names())
            if conn.dialect.name == "postgresql":
                names |= {ix["name"] for t in ("subject", "published_result") for ix in inspect(conn).get_indexes(t)}
                triggers = set(conn.scalars(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")))
                options = dict(conn.execute(text(TRIGRAM_OPTIONS)).all())
            else:
                triggers = set(conn.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
            dialect = conn.dialect.name
        db.engine.dispose()
    assert diff == [], "models changed without a migration: run `flask --app wsgi db migrate`"
    # The name-search objects the models cannot describe are created by the migration too.
    if make_url(url).get_backend_name() == "sqlite":
        assert {"subject_fts", "published_result_fts"} <= names
    else:
        assert {"ix_subject_name_trgm", "ix_published_result_name_trgm", "ix_published_result_name_pairs"} <= names
        # No GIN pending list for a name search to read through (the last migration turns it off).
        assert options == {
            name: ["fastupdate=off"]
            for name in ("ix_subject_name_trgm", "ix_published_result_name_trgm", "ix_published_result_name_pairs")
        }
    # The triggers that keep the caches' tokens (a table rebuilt by a later migration would lose them).
    made = " ".join(list_token.TRIGGERS.statements(dialect) + generation.TRIGGERS.statements(dialect))
    expected = set(re.findall(r"CREATE (?:OR REPLACE )?TRIGGER (?:IF NOT EXISTS )?(\w+)", made))
    assert len(expected) > 10 and expected <= triggers


def test_migrations_downgrade_to_nothing(fresh_url):
    url = fresh_url
    app = make_app(url)
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        with db.engine.connect() as conn:
            left = set(inspect(conn).get_table_names()) - {"alembic_version"}
        db.engine.dispose()
    assert left == set()


def test_flask_db_loads_flask_migrate_when_used_and_only_then(fresh_url):
    """``flask db …`` works through the lazily loaded group; building the app (what every other
    command and every server process does) imports neither Flask-Migrate nor Alembic."""
    import subprocess
    import sys

    url = fresh_url
    app = make_app(url)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["db", "heads"]).exit_code == 0
    assert runner.invoke(args=["db", "upgrade"]).exit_code == 0
    with app.app_context():
        with db.engine.connect() as conn:
            current = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        db.engine.dispose()
    from alembic.script import ScriptDirectory

    assert current == ScriptDirectory(app.extensions["migrate"].directory).get_current_head()
    assert "Perform database migrations." in runner.invoke(args=["--help"]).output
    probe = (
        "import sys; from fieldapp import create_app; create_app({'SECRET_KEY': 'x', 'TESTING': True}); "
        "print(sorted(m for m in ('alembic', 'flask_migrate') if m in sys.modules))"
    )
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


def _unit_triggers(conn) -> set[str]:
    if conn.dialect.name == "sqlite":
        return set(conn.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'unit'")))
    return set(
        conn.scalars(text("SELECT tgname FROM pg_trigger WHERE tgrelid = 'unit'::regclass AND NOT tgisinternal"))
    )


def _add_unit(conn, ident: int, code: str, name: str, kind: str, parent: int | None) -> None:
    conn.execute(
        text("INSERT INTO unit (id, code, name, name_en, kind, parent_id) VALUES (:i, :c, :n, '', :k, :p)"),
        {"i": ident, "c": code, "n": name, "k": kind, "p": parent},
    )


def test_unit_names_become_unique_per_parent_on_a_database_with_data(fresh_url):
    """b8e2f4a6c1d3 on a database with units and an account: everything kept (SQLite rebuilds the
    table: its triggers are made again), a second city's 计量科 may then be added, not a second one
    under one bureau; downgrading restores the database-wide rule once the names allow it."""
    from sqlalchemy.exc import IntegrityError

    app = make_app(fresh_url)
    with app.app_context():
        upgrade(revision="a7c3e5f9b1d4")
        with db.engine.begin() as conn:
            _add_unit(conn, 1, "jia", "甲市市场监督管理局", "city_bureau", None)
            _add_unit(conn, 2, "jia-m", "计量科", "department", 1)
            _add_unit(conn, 3, "yi", "乙市市场监督管理局", "city_bureau", None)
            conn.execute(
                text(
                    "INSERT INTO user_account (id, username, name, password_hash, role, unit_id, is_active_account) "
                    "VALUES (1, 'jia-m-user', '甲', 'x', 'supervisor', 2, :yes)"
                ),
                {"yes": True},
            )
            triggers = _unit_triggers(conn)
        upgrade()
        with db.engine.begin() as conn:
            assert _unit_triggers(conn) == triggers and triggers
            _add_unit(conn, 4, "yi-m", "计量科", "department", 3)
            assert conn.execute(text("SELECT unit_id FROM user_account WHERE id = 1")).scalar() == 2
            assert conn.execute(text("SELECT count(*) FROM unit WHERE name = '计量科'")).scalar() == 2
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            _add_unit(conn, 5, "yi-m2", "计量科", "department", 3)
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM unit WHERE id = 4"))
        downgrade(revision="a7c3e5f9b1d4")
        with db.engine.begin() as conn:
            assert _unit_triggers(conn) == triggers
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            _add_unit(conn, 4, "yi-m", "计量科", "department", 3)
        db.engine.dispose()


def _table_triggers(conn, table: str) -> set[str]:
    if conn.dialect.name == "sqlite":
        return set(
            conn.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"), {"t": table})
        )
    return set(
        conn.scalars(text(f"SELECT tgname FROM pg_trigger WHERE tgrelid = '{table}'::regclass AND NOT tgisinternal"))
    )


def _add_plan(conn, ident: int, title: str, doc_number: str, **extra) -> None:
    columns = {"id": ident, "year": 2021, "unit_id": 1, "title": title, "doc_number": doc_number, **extra}
    columns.update(status="published", version=1, filing_status="not_filed", filing_note="", issuer="", source_name="")
    names = ", ".join(columns) + ", import_warnings"
    values = ", ".join(f":{name}" for name in columns) + ", '[]'"
    conn.execute(text(f"INSERT INTO plan ({names}) VALUES ({values})"), columns)


def test_a_unit_may_hold_a_plan_per_document_a_year_after_migrating_a_database_with_a_plan(fresh_url):
    """c9e1a3b5d7f2 on a database with a unit's 2021 plan: the plan kept, its kind and document key filled
    (SQLite rebuilds the table: its triggers are made again); a 部门联合 plan of the same unit and year may
    then be added, not a second copy of one document; downgrading restores one plan a year once it holds."""
    from sqlalchemy.exc import IntegrityError

    from fieldapp.plans.identity import document_key

    own = ("朔州市市场监督管理局关于印发2021年度双随机抽查工作计划的通知", "朔市监〔2021〕26号")
    joint = ("朔州市2021年度市场监管领域部门联合“双随机、一公开”抽查工作计划", "")
    app = make_app(fresh_url)
    with app.app_context():
        upgrade(revision="b8e2d4f6a1c3")
        with db.engine.begin() as conn:
            _add_unit(conn, 1, "jia", "甲市市场监督管理局", "city_bureau", None)
            _add_plan(conn, 1, *own)
            triggers = _table_triggers(conn, "plan")
        upgrade()
        with db.engine.begin() as conn:
            assert _table_triggers(conn, "plan") == triggers and triggers
            row = conn.execute(text("SELECT title, kind, document_key FROM plan WHERE id = 1")).one()
            assert tuple(row) == (own[0], "own", document_key(*own))
            _add_plan(conn, 2, *joint, kind="joint", document_key=document_key(*joint))
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            _add_plan(conn, 3, *joint, kind="joint", document_key=document_key(*joint))
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM plan WHERE id = 2"))
        downgrade(revision="b8e2d4f6a1c3")
        with db.engine.begin() as conn:
            assert _table_triggers(conn, "plan") == triggers
            assert conn.execute(text("SELECT title FROM plan")).scalars().all() == [own[0]]
        with pytest.raises(IntegrityError), db.engine.begin() as conn:
            _add_plan(conn, 2, *joint)
        db.engine.dispose()
