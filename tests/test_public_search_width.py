"""The public search finds a firm however the width, composition and case of its name are typed:
the published name and the typed fragment are compared by one search form (search_key), which the
stored side keeps beside the name (shown as registered) and the migration fills for old rows."""

from __future__ import annotations

import unicodedata
from datetime import date

from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from conftest import make_app
from factories import publication as f
from fieldapp.auth.organisation import ensure_units
from fieldapp.extensions import db as _db
from fieldapp.publication import operations, queries
from fieldapp.search_objects import search_key
from fieldapp.subjects.models import Subject

NFD_NAME = unicodedata.normalize("NFD", "Café Müller咖啡馆")
NAMES = ("朔州市（民福）加油站", "ＡＢＣ商店", "第１分店", "abc超市", NFD_NAME, "朔州(平鲁)便利店")


def _publish_all(db) -> dict[str, str]:
    """Each name published once; the records' USCCs by name."""
    usccs = {}
    for seq, name in enumerate(NAMES, start=1):
        result = f.approved_result(f.subject(seq, name=name))
        [record] = operations.publish([result], f.supervisor("140602"), on=date(2021, 7, seq))
        usccs[name] = record.uscc
    db.session.commit()
    return usccs


def _found(q: str) -> set[str]:
    return {row.subject_name for row in queries.search(queries.SearchFilters(q=q)).records}


def test_search_key_folds_width_composition_case_and_spaces():
    assert search_key("朔州市（民福）加油站") == search_key("朔州市(民福)加油站") == "朔州市(民福)加油站"
    assert search_key("ＡＢＣ") == search_key("ABC") == search_key("abc") == "abc"
    assert search_key(unicodedata.normalize("NFD", "Café")) == search_key("Café") == "café"
    assert search_key("第１分店") == "第1分店" and search_key("  甲  乙 ") == "甲 乙" and search_key(None) == ""


def test_a_name_is_found_whichever_width_it_is_stored_or_typed_in(db):
    usccs = _publish_all(db)
    expected = {
        "(民福)": {"朔州市（民福）加油站"},  # full width stored, half width typed
        "（民福）": {"朔州市（民福）加油站"},
        "市(民": {"朔州市（民福）加油站"},
        "（平鲁）便": {"朔州(平鲁)便利店"},  # half width stored, full width typed
        "(平": {"朔州(平鲁)便利店"},
        "ABC": {"ＡＢＣ商店", "abc超市"},
        "abc": {"ＡＢＣ商店", "abc超市"},
        "ＡＢＣ": {"ＡＢＣ商店", "abc超市"},
        "Ab": {"ＡＢＣ商店", "abc超市"},
        "abc超": {"abc超市"},
        "第1分": {"第１分店"},
        "1分": {"第１分店"},
        "第１分店": {"第１分店"},
        "Café": {NFD_NAME},  # composed typed, decomposed stored
        "é m": {NFD_NAME},
        unicodedata.normalize("NFD", "CAFÉ MÜLLER"): {NFD_NAME},
        "民福": {"朔州市（民福）加油站"},
        "油站": {"朔州市（民福）加油站"},
        "超级": set(),
    }
    assert {q: _found(q) for q in expected} == expected
    # Shown exactly as registered, the decomposed name included.
    assert NFD_NAME in _found("Müller") and unicodedata.is_normalized("NFD", next(iter(_found("Müller"))))
    # An identifier is still looked up exactly, full-width typed or not.
    uscc = usccs["ＡＢＣ商店"]
    assert queries.search(queries.SearchFilters(q=uscc)).mode == "uscc"
    assert _found(uscc) == {"ＡＢＣ商店"}
    assert _found(uscc.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"})) == {
        "ＡＢＣ商店"
    }


def test_a_name_written_later_keeps_its_search_form(db):
    _publish_all(db)
    record = _db.session.scalars(
        _db.select(queries.PublishedResult).where(queries.PublishedResult.subject_name == "第１分店")
    ).one()
    record.subject_name = "第２分店（东）"
    _db.session.commit()
    assert record.subject_name_key == "第2分店(东)"
    # The directory's current name still holds 第1分 (by its search form): the record is found by it.
    assert _found("2分店(东") == {"第２分店（东）"} and _found("第1分") == {"第２分店（东）"}
    subject = _db.session.get(Subject, record.subject_id)
    subject.name = "第２分店（东）"
    _db.session.commit()
    assert subject.name_key == "第2分店(东)"
    assert _found("第1分") == set() and _found("2分店(东") == {"第２分店（东）"}


def _fresh(database_url, tmp_path):
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path}/width.sqlite", None
    name = f"{url.database}_width"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return url.set(database=name).render_as_string(hide_password=False), (admin, name)


def test_the_migration_fills_the_search_form_of_names_already_published(database_url, tmp_path):
    url, cleanup = _fresh(database_url, tmp_path)
    app = make_app(url)
    try:
        with app.app_context():
            upgrade()
            ensure_units()
            _publish_all(_db)
            downgrade(revision="b8e2f4a6c1d3")  # the names published before the search form
            with _db.engine.begin() as conn:
                assert "subject_name_key" not in {c["name"] for c in inspect(conn).get_columns("published_result")}
            upgrade()
            with _db.engine.begin() as conn:
                keys = dict(conn.execute(text("SELECT subject_name, subject_name_key FROM published_result")).all())
            assert keys == {name: search_key(name) for name in NAMES}
            assert _found("(民福)") == {"朔州市（民福）加油站"} and _found("ab") == {"ＡＢＣ商店", "abc超市"}
            assert _found("Café") == {NFD_NAME}
            _db.session.remove()
            _db.engine.dispose()
    finally:
        if cleanup:
            admin, name = cleanup
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
