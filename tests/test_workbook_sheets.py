"""Workbooks whose table goes on over several sheets (Sheet1, Sheet2 … each with its header, sometimes a
title above it), as the national registration system and Excel split big exports: every sheet whose
header maps to the same columns is read, in workbook order, as one table; a notes sheet or another
table is passed over; a rejected row is found again by its sheet and row."""

from __future__ import annotations

import csv
from io import BytesIO

from openpyxl import Workbook
from sqlalchemy import func, select

from factories.subjects import BAD_CHECK, HEADER
from fieldapp.demo.generator import make_uscc
from fieldapp.subjects.importer import import_subject_file
from fieldapp.subjects.models import Subject

# The same columns as HEADER, named as another export names them (名称 for 企业名称, 统一代码 …).
HEADER_AS_OTHERS_NAME_IT = ["统一社会信用代码", "名称", *HEADER[2:]]


def subject(n: int, name: str = "") -> list:
    return [
        make_uscc("E", "140602", 200 + n),
        name or f"朔城区第{n}商店有限公司",
        "有限责任公司",
        "王强",
        "朔城区民福街1号",
    ]


def split_workbook(path):
    """填表说明 (active, in front); Sheet1: rows 1–3; 代码表 (another table); Sheet2 under a title row:
    rows 4–5, a bad code, a repeat of row 1; Sheet3, its header named otherwise: rows 6–7."""
    book = Workbook()
    book.active.title = "填表说明"
    book.active.append(["本表由国家企业信用信息公示系统导出，数据较多时分为多个工作表。"])
    book.active.append(["字段", "说明"])
    book.active.append(["统一社会信用代码", "18 位"])
    first = book.create_sheet("Sheet1")
    first.append(HEADER[:5])
    for n in (1, 2, 3):
        first.append(subject(n))
    codes = book.create_sheet("代码表")
    codes.append(["区县代码", "区县名称"])
    codes.append(["140602", "朔城区"])
    second = book.create_sheet("Sheet2")
    second.append(["朔州市市场主体名录（续）"])
    second.append(HEADER[:5])
    second.append(subject(4))  # row 3
    second.append([BAD_CHECK, "校验位错误有限公司", "有限责任公司", "李四", "朔城区"])  # row 4
    second.append([])
    second.append(subject(5))  # row 6
    second.append(subject(1, "又一次的第1商店"))  # row 7: Sheet1's row 2 again
    third = book.create_sheet("Sheet3")
    third.append(HEADER_AS_OTHERS_NAME_IT[:5])
    third.append(subject(6))
    third.append(subject(7))
    book.active = 0
    book.save(path)
    return path


VALID = {subject(n)[0] for n in range(1, 8)}


def imported_codes(db) -> list[str]:
    return sorted(db.session.scalars(select(Subject.uscc)))


def test_every_sheet_of_the_table_is_imported_once_and_rejects_name_their_sheet(app, db, tmp_path):
    path = split_workbook(tmp_path / "split.xlsx")
    report = import_subject_file(path, tmp_path / "rejects.csv")
    assert imported_codes(db) == sorted(VALID)  # each valid row exactly once, none of the other sheets
    assert (report.rows, report.created, report.rejected) == (9, 7, 2)
    assert [(r.sheet, r.line, r.where) for r in report.rejects] == [
        ("Sheet2", 4, "工作表 Sheet2 第 4 行"),
        ("Sheet2", 7, "工作表 Sheet2 第 7 行"),
    ]
    assert report.rejects[1].reasons == ["与本文件工作表 Sheet1 第 2 行重复"]
    with (tmp_path / "rejects.csv").open(encoding="utf-8-sig", newline="") as fh:
        rejects = list(csv.reader(fh))
    assert rejects[0][:4] == ["工作表", "行号", "拒绝原因", "统一社会信用代码"]
    assert [row[:2] for row in rejects[1:]] == [["Sheet2", "4"], ["Sheet2", "7"]]

    # The rejects file, corrected, imports again: its 工作表, 行号 and 拒绝原因 columns are not read.
    rejects[1][3] = make_uscc("E", "140602", 300)
    with (tmp_path / "fixed.csv").open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rejects[:2])
    again = import_subject_file(tmp_path / "fixed.csv")
    assert (again.created, again.rejected, again.unknown_headers) == (1, 0, [])


def test_a_table_on_one_sheet_keeps_plain_row_numbers(app, db, tmp_path):
    book = Workbook()
    book.active.append(HEADER[:5])
    book.active.append(subject(1))
    book.active.append(subject(1))
    other = book.create_sheet("代码表")
    other.append(["区县代码", "区县名称"])
    book.save(tmp_path / "one.xlsx")
    report = import_subject_file(tmp_path / "one.xlsx", tmp_path / "rejects.csv")
    assert (report.created, [(r.sheet, r.line, r.where) for r in report.rejects]) == (1, [("", 3, "3")])
    assert report.rejects[0].reasons == ["与本文件第 2 行重复"]
    assert (tmp_path / "rejects.csv").read_text(encoding="utf-8-sig").startswith("行号,拒绝原因,")


def test_the_command_names_the_sheet_of_a_rejected_row(app, db, runner, tmp_path):
    path = split_workbook(tmp_path / "split.xlsx")
    result = runner.invoke(args=["subjects", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert f"工作表 Sheet2 第 4 行: {BAD_CHECK}" in result.output
    assert db.session.scalar(select(func.count()).select_from(Subject)) == 7


def test_the_upload_page_imports_every_sheet_and_shows_where_the_rejects_are(app, db, client_request, tmp_path):
    from fieldapp.jobs.models import Job
    from job_files import upload_subjects

    path = split_workbook(tmp_path / "split.xlsx")
    client_request.login("admin", "admin", "city")
    upload_subjects(client_request, path, name="名录.xlsx")
    job = db.session.scalar(select(Job))
    assert job.result["counts"]["created"] == 7 and imported_codes(db) == sorted(VALID)
    soup = client_request.get("jobs.detail", job_id=job.id)
    cells = [[td.get_text() for td in tr.select("td")] for tr in soup.select("#job-progress tbody tr")]
    assert [where for where, _ in cells] == ["工作表 Sheet2 第 4 行", "工作表 Sheet2 第 7 行"]
    client_request.post("core.set_language", _data={"lang": "en", "next": "/"}, _expected_redirect="/")
    soup = client_request.get("jobs.detail", job_id=job.id)
    assert soup.select_one("#job-progress tbody td").get_text() == "Sheet2, row 4"


def test_a_workbook_without_the_columns_on_any_sheet_is_refused_with_the_reason(app, client_request):
    book = Workbook()
    book.active.title = "填表说明"
    book.active.append(["字段", "说明"])
    book.create_sheet("Sheet1").append(["甲", "乙"])
    data = BytesIO()
    book.save(data)
    client_request.login("admin", "admin", "city")
    page = client_request.post(
        "subjects.import_file",
        _data={"file": (BytesIO(data.getvalue()), "x.xlsx")},
        _content_type="multipart/form-data",
        _expected_status=422,
    )
    assert "名称" in page.select_one("[role=alert]").get_text()


def test_an_interrupted_import_of_a_split_workbook_resumes_with_every_row_once(app, db, auth, tmp_path):
    """A job's checkpoint is a line of the whole table: stopped on the second sheet, the retry goes on
    from there (the first sheet is not imported twice, the second sheet's rejects not written twice)."""
    from datetime import timedelta

    from fieldapp import clock
    from fieldapp.jobs import runtime
    from fieldapp.jobs.models import Job
    from fieldapp.subjects import jobs as subject_jobs
    from fieldapp.subjects.tables import SHEET_STRIDE

    book = Workbook()
    for index, sheet in enumerate([book.active, book.create_sheet("Sheet2"), book.create_sheet("Sheet3")]):
        sheet.title = f"Sheet{index + 1}"
        sheet.append(HEADER[:5])
        for n in range(index * 300, index * 300 + 300):
            sheet.append(subject(n))
    book["Sheet2"]["A101"] = BAD_CHECK  # Sheet2 row 101
    book["Sheet3"]["A51"] = subject(7)[0]  # Sheet3 row 51 repeats Sheet1 row 9
    path = tmp_path / "big.xlsx"
    book.save(path)
    valid = {subject(n)[0] for n in range(900)} - {subject(399)[0], subject(649)[0]}
    admin = auth.create("admin", "admin", "city")
    real_progress = runtime.JobRun.progress

    def dying_progress(self, *args, **kwargs):
        if kwargs.get("checkpoint", {}).get("line", 0) > SHEET_STRIDE + 150 and not kwargs.get("commit", True):
            raise KeyboardInterrupt  # the worker is stopped in the middle of a batch on Sheet2
        return real_progress(self, *args, **kwargs)

    class Upload:
        filename = "big.xlsx"

        def save(self, dest):
            dest.write_bytes(path.read_bytes())

    runtime.JobRun.progress = dying_progress
    try:
        subject_jobs.start_import(Upload(), admin, batch_size=100)
    finally:
        runtime.JobRun.progress = real_progress
    db.session.rollback()
    job = db.session.scalar(select(Job))
    assert job.status == "running" and 300 < db.session.scalar(select(func.count()).select_from(Subject)) < 600
    job.heartbeat_at = clock.now() - timedelta(hours=1)
    db.session.commit()
    assert runtime.requeue_stalled() == [job.id]
    db.session.expire_all()
    job = db.session.get(Job, job.id)
    assert job.status == "done" and job.attempt == 2
    assert {k: job.result["counts"][k] for k in ("rows", "created", "rejected")} == (
        {"rows": 900, "created": 898, "rejected": 2}
    )
    assert set(db.session.scalars(select(Subject.uscc))) == valid
    with (runtime.job_folder(job.id) / "rejects.csv").open(encoding="utf-8-sig", newline="") as fh:
        rejects = [row[:3] for row in csv.reader(fh)][1:]
    assert rejects == [["Sheet2", "101", rejects[0][2]], ["Sheet3", "51", "与本文件工作表 Sheet1 第 9 行重复"]]
