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
NAMES = (
    "朔州市（民福）加油站",
    "ＡＢＣ商店",
    "第１分店",
    "abc超市",
    NFD_NAME,
    "朔州(平鲁)便利店",
    "太原 市某某店",
    "Li  Wei Trading",
)


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
    # Spaces beside a CJK character go (registered or typed, plain or ideographic); one space
    # between two words of a spaced script stays.
    assert search_key("太原 市") == search_key("太 原市") == search_key("太原　市") == search_key("太原市") == "太原市"
    assert search_key("太原市 某某店") == search_key("太原市某某店") and search_key("第1 分店") == "第1分店"
    assert search_key("Li  Wei") == search_key("LI\u3000WEI") == "li wei" != search_key("LiWei")
    assert search_key("Li Wei 商行") == "li wei商行" and search_key("ABC (民福)") == search_key("ＡＢＣ（民福）")
    assert search_key("朔州市（民福）加油站") == search_key("朔州市(民福)加油站") == "朔州市(民福)加油站"
    assert search_key("ＡＢＣ") == search_key("ABC") == search_key("abc") == "abc"
    assert search_key(unicodedata.normalize("NFD", "Café")) == search_key("Café") == "café"
    assert search_key("第１分店") == "第1分店" and search_key("  甲  乙 ") == "甲乙" and search_key(None) == ""


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
        "太原市": {"太原 市某某店"},  # a space registered between CJK characters
        "太原市某某店": {"太原 市某某店"},
        "太 原市": {"太原 市某某店"},
        "太原　市": {"太原 市某某店"},
        "原 市": {"太原 市某某店"},
        "li wei": {"Li  Wei Trading"},  # Latin words keep their boundary
        "ＬＩ　ＷＥＩ": {"Li  Wei Trading"},
        "liwei": set(),
        "weitrading": set(),
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


def _keys(conn) -> tuple[dict[str, str], dict[str, str]]:
    """The stored search forms by name: the directory's and the published records'."""
    subjects = dict(conn.execute(text("SELECT name, name_key FROM subject")).all())
    published = dict(conn.execute(text("SELECT subject_name, subject_name_key FROM published_result")).all())
    return subjects, published


def test_the_migration_writes_the_stored_forms_again_without_cjk_spaces(database_url, tmp_path):
    """f4c2a8d6e1b3 writes both tables' search forms by the new rule (spaces beside CJK dropped),
    its downgrade by the old one (runs of spaces as one); the search indexes are rebuilt on them."""
    url, cleanup = _fresh(database_url, tmp_path)
    app = make_app(url)
    try:
        with app.app_context():
            upgrade()
            ensure_units()
            _publish_all(_db)
            downgrade(revision="a7c3e9f1b2d4")
            with _db.engine.begin() as conn:
                subjects, published = _keys(conn)
            assert published["太原 市某某店"] == subjects["太原 市某某店"] == "太原 市某某店"
            assert published["Li  Wei Trading"] == "li wei trading"
            assert _found("太原市") == set()  # the old forms, missed by the new rule's query
            _db.session.rollback()  # the search's transaction would hold the migration's DROP INDEX
            upgrade()
            with _db.engine.begin() as conn:
                subjects, published = _keys(conn)
            assert published == subjects == {name: search_key(name) for name in NAMES}
            assert published["太原 市某某店"] == "太原市某某店" and published["Li  Wei Trading"] == "li wei trading"
            assert _found("太原市") == _found("太 原市某") == {"太原 市某某店"} and _found("liwei") == set()
            _db.session.remove()
            _db.engine.dispose()
    finally:
        if cleanup:
            admin, name = cleanup
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def test_the_index_command_writes_a_stale_published_form_again(db, runner):
    """A published name written around the model (plain SQL) is keyed again by
    ``flask publication search-index``."""
    _publish_all(db)
    _db.session.execute(
        text("UPDATE published_result SET subject_name = '大同 市甲店' WHERE subject_name = '第１分店'")
    )
    _db.session.commit()
    assert _found("大同市") == set()
    result = runner.invoke(args=["publication", "search-index"])
    assert result.exit_code == 0 and result.output == "公示结果检索索引已就绪。\n已重写 1 个名称的检索形式\n", (
        result.output
    )
    assert _found("大同市") == {"大同 市甲店"}
