"""A city the code was not written for, end to end: 河南省鹤壁市 (division codes 4106xx, departments
named 股 and 市场监管所) as the deployment's organisation, 浚县局's 2023 plan as an Excel workbook laid
out unlike the seed (a title and a 填报单位 row, items one a row under merged cells, a second table
after blank rows, 牵头科室 and 备注 columns, full-width digits, 0.05 typed without %, 第三季度,
下半年), and its directory and roster as exported (GBK CSV, a workbook with merged title rows, a
UTF-8 CSV with a BOM, trailing spaces, a lower-case USCC, the national system's 在营（开业）).
The city bureau's own plan is a printed notice (tests/data/plans/hebi-2023.txt).
Files: tests/data/organisations/hebi.yaml, tests/data/plans/xunxian-2023.xlsx, tests/data/unseen/."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import func, select

from factories import review as rf
from factories.cli import english_words
from factories.draws import set_clock
from fieldapp.auth.models import Unit, User
from fieldapp.checklists.mapping import MAPPED, NONE, SUGGESTED
from fieldapp.extensions import db
from fieldapp.inspectors.models import Inspector
from fieldapp.plans.models import Plan, Task
from fieldapp.subjects.models import Subject

DATA = Path(__file__).resolve().parent / "data"
HEBI = DATA / "organisations" / "hebi.yaml"
PLAN = DATA / "plans" / "xunxian-2023.xlsx"
CITY_PLAN = DATA / "plans" / "hebi-2023.txt"
SUBJECTS_CSV = DATA / "unseen" / "hebi-subjects-gbk.csv"
SUBJECTS_XLSX = DATA / "unseen" / "hebi-subjects.xlsx"
ROSTER = DATA / "unseen" / "xunxian-inspectors-bom.csv"


@pytest.fixture
def app_config():
    return {"ORGANISATION_FILE": str(HEBI)}


@pytest.fixture(autouse=True)
def spring_2023(monkeypatch):
    set_clock(monkeypatch, datetime(2023, 4, 10, 2, 0, 0))  # 10:00 in Beijing


def _cli(runner, *args):
    result = runner.invoke(args=[str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def _copy(path: Path, tmp_path: Path) -> Path:
    """A copy beside which the importer may write its rejects file."""
    target = tmp_path / path.name
    target.write_bytes(path.read_bytes())
    return target


def test_the_plan_workbook_names_its_bureau_and_keeps_every_item(app, runner):
    output = _cli(runner, "plan", "import", PLAN, "--lang", "zh_CN")
    plan = db.session.scalar(select(Plan))
    assert (plan.year, plan.unit.code) == (2023, "hb-xx")  # from the title row: no --unit given
    tasks = {t.number: t for t in plan.tasks}
    assert sorted(tasks) == [1, 2, 3, 4, 5, 6, 7]  # the second table's 1 and 2 renumbered, said so
    assert "序号“1”与前面重复，该任务编为第 6 项" in output
    equipment = tasks[1]
    assert [i.text for i in equipment.items] == ["特种设备使用登记情况", "作业人员持证上岗情况", "定期检验情况"]
    assert "读作第 1 项任务的第 3 个抽查事项" in output
    assert (
        equipment.guiding_department == "特种设备安全监察股" and equipment.source_cells["备注"] == "重点检查学校、医院"
    )
    assert (equipment.window_start_month, equipment.window_end_month) == (4, 10)
    assert [i.text for i in tasks[2].items] == ["食品经营许可情况", "从业人员健康管理", "进货查验记录"]
    assert (tasks[2].ratio, tasks[2].ratio_is_floor) == (Decimal("0.03"), True)
    assert tasks[2].scope_rule["holdings_any"] == ["食品经营者"]  # 取得食品经营许可证的经营者, proposed
    assert tasks[3].scope_rule["tags_any"] == ["广告发布者"] and tasks[5].scope_rule["tags_any"] == ["工业产品生产企业"]
    assert tasks[3].fixed_count == 10
    assert tasks[4].ratio is None and "无法从“按比例”读出比例或数量" in output  # flagged, kept
    assert tasks[5].ratio == Decimal("0.05") and "0.05”没有百分号" in output
    assert (tasks[5].window_start_month, tasks[5].window_end_month) == (7, 9)  # 第三季度
    assert (tasks[7].window_start_month, tasks[7].window_end_month) == (7, 12)  # 下半年
    assert "判断由市局还是县" not in output  # a county bureau's plan is its own to draw: no executor noise
    # Every inspection item has a form or is flagged for a supervisor; none is dropped.
    items = [item for task in plan.tasks for item in task.items]
    assert len(items) == 12
    assert all(item.mapping_state in (*MAPPED, SUGGESTED, NONE) for item in items)
    check = runner.invoke(args=["checklists", "check", "--plan", "2023"])
    print(check.output)
    unmapped = [i for i in items if i.mapping_state not in MAPPED]
    assert all(item.text in check.output for item in unmapped)
    assert check.exit_code == (1 if any(i.mapping_state == NONE for i in items) else 0)


def test_the_city_bureaus_printed_notice_and_table(app, runner):
    """tests/data/plans/hebi-2023.txt: the notice as printed (full-width 文号 and date), then the table
    with its header repeated after a page break, executed by 各县（区）局、开发区分局."""
    from fieldapp.draws.pools import executing_units

    output = _cli(runner, "plan", "import", CITY_PLAN)
    plan = db.session.scalar(select(Plan))
    assert (plan.unit.code, plan.year, plan.doc_number) == ("hb", 2023, "鹤市监〔２０２３〕８号")
    assert plan.issued_on == date(2023, 3, 20) and "监管工作计划" in plan.title
    tasks = {t.number: t for t in plan.tasks}
    assert sorted(tasks) == [1, 2, 3, 4]
    assert {u.code for u in executing_units(tasks[1])} == {"hb-hs", "hb-sc", "hb-qb", "hb-xx", "hb-qx", "hb-zone"}
    assert [u.code for u in executing_units(tasks[3])] == ["hb"]  # 市局
    assert (tasks[2].window_start_month, tasks[2].window_end_month, tasks[2].rounds_per_year) == (1, 6, 2)
    assert (tasks[3].window_start_month, tasks[3].window_end_month, tasks[3].fixed_count) == (4, 6, 20)
    assert tasks[4].kind == "untargeted" and tasks[4].executes_city and tasks[4].executes_county
    assert tasks[1].guiding_department == "特种设备安全监察科" and tasks[1].items[1].text == "定期检验情况"
    assert "食品经营监管科" not in output  # 信用监管科 is no department here, and no near one either


def test_the_directory_and_roster_files_import_with_clear_rejects(app, runner, tmp_path):
    output = _cli(runner, "subjects", "import", _copy(SUBJECTS_CSV, tmp_path))
    assert "新增 5" in output and "拒绝 3" in output
    assert "校验位错误" in output and "应为 18 位" in output and "不在任何单位的辖区内" in output
    subjects = {s.name: s for s in db.session.scalars(select(Subject))}
    shop = subjects["浚县善堂镇老王超市"]  # trailing space, lower-case USCC, 在营（开业）
    assert shop.uscc == shop.uscc.upper() and shop.division_code == "410621" and shop.status == "在业"
    assert subjects["鹤壁经开区恒通电梯工程有限公司"].division_code == "410671"  # the zone's statistical code
    assert subjects["鹤壁市淇滨区蓝天眼镜店"].division_code == "410611"
    # The same subjects from a workbook with a title row and merged group headings above the header.
    output = _cli(runner, "subjects", "import", _copy(SUBJECTS_XLSX, tmp_path))
    assert "未变 5" in output and "拒绝 0" in output

    output = _cli(runner, "inspectors", "import", _copy(ROSTER, tmp_path))
    assert "新增 9" in output and "拒绝 1" in output and "未知的单位：不存在的所" in output
    people = {i.name: i for i in db.session.scalars(select(Inspector))}
    assert people["刘建华"].unit.code == "hb-xx" and people["陈晓燕"].unit.code == "hb-xx-chengguan"
    assert people["郭强"].unit.code == "hb-xx"  # the county's name stands for its bureau
    assert people["孟军"].unit.code == "hb-xx" and people["韩梅"].unit.code == "hb-xx-chengguan"  # as written
    assert people["赵磊"].unit.code == "hb-metrology"  # 鹤壁市局计量科: the city's, not a county's
    assert people["马卫东"].certificate_valid_until == date(2027, 3, 31)


def test_upload_pages_take_the_unseen_files(app, client_request):
    from fieldapp.jobs.models import Job

    client_request.login("xx-supervisor", "supervisor", "hb-xx")
    page = client_request.post(
        "plans.import_file",
        _data={"file": (BytesIO(PLAN.read_bytes()), PLAN.name), "action": "check"},
        _content_type="multipart/form-data",
        _expected_status=200,
    )
    report = page.select_one("#import-report").get_text()
    assert "浚县市场监督管理局" in report and "读作第 1 项任务的第 3 个抽查事项" in report
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 0  # checked only
    client_request.post(
        "plans.import_file",
        _data={"file": (BytesIO(PLAN.read_bytes()), PLAN.name), "action": "import"},
        _content_type="multipart/form-data",
        _expected_status=200,
    )
    plan = db.session.scalar(select(Plan))
    assert plan.unit.code == "hb-xx" and len(plan.tasks) == 7
    page = client_request.post(  # the city bureau's file, uploaded by a county: imported, and said so
        "plans.import_file",
        _data={"file": (BytesIO(CITY_PLAN.read_bytes()), CITY_PLAN.name), "action": "check"},
        _content_type="multipart/form-data",
        _expected_status=200,
    )
    assert "文件写明的发文单位是 鹤壁市市场监督管理局，但将作为 浚县市场监督管理局 的计划导入" in page.get_text()
    client_request.logout()

    client_request.login("hb-admin", "admin", "hb")
    for path in (SUBJECTS_CSV, SUBJECTS_XLSX):
        client_request.post_response(
            "subjects.import_file",
            _data={"file": (BytesIO(path.read_bytes()), path.name)},
            _content_type="multipart/form-data",
        )
    assert db.session.scalar(select(func.count()).select_from(Subject)) == 5
    client_request.logout()
    client_request.login("hb-supervisor", "supervisor", "hb")
    client_request.post_response(
        "inspectors.import_file",
        _data={"file": (BytesIO(ROSTER.read_bytes()), ROSTER.name)},
        _content_type="multipart/form-data",
    )
    assert db.session.scalar(select(func.count()).select_from(Inspector)) == 9
    assert [job.status for job in db.session.scalars(select(Job))] == ["done"] * 3


def test_draw_visit_and_public_record_in_the_unseen_city(app, auth, runner, client_request, tmp_path):
    from fieldapp.draws.commitments import commit
    from fieldapp.draws.operations import run_draw
    from fieldapp.publication.operations import publish
    from fieldapp.review.models import InspectionResult
    from fieldapp.review.operations import approve
    from fieldapp.visits.models import Visit

    _cli(runner, "plan", "import", PLAN, "--publish")
    _cli(runner, "subjects", "import", _copy(SUBJECTS_CSV, tmp_path))
    _cli(runner, "inspectors", "import", _copy(ROSTER, tmp_path))
    county = db.session.scalar(select(Unit).where(Unit.code == "hb-xx"))
    food = db.session.scalar(select(Task).where(Task.number == 2))  # 食品经营, 不低于3%
    draw, _ = run_draw(commit(food, 1, county, exception_reason="规则待确认（测试）"), witness="浚县见证人")
    db.session.commit()
    assert draw.pool_size == 2  # 浚县's two operating subjects; none of 淇滨区, 淇县 or the zone
    visit = db.session.scalar(select(Visit))
    assert visit is not None and visit.subject.division_code == "410621"
    lead = visit.inspectors[0].inspector
    assert lead.unit.code.startswith("hb-xx") and len(visit.inspectors) >= 2
    lead.user = auth.create("xx-inspector", "inspector", lead.unit.code)
    db.session.commit()
    client_request.login("xx-inspector", "inspector", lead.unit.code)
    assert visit.subject.name in client_request.get("inspections.my_visits").get_text()
    form = client_request.get("inspections.visit_form", visit_id=visit.id)
    items = [li.get_text(strip=True) for li in form.select(".task-form__items li")]
    assert items == ["食品经营许可情况", "从业人员健康管理", "进货查验记录"]  # suggested only: the general checklist
    client_request.logout()
    sub = rf.submission(visit, rf.answers_body([food], inspected_on=date(2023, 5, 8)), inspected_on=date(2023, 5, 8))
    db.session.commit()
    client_request.login("xx-supervisor", "supervisor", "hb-xx")
    from fieldapp.auth.models import User

    supervisor = db.session.scalar(select(User).where(User.username == "xx-supervisor"))
    approve(sub.id, sub.lock_version, supervisor)
    db.session.commit()
    result = db.session.scalar(select(InspectionResult))
    assert result.division_code == "410621"
    publish([result], supervisor, on=date(2023, 5, 10))
    db.session.commit()
    for endpoint, args in [
        ("plans.plan_detail", {"plan_id": food.plan_id}),
        ("draws.task_scope", {"plan_id": food.plan_id, "number": 2}),
        ("draws.detail", {"draw_id": draw.id}),
        ("draws.round_page", {"task_id": food.id, "round_": 1, "unit_code": "hb-xx"}),
        ("visits.index", {}),
        ("review.queue", {}),
        ("publication.index", {}),
        ("dashboards.index", {}),
    ]:
        assert client_request.get(endpoint, **args).select_one("main"), endpoint
    by_ratio = db.session.scalar(select(Task).where(Task.number == 4))  # 按比例: no number to draw by
    page = client_request.get("draws.round_page", task_id=by_ratio.id, round_=1, unit_code="hb-xx")
    assert "任务既没有抽查比例也没有抽查数量，请先在任务中填写其一" in page.get_text()
    client_request.logout()
    client_request.login("hb-supervisor", "supervisor", "hb")  # the city sees its counties
    dashboard = client_request.get("dashboards.index").get_text()
    assert "浚县" in dashboard and "鹤壁开发区" in dashboard and "朔城区" not in dashboard
    client_request.logout()
    page = client_request.get("publication.public_results", q=visit.subject.uscc)
    assert visit.subject.name in page.get_text()
    for endpoint, args in [
        ("plans.public_unit_plan", {"year": 2023, "unit_code": "hb-xx"}),
        ("draws.public_detail", {"draw_id": draw.id}),
        ("publication.public_task", {"task_id": food.id}),
        ("publication.public_subject", {"ident": visit.subject.uscc}),
    ]:
        assert client_request.get(endpoint, **args).select_one("main"), endpoint
    pdf = client_request.get_response("publication.public_unit_plan_pdf", year=2023, unit_code="hb-xx")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")


def test_make_runs_demo_load_works_for_another_organisation(app, runner):
    """`ORGANISATION_FILE=… make run`: no seed plan for a bureau the file lacks, and a roster for
    units whose codes are not division codes (it stopped with a traceback on both)."""
    output = _cli(runner, "demo", "load", "--subjects", "120")
    assert english_words(output, allowed={"flask", "app", "wsgi", "plan", "import", "FILE"}) == [], output
    assert "示例计划的制定单位不在本组织机构中" in output and "flask --app wsgi plan import FILE" in output
    assert "1 个演示账号" in output  # an administrator of the file's top bureau, to sign in with
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    assert admin.unit.code == "hb" and admin.check_password("demo-2021")
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 0
    units = {i.unit.code for i in db.session.scalars(select(Inspector))}
    assert {"hb-xx", "hb-zone", "hb-metrology"} <= units and all(code.startswith("hb") for code in units)
    divisions = {s.division_code for s in db.session.scalars(select(Subject))}
    assert divisions <= {"410602", "410603", "410611", "410621", "410622", "410671"} and len(divisions) > 3
