"""Four more bureaus' plans as they were published, imported through the command line and the upload page
and read back from the database: a county's notice page (GBK; 年度计划名称, 计划开展时间, 股室, 抽查数量 apart from
抽查比例), a county's Word plan by 抽查类别 (several 抽查事项 rows with their own 对象, 比例 and month under one
merged 序号; a two-row header), a city's workbook of several sheets (counts, quarters, 牵头部门 | 配合部门 |
实施主体) and a 部门联合 plan by 抽查领域 with no 实施主体 column. What a reader takes from each row is what
the task holds; what the file leaves open is asked. Files: tests/data/plans/make_unseen_more.py writes them."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from sqlalchemy import select

from factories import unit
from factories.plan_tables import upload_plan
from factories.plans import DATA
from fieldapp.checklists.mapping import MAPPED, SUGGESTED
from fieldapp.extensions import db
from fieldapp.plans.importer import import_plan
from fieldapp.plans.models import Plan, Task
from fieldapp.plans.parsing import parse_plan_table
from fieldapp.plans.tables import Row

NOTICE, WORD, WORKBOOK, JOINT = (
    "county-2023-notice.html",
    "county-2024-categories.docx",
    "city-2024-sheets.xlsx",
    "joint-2024-fields.csv",
)
# the unit each plan is its own of (the account that uploads it)
UNITS = {NOTICE: "140602", WORD: "140681", WORKBOOK: "city", JOINT: "city"}


def _tasks(plan: Plan) -> dict[int, Task]:
    db.session.expire_all()
    tasks = db.session.scalars(select(Task).where(Task.plan_id == plan.id).order_by(Task.number)).all()
    return {task.number: task for task in tasks}


def _import(name: str) -> tuple[Plan, dict[int, Task]]:
    path = DATA / name
    report = import_plan(path.read_bytes(), path.name, unit=unit(UNITS[name]))
    db.session.commit()
    return report.plan, _tasks(report.plan)


def _codes(task: Task) -> list[str]:
    return [warning["code"] for warning in task.import_warnings]


def _warning(task: Task, code: str) -> dict:
    return next(w for w in task.import_warnings if w["code"] == code)


@pytest.mark.parametrize("name", [NOTICE, WORD, WORKBOOK, JOINT])
def test_each_plan_comes_in_alike_by_the_upload_page_and_the_command_line(app, db, runner, client_request, name):
    path = DATA / name
    client_request.login(f"sup-{UNITS[name]}", "supervisor", UNITS[name])
    page = upload_plan(client_request, {"file": (io.BytesIO(path.read_bytes()), name)}, 200)
    assert page.find(id="import-report")
    tasks = db.session.scalar(select(Plan)).tasks
    assert len(tasks) >= 3 and all(task.name and task.items for task in tasks)
    result = runner.invoke(args=["plan", "import", str(path), "--unit", UNITS[name], "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert f"{len(tasks)} tasks (0 new, 0 changed, {len(tasks)} unchanged)" in result.output


def test_a_county_notice_page_is_read_by_its_own_column_words(app, db):
    plan, tasks = _import(NOTICE)
    assert (plan.year, plan.title) == (2023, "朔城区市场监督管理局2023年“双随机、一公开”抽查工作计划")
    assert sorted(tasks) == [1, 2, 3, 4, 5]
    # 年度计划名称 names the task; 计划开展时间 is its window; 股室 the department that guides it
    assert tasks[3].name == "对广告发布单位报送《广告业统计报表》的行政检查"
    assert tasks[3].items[0].text == "对广告发布单位按规定报送《广告业统计报表》的行政检查"
    windows = {n: (t.window_start_month, t.window_end_month) for n, t in tasks.items()}
    assert windows == {1: (1, 12), 2: (1, 12), 3: (3, 10), 4: (4, 6), 5: (7, 12)}
    assert [t.guiding_department for t in tasks.values()] == ["特种设备股", "价监股", "商标广告股", "食品股", "网监股"]
    # 抽查比例 5% is the ratio; the 抽查数量 two columns further (1户(…为准。)) is not left unread: it is asked
    ratios = {n: (t.ratio, t.fixed_count, t.rounds_per_year) for n, t in tasks.items()}
    assert ratios[1] == (Decimal("0.05"), None, 1) and ratios[4] == (Decimal("0.1"), None, 1)
    assert "1户" in _warning(tasks[1], "ratio_extra_text")["params"]["text"]
    assert "7户" in _warning(tasks[5], "ratio_extra_text")["params"]["text"]
    assert all((t.executes_city, t.executes_county) == (False, True) for t in tasks.values())
    assert tasks[1].items[0].mapping_state in MAPPED  # 特种设备 → its checklist


def test_a_word_plan_by_categories_keeps_its_printed_numbers(app, db):
    plan, tasks = _import(WORD)
    assert plan.title == "怀仁市市场监督管理局2024年度“双随机、一公开”抽查工作计划"
    # 序号 1, 2, 3 stay the printed tasks'; the two rows under 1's merged 序号 come after them
    assert {n: t.name for n, t in tasks.items()} == {
        1: "计量监督抽查",
        2: "特种设备安全监督抽查",
        3: "企业公示信息抽查",
        4: "计量监督抽查",
        5: "计量监督抽查",
    }
    assert [(t.scope, t.ratio, t.window_start_month) for t in (tasks[1], tasks[4], tasks[5])] == [
        ("加油站", Decimal("0.05"), 9),
        ("集贸市场", Decimal("0.1"), 6),
        ("眼镜店", Decimal("0.1"), 7),
    ]
    assert _warning(tasks[4], "number_missing")["params"]["number"] == 4
    assert "number_duplicate" not in _codes(tasks[2]) + _codes(tasks[3])
    assert tasks[5].scope_rule["tags_any"] == ["眼镜制配"]
    # a task whose items go on over rows; a frequency with no ratio is read, and the ratio asked
    assert [i.text for i in tasks[2].items] == ["使用登记情况", "定期检验情况", "作业人员持证情况"]
    assert (tasks[2].ratio, tasks[2].fixed_count, tasks[2].rounds_per_year) == (None, None, 4)
    assert _warning(tasks[2], "ratio_rounds_only")["params"]["rounds"] == 4
    # the two-row header: 实施主体 over 牵头股室 | 实施层级
    assert (tasks[3].guiding_department, tasks[3].executor) == ("信用股", "县局、市场监管所")
    assert all(i.mapping_state in MAPPED + (SUGGESTED,) for t in tasks.values() for i in t.items)


def test_a_city_workbook_of_several_sheets_reads_counts_quarters_and_departments(app, db):
    plan, tasks = _import(WORKBOOK)
    assert (plan.year, plan.title) == (2024, "朔州市市场监督管理局2024年度“双随机、一公开”抽查工作计划表")
    plan_codes = [w["code"] for w in plan.import_warnings]
    assert "other_sheet" in plan_codes and "note_row" in plan_codes
    assert [i.text for i in tasks[1].items] == ["生产许可情况", "原料进货查验情况", "出厂检验记录"]
    counts = {n: (t.ratio, t.fixed_count) for n, t in tasks.items()}
    assert counts == {1: (None, 20), 2: (None, 15), 3: (None, 10), 4: (Decimal("1"), None)}
    windows = {n: (t.window_start_month, t.window_end_month) for n, t in tasks.items()}
    assert windows == {1: (1, 3), 2: (4, 9), 3: (1, 6), 4: (10, 12)}
    assert (tasks[2].guiding_department, tasks[2].cooperating_departments) == ("特设监察科", "住建局")
    levels = {n: (t.executes_city, t.executes_county) for n, t in tasks.items()}
    assert levels == {1: (True, False), 2: (True, True), 3: (True, False), 4: (True, False)}
    assert tasks[2].scope_rule["holdings_any"] == ["特种设备使用单位"]  # 电梯使用单位: holders of special equipment


def test_a_joint_plan_by_fields_names_its_tasks_and_asks_who_executes(app, db):
    plan, tasks = _import(JOINT)
    assert plan.title == "朔州市2024年度市场监管领域部门联合“双随机、一公开”抽查工作计划"
    assert [t.name for t in tasks.values()] == [
        "加油站计量和油品质量联合抽查",
        "校外培训机构联合抽查",
        "电梯使用安全联合抽查",
    ]
    assert [i.text for i in tasks[2].items] == ["取得证照情况", "收费公示情况", "广告宣传情况"]
    assert (tasks[1].ratio, tasks[1].ratio_is_floor, tasks[1].rounds_per_year) == (Decimal("0.05"), True, 4)
    assert "ratio_range" in _codes(tasks[1])
    assert (tasks[3].ratio, tasks[3].window_start_month, tasks[3].window_end_month) == (Decimal("1"), 1, 6)
    assert "window_deadline" in _codes(tasks[3])
    assert (tasks[2].initiator, tasks[2].cooperating_departments) == ("市教育局", "市市场监督管理局")
    # no 实施主体 column: no level would draw the tasks, so each one asks
    assert all((t.executes_city, t.executes_county) == (False, False) for t in tasks.values())
    assert all("executor_no_column" in _codes(t) for t in tasks.values())


def test_a_county_bureaus_plan_without_an_executor_column_asks_nothing_of_it(app, db):
    path = DATA / JOINT
    report = import_plan(path.read_bytes(), path.name, unit=unit("140602"))
    assert not any(p.code == "executor_no_column" for p in report.problems)  # a county draws its own plan


def _parse(header: list[str], *rows: list[str]):
    return parse_plan_table([Row(1, header), *(Row(n, row) for n, row in enumerate(rows, 2))])


def test_without_a_name_column_the_one_matter_a_row_checks_names_it_and_several_are_asked(app):
    parsed = _parse(
        ["序号", "检查事项", "检查对象", "抽查比例"],
        ["1", "对电子商务经营者披露信息的行政检查", "电子商务经营者", "5%"],
        ["2", "1.使用登记 2.定期检验", "特种设备使用单位", "5%"],
    )
    first, second = parsed.tasks
    assert first.name == "对电子商务经营者披露信息的行政检查" and not [
        p for p in first.problems if p.code == "name_missing"
    ]
    assert second.name == "" and "name_missing" in [p.code for p in second.problems]


def test_the_category_column_names_the_task_only_where_no_name_column_does(app):
    header = ["序号", "抽查领域", "抽查任务名称", "抽查事项", "抽查比例"]
    (task,) = _parse(header, ["1", "计量", "加油机监督检查", "计量检定", "5%"]).tasks
    assert task.name == "加油机监督检查" and task.source_cells["抽查领域"] == "计量"
    (task,) = _parse(
        ["序号", "事项类别", "抽查类别", "抽查事项", "比例"], ["1", "一般抽查", "计量", "检定", "5%"]
    ).tasks
    assert task.name == "计量"  # 事项类别 (一般/重点抽查) names no task


def test_how_a_task_is_initiated_names_its_initiator_and_the_section_in_charge(app):
    header = ["序号", "抽查任务名称", "抽查事项", "发起方式", "抽查主体(层级)", "抽查比例", "实施抽查时间段"]
    row = [
        "1",
        "人工繁育野生动物的检查",
        "人工繁育野生动物",
        "市级组织发起(市局林政科负责)",
        "市、县级",
        "5%",
        "9月至11",
    ]
    (task,) = _parse(header, row).tasks
    assert (task.initiator, task.guiding_department) == ("市级", "市局林政科")
    assert (task.executes_city, task.executes_county, task.window_start_month, task.window_end_month) == (
        True,
        True,
        9,
        11,
    )


def test_a_window_in_another_year_than_the_plans_is_read_in_the_plans_year_and_asked(app, db):
    table = "序号,抽查任务名称,抽查事项,抽查对象,抽查比例,实施主体,计划任务实施时段\n"
    table += "1,测绘成果质量抽查,测绘成果质量,测绘资质单位,20%,市局,2023年6-12月\n"
    table += "2,电梯监督抽查,使用登记,电梯使用单位,5%,市局,2024年6-12月\n"
    table += "3,商品条码监督抽查,条码使用,商品条码系统成员,5%,市局,2023-04-01至2023-09-30\n"
    report = import_plan(table.encode(), "计划.csv", year=2024, unit=unit("city"))
    tasks = _tasks(report.plan)
    assert (tasks[1].window_start_month, tasks[1].window_end_month) == (6, 12)
    assert _warning(tasks[1], "window_other_year")["params"]["found"] == "2023"
    assert "window_other_year" in _codes(tasks[3]) and "window_other_year" not in _codes(tasks[2])
