"""The plan importer on the seed table, cell by cell: pure functions, no database."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from flask import Flask

from fieldapp.plans.cells import parse_executor, parse_kind, parse_ratio, split_initiator, split_items
from fieldapp.plans.columns import find_header
from fieldapp.plans.windows import parse_window
from fieldapp.plans.parsing import parse_plan_table
from fieldapp.plans.scope import RULE_KEYS, scope_rule_for
from fieldapp.plans.scope_proposal import propose_scope
from fieldapp.plans.tables import read_plan_file
from factories.plans import HEADER

SEED = Path(__file__).resolve().parent.parent / "data" / "plan-2021-shuozhou.txt"


@pytest.fixture(scope="module")
def seed():
    source = read_plan_file(SEED.read_bytes(), SEED.name)
    return source, parse_plan_table(source.rows)


@pytest.fixture(scope="module")
def tasks(seed):
    return {task.number: task for task in seed[1].tasks}


def test_seed_has_21_tasks_numbered_1_to_21(tasks):
    assert sorted(tasks) == list(range(1, 22))


def test_notice_gives_document_number_date_issuer_and_year(seed):
    meta = seed[0].meta
    assert meta.doc_number == "朔市监〔2021〕26号"
    assert meta.issued_on.isoformat() == "2021-03-05"
    assert meta.issuer == "朔州市市场监督管理局"
    assert meta.year == 2021
    assert "2021年度双随机抽查工作计划" in meta.title


def test_repeated_page_headers_are_not_tasks(seed):
    source, parsed = seed
    header_rows = [r.number for r in source.rows if find_header(r.cells)]
    assert len(header_rows) == 4  # one per printed page
    assert not {t.source_row for t in parsed.tasks} & set(header_rows)
    assert all(t.name != "抽查任务名称" for t in parsed.tasks)


@pytest.mark.parametrize(
    "number, count",
    [(1, 4), (2, 1), (3, 3), (4, 1), (5, 5), (6, 9), (7, 4), (14, 3), (17, 10), (18, 4), (19, 5), (20, 5), (21, 5)],
)
def test_items_are_split_by_their_numbers(tasks, number, count):
    assert len(tasks[number].items) == count


def test_item_texts_keep_the_words_and_drop_only_the_numbers(tasks):
    first = tasks[1].items
    assert first[0].startswith("集贸市场在用强检计量器具监督检查")
    assert first[1].startswith("加油站在用强检计量器具监督检查")
    assert first[3].startswith("医疗机构在用强检计量器具监督检查")
    assert tasks[18].items[1] == "现场作业人员是否具有有效证件"
    assert tasks[19].items == [
        "登记事项检查",
        "公示信息检查",
        "商标使用行为的检查",
        "专利真实性监督检查",
        "为非法交易野生动物等违法行为提供交易服务的检查",
    ]
    assert tasks[17].items_heading == "检验检测机构抽查"
    # Traditional characters and typos stay exactly as printed.
    assert tasks[17].items[0] == "相关人員不能滿足资质认定许可条件的"
    assert "未經检验检测" in tasks[17].items[3]


def test_ratios(tasks):
    assert (tasks[1].ratio, tasks[1].ratio_is_floor, tasks[1].rounds_per_year) == (Decimal("0.05"), True, 1)
    assert (tasks[4].ratio, tasks[4].ratio_is_floor) == (Decimal("1"), False)
    assert (tasks[6].ratio, tasks[6].ratio_is_floor) == (Decimal("0.5"), False)
    assert (tasks[19].ratio, tasks[19].ratio_is_floor, tasks[19].rounds_per_year) == (Decimal("0.05"), True, 2)
    assert (tasks[20].ratio, tasks[20].rounds_per_year) == (Decimal("0.01"), 1)
    assert (tasks[21].ratio, tasks[21].rounds_per_year) == (Decimal("0.01"), 2)
    assert all(t.fixed_count is None for t in tasks.values())


def test_windows(tasks):
    assert (tasks[1].window_start_month, tasks[1].window_end_month) == (4, 11)
    assert (tasks[4].window_start_month, tasks[4].window_end_month) == (6, 8)
    assert (tasks[15].window_start_month, tasks[15].window_end_month) == (3, 12)
    assert (tasks[18].window_start_month, tasks[18].window_end_month) == (2, 12)


def test_merged_cells_are_inherited_and_marked(tasks):
    assert tasks[13].name == tasks[12].name == "商标使用行为的检查"
    assert "name" in tasks[13].inherited_fields and "name" not in tasks[12].inherited_fields
    for number in (11, 12, 13):
        assert {"initiator", "guiding_department", "executor"} <= set(tasks[number].inherited_fields)
        assert (tasks[number].initiator, tasks[number].guiding_department) == ("市局", "知识产权科")
        assert tasks[number].source_cells["发起主体/指导单位"] == ""  # the original stays blank
    for number in (20, 21):
        assert {"initiator", "executor"} <= set(tasks[number].inherited_fields)
        assert tasks[number].guiding_department == "市局信用"
        assert (tasks[number].executes_city, tasks[number].executes_county) == (True, True)
    assert tasks[10].inherited_fields == [] and tasks[19].inherited_fields == []


def test_initiator_and_guide_split_at_the_slash(tasks):
    assert (tasks[1].initiator, tasks[1].guiding_department) == ("各县区局", "计量科")
    assert (tasks[5].initiator, tasks[5].guiding_department) == ("市局广告监管科、各市区县局", "市局广告监管科")
    assert tasks[9].guiding_department == "质量监管库"  # as printed; a warning points at it
    assert any(p.code == "guide_unknown" and p.params["suggestion"] == "质量监管科" for p in tasks[9].problems)


def test_executors(tasks):
    levels = {n: (t.executes_city, t.executes_county) for n, t in tasks.items()}
    assert levels[1] == (True, True)
    assert levels[2] == (True, False)
    assert levels[8] == (False, True)
    assert levels[16] == (True, False)
    assert levels[15] == (True, False)
    assert tasks[15].executor == "市、市场监管局"
    assert [p.code for p in tasks[15].problems] == ["executor_level_missing"]


def test_task_21_keeps_its_type_as_written_and_warns(tasks):
    assert tasks[21].kind == "targeted"
    assert any(p.code == "kind_name_conflict" for p in tasks[21].problems)


def test_every_original_cell_is_preserved(seed):
    source, parsed = seed
    by_row = {r.number: r for r in source.rows}
    for task in parsed.tasks:
        row = by_row[task.source_row]
        assert list(task.source_cells) == HEADER
        assert list(task.source_cells.values()) == [c.strip() for c in row.cells]
    assert parsed.tasks[14].source_cells["抽查对象范围"] == "本辖区获正组织"


def rules(rule: dict) -> dict:
    """The selecting part of a rule (without confirmation state and notes)."""
    return {k: rule[k] for k in RULE_KEYS}


EMPTY = {
    "kinds": [],
    "status": "在业",
    "tags_any": [],
    "holdings_any": [],
    "industries": [],
    "credit_classes": [],
    "past_business_term": False,
    "counties": [],
}


def test_scope_rules(tasks):
    rule = {n: t.scope_rule for n, t in tasks.items()}
    assert rule[1]["tags_any"] == ["集贸市场", "加油站", "眼镜制配", "医疗机构", "检验检测机构"]
    assert rule[1]["kinds"] == [] and rule[1]["status"] == "在业"
    assert rules(rule[11]) == EMPTY
    assert rule[12]["kinds"] == rule[13]["kinds"] == ["enterprise", "individual", "cooperative"]
    assert rules(rule[20]) == {**EMPTY, "kinds": ["enterprise"], "past_business_term": True}
    assert rules(rule[21]) == {**EMPTY, "kinds": ["enterprise"]}
    # 获正组织 (a typo) still matches; the items choose which certificate's holders
    assert rule[15]["holdings_any"] == ["自愿性认证获证组织"]
    assert rule[16]["holdings_any"] == ["强制性认证获证组织"]
    # every rule is a proposal until a supervisor confirms it, with the reasons kept
    assert all(r["confirmed"] is False and "status" in r["suggested"] for r in rule.values())


def test_task_13_is_narrowed_to_mark_users(tasks):
    """集体商标、证明商标 items: only the marks' users, not every business in the county."""
    rule = tasks[13].scope_rule
    assert rule["holdings_any"] == ["集体商标证明商标使用人"]
    assert "holdings_any" in rule["suggested"]
    assert {"key": "holdings_any", "code": "item_holding", "words": "集体商标"} in rule["notes"]
    assert tasks[12].scope_rule["holdings_any"] == []  # 商标使用行为: any trademark user


def test_task_19_high_risk_is_credit_class_d(tasks):
    rule = tasks[19].scope_rule
    assert rule["credit_classes"] == ["D"] and rule["tags_any"] == [] and rule["kinds"] == ["enterprise"]
    assert {"key": "credit_classes", "code": "high_risk", "words": "高风险"} in rule["notes"]
    app = Flask(__name__)
    app.config["HIGH_RISK_CREDIT_CLASSES"] = ["C", "D"]  # as the bureau sets it
    with app.app_context():
        assert propose_scope("全市高风险企业")["credit_classes"] == ["C", "D"]


def test_task_18_needs_registered_special_equipment(tasks):
    rule = tasks[18].scope_rule
    assert rule["holdings_any"] == ["特种设备使用单位"]
    assert {"学校", "客运索道"} <= set(rule["tags_any"]) and "特种设备使用单位" not in rule["tags_any"]


@pytest.mark.parametrize(
    "text, ratio, floor, count, rounds",
    [
        ("不低于5%", "0.05", True, None, 1),
        ("50%", "0.5", False, None, 1),
        ("100%", "1", False, None, 1),
        ("不低于5%，2次/年", "0.05", True, None, 2),
        ("不低于1%，1次/年", "0.01", True, None, 1),
        ("不低于5%,每年2次", "0.05", True, None, 2),
        ("10户", None, False, 10, 1),
        ("不少于20家", None, True, 20, 1),
        ("５％", "0.05", False, None, 1),
        ("全覆盖", "1", False, None, 1),
        ("全覆盖，2次/年", "1", False, None, 2),
    ],
)
def test_parse_ratio(text, ratio, floor, count, rounds):
    result = parse_ratio(text)
    assert result.ratio == (Decimal(ratio) if ratio else None)
    assert (result.is_floor, result.fixed_count, result.rounds_per_year) == (floor, count, rounds)
    assert result.problems == []


@pytest.mark.parametrize(
    "text, code",
    [
        ("", "ratio_missing"),
        ("适量", "ratio_unreadable"),
        ("150%", "ratio_out_of_range"),
        ("5%或10%", "ratio_ambiguous"),
    ],
)
def test_unreadable_ratios_are_reported(text, code):
    result = parse_ratio(text)
    assert not result.ok and [c for c, _ in result.problems] == [code]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("4月-11月", (4, 11)),
        ("3月-12月", (3, 12)),
        ("4-11月", (4, 11)),
        ("4月至11月", (4, 11)),
        ("2021年6月-8月", (6, 8)),
        ("6月", (6, 6)),
        ("全年", (1, 12)),
    ],
)
def test_parse_window(text, expected):
    start, end, problems = parse_window(text)
    assert (start, end) == expected and problems == []


def test_bad_windows_are_reported():
    assert parse_window("年底前") == (1, 12, [("window_deadline", {"text": "年底前", "end": 12})])  # as 12月底前
    assert parse_window("9-11")[2][0][0] == "window_unreadable"  # no 月 anywhere: not taken for months


def test_a_closing_month_without_its_month_word_is_read():
    assert parse_window("2024年9月至11") == (9, 11, [])
    assert parse_window("3月—12") == (3, 12, [])


def test_a_window_opening_at_a_part_of_a_month_is_read():
    assert parse_window("3月中旬至11月") == (3, 11, [])
    assert parse_window("3月初-11月底") == (3, 11, [])


@pytest.mark.parametrize(
    "text, end",
    [
        ("6月底前", 6),
        ("6月30日前", 6),
        ("于10月底前完成", 10),
        ("即日起至11月底", 11),
        ("自即日起至2024年10月31日", 10),
    ],
)
def test_a_deadline_is_read_from_january_and_asks_for_the_start(text, end):
    assert parse_window(text) == (1, end, [("window_deadline", {"text": text, "end": end})])
    assert parse_window("11月-4月")[2][0][0] == "window_reversed"


@pytest.mark.parametrize(
    "text, items",
    [
        ("1、直销行为检查；2、登记事项检查；3、公示信息检查。", ["直销行为检查", "登记事项检查", "公示信息检查。"]),
        ("检查：（1）甲；（2）乙", ["甲", "乙"]),
        ("(1)甲 (2)乙", ["甲", "乙"]),
        ("1.甲，含2次/年的要求；2.乙", ["甲，含2次/年的要求", "乙"]),
        ("商标代理行为的检查", ["商标代理行为的检查"]),
        (
            "一、登记事项检查；二、公示信息检查（含1.年报 2.即时信息）",
            ["登记事项检查", "公示信息检查（含1.年报 2.即时信息）"],
        ),
        ("（一）第一项；（二）第二项；（三）第三项", ["第一项", "第二项", "第三项"]),
        # numbered under a section number, as a plan numbering its items by task writes them
        ("1.1 生产许可情况 1.2 原料进货查验 1.3 出厂检验", ["生产许可情况", "原料进货查验", "出厂检验"]),
        ("检查：2.1、甲；2.2、乙", ["甲", "乙"]),
        ("含量不低于1.1%的产品", ["含量不低于1.1%的产品"]),  # a decimal alone is no list
        ("１．生产环境条件；２．进货查验结果", ["生产环境条件", "进货查验结果"]),  # full-width digits
        ("（１）甲（２）乙", ["甲", "乙"]),
    ],
)
def test_split_items(text, items):
    assert split_items(text)[1] == items


def test_kinds_initiators_and_executors():
    assert parse_kind("不定向") == ("untargeted", [])
    assert parse_kind("随机")[1][0][0] == "kind_unreadable"
    assert split_initiator("市局组织发起/计量科指导") == ("市局", "计量科")
    assert split_initiator("市局") == ("市局", "")
    executor = parse_executor("市、县（区）级市场监管局")
    assert (executor.city, executor.county, executor.problems) == (True, True, [])


def test_scope_rule_for_other_bureaus_words():
    assert scope_rule_for("辖区内超过经营期限的企业")["past_business_term"] is True
    assert scope_rule_for("全市个体工商户")["kinds"] == ["individual"]


# --- plans worded unlike the seed (the whole file: tests/test_unseen_city.py) -------------------


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("第三季度", (7, 9)),
        ("三季度", (7, 9)),
        ("2023年第一季度", (1, 3)),
        ("第2-3季度", (4, 9)),
        ("第二至第四季度", (4, 12)),
        ("二、三季度", (4, 9)),
        ("上半年", (1, 6)),
        ("下半年", (7, 12)),
        ("４月至１１月", (4, 11)),
    ],
)
def test_quarters_and_half_years_are_ranges_of_months(text, months):
    assert parse_window(text) == (*months, [])


def test_quarters_in_the_wrong_order_are_refused():
    assert parse_window("第四至第二季度")[2][0][0] == "window_reversed"


def test_a_fraction_typed_without_a_percent_sign_is_read_and_pointed_out():
    ratio = parse_ratio("0.05")
    assert (ratio.ratio, ratio.problems) == (Decimal("0.05"), [("ratio_fraction", {"text": "0.05", "percent": "5%"})])
    floor = parse_ratio("不低于0.125")
    assert (floor.ratio, floor.is_floor) == (Decimal("0.125"), True)
    assert parse_ratio("1.5").problems[0][0] == "ratio_unreadable"  # not a fraction: no guess
    assert parse_ratio("按比例").problems[0][0] == "ratio_unreadable"


def test_a_frequency_without_a_ratio_is_said_to_lack_the_ratio_not_to_be_unreadable():
    ratio = parse_ratio("每季度抽查1次")
    assert (ratio.ratio, ratio.fixed_count, ratio.rounds_per_year) == (None, None, 4)
    assert ratio.problems == [("ratio_rounds_only", {"text": "每季度抽查1次", "rounds": 4})]


def test_rows_holding_only_items_continue_the_task_above():
    from fieldapp.plans.tables import Row

    header = ["序号", "抽查任务名称", "抽查事项", "抽查对象", "抽查比例", "备注"]
    rows = [
        Row(1, header),
        Row(2, ["1", "特种设备检查", "1．使用登记情况", "电梯使用单位", "5%", "重点学校"]),
        Row(3, ["", "", "2．作业人员持证上岗情况", "", "", ""]),
        Row(4, ["", "", "（3）定期检验情况", "", "", "含锅炉"]),
        Row(5, ["", "", "维护保养情况", "另一个对象", "", ""]),  # a cell of its own: a task of its own
    ]
    parsed = parse_plan_table(rows)
    first, second = parsed.tasks
    assert first.items == ["使用登记情况", "作业人员持证上岗情况", "定期检验情况"]
    assert first.source_cells["抽查事项"] == "1．使用登记情况\n2．作业人员持证上岗情况\n（3）定期检验情况"
    assert first.source_cells["备注"] == "重点学校\n含锅炉"
    assert [(p.code, p.row, p.params["items"]) for p in first.problems if p.code == "continued_row"] == [
        ("continued_row", 3, "2"),
        ("continued_row", 4, "3"),
    ]
    assert second.number == 2 and second.items == ["维护保养情况"] and second.name == "特种设备检查"


def test_a_title_or_a_filing_line_names_the_issuing_bureau():
    from fieldapp.plans.tables import issuer_in

    assert issuer_in("浚县市场监督管理局２０２３年度“双随机、一公开”抽查工作计划表") == "浚县市场监督管理局"
    assert issuer_in("关于印发《鹤壁市市场监督管理局2023年度双随机抽查计划》的通知") == "鹤壁市市场监督管理局"
    assert issuer_in("填报单位：浚县市场监督管理局（盖章）") == "浚县市场监督管理局"
    assert issuer_in("2023年度双随机抽查计划") == ""
    text = "浚县市场监督管理局2023年度双随机抽查工作计划\n" + ",".join(HEADER) + "\n1,a,定向,b,c,5%,4月,县局,县局\n"
    assert read_plan_file(text.encode(), "plan.csv").meta.issuer == "浚县市场监督管理局"


def test_a_guiding_department_column_may_be_called_牵头科室():
    assert find_header(["序号", "抽查任务名称", "抽查事项", "抽查比例", "牵头科室"])["guide"] == 4


@pytest.mark.parametrize(
    ("text", "months"),
    [
        ("2023-04-01", (4, 4)),  # an Excel date cell
        ("2023.4-2023.10", (4, 10)),
        ("2023.04.01-2023.10.31", (4, 10)),
        ("2023/4/1至2023/11/30", (4, 11)),
    ],
)
def test_windows_written_as_numeric_dates(text, months):
    assert parse_window(text) == (*months, [])


def test_the_second_row_of_a_two_row_header_is_no_task():
    from fieldapp.plans.tables import Row

    rows = [
        Row(1, ["序号", "抽查任务", "抽查事项", "抽查对象", "抽查比例/数量", "", "抽查时间"]),
        Row(2, ["", "", "", "", "比例", "数量", ""]),
        Row(3, ["1", "计量抽查", "加油机检定", "加油站", "5%", "10家", "4月-10月"]),
    ]
    parsed = parse_plan_table(rows)
    (task,) = parsed.tasks
    assert (task.number, task.ratio, task.window_start_month) == (1, Decimal("0.05"), 4)
    assert task.source_cells["抽查比例/数量·数量"] == "10家"
    assert [(p.code, p.row) for p in parsed.problems if p.code == "subheader_row"] == [("subheader_row", 2)]


def test_a_bare_number_takes_its_unit_from_the_header():
    from fieldapp.plans.tables import Row

    percent = [Row(1, ["序号", "抽查任务名称", "抽查事项", "抽查比例（%）"]), Row(2, ["1", "a", "b", "不低于3"])]
    (task,) = parse_plan_table(percent).tasks
    assert (task.ratio, task.ratio_is_floor, task.problems) == (Decimal("0.03"), True, [])
    assert task.source_cells["抽查比例（%）"] == "不低于3"  # the cell as written
    count = [Row(1, ["序号", "抽查任务名称", "抽查事项", "抽查数量（户）"]), Row(2, ["1", "a", "b", "10"])]
    assert parse_plan_table(count).tasks[0].fixed_count == 10
    plain = [Row(1, ["序号", "抽查任务名称", "抽查事项", "抽查比例/数量"]), Row(2, ["1", "a", "b", "10"])]
    assert parse_plan_table(plain).tasks[0].problems[0].code == "ratio_unreadable"  # no unit: no guess


def test_headers_other_bureaus_use():
    header = ["编号", "抽查项目", "检查内容", "检查对象", "抽查比率", "抽查频率", "抽查时限", "牵头单位", "实施部门"]
    assert find_header(header) == {
        "number": 0,
        "name": 1,
        "items": 2,
        "scope": 3,
        "ratio": 4,
        "rounds": 5,
        "window": 6,
        "guide": 7,
        "executor": 8,
    }


def test_items_numbered_with_circled_digits():
    assert split_items("检查内容：①食品经营许可情况；②进货查验记录③从业人员健康管理") == (
        "检查内容",
        ["食品经营许可情况", "进货查验记录", "从业人员健康管理"],
    )
    from fieldapp.plans.cells import split_item_row

    assert split_item_row("②进货查验记录") == ["进货查验记录"]  # a row continuing a task


@pytest.mark.parametrize(
    ("text", "city", "county"),
    [
        ("市抽市查", True, False),
        ("市抽县（区）查", False, True),
        ("县抽县查", False, True),
        ("市抽市查、市抽县(区)查", True, True),
        ("各级市场监管部门", True, True),
        ("市局抽查", True, False),  # 抽查 is no mode
    ],
)
def test_a_joint_plans_check_mode_and_all_levels_name_who_executes(text, city, county):
    executor = parse_executor(text)
    assert (executor.city, executor.county, executor.problems) == (city, county, [])


def test_the_check_mode_column_is_the_executor_when_no_column_names_one():
    header = [
        "序号",
        "抽查任务名称",
        "抽查事项",
        "抽查对象范围",
        "抽查比例及频次",
        "发起部门",
        "配合部门",
        "抽查检查模式",
    ]
    assert find_header(header)["executor"] == 7
    assert find_header(["检查主体", *header])["executor"] == 0  # a 检查主体 column comes first


def test_a_section_row_in_a_table_is_the_category_of_the_tasks_below_it():
    from fieldapp.plans.tables import Row

    rows = [
        Row(1, ["序号", "抽查任务名称", "抽查事项", "抽查对象范围", "抽查比例"]),
        Row(2, ["（一）食品领域", "", "", "", ""]),
        Row(3, ["1", "食品销售检查", "经营资质", "食品销售者", "5%"]),
        Row(4, ["（二）工业产品", "", "", "", ""]),
        Row(5, ["2", "工业产品检查", "生产许可", "工业产品生产企业", "3%"]),
        Row(6, ["三、请各单位认真落实。", "", "", "", ""]),  # a sentence, not a heading
    ]
    parsed = parse_plan_table(rows)
    assert [t.source_cells["类别"] for t in parsed.tasks] == ["（一）食品领域", "（二）工业产品"]
    assert [(p.code, p.row) for p in parsed.problems if p.code not in ("column_missing", "kind_column_missing")] == [
        ("section_row", 2),
        ("section_row", 4),
        ("note_row", 6),
    ]


def test_a_list_of_matters_names_each_task_by_its_matter_and_lists_its_contents():
    """A province's 随机抽查事项清单: no task name, each row one 抽查事项 with its 检查内容 beside it."""
    from fieldapp.plans.tables import Row

    header = ["序号", "抽查类别", "抽查事项", "检查对象", "检查内容", "检查方式", "检查依据", "实施主体"]
    assert (find_header(header)["name"], find_header(header)["items"]) == (2, 4)
    row = [
        "1",
        "食品安全",
        "食品生产监督检查",
        "食品生产企业",
        "1.生产环境条件；2.进货查验",
        "现场检查",
        "《食品安全法》",
        "县局",
    ]
    task = parse_plan_table([Row(1, header), Row(2, row)]).tasks[0]
    assert (task.name, task.items, task.source_cells["检查方式"]) == (
        "食品生产监督检查",
        ["生产环境条件", "进货查验"],
        "现场检查",
    )
    # a plan with a name column keeps its first items column, whatever the others say
    named = ["序号", "抽查任务名称", "抽查事项", "检查内容", "抽查比例"]
    assert (find_header(named)["name"], find_header(named)["items"]) == (1, 2)


def test_a_ratio_given_once_in_a_note_is_read_for_each_task_and_asks_to_be_confirmed():
    from fieldapp.plans.tables import Row

    header = Row(1, ["序号", "抽查事项", "检查对象", "检查内容", "实施主体"])
    rows = [
        Row(2, ["1", "食品销售监督检查", "食品销售者", "经营资质", "县局"]),
        Row(3, ["2", "x", "企业", "年报", "县局"]),
    ]
    note = Row(4, ["注：抽查比例原则上不低于3%，重点检查事项不设上限。", "", "", "", ""])
    parsed = parse_plan_table([header, *rows, note])
    assert [(t.ratio, t.ratio_is_floor) for t in parsed.tasks] == [(Decimal("0.03"), True)] * 2
    assert [p.code for p in parsed.tasks[0].problems] == ["ratio_from_note"]
    assert parsed.tasks[0].problems[0].params["ratio"] == "不低于3%"
    # two ratios in the notes: none is chosen, the column stays missing
    other = Row(5, ["说明：特种设备抽查比例不低于5%。", "", "", "", ""])
    parsed = parse_plan_table([header, *rows, note, other])
    assert [t.ratio for t in parsed.tasks] == [None, None]
    assert "column_missing" in [p.code for p in parsed.problems]


def test_a_hidden_sheet_with_last_years_plan_gives_way_to_the_visible_plan():
    import io

    import openpyxl

    header = ["序号", "抽查任务名称", "抽查类型", "抽查事项", "抽查对象范围", "抽查比例/数量", "抽查时间", "检查主体"]
    workbook = openpyxl.Workbook()
    old = workbook.active
    old.title, old.sheet_state = "2023年（旧）", "hidden"
    old.append(header)
    old.append(["1", "旧任务", "定向", "旧事项", "企业", "1%", "全年", "区局"])
    current = workbook.create_sheet("2024年计划")
    current.append(header)
    current.append(["1", "工业产品生产企业检查", "定向", "生产许可", "工业产品生产企业", "3%", "4-6月", "区局"])
    workbook.active = 1

    def read() -> tuple[list[str], list[str]]:
        buffer = io.BytesIO()
        workbook.save(buffer)
        source = read_plan_file(buffer.getvalue(), "plan.xlsx")
        return [r.cells[1] for r in source.rows[1:]], [p.code for p in source.problems]

    assert read() == (["工业产品生产企业检查"], ["other_sheet"])
    # only a hidden sheet holds a plan (the visible one is a 说明): read, and said
    old.sheet_state, current.sheet_state, workbook.active = "visible", "hidden", 0
    old.delete_rows(1, 2)
    old.append(["填表说明"])
    assert read() == (["工业产品生产企业检查"], ["hidden_sheet", "other_sheet"])


def test_ratios_by_credit_class_in_a_column_of_their_own_are_read_and_asked():
    from fieldapp.plans.tables import Row

    header = Row(1, ["序号", "抽查任务名称", "抽查事项", "抽查对象范围", "抽查比例", "信用风险分类管理"])
    rows = [
        Row(2, ["1", "食品经营者检查", "经营资质", "食品经营者", "3%", "A类1%、B类3%、C类5%、D类10%"]),
        Row(3, ["2", "餐饮检查", "许可", "餐饮服务提供者", "3%", "按信用风险分类结果递加抽查比例"]),
    ]
    first, second = parse_plan_table([header, *rows]).tasks
    assert [(p.code, p.params["text"]) for p in first.problems] == [
        ("credit_ratios_read", "A类1%、B类3%、C类5%、D类10%")
    ]
    assert first.ratio == Decimal("0.01") and second.ratio == Decimal("0.03") and second.problems == []


def test_a_number_in_brackets_is_the_tasks_number():
    from fieldapp.plans.tables import Row

    header = Row(1, ["序号", "抽查任务名称", "抽查事项", "抽查对象范围", "抽查比例"])
    rows = [Row(2, ["（一）", "甲", "经营资质", "企业", "3%"]), Row(3, ["(二)", "乙", "许可", "企业", "3%"])]
    rows.append(Row(4, ["2.1", "丙", "许可", "企业", "3%"]))  # a sub-number: renumbered, said so
    tasks = parse_plan_table([header, *rows]).tasks
    assert [t.number for t in tasks] == [1, 2, 3]
    assert [[p.code for p in t.problems] for t in tasks] == [[], [], ["number_unreadable"]]


@pytest.mark.parametrize(
    ("text", "ratio", "count", "low"),
    [("3%-5%", Decimal("0.03"), None, "3%"), ("3-5%", Decimal("0.03"), None, "3%"), ("10-20户", None, 10, "10户")],
)
def test_a_range_is_read_as_its_least_and_asks_to_be_confirmed(text, ratio, count, low):
    """3-5% was read as 5% (the top of the range), with 3- left over."""
    read = parse_ratio(text)
    assert (read.ratio, read.fixed_count, read.problems) == (
        ratio,
        count,
        [("ratio_range", {"text": text, "low": low})],
    )
    assert read.is_floor is (ratio is not None)
    assert parse_ratio("5%-3%").problems[0][0] == "ratio_ambiguous"  # no range: nothing taken


def test_a_row_hidden_in_the_workbook_is_read_and_pointed_out():
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["序号", "抽查任务名称", "抽查事项", "抽查对象范围", "抽查比例"])
    sheet.append(["1", "食品销售检查", "经营资质", "食品销售者", "5%"])
    sheet.append(["2", "已取消的任务", "许可", "企业", "3%"])
    sheet.append(["3", "电梯检查", "使用登记", "特种设备使用单位", "5%"])
    sheet.row_dimensions[3].hidden = True
    buffer = io.BytesIO()
    workbook.save(buffer)
    source = read_plan_file(buffer.getvalue(), "plan.xlsx")
    assert [r.cells[1] for r in source.rows[1:]] == ["食品销售检查", "已取消的任务", "电梯检查"]
    assert [(p.code, p.row) for p in source.problems] == [("hidden_row", 3)]


@pytest.mark.parametrize(
    ("text", "rounds"),
    [
        ("5%，每半年一次", 2),
        ("每季度抽查1次，5%", 4),
        ("5%，1次/季度", 4),
        ("10%（每年不少于2次）", 2),
        ("5%,每月1次", 12),
    ],
)
def test_a_frequency_per_half_year_quarter_or_month_counts_its_rounds_in_the_year(text, rounds):
    """每半年一次 was one round a year (年一次 read, 每半 left over); 1次/季度 one, with words left over."""
    read = parse_ratio(text)
    assert (read.rounds_per_year, read.problems) == (rounds, [])


def test_a_frequency_column_reads_the_same_words():
    from fieldapp.plans.tables import Row

    header = Row(1, ["序号", "抽查任务名称", "抽查事项", "抽查对象范围", "抽查比例", "抽查频次"])
    rows = [Row(2, ["1", "甲", "经营资质", "企业", "3%", "每季度1次"]), Row(3, ["2", "乙", "许可", "企业", "3%", "2"])]
    assert [t.rounds_per_year for t in parse_plan_table([header, *rows]).tasks] == [4, 2]


@pytest.mark.parametrize(
    ("title", "field"),
    [
        ("抽查项目及内容", "items"),  # not the task's name (抽查项目)
        ("检查项目", "items"),
        ("抽查频次/比例", "ratio"),  # the ratio with its frequency, not the frequency alone
        ("抽查时段", "window"),
        ("抽查项目", "name"),
        ("抽查频次", "rounds"),
    ],
)
def test_more_header_wordings(title, field):
    from fieldapp.plans.columns import field_for_header

    assert field_for_header(title) == field


def test_a_guide_in_brackets_and_a_province_wide_initiator_are_read():
    assert split_initiator("市局组织发起（广告科指导）") == ("市局", "广告科")
    assert split_initiator("市市场监管局（食品生产科）") == ("市市场监管局", "食品生产科")
    assert split_initiator("省局统一发起") == ("省局", "")


@pytest.mark.parametrize(("text", "city", "county"), [("属地市场监管所", False, True), ("县局执法大队", False, True)])
def test_market_supervision_offices_and_brigades_are_the_countys(text, city, county):
    executor = parse_executor(text)
    assert (executor.city, executor.county, executor.problems) == (city, county, [])


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("不定向随机抽查", "untargeted"),
        ("定向随机抽查", "targeted"),
        ("不定向（一般检查事项）", "untargeted"),
        ("定向（重点检查）", "targeted"),
    ],
)
def test_a_kind_with_its_method_or_a_remark_is_read(text, kind):
    """不定向随机抽查 was unreadable and taken for 定向."""
    assert parse_kind(text) == (kind, [])


def test_quarters_listed_apart_are_read_as_their_span_and_asked():
    """二、四季度 was read as April–December with nothing said, the third quarter drawn in."""
    assert parse_window("一、二、三季度") == (1, 9, [])
    assert parse_window("二、四季度") == (4, 12, [("window_quarters_apart", {"text": "二、四季度"})])
    assert parse_window("第二季度、第四季度")[2][0][0] == "window_quarters_apart"
