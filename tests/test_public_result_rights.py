"""A citizen's and an auditor's reading of the results: a filter by result finds every record of
that result — one among several chosen (stored comma-joined) and the finer categories under it —
in the search and in the open data alike; the English pages say each result in English; a record
names the firm as it was called when inspected, whatever it is called since; a result corrected
after publication (the follow-up finished) replaces the old one on every public output; the
printed notice keeps each credit code and date whole and counts a firm checked twice once; and a
firm re-licensed with a credit code is found with all its records by either of its identifiers."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

from sqlalchemy import select

from factories import publication as f
from pdf_reading import pdf_text
from fieldapp.audit import AuditEvent
from fieldapp.checklists.results import result_table
from fieldapp.publication import operations
from fieldapp.publication.models import PublishedResult
from fieldapp.publication.queries import SearchFilters, search
from fieldapp.review.models import InspectionResult
from fieldapp.subjects.models import SubjectChange


def _publish_each(db, codes: dict[str, str]) -> None:
    """One published record per firm name, with its result code(s)."""
    sup = f.supervisor("140602")
    results = [
        f.approved_result(f.subject(seq, name=name), result_code=code, follow_up=[])
        for seq, (name, code) in enumerate(codes.items(), 1)
    ]
    operations.publish(results, sup, on=date(2021, 7, 1))
    db.session.commit()


RECORDS = {
    "朔城区甲加油站": "1",  # 未发现问题
    "朔城区乙加油站": "B",  # 未按规定公示应当公示的信息 (under 2, under A)
    "朔城区丙加油站": "A,6",  # 发现问题待后续处理 and 无法联系, both chosen
    "朔城区丁加油站": "6",  # 通过登记的住所无法联系 (under 2, under A)
    "朔城区戊加油站": "E,4",  # 已责令改正 and 违反质量技术监督相关规定 (under A)
}


def _names(client_request, **args) -> list[str]:
    soup = client_request.get("publication.public_results", **args)
    return sorted(a.get_text(strip=True) for a in soup.select("#results .result-card__name"))


def _csv_names(client_request, **args) -> list[str]:
    response = client_request.get_response("publication.open_data_csv", **args)
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    return sorted(row["企业名称"] for row in rows)


def test_a_result_filter_finds_each_record_holding_that_result_or_a_finer_one(client_request, db):
    _publish_each(db, RECORDS)
    expected = {
        "6": ["朔城区丁加油站", "朔城区丙加油站"],  # alone and beside another code
        "4": ["朔城区戊加油站"],
        "E": ["朔城区戊加油站"],
        "2": ["朔城区丁加油站", "朔城区丙加油站", "朔城区乙加油站"],  # B and 6 are finer kinds of 2
        "A": ["朔城区丁加油站", "朔城区丙加油站", "朔城区乙加油站", "朔城区戊加油站"],
        "1": ["朔城区甲加油站"],
        "C": [],
    }
    for code, names in expected.items():
        assert _names(client_request, result=code) == names, code
        assert _csv_names(client_request, result=code) == names, code
    assert _names(client_request, result="6", q="丙加油") == ["朔城区丙加油站"]


def _english(client_request) -> None:
    client_request.post("core.set_language", _data={"lang": "en", "next": "/"})


def test_the_english_pages_say_each_result_in_english(client_request, db):
    _publish_each(db, {"朔城区甲加油站": "1", "朔城区丙加油站": "A,6"})
    _english(client_request)
    soup = client_request.get("publication.public_results", q="加油站")
    badges = sorted(b.get_text(strip=True) for b in soup.select("#results .result-card .badge"))
    pending = result_table().text("A,6").en  # both labels, in English
    assert pending.count(";") == 1 and not any("\u4e00" <= ch <= "\u9fff" for ch in pending)
    assert badges == ["No problem found", pending]
    options = [o.get_text(strip=True) for o in soup.select("#result option")]
    assert "No problem found" in options and "未发现问题" not in options
    soup = client_request.get("publication.public_results", q="甲加油站", result="1")
    assert soup.select_one("#result option[selected]").get_text(strip=True) == "No problem found"
    record = soup.select_one("#results .result-card__name")["href"].rsplit("/", 1)[1]
    page = client_request.get("publication.public_record", public_id=record)
    assert page.select_one("[data-field=result_label]").get_text(strip=True) == "No problem found"
    assert "未发现问题" not in page.get_text()
    # the Chinese pages keep the Chinese wording
    client_request.post("core.set_language", _data={"lang": "zh_CN", "next": "/"})
    page = client_request.get("publication.public_record", public_id=record)
    assert page.select_one("[data-field=result_label]").get_text(strip=True) == "未发现问题"


def _renamed(subj, new_name: str, at: datetime) -> None:
    """The directory's import renames ``subj`` at ``at`` (UTC), keeping the change in its history."""
    change = SubjectChange(subject_id=subj.id, field="name", old_value=subj.name, new_value=new_name, changed_at=at)
    operations.db.session.add(change)
    subj.name = new_name
    operations.db.session.flush()


def test_a_record_names_the_firm_as_inspected_and_a_later_rename_is_no_correction(db):
    sup = f.supervisor("140602")
    # renamed after the inspection (15 June), before publication: 16 June 00:30 in Beijing
    late = f.approved_result(f.subject(1, name="朔城区老字号加油站"))
    _renamed(late.subject, "朔城区新时代能源加油站", datetime(2021, 6, 15, 16, 30, tzinfo=UTC))
    # renamed on the inspection day itself: 15 June 23:30 in Beijing
    same_day = f.approved_result(f.subject(2, name="朔城区旧名眼镜店"))
    _renamed(same_day.subject, "朔城区新名眼镜店", datetime(2021, 6, 15, 15, 30, tzinfo=UTC))
    [record, other] = operations.publish([late, same_day], sup, on=date(2021, 7, 1))
    db.session.commit()
    assert record.subject_name == "朔城区老字号加油站"
    assert other.subject_name == "朔城区新名眼镜店"
    assert operations.pending_changes(record) == {}  # the firm's new name does not make the record wrong
    for q in ("老字号", "新时代能源"):  # found by either name, under the name it was inspected by
        assert [r.subject_name for r in search(SearchFilters(q=q)).records] == ["朔城区老字号加油站"], q
    late.result_code = "1"
    late.follow_up_measures = []
    db.session.commit()
    corrected = operations.correct(record, sup, "检查结果录入错误，更正", on=date(2021, 7, 5))
    db.session.commit()
    assert corrected.subject_name == "朔城区老字号加油站" and corrected.result_code == "1"


def test_a_result_corrected_after_publication_replaces_the_old_one_everywhere(client_request, db):
    # Task 7 found a problem left for follow-up; task 8 at the same firm found none.
    pending = f.approved_result(f.subject(1, name="朔城区甲加油站"), result_code="A")
    fine = f.approved_result(pending.subject, f.task(8, "加油站登记事项检查"), result_code="1", follow_up=[])
    db.session.commit()
    client_request.login("shuocheng", "supervisor", "140602")
    client_request.post("publication.publish", _data={"result_ids": [pending.id, fine.id]})
    record = db.session.scalar(select(PublishedResult).where(PublishedResult.inspection_result_id == pending.id))
    page = client_request.get("publication.correct", public_id=record.public_id)
    assert [box["value"] for box in page.select("input[name=result_codes][checked]")] == ["A"]
    refused = client_request.post(
        "publication.correct",
        _data={"note": "后续处置已完结", "result_codes": ["1", "E"]},
        _expected_status=422,
        public_id=record.public_id,
    )
    assert "不能与其他结果同时选择" in refused.select_one("#field-result_codes .field__error").get_text()
    # the follow-up is finished: the problem was corrected as ordered
    client_request.post(
        "publication.correct",
        _data={"note": "后续处置已完结：已整改到位", "result_codes": ["E"]},
        public_id=record.public_id,
    )
    db.session.expire_all()
    assert db.session.get(InspectionResult, pending.id).result_code == "E"  # the official record too
    assert (
        db.session.scalar(
            select(AuditEvent).where(AuditEvent.object_type == "inspection_result", AuditEvent.object_id == pending.id)
        ).to_state
        == "E"
    )
    client_request.logout()
    soup = client_request.get("publication.public_record", public_id=record.public_id)
    assert soup.select_one("[data-field=result_label]").get_text(strip=True) == "发现问题已责令改正"
    assert "发现问题待后续处理" in soup.select_one(".versions").get_text()  # the earlier version, shown as such
    assert _names(client_request, result="A") == []
    assert _names(client_request, result="E") == ["朔城区甲加油站"]
    assert _names(client_request, q="甲加油站") == ["朔城区甲加油站", "朔城区甲加油站"]  # each task once
    response = client_request.get_response("publication.open_data_csv")
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert sorted((row["抽查任务"], row["结果代码"], row["版本"]) for row in rows) == [
        ("加油站登记事项检查", "1", "1"),
        ("加油站计量监督检查", "E", "2"),
    ]
    notice = client_request.get("publication.public_task", task_id=pending.task_id)
    assert len(notice.select("tbody tr")) == 1 and "发现问题已责令改正" in notice.select_one("tbody tr").get_text()


def test_the_printed_notice_keeps_each_credit_code_and_date_whole(client_request, db, tmp_path):
    # An auditor reads the printed 公示表 back (and searches its text): an 18-character code or a
    # date broken over two lines of its cell is no longer the code or the date.
    sup = f.supervisor("140602")
    coded = f.approved_result(f.subject(1, name="朔州市朔城区中石化民福加油站"), result_code="A,6")
    numbered = f.approved_result(f.subject(2, name="朔城区恒达眼镜店", with_uscc=False), tsk=coded.task)
    operations.publish([coded, numbered], sup, on=date(2021, 7, 1))
    db.session.commit()
    path = tmp_path / "notice.pdf"
    path.write_bytes(client_request.get_response("publication.public_task_pdf", task_id=coded.task_id).data)
    text = pdf_text(path)
    assert coded.subject.uscc in text and numbered.subject.registration_number in text
    assert text.count("2021-06-15") == 2


def test_a_firm_that_got_its_credit_code_after_a_record_is_found_with_all_its_records(client_request, db):
    # An individual business checked under its 15-digit registration number, then re-licensed with a
    # unified social credit code (the directory keeps both) and checked again for another task.
    sup = f.supervisor("140602")
    firm = f.subject(1, name="朔城区恒达眼镜店", with_uscc=False)
    before = f.approved_result(firm)
    operations.publish([before], sup, on=date(2021, 7, 1))
    firm.uscc = f.make_uscc(1)
    firm.ident = firm.uscc
    after = f.approved_result(firm, f.task(8, "眼镜制配场所计量监督检查"), result_code="1", follow_up=[])
    operations.publish([after], sup, on=date(2021, 7, 2))
    db.session.commit()
    registration = firm.registration_number
    for ident in (firm.uscc, registration):
        assert _names(client_request, q=ident) == ["朔城区恒达眼镜店", "朔城区恒达眼镜店"], ident
        page = client_request.get("publication.public_subject", ident=ident)
        assert len(page.select("tbody tr")) == 2, ident


def test_the_printed_notice_counts_a_firm_checked_twice_for_a_task_once(client_request, db, tmp_path):
    # Drawn again in a later round of the same task (earlier rounds not excluded): two results, one firm.
    sup = f.supervisor("140602")
    first = f.approved_result(f.subject(1))
    again = f.approved_result(first.subject, first.task, result_code="1", follow_up=[], inspected_on=date(2021, 9, 1))
    other = f.approved_result(f.subject(2, name="朔城区恒达眼镜店"), first.task)
    operations.publish([first, again, other], sup, on=date(2021, 9, 10))
    db.session.commit()
    path = tmp_path / "notice.pdf"
    path.write_bytes(client_request.get_response("publication.public_task_pdf", task_id=first.task_id).data)
    assert "共 2 户、3 条结果" in pdf_text(path)


def test_the_visit_record_pdf_names_the_firm_as_inspected(client_request, db, tmp_path):
    result = f.approved_result(f.subject(1, name="朔城区老字号加油站"))  # inspected 15 June 2021
    _renamed(result.subject, "朔城区新时代能源加油站", datetime(2021, 6, 20, 2, 0, tzinfo=UTC))
    db.session.commit()
    client_request.login("shuocheng", "supervisor", "140602")
    path = tmp_path / "visit.pdf"
    path.write_bytes(client_request.get_response("publication.visit_record_pdf", visit_id=result.visit_id).data)
    text = pdf_text(path).replace(" ", "")
    assert "朔城区老字号加油站" in text and "新时代能源" not in text
