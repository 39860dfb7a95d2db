"""Publishing approved results and correcting published records (versions, never silent changes)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from factories import publication as f
from fieldapp.publication import operations
from fieldapp.publication.models import PublishedResult
from fieldapp.publication.queries import SearchFilters, search


def test_publish_snapshots_the_public_fields(app, db):
    result = f.approved_result()
    user = f.unit("140602")
    supervisor = f.supervisor("140602")
    [record] = operations.publish([result], supervisor, on=date(2021, 7, 1))
    db.session.commit()
    assert record.version == 1 and record.is_current
    assert record.subject_name == "朔州市朔城区中石化民福加油站"
    assert record.uscc == result.subject.uscc and record.subject_ident == result.subject.uscc
    assert record.inspecting_unit_name == user.name
    assert record.task_name == "加油站计量监督检查" and record.plan_year == 2021
    assert record.result_label == "发现问题已责令改正"
    assert record.follow_up_public == "已责令改正"
    assert record.published_on == date(2021, 7, 1)
    assert len(record.short_hash) == 9 and operations.snapshot_matches(record)
    # publishing again does nothing
    assert operations.publish([result], supervisor) == []
    assert db.session.scalar(select(db.func.count()).select_from(PublishedResult)) == 1


def test_only_the_inspecting_unit_publishes(app, db):
    result = f.approved_result()
    with pytest.raises(operations.PublicationError):
        operations.publish([result], f.supervisor("140603"))
    with pytest.raises(operations.PublicationError):
        operations.publish([result], f.supervisor("city", "city-sup"))


def test_correction_creates_a_new_version_and_keeps_the_old(app, db):
    result = f.approved_result()
    sup = f.supervisor("140602")
    [first] = operations.publish([result], sup, on=date(2021, 7, 1))
    db.session.commit()
    with pytest.raises(operations.PublicationError):
        operations.correct(first, sup, "no change")  # nothing differs
    result.result_code = "1"
    result.follow_up_measures = ["未发现问题或已改正，无需后续处置"]
    db.session.commit()
    assert set(operations.pending_changes(first)) == {"result_code", "result_label", "follow_up_public"}
    with pytest.raises(operations.PublicationError):
        operations.correct(first, sup, "   ")  # a note is required
    second = operations.correct(first, sup, "检查结果录入错误，更正", on=date(2021, 7, 5))
    db.session.commit()
    assert second.public_id == first.public_id and second.version == 2
    assert second.result_label == "未发现问题" and second.correction_note == "检查结果录入错误，更正"
    assert second.short_hash != first.short_hash
    assert not first.is_current and first.result_label == "发现问题已责令改正"  # unchanged
    assert second.supersedes_id == first.id
    with pytest.raises(operations.PublicationError):
        operations.correct(first, sup, "again")  # not current any more
    page = search(SearchFilters(q="民福加油站"))
    assert [r.id for r in page.records] == [second.id]


def test_search_by_fragment_uscc_and_filters(app, db):
    sup = f.supervisor("140602")
    a = f.approved_result(f.subject(1, "朔州市朔城区中石化民福加油站"))
    b = f.approved_result(f.subject(2, "朔城区恒达眼镜店"), result_code="1", follow_up=[])
    c = f.approved_result(f.subject(3, "平鲁区井坪加油站", "140603"))
    operations.publish([a, b], sup)
    operations.publish([c], f.supervisor("140603", "pl"))
    db.session.commit()
    names = lambda filters: sorted(r.subject_name for r in search(filters).records)  # noqa: E731
    assert names(SearchFilters(q="加油站")) == ["平鲁区井坪加油站", "朔州市朔城区中石化民福加油站"]
    assert names(SearchFilters(q="加油")) == ["平鲁区井坪加油站", "朔州市朔城区中石化民福加油站"]  # two characters
    assert names(SearchFilters(q="民福")) == ["朔州市朔城区中石化民福加油站"]
    assert names(SearchFilters(q=a.subject.uscc.lower())) == ["朔州市朔城区中石化民福加油站"]
    assert search(SearchFilters(q=a.subject.uscc)).mode == "uscc"
    full_width = a.subject.uscc.translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    assert names(SearchFilters(q=full_width)) == ["朔州市朔城区中石化民福加油站"]  # typed on a Chinese keyboard
    assert names(SearchFilters(q="加油站", division_code="140603")) == ["平鲁区井坪加油站"]
    assert names(SearchFilters(result_code="1")) == ["朔城区恒达眼镜店"]
    assert names(SearchFilters(year=2020)) == []
    assert names(SearchFilters(q='加油"站')) == []
    assert names(SearchFilters(q="100%")) == []


def test_a_renamed_firm_is_found_by_its_old_and_new_name(app, db):
    result = f.approved_result(f.subject(1, "朔城区老字号加油站"))
    operations.publish([result], f.supervisor("140602"))
    result.subject.name = "朔城区新时代能源加油站"
    db.session.commit()
    for q in ("老字号", "新时代能源", "新时代", "老字"):
        assert [r.subject_name for r in search(SearchFilters(q=q)).records] == ["朔城区老字号加油站"], q
    # two characters are matched against the published name only
    assert search(SearchFilters(q="新时")).records == []
