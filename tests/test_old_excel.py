"""Old Excel files (.xls, as registration systems and WPS still export them) are read wherever an .xlsx
is: the subject directory, the inspector roster and the plan, on the command line and the upload
pages, into the same rows as the same cells in an .xlsx (the .xls is written from the .xlsx: see
xls_files). An OLE2 file that is no workbook, and a damaged .xls, are refused with clear words."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from factories.plans import to_xlsx
from factories.subjects import BAD_CHECK, GOOD1, GOOD2, HEADER, OLD_REG
from fieldapp.inspectors.importer import import_roster_file
from fieldapp.inspectors.models import Inspector
from fieldapp.plans.importer import read_plan
from fieldapp.plans.models import Plan
from fieldapp.plans.problems import PlanFileError
from fieldapp.plans.tables import read_plan_file
from fieldapp.subjects.importer import import_subject_file
from fieldapp.subjects.models import Subject
from fieldapp.subjects.tables import open_table
from fieldapp.subjects.rows import table_columns
from factories.plan_tables import NOTE, ROWS, TITLE, task_essence, upload_plan
from factories.plan_tables import HEADER as PLAN_HEADER
from factories.rosters import roster_workbook
from xls_files import OLE2_MAGIC, damaged_xls, ole2_document, xls_from_xlsx


def _save(book: Workbook) -> bytes:
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def directory_xlsx() -> bytes:
    """Sheet1 under a title row: GOOD1 (dates as date cells), a bad check digit (row 4); Sheet2 with
    the same header: an old registration number typed as a number, GOOD2 with 长期 as text, and
    GOOD1 again (row 4)."""
    book = Workbook()
    first = book.active
    first.title = "Sheet1"
    first.append(["朔州市市场主体名录（登记系统导出）"])
    first.append(HEADER)
    first.append(
        [GOOD1, "朔州市鑫源加油站有限公司", "有限责任公司", "王强", "朔城区民福街1号", "朔城区", "零售业", "A"]
        + [date(2021, 3, 1), "存续", date(2030, 12, 31), "加油站"]
    )
    first.append([BAD_CHECK, "校验位错误有限公司", "有限责任公司", "李四", "", "朔城区", "", "B", None, "存续"])
    second = book.create_sheet("Sheet2")
    second.append(HEADER)
    second.append(
        [int(OLD_REG), "山阴县老字号食品厂", "全民所有制", "周九", "山阴县岱岳镇", "山阴县", "食品制造业", "C"]
        + [datetime(2020, 5, 1), "在业", date(2019, 6, 30), ""]
    )
    second.append(
        [GOOD2, "怀仁市金旺眼镜店", "个体工商户", "赵六", "怀仁市云中镇", "怀仁市", "零售业", "B"]
        + [date(2021, 2, 1), "存续", "长期", "眼镜制配"]
    )
    second.append([GOOD1, "重复的一行", "有限责任公司", "王强", "", "朔城区", "", "A", None, "存续"])
    return _save(book)


def _table(app, path) -> tuple:
    """What the importers are handed, each cell with its type (5 and 5.0 compare equal)."""
    with open_table(path, table_columns) as table:
        rows = [(line, [(type(c).__name__, c) for c in cells]) for line, cells in table.rows]
        return table.header, rows, table.sheets, list(table.blank_lines)


def _subjects(db) -> list[tuple]:
    db.session.expire_all()
    return [
        (s.ident, s.uscc, s.registration_number, s.name, s.division_code, s.credit_class, s.credit_assessed_on)
        + (s.business_term_end, s.status, sorted(t.name for t in s.tags))
        for s in db.session.scalars(select(Subject).order_by(Subject.ident))
    ]


def test_an_xls_directory_is_read_into_the_rows_of_the_same_xlsx(app, tmp_path):
    xlsx = directory_xlsx()
    (tmp_path / "名录.xlsx").write_bytes(xlsx)
    (tmp_path / "名录.xls").write_bytes(xls_from_xlsx(xlsx))
    assert (tmp_path / "名录.xls").read_bytes().startswith(OLE2_MAGIC)
    read = _table(app, tmp_path / "名录.xls")
    assert read == _table(app, tmp_path / "名录.xlsx")
    header, rows, sheets, _ = read
    assert sheets == ["Sheet1", "Sheet2"] and header == HEADER
    cells = dict(rows)
    assert cells[3][8] == ("datetime", datetime(2021, 3, 1)) and cells[3][0] == ("str", GOOD1)  # a date cell
    assert cells[10_000_002][0] == ("int", int(OLD_REG))  # a number typed as one: an int, as openpyxl gives it


def test_the_command_imports_an_xls_directory_as_the_xlsx(app, db, runner, tmp_path):
    xlsx = directory_xlsx()
    (tmp_path / "名录.xlsx").write_bytes(xlsx)
    (tmp_path / "名录.xls").write_bytes(xls_from_xlsx(xlsx))
    result = runner.invoke(args=["subjects", "import", str(tmp_path / "名录.xls")])
    assert result.exit_code == 0, result.output
    assert f"工作表 Sheet1 第 4 行: {BAD_CHECK}" in result.output and "工作表 Sheet2 第 4 行" in result.output
    stored = _subjects(db)
    assert [s[0] for s in stored] == sorted([GOOD1, GOOD2, OLD_REG])
    old = next(s for s in stored if s[0] == OLD_REG)
    assert (old[2], old[6], old[7]) == (OLD_REG, date(2020, 5, 1), date(2019, 6, 30))
    again = import_subject_file(tmp_path / "名录.xlsx", tmp_path / "rejects.csv")
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 3, 2)  # nothing differs
    assert _subjects(db) == stored


def test_the_upload_page_imports_an_xls_directory_as_the_xlsx(app, db, client_request, tmp_path):
    from fieldapp.jobs.models import Job
    from job_files import upload_subjects

    xlsx = directory_xlsx()
    (tmp_path / "x.xls").write_bytes(xls_from_xlsx(xlsx))
    client_request.login("admin", "admin", "city")
    upload_subjects(client_request, tmp_path / "x.xls", name="名录.xls")
    job = db.session.scalar(select(Job))
    assert (job.result["counts"]["created"], job.result["counts"]["rejected"]) == (3, 2)
    soup = client_request.get("jobs.detail", job_id=job.id)
    cells = [[td.get_text() for td in tr.select("td")] for tr in soup.select("#job-progress tbody tr")]
    assert [where for where, _ in cells] == ["工作表 Sheet1 第 4 行", "工作表 Sheet2 第 4 行"]
    stored = _subjects(db)
    (tmp_path / "x.xlsx").write_bytes(xlsx)
    again = import_subject_file(tmp_path / "x.xlsx")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3) and _subjects(db) == stored


def _roster_xlsx() -> bytes:
    """The roster of test_roster_sheets_and_accounts, 有效期至 of the first person as a date cell."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(roster_workbook()))
    book["第一页"]["C2"] = date(2029, 6, 30)
    return _save(book)


def _inspectors(db) -> list[tuple]:
    db.session.expire_all()
    people = db.session.scalars(select(Inspector).order_by(Inspector.certificate_number))
    return [(i.name, i.certificate_number, i.certificate_valid_until, i.unit_id) for i in people]


def test_an_xls_roster_is_imported_as_the_xlsx_on_the_command_and_the_page(app, db, runner, client_request, tmp_path):
    from fieldapp.jobs.models import Job

    xlsx = _roster_xlsx()
    (tmp_path / "名录.xls").write_bytes(xls_from_xlsx(xlsx))
    (tmp_path / "名录.xlsx").write_bytes(xlsx)
    result = runner.invoke(args=["inspectors", "import", str(tmp_path / "名录.xls")])
    assert result.exit_code == 0, result.output
    assert "工作表 第二页 第 4 行" in result.output
    stored = _inspectors(db)
    assert [p[0] for p in stored] == ["检查员1", "检查员2", "检查员3", "检查员4"]
    assert stored[0][2] == date(2029, 6, 30) and stored[1][2] == date(2030, 12, 31)
    again = import_roster_file(tmp_path / "名录.xlsx")
    assert (again.created, again.updated, again.unchanged, again.rejected) == (0, 0, 4, 1)
    assert _inspectors(db) == stored

    client_request.login("city-supervisor", "supervisor", "city")
    client_request.post_response(
        "inspectors.import_file",
        _data={"file": (io.BytesIO(xls_from_xlsx(xlsx)), "名录.xls")},
        _content_type="multipart/form-data",
    )
    job = db.session.scalar(select(Job))
    counts = job.result["counts"]
    assert (counts["created"], counts["unchanged"], counts["rejected"]) == (0, 4, 1)
    assert _inspectors(db) == stored


def plan_xlsx() -> bytes:
    """The plan of test_plan_documents: items merged over rows, 抽查比例 as percent cells."""
    return to_xlsx([[TITLE], PLAN_HEADER, *ROWS, [NOTE]], percent_cells=True)


def test_an_xls_plan_is_read_as_the_xlsx_with_its_merged_cells():
    xlsx = plan_xlsx()
    xls = xls_from_xlsx(xlsx)
    old, new = read_plan_file(xls, "计划.xls"), read_plan_file(xlsx, "计划.xlsx")
    assert [(r.number, r.cells) for r in old.rows] == [(r.number, r.cells) for r in new.rows]
    assert old.meta == new.meta and old.problems == new.problems
    assert ["3%" in r.cells for r in old.rows].count(True) == 1  # a percent cell read as printed
    source, parsed = read_plan(xls, "计划.xls")
    assert task_essence(parsed.tasks) == task_essence(read_plan(xlsx, "计划.xlsx")[1].tasks)
    assert [len(t.items) for t in parsed.tasks] == [2, 3, 1, 2]  # task 2's items over its merged rows
    # By its content: an .xls named otherwise is still read as one.
    assert task_essence(read_plan(xls, "计划")[1].tasks) == task_essence(parsed.tasks)


def test_an_xls_plan_is_imported_on_the_command_and_the_upload_page(app, db, runner, client_request, tmp_path):
    xlsx = plan_xlsx()
    (tmp_path / "计划.xls").write_bytes(xls_from_xlsx(xlsx))
    result = runner.invoke(args=["plan", "import", str(tmp_path / "计划.xls"), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "4 tasks (4 new, 0 changed, 0 unchanged), 8 inspection items" in result.output
    plan = db.session.scalar(select(Plan))
    assert (plan.year, plan.unit.code) == (2023, "140602")
    assert task_essence(plan.tasks) == task_essence(read_plan(xlsx, "plan.xlsx")[1].tasks)

    client_request.login("shuocheng", "supervisor", "140602")
    page = upload_plan(client_request, {"file": (io.BytesIO(xls_from_xlsx(xlsx)), "计划.xls"), "action": "check"}, 200)
    assert page.find(id="import-report")["data-checked"] == "true"
    assert not page.select(".change-list li")  # the .xls says what was imported


def test_an_ole2_file_that_is_no_workbook_gets_clear_words_everywhere(app, db, runner, client_request, tmp_path):
    document = ole2_document()
    path = tmp_path / "名录.xls"
    path.write_bytes(document)
    for command in ("subjects", "inspectors"):
        result = runner.invoke(args=[command, "import", str(path)])
        assert result.exit_code != 0 and "不是 Excel 工作簿" in result.output and "Traceback" not in result.output
    with pytest.raises(PlanFileError) as caught:
        read_plan_file(document, "计划.xls")
    assert caught.value.problem.code == "file_old_office"
    result = runner.invoke(args=["plan", "import", str(path), "--year", "2023", "--unit", "140602"])
    assert result.exit_code == 1 and "不是 Excel 工作簿" in result.output

    client_request.login("admin", "admin", "city")
    for endpoint in ("subjects.import_file", "inspectors.import_file"):
        page = client_request.post(
            endpoint,
            _data={"file": (io.BytesIO(document), "名录.xls")},
            _content_type="multipart/form-data",
            _expected_status=422,
        )
        assert "不是 Excel 工作簿" in page.select_one("[role=alert]").get_text()
    client_request.logout()
    client_request.login("shuocheng", "supervisor", "140602")
    page = upload_plan(client_request, {"file": (io.BytesIO(document), "计划.xls"), "year": "2023"}, 422)
    assert "不是 Excel 工作簿" in page.find(id="import-error").get_text()
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 0
    assert db.session.scalar(select(func.count()).select_from(Subject)) == 0


def test_a_damaged_xls_gets_clear_words_not_a_crash(app, db, runner, client_request, tmp_path):
    broken = damaged_xls(xls_from_xlsx(directory_xlsx()))
    path = tmp_path / "名录.xls"
    path.write_bytes(broken)
    result = runner.invoke(args=["subjects", "import", str(path)])
    assert result.exit_code != 0 and "已损坏" in result.output and "Traceback" not in result.output
    assert "WARNING" not in result.output  # xlrd's own complaints stay out of the command's output
    client_request.login("admin", "admin", "city")
    page = client_request.post(
        "subjects.import_file",
        _data={"file": (io.BytesIO(broken), "名录.xls")},
        _content_type="multipart/form-data",
        _expected_status=422,
    )
    assert "已损坏" in page.select_one("[role=alert]").get_text()
    with pytest.raises(PlanFileError) as caught:
        read_plan_file(damaged_xls(xls_from_xlsx(plan_xlsx())), "计划.xls")
    assert caught.value.problem.code == "file_not_xls"


def test_cells_of_every_kind_arrive_as_openpyxl_gives_them():
    """Values by type (5 and 5.0, True and 1 compare equal): text (a formula-like one too), whole and
    fractional numbers, booleans, a date, a date with a time, a time, a percent; and a merged range
    holds its value in its first cell only."""
    import xlwt

    from fieldapp.core.cells import sheet_rows
    from fieldapp.core.xls import XlsBook, open_workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["=文本", 5, 2.5, True, False, date(2024, 3, 5), datetime(2024, 3, 5, 8, 30)])
    sheet.append([None, -3, 0.05, "", 140602000012345])
    sheet["A1"].data_type = "s"  # text, never a formula (as fieldapp writes it)
    sheet["A3"] = datetime(1900, 1, 1, 14, 15).time()
    sheet["C2"].number_format = "0%"
    sheet.merge_cells("D3:F4")
    sheet["D3"] = "合并"
    xlsx = _save(book)

    def cells(data: bytes) -> list:
        workbook = open_workbook(io.BytesIO(data))
        try:
            values = [[(type(v).__name__, v) for v in row[:7]] for row in sheet_rows(workbook.active, values_only=True)]
            formats = [c.number_format for c in next(iter(sheet_rows(workbook.active)))[:3]]
            return [values, formats, workbook.active.sheet_state]
        finally:
            workbook.close()

    xls = xls_from_xlsx(xlsx)
    assert isinstance(open_workbook(io.BytesIO(xls)), XlsBook)
    assert cells(xls) == cells(xlsx)
    assert cells(xls)[0][2][0] == ("time", datetime(1900, 1, 1, 14, 15).time())

    # An error cell (#DIV/0! stored without its formula) reads as its text, as openpyxl reads an .xlsx's.
    old = xlwt.Workbook()
    old.add_sheet("Sheet1").row(0).set_cell_error(0, 7)  # BIFF's code of #DIV/0!
    buffer = io.BytesIO()
    old.save(buffer)
    new = Workbook()
    new.active["A1"] = "#DIV/0!"
    assert new.active["A1"].data_type == "e"
    assert cells(buffer.getvalue())[0][0][0] == cells(_save(new))[0][0][0] == ("str", "#DIV/0!")
