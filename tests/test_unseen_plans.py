"""Plans laid out as other bureaus publish them, imported through the real importer and read back from the
database: a 部门联合 plan (发起部门 / 配合部门 / 抽查检查模式, ratios such as 3%-5%, 5户, 全覆盖, windows such as
第二、三季度, 6月底前, 2024年9月至11) and a province-style 随机抽查事项清单 (抽查事项 | 检查内容, no ratio column, the
ratio in a note). What a reader would take from each row is what the tasks hold; what is a reading to
confirm is said. Files: tests/data/plans/joint-2024.csv, tests/data/plans/province-list-2024.csv."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from factories import unit
from factories.plans import DATA
from fieldapp.checklists.mapping import SUGGESTED
from fieldapp.extensions import db
from fieldapp.plans.importer import import_plan
from fieldapp.plans.models import Task


def _import(name: str) -> dict[int, Task]:
    path = DATA / name
    report = import_plan(path.read_bytes(), path.name, year=2024, unit=unit("city"))
    db.session.commit()
    db.session.expire_all()
    tasks = db.session.scalars(select(Task).where(Task.plan_id == report.plan.id)).all()
    return {task.number: task for task in tasks}


def _codes(task: Task) -> list[str]:
    return [warning["code"] for warning in task.import_warnings]


def test_a_joint_plan_reads_as_its_reader_would(app, db):
    tasks = _import("joint-2024.csv")
    assert sorted(tasks) == [1, 2, 3, 4, 5, 6]
    months = {n: (t.window_start_month, t.window_end_month) for n, t in tasks.items()}
    assert months == {1: (3, 12), 2: (4, 6), 3: (4, 9), 4: (1, 6), 5: (1, 12), 6: (9, 11)}
    ratios = {n: (t.ratio, t.ratio_is_floor, t.fixed_count, t.rounds_per_year) for n, t in tasks.items()}
    assert ratios == {
        1: (Decimal("0.03"), False, None, 2),
        2: (Decimal("0.05"), True, None, 1),
        3: (Decimal("0.03"), True, None, 1),  # 3%-5%: the least, asked
        4: (None, False, 5, 1),
        5: (Decimal("1"), False, None, 1),
        6: (Decimal("0.2"), True, None, 2),  # 每半年一次
    }
    assert "ratio_range" in _codes(tasks[3]) and "window_deadline" in _codes(tasks[4])
    # who draws and who checks: the mode names the level that checks
    levels = {n: (t.executes_city, t.executes_county) for n, t in tasks.items()}
    assert levels == {
        1: (True, False),
        2: (False, True),
        3: (True, False),
        4: (False, True),
        5: (False, True),
        6: (True, False),
    }
    assert tasks[1].initiator == "市烟草专卖局" and tasks[3].source_cells["配合部门"] == "市税务局"
    # items and their checklists
    assert [i.text for i in tasks[2].items] == ["生产许可情况", "原料进货查验", "出厂检验"]
    assert [i.text for i in tasks[4].items] == ["使用登记", "定期检验", "作业人员持证"]
    metering = tasks[3].items[0]
    assert metering.text == "计量器具检定情况" and metering.mapping_state == SUGGESTED
    assert metering.suggestions[0]["id"] == "fuel-dispensers"
    # scopes are proposals until a supervisor confirms them
    assert tasks[3].scope_rule["tags_any"] == ["加油站"] and tasks[3].scope_rule["confirmed"] is False
    assert tasks[4].scope_rule["holdings_any"] == ["特种设备使用单位"]
    plan_codes = [w["code"] for w in tasks[1].plan.import_warnings]
    assert "note_row" in plan_codes and "kind_column_missing" in plan_codes  # no 抽查类型 column: said


def test_a_province_list_of_matters_reads_as_tasks_with_their_contents(app, db):
    tasks = _import("province-list-2024.csv")
    assert [t.name for t in tasks.values()] == [
        "食品生产监督检查",
        "食品销售监督检查",
        "特种设备使用单位监督检查",
        "企业公示信息检查",
    ]
    assert [i.text for i in tasks[1].items] == ["生产环境条件", "进货查验结果", "生产过程控制"]
    assert [i.text for i in tasks[2].items] == ["经营资质", "经营条件", "标签标识"]
    assert {i.suggestions[0]["id"] for i in tasks[1].items} == {"food-production"}
    # no ratio column: the note's 不低于3% for each task, asked
    assert {(t.ratio, t.ratio_is_floor) for t in tasks.values()} == {(Decimal("0.03"), True)}
    assert all("ratio_from_note" in _codes(t) for t in tasks.values())
    assert (tasks[4].executes_city, tasks[4].executes_county) == (True, True)  # 各级市场监管部门
    assert (tasks[2].executes_city, tasks[2].executes_county) == (False, True)
    assert tasks[1].source_cells["检查方式"] == "现场检查、书面检查"
    assert (tasks[1].window_start_month, tasks[1].window_end_month) == (None, None)
    plan_codes = [w["code"] for w in tasks[1].plan.import_warnings]
    assert plan_codes.count("column_missing") == 3  # 抽查任务名称 is there now; 比例, 日期, 发起 are not
    assert "kind_column_missing" in plan_codes  # nor 类型: each task read as 定向, said
