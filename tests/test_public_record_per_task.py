"""An auditor's trip through every public record of one merged visit: three tasks of two plans at an
individual business known by its registration number only, each task its own result, then a
correction, a withdrawal and a stale publish page. Every surface a citizen or the national system
sees holds exactly one current record per (task, firm), with the official wording, the county and
the unit of the inspection, and nothing of another task."""

from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import func, select

from factories import publication as pf
from factories import review as rf
from factories import unit
from fieldapp.dashboards import queries as dashboards
from fieldapp.plans.models import Plan
from fieldapp.publication import exports, operations, queries
from fieldapp.publication.models import PublishedResult
from fieldapp.review import operations as review
from fieldapp.review.models import InspectionResult
from pdf_reading import pdf_text

REGISTRATION = "140602600012345"  # 个体工商户: a 15-digit registration number, no credit code
WORDING = {"E": "发现问题已责令改正", "B": "未按规定公示应当公示的信息", "8": "不配合检查情节严重"}


def _merged_visit(db, frozen_clock, subject=None):
    """One visit to one firm for three tasks — two of the unit's own plan, one of its joint plan (序号 1
    in both) — each with its own result and measures; approved and published on 2026-10-09."""
    frozen_clock.beijing(2026, 10, 9, 10, 0)
    own = rf.plan(2026, "city")
    joint = Plan(year=2026, unit=unit("city"), title="2026年部门联合抽查计划", kind="joint", document_key="joint")
    joint.status = "published"
    db.session.add(joint)
    tasks = [rf.task(own, 1, "加油站计量监督检查"), rf.task(own, 2, "企业公示信息抽查")]
    tasks.append(rf.task(joint, 1, "食品经营联合抽查", kind="untargeted"))
    firm = subject or rf.subject("朔城区老王小吃店", kind="individual")
    firm.uscc, firm.registration_number, firm.ident = None, REGISTRATION, REGISTRATION
    visit = rf.visit(firm, tasks, inspectors=[rf.inspector("张三"), rf.inspector("李四")])
    body = rf.answers_body(tasks)
    for entry, (code, measures) in zip(body["tasks"], [("E", ["order"]), ("B", ["feedback"]), ("8", ["case"])]):
        entry.update(result_code=code, follow_up_measures=measures)
    sub = rf.submission(visit, body)
    supervisor = pf.supervisor("140602")
    db.session.commit()
    results = review.approve(sub.id, sub.lock_version, supervisor)
    records = operations.publish(results, supervisor)
    db.session.commit()
    return tasks, firm, results, records, supervisor


def _csv_rows(client_request) -> list[dict]:
    text = client_request.get_response("publication.open_data_csv").get_data(as_text=True)
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))


def _national(records) -> list[dict]:
    sheet = load_workbook(io.BytesIO(exports.national_xlsx(records))).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row)) for row in rows[1:]]


def test_each_task_of_a_merged_visit_is_one_record_everywhere(client_request, db, tmp_path, frozen_clock):
    tasks, firm, results, records, _ = _merged_visit(db, frozen_clock)
    by_task = {r.task_id: r for r in records}
    assert [by_task[t.id].result_label for t in tasks] == list(WORDING.values())

    # The firm's page: three rows, one per task, each with its own wording and follow-up.
    page = client_request.get("publication.public_subject", ident=REGISTRATION)
    rows = [row.get_text(" ", strip=True) for row in page.select("tbody tr")]
    assert len(rows) == 3
    for task, wording, follow_up in zip(
        tasks, WORDING.values(), ("已责令改正", "已反馈日常监管部门依法依规处理", "已移送办案机构依法依规处理")
    ):
        [row] = [r for r in rows if task.name in r]
        assert wording in row and follow_up in row and "朔城区市场监督管理局" in row
        assert "2026-09-30" in row  # inspected on, as the visit's Beijing date

    # Each task's page and printed 公示表: its own record only, though both plans number a task 1.
    for task in tasks:
        record = by_task[task.id]
        page = client_request.get("publication.public_task", task_id=task.id)
        [row] = page.select("tbody tr")
        assert record.result_label in row.get_text() and REGISTRATION in row.get_text()
        others = [w for w in WORDING.values() if w != record.result_label]
        assert not any(w in page.select_one("main").get_text() for w in others)
        path = tmp_path / f"task-{task.id}.pdf"
        path.write_bytes(client_request.get_response("publication.public_task_pdf", task_id=task.id).data)
        printed = "".join(pdf_text(path, layout=False).split())
        assert record.result_label in printed and not any(w in printed for w in others)
        assert f"{record.plan_name}·任务{task.number}：{task.name}" in printed  # which plan's task 1
        # The record and its printed copy.
        path = tmp_path / f"{record.public_id}.pdf"
        path.write_bytes(client_request.get_response("publication.public_record_pdf", public_id=record.public_id).data)
        printed = "".join(pdf_text(path).split())
        assert task.name in printed and record.result_label in printed and record.plan_name in printed
        assert "2026-09-30" in printed and "2026-10-09" in printed and not any(w in printed for w in others)

    # The open data and the national upload: one row per task, the registration number as such.
    assert sorted((r["抽查任务"], r["检查结果"]) for r in _csv_rows(client_request)) == sorted(
        (t.name, w) for t, w in zip(tasks, WORDING.values())
    )
    national = _national(queries.iter_current(queries.SearchFilters()))
    assert sorted((r["抽查计划名称"], r["任务名称"], r["检查结果"]) for r in national) == sorted(
        (r.plan_name, r.task_name, r.result_label) for r in records
    )
    assert {(r["统一社会信用代码"], r["注册号"]) for r in national} == {(None, REGISTRATION)}
    assert {r["检查实施机关"] for r in national} == {"朔城区市场监督管理局"}
    # The dashboard counts three results, three published.
    assert dashboards.publication_by_county(2026, None)["140602"].ratio == 1.0


def test_a_correction_a_withdrawal_and_a_stale_publish_page_leave_one_current_record_per_task(
    client_request, db, frozen_clock
):
    tasks, _, results, records, supervisor = _merged_visit(db, frozen_clock)
    fuel, disclosure, food = (next(r for r in records if r.task_id == t.id) for t in tasks)
    frozen_clock.beijing(2026, 10, 20, 9, 0)
    corrected = operations.correct(fuel, supervisor, "复查确认已整改完毕", result_code="E", follow_up_public="已整改")
    operations.withdraw(food, supervisor, "误录为联合抽查的结果，予以撤销")
    db.session.commit()
    assert corrected.published_on == date(2026, 10, 20) and corrected.version == 2

    # A publish page opened before, posted with the three and another firm's result waiting: that one
    # is published; the three get no second record, the withdrawn one neither.
    waiting = rf.visit(rf.subject("朔城区另一家小吃店"), [tasks[1]], inspectors=[rf.inspector("王五")])
    sub = rf.submission(waiting, rf.answers_body([tasks[1]]))
    db.session.commit()
    [other] = review.approve(sub.id, sub.lock_version, supervisor)
    db.session.commit()
    client_request.login("sup-publish", "supervisor", "140602")
    client_request.post("publication.publish", _data={"result_ids": [r.id for r in [*results, other]]})
    current = db.session.scalars(select(PublishedResult).where(PublishedResult.is_current.is_(True))).all()
    assert sorted(r.inspection_result_id for r in current) == sorted([results[0].id, results[1].id, other.id])
    assert db.session.scalar(select(func.count(func.distinct(PublishedResult.public_id)))) == 4
    client_request.logout()

    page = client_request.get("publication.public_subject", ident=REGISTRATION)
    rows = [row.get_text(" ", strip=True) for row in page.select("tbody tr")]
    assert len(rows) == 2 and not any("食品经营联合抽查" in r for r in rows)
    assert any("已整改" in r and "发现问题已责令改正" in r for r in rows)
    csv_rows = _csv_rows(client_request)
    mine = sorted((r["抽查任务"], r["版本"]) for r in csv_rows if r["统一社会信用代码/注册号"] == REGISTRATION)
    assert mine == [("企业公示信息抽查", "1"), ("加油站计量监督检查", "2")]
    assert client_request.get("publication.public_task", task_id=tasks[2].id, _expected_status=404)
    search = client_request.get("publication.public_results", q=REGISTRATION)
    assert len(search.select(".result-card")) == 2
    # Published, corrected or withdrawn, each result counts once as published; none is waiting.
    rate = dashboards.publication_by_county(2026, None)["140602"]
    assert (rate.done, rate.total) == (4, 4)
    assert operations.current_version(disclosure.inspection_result_id).version == 1


def test_a_firm_that_moved_after_its_check_is_published_in_the_county_it_was_checked_in(
    client_request, db, frozen_clock
):
    firm = rf.subject("朔城区搬家小吃店", kind="individual")
    task = rf.task(rf.plan(2026, "city"), 5, "食品经营抽查")
    visit = rf.visit(firm, [task], inspectors=[rf.inspector("张三"), rf.inspector("李四")])
    sub = rf.submission(visit, rf.answers_body([task]))
    supervisor = pf.supervisor("140602")
    db.session.commit()
    [result] = review.approve(sub.id, sub.lock_version, supervisor)
    firm.division_code = "140603"  # moved to 平鲁区 between the check and the publication
    [record] = operations.publish([result], supervisor)
    db.session.commit()
    assert record.division_code == result.division_code == "140602"
    page = client_request.get("publication.public_task", task_id=task.id)
    assert "朔城区" in page.select_one("tbody tr").get_text() and "平鲁区" not in page.select_one("tbody").get_text()
    assert len(client_request.get("publication.public_results", division="140602").select(".result-card")) == 1
    assert client_request.get("publication.public_results", division="140603").select(".result-card") == []


def test_a_correction_never_publishes_a_result_beside_a_follow_up_that_contradicts_it(client_request, db):
    result = pf.approved_result(result_code="A", follow_up=["发现案件线索，初步固定相关证据后移送办案机构依法依规处理"])
    clean = pf.approved_result(pf.subject(2, "朔城区无问题超市"), result_code="1", follow_up=["none"])
    supervisor = pf.supervisor("140602")
    [record, clean_record] = operations.publish([result, clean], supervisor, on=date(2021, 7, 1))
    db.session.commit()
    assert record.follow_up_public == "已移送办案机构依法依规处理"

    # Corrected to 未发现问题: the follow-up follows — no case passed on for a firm without a problem.
    new = operations.correct(record, supervisor, "复查认定不构成违法", result_code="1")
    db.session.commit()
    assert (new.result_label, new.follow_up_public) == ("未发现问题", "未发现问题或相关问题已改正，无需后续处置")
    assert db.session.get(InspectionResult, result.id).follow_up_measures == [
        "未发现问题或相关问题已规范、已改正，无需后续处置"
    ]

    # Corrected to 不配合检查情节严重 (on the form) while the measures say "no follow-up needed": the
    # follow-up claims nothing until the supervisor words it.
    client_request.login("sup-correct", "supervisor", "140602")
    data = {"note": "补录：企业拒绝配合检查", "result_codes": ["8"], "follow_up_public": ""}
    client_request.post("publication.correct", _data=data, public_id=clean_record.public_id)
    latest = operations.current_version(clean.id)
    assert (latest.result_label, latest.follow_up_public) == ("不配合检查情节严重", "")
    data = {"note": "补充后续处置", "follow_up_public": "已移送办案机构依法依规处理"}
    client_request.post("publication.correct", _data=data | {"result_codes": ["8"]}, public_id=clean_record.public_id)
    latest = operations.current_version(clean.id)
    assert (latest.version, latest.follow_up_public) == (3, "已移送办案机构依法依规处理")
