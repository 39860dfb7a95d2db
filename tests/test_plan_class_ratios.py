"""Ratios by credit-risk class (A类1%、B类3%、C类5%、D类10%; 低风险 … 高风险; columns A类 | B类 …) read into the
task's ratio and class multipliers, asked to be confirmed, and drawn: each class gets its stated share.
Plans as bureaus publish them (Word, Excel with a two-row header, a saved GBK web page) go through the
real importer; the draw runs against a real database."""

from __future__ import annotations

import io
import math
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import select
from factories.draws import classed_task, draw_day, make_subjects, make_task, make_team, unit  # noqa: F401

from fieldapp.draws import algorithm, operations
from fieldapp.draws.bundle import build_bundle
from fieldapp.draws.operations import pool_bytes
from fieldapp.draws.readiness import warnings_for
from fieldapp.extensions import db as _db
from fieldapp.plans.class_ratios import draw_rule, fill_missing, read_class_ratios
from fieldapp.plans.importer import import_plan
from fieldapp.plans.models import Task
from fieldapp.plans.operations import update_task
from fieldapp.plans.parsing import parse_plan_table
from fieldapp.plans.tables import Row

D = Decimal


def _ratios(text: str) -> dict[str, Decimal]:
    reading = read_class_ratios(text)
    assert reading is not None
    return reading.stated


@pytest.mark.parametrize(
    ("text", "stated"),
    [
        ("A类1%、B类3%、C类5%、D类10%", {"A": D("0.01"), "B": D("0.03"), "C": D("0.05"), "D": D("0.1")}),
        ("Ａ类１％；Ｂ类３％", {"A": D("0.01"), "B": D("0.03")}),  # full width
        ("低风险1%，一般风险2%，较高风险5%，高风险100%", {"A": D("0.01"), "B": D("0.02"), "C": D("0.05"), "D": D("1")}),
        ("信用风险低的按1%抽查，信用风险较高的按8%抽查", {"A": D("0.01"), "C": D("0.08")}),
        ("A类、B类企业3%，C类、D类企业10%", {"A": D("0.03"), "B": D("0.03"), "C": D("0.1"), "D": D("0.1")}),
        ("D类（高风险）企业全覆盖", {"D": D("1")}),
        ("A级5‰、B级1%", {"A": D("0.005"), "B": D("0.01")}),
        ("A、B类企业1%，C类和D类企业5%", {"A": D("0.01"), "B": D("0.01"), "C": D("0.05"), "D": D("0.05")}),
        ("低风险企业1%-3%，高风险企业20%", {"A": D("0.01"), "D": D("0.2")}),  # a range: its least
    ],
)
def test_ratios_by_class_are_read_as_written(text, stated):
    assert _ratios(text) == stated


@pytest.mark.parametrize("text", ["3%", "按信用风险分类结果递加抽查比例", "3C类产品5%", "不低于5%，2次/年", ""])
def test_a_text_naming_no_class_gives_no_ratios_by_class(text):
    assert read_class_ratios(text) is None


def test_a_class_given_two_ratios_is_a_conflict():
    reading = read_class_ratios("A类1%，B类3%，A类2%")
    assert reading is not None and reading.conflicts == ["A"]


def test_missing_classes_take_the_general_ratio_else_the_nearest_named_by_default_weights():
    ratios, filled = fill_missing({"D": D("1")}, D("0.03"))
    assert ratios == {"A": D("0.03"), "B": D("0.03"), "C": D("0.03"), "D": D("1")}
    assert filled == {"A": "general", "B": "general", "C": "general"}
    ratios, filled = fill_missing({"A": D("0.01"), "B": D("0.03"), "C": D("0.05")}, None)
    assert ratios["D"] == D("0.1") and filled == {"D": "C"}  # C 5% × 4/2
    ratios, filled = fill_missing({"B": D("0.04")}, None)
    assert ratios == {"A": D("0.02"), "B": D("0.04"), "C": D("0.08"), "D": D("0.16")}
    assert fill_missing({"C": D("0.6")}, None)[0]["D"] == D("1")  # never above 100%
    # kept between the classes around it: B from A (4% × 2) would pass C's 5%; A at 3% would pass B's 2%
    assert fill_missing({"A": D("0.04"), "C": D("0.05")}, None)[0]["B"] == D("0.05")
    assert fill_missing({"B": D("0.02"), "C": D("0.05")}, D("0.03"))[0] == {
        "A": D("0.02"),
        "B": D("0.02"),
        "C": D("0.05"),
        "D": D("0.05"),
    }


def expected_quota(pool: int, ratio: Decimal) -> int:
    """A class's stated share, worked out apart from the draw: ``pool`` × ``ratio`` rounded half up,
    never more than the class."""
    return min(pool, math.floor(pool * Fraction(ratio) + Fraction(1, 2)))


def test_the_draw_rule_is_exact_with_the_smallest_ratio_or_the_common_divisor():
    rule = draw_rule({"A": D("0.01"), "B": D("0.03"), "C": D("0.05"), "D": D("0.1")})
    assert rule is not None and rule.base == "smallest" and rule.ratio == D("0.01")
    assert rule.multipliers == {"A": D("1"), "B": D("3"), "C": D("5"), "D": D("10")}
    rule = draw_rule({"A": D("0.03"), "B": D("0.05"), "C": D("0.1"), "D": D("1")})  # 5% / 3% is 1.666…
    assert rule is not None and rule.base == "divisor" and rule.ratio == D("0.01")
    assert rule.multipliers == {"A": D("3"), "B": D("5"), "C": D("10"), "D": D("100")}
    rule = draw_rule({"A": D("0.005"), "B": D("0.0125"), "C": D("0.02"), "D": D("0.025")})
    assert rule is not None and rule.ratio == D("0.005") and rule.multipliers["B"] == D("2.5")


def test_each_class_draws_its_stated_share_in_the_algorithm():
    """For many pools and ratios: the quota of every class is its pool × its ratio, rounded half up;
    a top-up happens only when those fall short of ⌈N × r⌉, and then it is what the document says."""
    rng = random.Random(7)
    choices = ["0.005", "0.01", "0.02", "0.03", "0.05", "0.08", "0.1", "0.125", "0.2", "0.5", "1"]
    for _ in range(400):
        ratios = {c: D(rng.choice(choices)) for c in "ABCD"}
        sizes = {c: rng.choice([0, 1, 3, 7, 20, 49, 150, 999, 4321]) for c in "ABCD"}
        rule = draw_rule(ratios)
        assert rule is not None
        counts = algorithm.compute_counts(sizes, rule.ratio, None, rule.multipliers)
        assert counts.quotas == {c: expected_quota(sizes[c], ratios[c]) for c in "ABCD"}
        for c in "ABCD":
            assert Fraction(rule.ratio) * Fraction(rule.multipliers[c]) == Fraction(ratios[c])
        shortfall = max(0, counts.total_floor - sum(counts.quotas.values()))
        assert sum(counts.topups.values()) == min(shortfall, sum(sizes.values()) - sum(counts.quotas.values()))


def _table(*rows: list[str]) -> list:
    header = ["序号", "抽查任务名称", "抽查事项", "抽查对象范围", "抽查比例", "信用风险分类管理"]
    return parse_plan_table([Row(1, header), *(Row(i + 2, row) for i, row in enumerate(rows))]).tasks


def test_a_credit_column_sets_the_tasks_ratio_and_multipliers_with_an_ask():
    first, second = _table(
        ["1", "食品经营者检查", "经营资质", "食品经营者", "3%", "A类1%、B类3%、C类5%、D类10%"],
        ["2", "餐饮检查", "许可", "餐饮服务提供者", "3%", "按信用风险分类结果递加抽查比例"],
    )
    assert first.ratio == D("0.01") and first.risk_multipliers == {"A": "1", "B": "3", "C": "5", "D": "10"}
    assert first.class_ratios["ratios"] == {"A": "0.01", "B": "0.03", "C": "0.05", "D": "0.1"}
    assert first.class_ratios["confirmed"] is False and first.class_ratios["column"] == "信用风险分类管理"
    assert [p.code for p in first.problems] == ["credit_ratios_read"]
    assert first.problems[0].params["ratios"] == "A类 1%、B类 3%、C类 5%、D类 10%"
    assert second.ratio == D("0.03") and second.risk_multipliers is None and second.problems == []


def test_ratios_by_class_in_the_ratio_cell_answer_its_several_ratios():
    (task,) = _table(["1", "检查", "许可", "企业", "不低于3%，其中D类企业全覆盖", ""])
    assert task.ratio == D("0.01") and task.ratio_is_floor  # 100% / 3% is no finite decimal: the divisor
    assert task.class_ratios["ratios"] == {"A": "0.03", "B": "0.03", "C": "0.03", "D": "1"}
    assert [p.code for p in task.problems] == [
        "credit_ratios_read",
        "credit_ratio_general",
        "credit_ratio_general",
        "credit_ratio_general",
        "credit_ratios_divisor",
    ]


def test_ratios_by_class_that_cannot_apply_are_said_and_not_applied():
    conflict, counted, unreadable = _table(
        ["1", "甲", "许可", "企业", "3%", "A类1%，A类2%"],
        ["2", "乙", "许可", "企业", "10户", "A类1%、B类3%"],
        ["3", "丙", "许可", "企业", "3%", "A类1%、B类300%"],
    )
    assert [p.code for p in conflict.problems] == ["credit_ratios_conflict"]
    assert [p.code for p in counted.problems] == ["credit_ratios_with_count"]
    assert [p.code for p in unreadable.problems] == ["credit_ratios_not_applied"]
    for task in (conflict, counted, unreadable):
        assert task.risk_multipliers is None and task.class_ratios is None
    assert conflict.ratio == D("0.03") and counted.fixed_count == 10


# --- plans as bureaus publish them ------------------------------------------------------------------

WORD_HEADER = [
    "序号",
    "抽查任务名称",
    "抽查事项",
    "抽查对象范围",
    "抽查比例",
    "信用风险分类",
    "配合部门",
    "抽查检查主体",
]
WORD_ROWS = [
    [
        "1",
        "食品销售者检查",
        "1.经营资质\n2.进货查验",
        "食品销售者",
        "5%",
        "A类1%、B类3%、C类5%、D类10%",
        "市公安局、市税务局",
        "市级市场监管部门",
    ],
    ["2", "餐饮服务检查", "许可情况", "餐饮服务提供者", "3%", "A类、B类企业2%，C类企业5%", "无", "市级市场监管部门"],
]


def word_plan() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("2024年度部门联合双随机抽查工作计划")
    table = document.add_table(rows=1 + len(WORD_ROWS), cols=len(WORD_HEADER))
    for r, row in enumerate([WORD_HEADER, *WORD_ROWS]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def excel_plan() -> bytes:
    """A two-row header: 抽查比例（%） merged over the four risk levels, the other titles merged down."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(
        ["序号", "抽查任务名称", "抽查事项", "抽查对象范围", "抽查比例（%）", "", "", "", "联合部门", "实施主体"]
    )
    sheet.append(["", "", "", "", "低风险", "一般风险", "较高风险", "高风险", "", ""])
    sheet.append(
        [1, "特种设备使用单位检查", "使用登记", "特种设备使用单位", 1, 3, 5, 20, "市应急管理局", "市级市场监管部门"]
    )
    sheet.append([2, "工业产品生产企业检查", "生产许可", "工业产品生产企业", 2, 2, 4, 8, "", "市级市场监管部门"])
    sheet.merge_cells("E1:H1")
    for column in "ABCDIJ":
        sheet.merge_cells(f"{column}1:{column}2")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def html_plan() -> bytes:
    rows = [
        [
            "1",
            "加油站计量检查",
            "计量器具检定情况",
            "加油站",
            "抽查比例不低于3%，其中D类（高风险）企业100%",
            "市商务局",
            "各县区市场监管局",
        ],
        ["2", "广告发布检查", "广告内容", "广告发布者", "不低于5%", "", "各县区市场监管局"],
    ]
    header = "".join(
        f"<th>{h}</th>"
        for h in ["序号", "抽查任务名称", "抽查事项", "抽查对象范围", "抽查比例", "协同部门", "抽查检查主体"]
    )
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    page = f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>关于印发2024年度抽查工作计划的通知</title></head><body>
<table border="1"><tbody><tr>{header}</tr>{body}</tbody></table></body></html>"""
    return page.encode("gbk")


def _import(data: bytes, name: str) -> dict[int, Task]:
    report = import_plan(data, name, year=2024, unit=unit("city"))
    _db.session.commit()
    _db.session.expire_all()
    tasks = _db.session.scalars(select(Task).where(Task.plan_id == report.plan.id)).all()
    return {task.number: task for task in tasks}


def _codes(task: Task) -> list[str]:
    return [w["code"] for w in task.import_warnings]


def test_a_word_plan_with_a_credit_column_and_cooperating_departments(app, db):
    tasks = _import(word_plan(), "联合抽查计划.docx")
    first, second = tasks[1], tasks[2]
    assert first.ratio == D("0.01") and first.risk_multipliers == {"A": "1", "B": "3", "C": "5", "D": "10"}
    assert first.cooperating_departments == "市公安局、市税务局" and second.cooperating_departments == ""
    # D not named, no ratio without a class in the credit cell: the task's own 3%, but never below C's 5%
    assert second.class_ratios["ratios"] == {"A": "0.02", "B": "0.02", "C": "0.05", "D": "0.05"}
    assert second.class_ratios["filled"] == {"D": "general"} and "credit_ratio_general" in _codes(second)
    assert second.ratio == D("0.02") and second.risk_multipliers == {"A": "1", "B": "1", "C": "2.5", "D": "2.5"}


def test_an_excel_plan_with_a_column_per_risk_level(app, db):
    tasks = _import(excel_plan(), "计划.xlsx")
    first, second = tasks[1], tasks[2]
    assert first.class_ratios["ratios"] == {"A": "0.01", "B": "0.03", "C": "0.05", "D": "0.2"}
    assert first.ratio == D("0.01") and first.risk_multipliers == {"A": "1", "B": "3", "C": "5", "D": "20"}
    assert second.ratio == D("0.02") and second.risk_multipliers == {"A": "1", "B": "1", "C": "2", "D": "4"}
    assert "ratio_missing" not in _codes(first) and "credit_ratios_read" in _codes(first)
    assert first.cooperating_departments == "市应急管理局" and second.cooperating_departments == ""


def test_a_saved_web_page_with_a_ratio_and_one_class_beside_it(app, db):
    tasks = _import(html_plan(), "通知.html")
    first, second = tasks[1], tasks[2]
    assert first.class_ratios["ratios"] == {"A": "0.03", "B": "0.03", "C": "0.03", "D": "1"}
    assert first.ratio == D("0.01") and first.ratio_is_floor
    assert first.cooperating_departments == "市商务局"
    assert second.class_ratios is None and second.risk_multipliers is None and second.ratio == D("0.05")


# --- confirmed, then drawn ----------------------------------------------------------------------------


def test_the_draw_takes_each_class_at_its_stated_ratio(db):
    task = classed_task()
    make_subjects({"A": 200, "B": 100, "C": 40, "D": 10})
    make_team()
    _db.session.commit()
    assert [w["code"] for w in warnings_for(task, [unit("140602")], draw_day_value())] == ["class_ratios"]
    commitment = operations.commit(task, 1, unit("140602"), exception_reason="按计划分类比例抽取")
    draw, _ = operations.run_draw(commitment, "3 1 4 1 5")
    classes = dict(line.split(",") for line in pool_bytes(draw).decode().splitlines())
    drawn: dict[str, int] = {c: 0 for c in "ABCD"}
    for entry in build_bundle(draw, reveal=True)["selection"]:
        drawn[classes[entry["id"]]] += 1
    # 200 × 1% = 2, 100 × 3% = 3, 40 × 5% = 2, 10 × 10% = 1; the default weights would give 1, 1, 1, 0
    assert drawn == {"A": 2, "B": 3, "C": 2, "D": 1} == draw.quotas
    assert draw.topups == {c: 0 for c in "ABCD"} and draw.ratio == "0.01000000"
    assert draw.multipliers == {"A": "1", "B": "3", "C": "5", "D": "10"}


def draw_day_value():
    from factories.draws import DRAW_DAY

    return DRAW_DAY


def test_the_scope_page_shows_each_class_and_the_supervisor_confirms(db, client_request):
    task = classed_task()
    make_subjects({"A": 200, "B": 100, "C": 40, "D": 10})
    make_team()
    _db.session.commit()
    client_request.login("city-supervisor")
    where = {"plan_id": task.plan_id, "number": task.number}
    page = client_request.get("draws.task_scope", **where)
    section = page.select_one("#class-ratios")
    assert section["data-confirmed"] == "no"
    drawn = {
        row["data-class"]: row.select_one("td[data-unit='140602']")["data-drawn"]
        for row in section.select("tr[data-class]")
    }
    assert drawn == {"A": "2", "B": "3", "C": "2", "D": "1"}
    assert "A类1%、B类3%、C类5%、D类10%" in section.text
    warnings = [li.text for li in page.select("#scope-warnings li")]
    assert [w for w in warnings if "信用风险分类" in w] == ["按信用风险分类的抽查比例尚未经监管人员确认。"]
    version = task.plan.version
    client_request.post("draws.confirm_class_ratios", _data={}, _expected_status=422, **where)  # published: a reason
    client_request.post("draws.confirm_class_ratios", _data={"ratios-reason": "按计划分类比例"}, **where)
    _db.session.expire_all()
    task = _db.session.get(Task, task.id)
    assert task.class_ratios["confirmed"] is True and task.plan.version == version + 1
    assert warnings_for(task, [unit("140602")], draw_day_value()) == []
    page = client_request.get("draws.task_scope", **where)
    assert page.select_one("#class-ratios")["data-confirmed"] == "yes" and not page.select_one("#confirm-class-ratios")


def test_setting_the_ratio_by_hand_draws_every_class_at_it_again(db):
    task = classed_task()
    _db.session.commit()
    update_task(task, {"ratio": D("0.05")}, reason="按统一比例抽查")
    assert task.class_ratios is None and task.risk_multipliers is None and task.ratio == D("0.05")


def test_a_reimport_of_the_same_ratios_keeps_the_confirmation(app, db):
    tasks = _import(word_plan(), "联合抽查计划.docx")
    task = tasks[1]
    task.class_ratios = {**task.class_ratios, "confirmed": True}
    _db.session.commit()
    tasks = _import(word_plan(), "联合抽查计划.docx")
    assert tasks[1].class_ratios["confirmed"] is True and tasks[2].class_ratios["confirmed"] is False


def test_the_plan_page_asks_and_the_edit_page_says_what_a_hand_set_ratio_does(db, client_request):
    task = classed_task()
    _db.session.commit()
    client_request.login("city-supervisor")
    page = client_request.get("plans.plan_detail", plan_id=task.plan_id)
    card = page.find(id=f"task-{task.number}")
    assert card.select_one('[data-ask="class-ratios"]')
    assert (
        card.select_one('[data-field="ratio"]').get_text(" ", strip=True).startswith("A类 1%、B类 3%、C类 5%、D类 10%")
    )
    link = card.select_one('[data-field="ratio"] a')["href"]
    assert client_request.get_url(link).select_one("#class-ratios")
    edit = client_request.get("plans.edit_task", plan_id=task.plan_id, number=task.number)
    assert "A类 1%、B类 3%、C类 5%、D类 10%" in edit.select_one("#class-ratios-hint").text


def test_a_note_under_a_table_without_a_ratio_column_gives_the_ratios_by_class():
    header = Row(1, ["序号", "抽查任务名称", "抽查事项", "抽查对象范围", "抽查检查主体"])
    rows = [
        Row(2, ["1", "食品销售检查", "经营资质", "食品销售者", "市级"]),
        Row(3, ["2", "餐饮检查", "许可", "餐饮服务提供者", "市级"]),
        Row(4, ["注：按企业信用风险分类实施差异化抽查，A类企业抽查比例1%，B类3%，C类5%，D类10%。"]),
    ]
    tasks = parse_plan_table([header, *rows]).tasks
    for task in tasks:
        assert task.ratio == D("0.01") and task.risk_multipliers == {"A": "1", "B": "3", "C": "5", "D": "10"}
        assert task.class_ratios["column"] == "注（第4行）"
        assert [p.code for p in task.problems] == ["credit_ratios_read"]


def test_one_ratio_column_headed_by_a_class_is_the_tasks_ratio():
    header = Row(1, ["序号", "抽查任务名称", "抽查事项", "抽查对象范围", "高风险企业抽查比例"])
    (task,) = parse_plan_table([header, Row(2, ["1", "甲", "许可", "高风险企业", "不低于5%"])]).tasks
    assert task.ratio == D("0.05") and task.class_ratios is None and task.problems == []


def test_a_range_by_class_is_read_as_its_least_and_asked():
    (task,) = _table(["1", "甲", "许可", "企业", "3%", "A类1%-2%、B类3%、C类5%、D类10%"])
    assert task.class_ratios["ratios"]["A"] == "0.01"
    ranges = [p.params for p in task.problems if p.code == "ratio_range"]
    assert ranges == [{"column": "信用风险分类管理", "text": "1%-2%", "low": "1%"}]


def test_the_scope_page_says_when_the_total_tops_a_class_up(db, client_request):
    """149 subjects, all class A, at 1 %: the class's share rounds to 1, the task's ⌈149 × 1 %⌉ = 2: the
    page says that one of the two makes up the total."""
    task = classed_task()
    make_subjects({"A": 149})
    make_team()
    _db.session.commit()
    client_request.login("city-supervisor")
    section = client_request.get("draws.task_scope", plan_id=task.plan_id, number=task.number).select_one(
        "#class-ratios"
    )
    cell = section.select_one("tr[data-class='A'] td[data-unit='140602']")
    assert cell["data-drawn"] == "2" and "其中1户为补足总数" in cell.text
    assert section.select_one("tr[data-class='B'] td[data-unit='140602']")["data-drawn"] == "0"


def test_the_public_draw_notice_names_the_cooperating_departments(db, client_request):
    task = make_task(number=2, cooperating_departments="市税务局")
    make_subjects({"B": 20})
    make_team()
    _db.session.commit()
    commitment = operations.commit(task, 1, unit("140602"))
    draw, _ = operations.run_draw(commitment, "3 1 4 1 5")
    page = client_request.get("draws.public_detail", draw_id=draw.id)
    cell = page.select_one('[data-field="cooperating"]')
    assert cell.get_text(strip=True) == "市税务局" and cell.find_previous_sibling("dt").get_text() == "配合部门"
