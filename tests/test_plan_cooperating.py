"""配合部门 (联合部门, 协同部门, 参与部门, 配合单位, 联合抽查部门): read from the plan into the task, shown on the
supervisor's and the public plan pages (zh and en) and in the printed plan; a task's ratios by credit
class shown on the public page and printed instead of their base ratio."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from factories import unit
from factories.plans import DATA, city_plan  # noqa: F401
from pdf_reading import pdf_text
from factories.plans import task_form
from fieldapp.extensions import db as _db
from fieldapp.plans.importer import import_plan
from fieldapp.plans.models import Task
from fieldapp.plans.parsing import parse_plan_table
from fieldapp.plans.tables import Row


@pytest.mark.parametrize(
    "title", ["配合部门", "联合部门", "协同部门", "参与部门", "配合单位", "联合抽查部门", "配合部门（单位）"]
)
def test_the_cooperating_departments_column_is_read_by_any_of_its_names(title):
    header = Row(1, ["序号", "抽查任务名称", "抽查事项", "抽查对象范围", "抽查比例", title, "抽查检查主体"])
    rows = [
        Row(2, ["1", "甲", "许可", "企业", "3%", "市公安局、市税务局", "市级"]),
        Row(3, ["2", "乙", "许可", "企业", "3%", "", "市级"]),  # none (a blank is no merged cell here)
        Row(4, ["3", "丙", "许可", "企业", "3%", "无", "市级"]),
    ]
    tasks = parse_plan_table([header, *rows]).tasks
    assert [t.cooperating_departments for t in tasks] == ["市公安局、市税务局", "", ""]
    assert all(p.code != "inherited" for t in tasks for p in t.problems)


def test_a_joint_plan_keeps_its_cooperating_departments_on_the_task(app, db):
    path = DATA / "joint-2024.csv"
    report = import_plan(path.read_bytes(), path.name, year=2024, unit=unit("city"))
    _db.session.commit()
    tasks = {t.number: t for t in _db.session.scalars(select(Task).where(Task.plan_id == report.plan.id))}
    assert tasks[3].cooperating_departments == "市税务局" == tasks[3].source_cells["配合部门"]


def _mark(plan) -> None:
    first, second = plan.tasks[0], plan.tasks[1]
    first.cooperating_departments = "市公安局、市税务局"
    second.ratio, second.ratio_is_floor = Decimal("0.01"), False
    second.risk_multipliers = {"A": "1", "B": "3", "C": "5", "D": "10"}
    second.class_ratios = {"ratios": {"A": "0.01", "B": "0.03", "C": "0.05", "D": "0.1"}, "confirmed": True}
    _db.session.commit()


@pytest.mark.parametrize(
    ("language", "label", "ratio"),
    [
        ("zh_CN", "配合部门", "A类 1%、B类 3%、C类 5%、D类 10%，每年1次"),
        ("en", "Cooperating departments", "class A 1%, class B 3%, class C 5%, class D 10%, once a year"),
    ],
)
def test_the_public_plan_shows_cooperating_departments_and_ratios_by_class(
    client_request, city_plan, language, label, ratio
):  # noqa: F811
    _mark(city_plan)
    client_request.post("core.set_language", _data={"lang": language, "next": "/"}, _expected_redirect="/")
    page = client_request.get("plans.public_plan", year=2021)
    first, second, third = page.find(id="task-1"), page.find(id="task-2"), page.find(id="task-3")
    cell = first.select_one('[data-field="cooperating"]')
    assert cell.get_text(strip=True) == "市公安局、市税务局" and cell.find_previous_sibling("dt").get_text() == label
    assert third.select_one('[data-field="cooperating"]') is None  # a task without: no empty line
    assert second.select_one('[data-field="ratio"]').get_text(strip=True) == ratio


@pytest.mark.parametrize(("language", "label"), [("zh_CN", "配合部门"), ("en", "Cooperating departments")])
def test_the_plan_page_shows_cooperating_departments(client_request, city_plan, language, label):  # noqa: F811
    _mark(city_plan)
    client_request.login("city-supervisor")
    client_request.post("core.set_language", _data={"lang": language, "next": "/"}, _expected_redirect="/")
    page = client_request.get("plans.plan_detail", plan_id=city_plan.id)
    cell = page.find(id="task-1").select_one('[data-field="cooperating"]')
    assert cell.get_text(strip=True) == "市公安局、市税务局" and cell.find_previous_sibling("dt").get_text() == label
    assert page.find(id="task-3").select_one('[data-field="cooperating"]').get_text(strip=True) == "—"
    assert page.find(id="task-2").select_one('[data-ask="class-ratios"]') is None  # confirmed: no ask


def test_the_task_form_edits_the_cooperating_departments(client_request, city_plan):  # noqa: F811
    client_request.login("city-supervisor")
    form = task_form(city_plan.tasks[0], cooperating_departments="市卫生健康委员会", reason="增加配合部门")
    client_request.post("plans.edit_task", _data=form, plan_id=city_plan.id, number=1)
    _db.session.expire_all()
    task = _db.session.scalar(select(Task).where(Task.plan_id == city_plan.id, Task.number == 1))
    assert task.cooperating_departments == "市卫生健康委员会"
    assert task.plan.versions[-1].changes == [
        {"task": 1, "field": "cooperating_departments", "old": "", "new": "市卫生健康委员会"}
    ]


def test_the_printed_plan_has_the_cooperating_departments_and_the_ratios_by_class(client_request, city_plan, tmp_path):  # noqa: F811
    from fieldapp.publication.pdf.records import plan_hash

    before = plan_hash(city_plan)
    _mark(city_plan)
    assert plan_hash(city_plan) != before
    response = client_request.get_response("publication.public_plan_pdf", year=2021)
    path = tmp_path / "plan.pdf"
    path.write_bytes(response.data)
    text = "".join(pdf_text(path).split())
    # (the cells wrap in narrow columns, their lines interleaved with the next cell's)
    assert "配合部门" in text and "市公安局、市" in text and "税务局" in text
    assert "A类1%、B" in text and "类3%、C类" in text and "D类" in text and "10%" in text


@pytest.mark.parametrize(
    ("language", "line"),
    [("zh_CN", "配合部门: 市公安局、市税务局"), ("en", "Cooperating departments: 市公安局、市税务局")],
)
def test_the_public_task_results_page_and_its_notice_name_the_cooperating_departments(
    client_request, db, tmp_path, language, line
):
    from datetime import date

    from factories import publication as pf
    from fieldapp.publication import operations

    result = pf.approved_result()
    operations.publish([result], pf.supervisor("140602"), on=date(2021, 7, 1))
    result.task.cooperating_departments = "市公安局、市税务局"
    _db.session.commit()
    client_request.post("core.set_language", _data={"lang": language, "next": "/"}, _expected_redirect="/")
    page = client_request.get("publication.public_task", task_id=result.task_id)
    assert page.select_one('[data-field="cooperating"]').get_text(strip=True) == line
    response = client_request.get_response("publication.public_task_pdf", task_id=result.task_id)
    path = tmp_path / "notice.pdf"
    path.write_bytes(response.data)
    assert "配合部门：市公安局、市税务局" in "".join(pdf_text(path).split())
