"""The supervisors' subject search finds a firm however the width, spacing and case of its name are
stored or typed: both sides are compared by their search form (``search_key``), kept beside the name
in ``subject.name_key`` by the model, the bulk importer (and its job) and the migration for old rows."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from conftest import make_app
from factories.subjects import HEADER
from fieldapp.auth.organisation import ensure_units
from fieldapp.demo.generator import make_uscc
from fieldapp.extensions import db as _db
from fieldapp.search_objects import search_key
from fieldapp.subjects.importer import import_subject_file
from fieldapp.subjects.models import Subject
from fieldapp.subjects.search import search_subjects
from fieldapp.subjects.search_ddl import refresh_name_keys

BEFORE = "c4d7e9f1a2b5"  # the revision before the directory's search form

# name as registered → the queries that must find it (and nothing else of these names)
NAMES = {
    "ABC超市": ("ＡＢＣ超市", "abc超市", "ABC超市", "Abc超", "ａｂｃ超"),
    "ｘｙｚ百货（朔城店）": ("XYZ百货(朔城店)", "xyz百货", "百货（朔城", "百货(朔城"),
    # Chinese is written without spaces: one registered or typed between CJK characters never decides.
    "太原　市第一商店": ("太原市第一", "太原 市第一", "太 原市第一", "太原　市第一", "原 市第一", "太原市 第一商店"),
    "大同 市某某店": ("大同市某某店", "大同市 某某店", "大 同市某", "大同　市某", "同市某某"),
    # Latin words keep their boundary (runs of spaces as one, full width folded).
    "Shuozhou  Fresh  Market": ("shuozhou fresh", "ＦＲＥＳＨ ＭＡＲＫＥＴ", "FRESH  market", "h m"),
    "Li  Wei 商行": ("li wei", "Li　Wei", "LI WEI商行", "wei 商"),
    "Liwei Store": ("liwei", "ＬＩＷＥＩ　store", "i s"),
}
SHORT = {"ａｂ": {"ABC超市"}, "Xy": {"ｘｙｚ百货（朔城店）"}, "Ｆｒ": {"Shuozhou  Fresh  Market"}}  # below a trigram


def _subject(n: int, name: str) -> Subject:
    uscc = make_uscc("E", "140602", 700 + n)
    return Subject(ident=uscc, uscc=uscc, name=name, kind="enterprise", division_code="140602")


def _found(query: str) -> set[str]:
    return {s.name for s in search_subjects(query, per_page=50).items}


def _every_query_finds_its_name() -> None:
    """Compared by search form: the importer reads an ideographic space in a cell as a plain one."""
    expected = {q: {name} for name, queries in NAMES.items() for q in queries} | SHORT
    found = {q: {search_key(name) for name in _found(q)} for q in expected}
    assert found == {q: {search_key(name) for name in names} for q, names in expected.items()}


def test_the_directory_search_folds_width_spaces_and_case_both_ways(db):
    for n, name in enumerate(NAMES):
        _db.session.add(_subject(n, name))
    _db.session.add(_subject(9, "太原市第二商店"))  # no space in it, found by 太原 市 all the same
    _db.session.commit()
    assert {s.name: s.name_key for s in _db.session.scalars(select(Subject))} == {
        name: search_key(name) for name in [*NAMES, "太原市第二商店"]
    }
    _every_query_finds_its_name()
    assert _found("太原市") == _found("太 原 市") == {"太原　市第一商店", "太原市第二商店"}
    assert _found("ABC超市第") == set() and _found("li weis") == set() and _found("shuozhoufresh") == set()
    # A credit code typed full width is still a code, found by its prefix.
    uscc = make_uscc("E", "140602", 700)
    full_width = uscc.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"})
    assert _found(full_width) == {"ABC超市"} and _found(full_width[:10].lower()) >= {"ABC超市"}


def test_the_supervisors_page_finds_the_name_typed_another_way(db, client_request):
    for n, name in enumerate(NAMES):
        _db.session.add(_subject(n, name))
    _db.session.commit()
    client_request.login("city-supervisor", "supervisor", "city")
    pairs = (
        ("ＡＢＣ超市", "ABC超市"),
        ("abc超市", "ABC超市"),
        ("太原 市", "太原　市第一商店"),
        ("大同市", "大同 市某某店"),
    )
    for query, name in pairs:
        cards = client_request.get("subjects.index", q=query).select(".subject-card__name")
        assert [a.get_text(strip=True) for a in cards] == [name]


def test_a_renamed_subject_is_found_by_its_new_name_only(db):
    subject = _subject(1, "ABC超市")
    _db.session.add(subject)
    _db.session.commit()
    subject.name = "ＤＥＦ商行"
    _db.session.commit()
    assert subject.name_key == "def商行"
    assert _found("def商行") == {"ＤＥＦ商行"} and _found("ABC超市") == set()


def _write(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        for uscc, name in rows:
            writer.writerow(
                [uscc, name, "有限责任公司", "王强", "朔城区民福街1号", "朔城区", "零售业", "B", "", "存续", "", ""]
            )
    return path


def test_imported_and_reimported_names_keep_their_search_form(db, tmp_path):
    """The bulk import pauses the SQLite index's insert trigger and indexes a batch at once; its
    rows carry their search form (inserted, and updated when a later file renames them)."""
    rows = [(make_uscc("E", "140602", 800 + n), name) for n, name in enumerate(NAMES)]
    report = import_subject_file(_write(tmp_path / "a.csv", rows), batch_size=2)
    assert report.created == len(NAMES)
    _every_query_finds_its_name()
    renamed = [(rows[0][0], "ＤＥＦ商行"), *rows[1:]]
    report = import_subject_file(_write(tmp_path / "b.csv", renamed), batch_size=2)
    assert (report.updated, report.unchanged) == (1, len(NAMES) - 1)
    assert _found("def商行") == {"ＤＥＦ商行"} and _found("abc超市") == set()
    assert all(s.name_key == search_key(s.name) for s in _db.session.scalars(select(Subject)))


def test_the_import_job_fills_the_search_form(db, client_request, tmp_path):
    from job_files import upload_subjects

    rows = [(make_uscc("E", "140602", 900 + n), name) for n, name in enumerate(NAMES)]
    client_request.login("admin", "admin", "city")
    upload_subjects(client_request, _write(tmp_path / "job.csv", rows))
    _every_query_finds_its_name()


def _fresh(database_url, tmp_path):
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path}/directory.sqlite", None
    name = f"{url.database}_directory"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return url.set(database=name).render_as_string(hide_password=False), (admin, name)


@pytest.fixture
def migrated(database_url, tmp_path):
    url, cleanup = _fresh(database_url, tmp_path)
    app = make_app(url)
    try:
        with app.app_context():
            upgrade()
            ensure_units()
            _db.session.commit()
            yield app
            _db.session.remove()
            _db.engine.dispose()
    finally:
        if cleanup:
            admin, name = cleanup
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def test_the_migration_fills_the_search_form_of_the_subjects_already_there(migrated):
    downgrade(revision=BEFORE)
    with _db.engine.begin() as conn:
        assert "name_key" not in {c["name"] for c in inspect(conn).get_columns("subject")}
        for n, name in enumerate(NAMES):  # written as the directory stood before
            uscc = make_uscc("E", "140602", 700 + n)
            conn.execute(
                text(
                    "INSERT INTO subject (ident, uscc, name, kind, legal_representative, address, division_code, "
                    "industry, industry_code, contact, status, credit_class, created_at, updated_at) VALUES "
                    "(:u, :u, :name, 'enterprise', '', '', '140602', '', '', '', '在业', 'B', "
                    "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"u": uscc, "name": name},
            )
    upgrade()
    with _db.engine.begin() as conn:
        keys = dict(conn.execute(text("SELECT name, name_key FROM subject")).all())
    assert keys == {name: search_key(name) for name in NAMES}
    _every_query_finds_its_name()


def test_the_keys_are_filled_in_batches_and_a_rename_by_plain_sql_is_repaired(db, runner):
    """The migration's fill (refresh_name_keys, by batches of ids: each batch's rows, the last one
    short, none twice) also repairs a name renamed around the model by plain SQL, through
    ``flask subjects search-index``."""
    for n, name in enumerate(NAMES):
        _db.session.add(_subject(n, name))
    _db.session.add(_subject(9, "第１分店"))
    _db.session.commit()
    _db.session.execute(text("UPDATE subject SET name_key = ''"))
    assert refresh_name_keys(_db.session.connection(), batch=2) == len(NAMES) + 1
    _db.session.commit()
    keys = dict(_db.session.execute(text("SELECT name, name_key FROM subject")).all())
    assert keys == {name: search_key(name) for name in [*NAMES, "第１分店"]}
    assert refresh_name_keys(_db.session.connection(), batch=2) == 0
    _every_query_finds_its_name()
    _db.session.execute(text("UPDATE subject SET name = 'ＧＨＩ商行' WHERE name = '第１分店'"))
    _db.session.commit()
    assert _found("ghi商行") == set()
    result = runner.invoke(args=["subjects", "search-index"])
    assert result.exit_code == 0 and result.output == "检索索引已存在\n已重写 1 个名称的检索形式\n", result.output
    assert _found("ghi商行") == {"ＧＨＩ商行"} and _found("第1分店") == set()
