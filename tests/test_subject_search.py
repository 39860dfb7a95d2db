"""Subject search and the supervisors' directory pages: trigram search, filters, paging, county boundary."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select, text

from fieldapp.demo.generator import make_registration_number, make_uscc
from fieldapp.subjects.models import Subject, SubjectChange, Tag
from fieldapp.subjects.search import search_subjects, subject_search_clause
from fieldapp.subjects.vocabulary import ensure_tags


def add(db, name, division="140602", kind="enterprise", n=0, credit="B", status="在业", tags=(), reg=False):
    ident = (
        make_registration_number(division, n) if reg else make_uscc("E" if kind == "enterprise" else "I", division, n)
    )
    subject = Subject(
        ident=ident,
        uscc=None if reg else ident,
        registration_number=ident if reg else None,
        name=name,
        kind=kind,
        division_code=division,
        credit_class=credit,
        status=status,
    )
    if tags:
        subject.tags = list(db.session.scalars(select(Tag).where(Tag.name.in_(tags))))
    db.session.add(subject)
    return subject


@pytest.fixture
def city(db):
    ensure_tags()
    subjects = [
        add(db, "朔州市鑫源加油站有限公司", "140602", n=1, tags=("加油站",)),
        add(db, "怀仁市金旺加油站", "140681", n=2, credit="D", tags=("加油站", "高风险企业")),
        add(db, "朔城区明辉眼镜店", "140602", "individual", n=3, tags=("眼镜制配",)),
        add(db, "平鲁区100%纯净水厂", "140603", n=4, status="吊销"),
        add(db, "应县老字号_食品厂", "140622", n=5, reg=True),
        add(db, "Shuozhou ABC Trading 有限公司", "140671", n=6),
    ]
    db.session.commit()
    return subjects


def names(page):
    return sorted(s.name for s in page.items)


def test_search_index_exists(app, db):
    if db.engine.dialect.name == "sqlite":
        assert db.session.scalar(text("SELECT count(*) FROM sqlite_master WHERE name = 'subject_fts'")) == 1
    else:
        assert db.session.scalar(text("SELECT count(*) FROM pg_indexes WHERE indexname = 'ix_subject_name_trgm'")) == 1
        # Without GIN's pending list: a search never reads through rows written since the last vacuum.
        options = text("SELECT reloptions FROM pg_class WHERE relname = 'ix_subject_name_trgm'")
        assert db.session.scalar(options) == ["fastupdate=off"]


def test_name_fragments_of_every_length(app, db, city):
    assert names(search_subjects("加油站")) == ["怀仁市金旺加油站", "朔州市鑫源加油站有限公司"]
    assert names(search_subjects("加油")) == ["怀仁市金旺加油站", "朔州市鑫源加油站有限公司"]  # 2 characters
    assert names(search_subjects("眼")) == ["朔城区明辉眼镜店"]  # 1 character
    assert names(search_subjects("鑫源加油站有限")) == ["朔州市鑫源加油站有限公司"]
    assert names(search_subjects("abc trading")) == ["Shuozhou ABC Trading 有限公司"]  # case-insensitive
    assert names(search_subjects("100%")) == ["平鲁区100%纯净水厂"]  # LIKE wildcards are literal
    assert names(search_subjects("_食")) == ["应县老字号_食品厂"]
    assert names(search_subjects('"加油')) == []
    assert search_subjects("不存在的名字").total == 0


def test_search_keeps_up_with_renames_and_deletes(app, db, city):
    city[2].name = "朔城区明辉光学配镜中心"
    db.session.commit()
    assert names(search_subjects("光学配镜")) == ["朔城区明辉光学配镜中心"]
    assert search_subjects("明辉眼镜").total == 0
    db.session.delete(city[0])
    db.session.commit()
    assert names(search_subjects("加油站")) == ["怀仁市金旺加油站"]


def test_code_search_by_prefix_or_whole_code(app, db, city):
    assert names(search_subjects(city[0].ident)) == ["朔州市鑫源加油站有限公司"]
    assert names(search_subjects(city[0].ident.lower())) == ["朔州市鑫源加油站有限公司"]
    assert names(search_subjects(city[4].ident)) == ["应县老字号_食品厂"]  # 15-digit registration number
    assert names(search_subjects("91140681")) == ["怀仁市金旺加油站"]
    assert subject_search_clause("   ") is None


def test_paging_counts_and_pages(app, db):
    for n in range(45):
        add(db, f"朔城区第{n}号便利店", n=100 + n, kind="individual")
    db.session.commit()
    first = search_subjects("便利店", per_page=20)
    assert (first.total, first.pages, first.has_next, first.has_prev) == (45, 3, True, False)
    last = search_subjects("便利店", page=3, per_page=20)
    assert len(last.items) == 5 and not last.has_next
    assert not {s.id for s in first.items} & {s.id for s in last.items}


# --- pages ------------------------------------------------------------------------------------


def result_names(page):
    return sorted(a.get_text(strip=True) for a in page.select(".subject-card__name"))


def test_index_is_a_plain_get_form_with_filters(app, client_request, city):
    client_request.login("city-supervisor", "supervisor", "city")
    soup = client_request.get("subjects.index")
    form = soup.select_one("form.subject-search")
    assert form["method"] == "get" and form["action"] == client_request.url_for("subjects.index")
    box = form.select_one("input[name=q]")
    assert box["type"] == "search" and box["hx-trigger"] == "input changed delay:300ms, search"
    assert box["hx-target"] == "#subject-results"
    assert {s["name"] for s in form.select("select")} == {"division", "kind", "tag", "class", "status"}
    assert form.select_one("button[type=submit]") is not None
    assert len(result_names(soup)) == 6

    def found(**filters):
        return result_names(client_request.get("subjects.index", **filters))

    assert found(q="加油站") == ["怀仁市金旺加油站", "朔州市鑫源加油站有限公司"]
    assert found(q="加油站", **{"class": "D"}) == ["怀仁市金旺加油站"]
    assert found(tag="眼镜制配") == ["朔城区明辉眼镜店"]
    assert found(division="140603") == ["平鲁区100%纯净水厂"]
    assert found(county="140603") == ["平鲁区100%纯净水厂"]  # the older name
    assert found(status="吊销") == ["平鲁区100%纯净水厂"]
    assert found(kind="individual") == ["朔城区明辉眼镜店"]
    # Nonsense filters are ignored, not an error.
    client_request.get("subjects.index", kind="x", page=-3, **{"class": "Z"})


def test_htmx_request_gets_only_the_results(app, client_request, city):
    client_request.login("city-supervisor", "supervisor", "city")
    response = client_request.get_response("subjects.index", _headers={"HX-Request": "true"}, q="眼镜")
    assert b"<html" not in response.data and b"subject-search" not in response.data
    fragment = client_request.get("subjects.index", _headers={"HX-Request": "true"}, q="眼镜")
    assert result_names(fragment) == ["朔城区明辉眼镜店"]
    assert "HX-Request" in response.headers.get("Vary", "")
    boosted = client_request.get_response(
        "subjects.index", _headers={"HX-Request": "true", "HX-Boosted": "true"}, q="眼镜"
    )
    assert b"<html" in boosted.data


def test_county_supervisor_sees_only_her_county(app, client_request, city):
    client_request.login("shuocheng-supervisor", "supervisor", "140602")
    assert result_names(client_request.get("subjects.index")) == ["朔城区明辉眼镜店", "朔州市鑫源加油站有限公司"]
    assert result_names(client_request.get("subjects.index", q="加油站")) == ["朔州市鑫源加油站有限公司"]
    # Another county is not silently dropped: it is outside her area, a 404 like any other page.
    client_request.get("subjects.index", _expected_status=404, division="140681")
    client_request.get("subjects.index", _expected_status=404, county="140681")
    client_request.get("subjects.detail", subject_id=city[0].id)
    client_request.get("subjects.detail", _expected_status=404, subject_id=city[1].id)
    client_request.get("subjects.detail", _expected_status=404, subject_id=999999)


def test_inspectors_and_anonymous_users_are_kept_out(app, client, client_request, city):
    assert client.get(client_request.url_for("subjects.index")).status_code in (302, 401)
    client_request.login("shuocheng-inspector", "inspector", "140602")
    client_request.get("subjects.index", _expected_status=403)


def test_detail_shows_the_record_its_history_and_an_inspection_section(app, db, client_request, city):
    station = city[1]
    db.session.add(
        SubjectChange(subject_id=station.id, field="credit_class", old_value="B", new_value="D", source="x.csv")
    )
    db.session.commit()
    client_request.login("city-supervisor", "supervisor", "city")
    soup = client_request.get("subjects.detail", subject_id=station.id)
    assert soup.h1.get_text(strip=True) == "怀仁市金旺加油站"
    assert station.ident in soup.select_one(".summary-list").get_text()
    row = soup.select_one("#subject-history tr[data-field=credit_class]")
    assert "B" in row.get_text() and "D" in row.get_text() and "x.csv" in row.get_text()
    assert soup.select_one("#inspection-history") is not None


def test_a_change_without_its_own_date_is_dated_by_the_day_in_beijing(app, db, client_request, city):
    # Recorded at 00:30 in Beijing on 11-27 (16:30 UTC on 11-26, as stored): the history said 11-26.
    station = city[1]
    db.session.add(
        SubjectChange(
            subject_id=station.id,
            field="status",
            old_value="在业",
            new_value="注销",
            source="y.csv",
            changed_at=datetime(2026, 11, 26, 16, 30),
        )
    )
    db.session.commit()
    client_request.login("city-supervisor", "supervisor", "city")
    row = client_request.get("subjects.detail", subject_id=station.id).select_one(
        "#subject-history tr[data-field=status]"
    )
    assert row.td.get_text(strip=True) == "2026-11-27"


def test_a_database_without_the_search_index_still_searches_and_gets_it_back(app, db, city):
    from fieldapp.subjects import search
    from fieldapp.subjects.search_ddl import drop_search_ddl, ensure_search_ddl, search_ddl_present

    drop_search_ddl(db.session.connection())
    db.session.commit()
    search._FTS_READY.clear()
    assert not search_ddl_present(db.session.connection())
    assert names(search_subjects("加油站")) == ["怀仁市金旺加油站", "朔州市鑫源加油站有限公司"]
    assert ensure_search_ddl(db.session.connection()) is True
    db.session.commit()
    search._FTS_READY.clear()
    assert names(search_subjects("加油站")) == [
        "怀仁市金旺加油站",
        "朔州市鑫源加油站有限公司",
    ]  # rebuilt from the table
    assert ensure_search_ddl(db.session.connection()) is False
