"""Six annual plans as other provinces' bureaus publish them (Word with a two-row header, a 部门联合 workbook,
a GBK notice page whose 抽查内容 spans 抽查事项 | 检查方式, a text PDF, a county-level city's workbook with
抽查比例（%） as numbers, a 部门联合 Word plan), imported through the upload page and the command line and
read back: every task with the ratio, period and unit a reader takes from it; what the file leaves open or
the importer cannot read is said, never guessed silently. Files: tests/data/plans/make_other_bureaus.py."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from sqlalchemy import select

from factories import unit
from factories.plan_tables import upload_plan
from factories.plans import DATA
from fieldapp.checklists.mapping import MAPPED, NONE, SUGGESTED
from fieldapp.extensions import db
from fieldapp.plans.identity import DocumentChoice
from fieldapp.plans.importer import import_plan
from fieldapp.plans.cells import normalise
from fieldapp.plans.models import Plan, Task
from fieldapp.plans.windows import parse_window

DISTRICT, JOINT, NOTICE, PDF, COUNTY, JOINT_DOC = (
    "other-district-2024.docx",
    "other-joint-2024.xlsx",
    "other-notice-2024.html",
    "other-district-2024.pdf",
    "other-county-2024.xlsx",
    "other-joint-2024.docx",
)
TASKS = {DISTRICT: 6, JOINT: 5, NOTICE: 4, PDF: 5, COUNTY: 4, JOINT_DOC: 3}


def _import(name: str) -> dict[int, Task]:
    path = DATA / name
    report = import_plan(path.read_bytes(), path.name, unit=unit("city"))
    db.session.commit()
    db.session.expire_all()
    tasks = db.session.scalars(select(Task).where(Task.plan_id == report.plan.id)).all()
    return {task.number: task for task in tasks}


def _codes(task: Task) -> list[str]:
    return [warning["code"] for warning in task.import_warnings]


def _warning(task: Task, code: str) -> dict:
    return next(w for w in task.import_warnings if w["code"] == code)


def _counts(tasks: dict[int, Task]) -> dict[int, tuple]:
    return {n: (t.ratio, t.ratio_is_floor, t.fixed_count) for n, t in tasks.items()}


def _windows(tasks: dict[int, Task]) -> dict[int, tuple]:
    return {n: (t.window_start_month, t.window_end_month) for n, t in tasks.items()}


@pytest.mark.parametrize("name", list(TASKS))
def test_each_plan_comes_in_alike_by_the_upload_page_and_the_command_line(app, db, runner, client_request, name):
    path = DATA / name
    client_request.login("city-sup", "supervisor", "city")
    page = upload_plan(client_request, {"file": (io.BytesIO(path.read_bytes()), name)}, 200)
    assert page.find(id="import-report")
    tasks = db.session.scalar(select(Plan)).tasks
    assert len(tasks) == TASKS[name] and all(task.name and task.items for task in tasks)
    # every item is answered by a checklist or flagged for the supervisor to choose one
    assert all(item.mapping_state in MAPPED + (SUGGESTED, NONE) for task in tasks for item in task.items)
    result = runner.invoke(args=["plan", "import", str(path), "--unit", "city", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert f"{len(tasks)} tasks (0 new, 0 changed, {len(tasks)} unchanged)" in result.output


def test_a_two_row_header_in_word_gives_its_ratio_and_time_columns_and_no_word_that_they_are_missing(app, db):
    tasks = _import(DISTRICT)
    assert _counts(tasks) == {
        1: (Decimal("0.05"), False, None),
        2: (Decimal("0.03"), True, None),  # 不低于3%
        3: (Decimal("0.005"), False, None),  # 5‰
        4: (None, False, 10),  # 10户
        5: (Decimal("1"), False, None),  # 全覆盖
        6: (Decimal("0.03"), True, None),  # 3%-5%: the least, asked
    }
    assert _windows(tasks) == {1: (4, 6), 2: (6, 9), 3: (5, 10), 4: (7, 12), 5: (9, 9), 6: (1, 12)}
    assert "ratio_range" in _codes(tasks[6])
    plan = tasks[1].plan
    assert (plan.doc_number, plan.issued_on.isoformat()) == ("临市监〔2024〕15号", "2024-03-05")
    missing = [w["params"]["column"] for w in plan.import_warnings if w["code"] == "column_missing"]
    assert missing == ["抽查检查主体"]  # 抽查比例 and 实施时间 are in the header's second row
    assert "kind_column_missing" in [w["code"] for w in plan.import_warnings]  # read as 定向: said
    assert [i.text for i in tasks[2].items] == ["燃油加油机强制检定情况", "成品油质量情况"]


def test_a_notice_page_whose_header_spans_two_rows_reads_no_task_from_its_second_row(app, db):
    tasks = _import(NOTICE)
    assert sorted(tasks) == [1, 2, 3, 4]
    assert [i.text for i in tasks[2].items] == ["进货查验记录", "化妆品标签标识"]
    assert tasks[4].source_cells["抽查内容·检查方式"] == "书面检查"
    assert _windows(tasks) == {1: (4, 6), 2: (6, 9), 3: (5, 10), 4: (10, 12)}
    assert "subheader_row" in [w["code"] for w in tasks[1].plan.import_warnings]


def test_a_ratio_under_a_percent_header_reads_with_its_sign_and_its_floor(app, db):
    tasks = _import(COUNTY)
    assert _counts(tasks) == {
        1: (Decimal("0.05"), False, None),
        2: (Decimal("0.03"), False, None),
        3: (Decimal("0.03"), True, None),  # ≥3 under 抽查比例（%）
        4: (Decimal("0.01"), False, None),
    }
    assert "ratio_unreadable" not in _codes(tasks[3]) and tasks[3].rounds_per_year == 2
    assert (tasks[1].executes_county, tasks[3].executes_city, tasks[3].executes_county) == (True, False, False)
    assert "executor_unreadable" in _codes(tasks[3])  # 局机关质量股: which level, asked


def test_a_scope_read_only_as_a_kind_of_subject_says_what_was_left_out(app, db, client_request):
    tasks = _import(COUNTY)
    rule = tasks[1].scope_rule
    assert rule["kinds"] == ["enterprise"] and not rule["tags_any"] and not rule["confirmed"]
    assert _warning(tasks[1], "scope_kinds_only")["params"]["words"] == "食品生产"
    assert "scope_kinds_only" not in _codes(tasks[2])  # 食品销售者: holders of a food licence
    client_request.login("city-sup", "supervisor", "city")
    page = client_request.get("plans.plan_detail", plan_id=tasks[1].plan_id).get_text()
    assert "“食品生产”尚未转为抽取规则" in page and "“烟花爆竹生产”尚未转为抽取规则" in page


def test_a_scope_narrowed_by_words_no_rule_reads_is_said_to_select_every_subject(app, db):
    tasks = _import(DISTRICT)
    assert tasks[4].scope == "辖区内开展网络直播营销的市场主体" and "scope_no_rule" in _codes(tasks[4])
    assert not any(c.startswith("scope_") for c in _codes(tasks[6]))  # 辖区内各类企业: every enterprise, as written


def test_shops_near_a_school_are_not_the_school(app, db):
    tasks = _import(DISTRICT)
    rule = tasks[5].scope_rule
    assert rule["tags_any"] == [] and rule["holdings_any"] == ["食品经营者"]


def test_a_joint_workbook_reads_its_initiators_partners_counts_and_quarters(app, db):
    tasks = _import(JOINT)
    assert _counts(tasks) == {
        1: (Decimal("0.05"), False, None),  # 0.05 shown as 5%
        2: (Decimal("0.05"), True, None),
        3: (Decimal("1"), False, None),
        4: (Decimal("0.1"), False, None),
        5: (None, False, 20),
    }
    assert _windows(tasks) == {1: (7, 9), 2: (4, 6), 3: (5, 10), 4: (7, 8), 5: (4, 9)}
    assert [t.initiator for t in tasks.values()][:3] == ["市市场监管局", "市市场监管局", "市民政局"]
    assert tasks[3].cooperating_departments == "市市场监管局、市消防救援支队"
    assert tasks[1].plan.kind.value == "joint"
    assert all("executor_no_column" in _codes(t) for t in tasks.values())  # who executes: asked
    assert "scope_no_rule" in _codes(tasks[4])  # 校外培训机构


def test_a_pdf_plan_reads_its_matters_contents_and_per_mille(app, db):
    tasks = _import(PDF)
    assert tasks[1].name == "对餐饮服务提供者的监督检查"
    assert [i.text for i in tasks[1].items] == ["许可条件保持情况", "进货查验记录", "原料控制情况"]
    assert _counts(tasks)[1] == (Decimal("0.005"), False, None)
    assert _windows(tasks) == {1: (5, 10), 2: (7, 9), 3: (1, 12), 4: (6, 9), 5: (1, 11)}
    assert "window_deadline" in _codes(tasks[5]) and "ratio_range" in _codes(tasks[5])
    assert tasks[1].plan.doc_number == "涪市监发〔2024〕8号"


def _plans() -> list[tuple[int, str, int]]:
    db.session.expire_all()
    return [(p.id, p.title, len(p.tasks)) for p in db.session.scalars(select(Plan).order_by(Plan.id))]


def test_a_file_titled_otherwise_without_a_shared_number_is_not_taken_for_the_stored_plan(app, db):
    """浏阳's workbook (no 文号) after 临安's Word plan for one unit and year: it updated that plan by 序号,
    its tasks over the other's; now nothing is written until the file is said to be a new plan or a version."""
    _import(DISTRICT)
    before = _plans()
    path = DATA / COUNTY
    with pytest.raises(DocumentChoice) as refused:
        import_plan(path.read_bytes(), path.name, unit=unit("city"))
    db.session.rollback()
    assert "临安区" in str(refused.value) and "新计划" in str(refused.value) and _plans() == before
    report = import_plan(path.read_bytes(), path.name, unit=unit("city"), new_plan=True)
    db.session.commit()
    assert report.created and _plans() == before + [(report.plan.id, report.plan.title, 4)]
    again = import_plan(path.read_bytes(), path.name, unit=unit("city"))  # its own title now names it
    assert again.plan.id == report.plan.id and not again.changes


def test_the_upload_page_and_the_command_line_offer_a_plan_of_its_own(app, db, runner, client_request):
    client_request.login("city-sup", "supervisor", "city")
    for name, status in ((DISTRICT, 200), (COUNTY, 422)):
        page = upload_plan(client_request, {"file": (io.BytesIO((DATA / name).read_bytes()), name)}, status)
    assert "未导入任何内容" in page.get_text() and len(_plans()) == 1
    options = [o["value"] for o in page.find("select", attrs={"name": "version_of"}).find_all("option")]
    assert options[-1] == "new"
    data = {"file": (io.BytesIO((DATA / COUNTY).read_bytes()), COUNTY), "version_of": "new"}
    upload_plan(client_request, data, 200)
    assert [count for _, _, count in _plans()] == [6, 4]
    result = runner.invoke(args=["plan", "import", str(DATA / PDF), "--unit", "city"])
    assert result.exit_code == 1 and "--new-plan" in result.output and len(_plans()) == 2
    result = runner.invoke(args=["plan", "import", str(DATA / PDF), "--unit", "city", "--new-plan"])
    assert result.exit_code == 0, result.output
    assert [count for _, _, count in _plans()] == [6, 4, 5]


@pytest.mark.parametrize(
    ("text", "months", "codes"),
    [
        ("上半年完成", (1, 6), []),
        ("年内完成", (1, 12), []),
        ("年底前", (1, 12), ["window_deadline"]),  # as 12月底前
        ("2024年度", (1, 12), []),
        ("4月上旬", (4, 4), []),
        ("全年（分两批）", (1, 12), ["window_remark"]),  # read without the remark, which is pointed out
        ("第三季度前", (1, 9), ["window_deadline"]),  # by the quarter's end: the start asked, not the quarter
        ("第三季度", (7, 9), []),
        ("（待定）", (None, None), ["window_unreadable"]),
    ],
)
def test_times_as_bureaus_write_them(text, months, codes):
    start, end, problems = parse_window(text)
    assert ((start, end), [code for code, _ in problems]) == (months, codes)
    assert all(params["text"] == normalise(text) for _, params in problems)  # the cell as written
