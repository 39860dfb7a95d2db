"""A table over several sheets whose headers give the same columns in another order (and a column only one
sheet has): the rejects file puts every rejected row's cells under their own headings — it was written
under the first sheet's header with the later sheets' cells placed for the importer only, so a note or
an extra column came out under the wrong heading or blank. Fixed and imported again, every row lands
exactly once with its own values."""

from __future__ import annotations

import csv
from io import BytesIO

from openpyxl import Workbook
from sqlalchemy import select

from factories.rosters import person
from fieldapp.demo.generator import make_uscc
from fieldapp.inspectors.importer import import_roster_file
from fieldapp.inspectors.models import Inspector
from fieldapp.jobs.models import Job, JobStatus
from fieldapp.subjects.importer import import_subject_file
from fieldapp.subjects.models import Subject

FIRST = ["统一社会信用代码", "企业名称", "类型", "法定代表人", "住所", "备注"]
# The same fields moved about, 名称 for 企业名称, and 联系人 (read by no importer) that only this sheet has.
SECOND = ["住所", "备注", "法定代表人", "名称", "联系人", "类型", "统一社会信用代码"]
THIRD = ["统一社会信用代码", "企业名称", "类型", "住所", "法定代表人"]  # no 备注, the last two swapped


def record(n: int, **changes) -> dict[str, str]:
    """A subject by heading (the first sheet's, and 联系人)."""
    values = {
        "统一社会信用代码": make_uscc("E", "140602", 800 + n),
        "企业名称": f"朔城区第{n}商店有限公司",
        "类型": "有限责任公司",
        "法定代表人": f"法人{n}",
        "住所": f"民福街{n}号",
        "备注": f"备注{n}",
        "联系人": f"联系人{n}",
    }
    return {**values, **changes}


def cells(header: list[str], values: dict[str, str]) -> list[str]:
    return [values["企业名称" if name == "名称" else name] for name in header]


BAD_CODE = make_uscc("E", "140602", 900)[:-1] + "0"
if BAD_CODE == make_uscc("E", "140602", 900):
    BAD_CODE = BAD_CODE[:-1] + "1"
SHEETS = {
    "Sheet1": (FIRST, [record(1), record(2, 类型="某某类型")]),
    "Sheet2": (SECOND, [record(3), record(4, 统一社会信用代码=BAD_CODE), record(5), record(6, 类型="某某类型")]),
    "Sheet3": (THIRD, [record(7, 类型="某某类型")]),
}
# The rejected rows: (sheet, row on it) → the record as the sheet has it (only its own headings).
REJECTED = {
    ("Sheet1", "3"): ("Sheet1", record(2, 类型="某某类型")),
    ("Sheet2", "3"): ("Sheet2", record(4, 统一社会信用代码=BAD_CODE)),
    ("Sheet2", "5"): ("Sheet2", record(6, 类型="某某类型")),
    ("Sheet3", "2"): ("Sheet3", record(7, 类型="某某类型")),
}
FIXES = {"某某类型": "有限责任公司", BAD_CODE: make_uscc("E", "140602", 900)}


def workbook() -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, (header, records) in SHEETS.items():
        sheet = book.create_sheet(title)
        sheet.append(header)
        for values in records:
            sheet.append(cells(header, values))
    data = BytesIO()
    book.save(data)
    return data.getvalue()


def own_headings(sheet: str) -> set[str]:
    return {"企业名称" if name == "名称" else name for name in SHEETS[sheet][0]}


def test_rejects_of_sheets_in_another_order_are_under_their_headings_and_import_again_once(
    app, db, client_request, tmp_path
):
    client_request.login("admin", "admin", "city")
    client_request.post_response(
        "subjects.import_file",
        _data={"file": (BytesIO(workbook()), "名录.xlsx")},
        _content_type="multipart/form-data",
    )
    job = db.session.scalar(select(Job))
    assert job.status == JobStatus.DONE, job.error
    assert (job.result["counts"]["created"], job.result["counts"]["rejected"]) == (3, 4)
    download = client_request.get_response("jobs.download", job_id=job.id, name="rejects.csv")
    header, *rows = list(csv.reader(download.data.decode("utf-8-sig").splitlines()))
    assert header == ["工作表", "行号", "拒绝原因", *FIRST, "联系人"]
    assert {(row[0], row[1]) for row in rows} == set(REJECTED)
    for row in rows:
        sheet, values = REJECTED[row[0], row[1]]
        written = dict(zip(header[3:], row[3:]))
        assert written == {h: values[h] if h in own_headings(sheet) else "" for h in header[3:]}, row[:2]

    # Fixed where the reason says, the rejects file imports again: every row once, with its own values.
    fixed = [header, *([*row[:3], *(FIXES.get(cell, cell) for cell in row[3:])] for row in rows)]
    with (tmp_path / "fixed.csv").open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(fixed)
    again = import_subject_file(tmp_path / "fixed.csv")
    assert (again.created, again.rejected) == (4, 0)
    stored = {
        uscc: (name, person, address)
        for uscc, name, person, address in db.session.execute(
            select(Subject.uscc, Subject.name, Subject.legal_representative, Subject.address)
        )
    }
    expected = {}
    for _header, records in SHEETS.values():
        for values in records:
            values = {h: FIXES.get(v, v) for h, v in values.items()}
            expected[values["统一社会信用代码"]] = (values["企业名称"], values["法定代表人"], values["住所"])
    assert stored == expected and len(stored) == 7


def test_roster_rejects_of_a_sheet_in_another_order_are_under_their_headings(app, db, tmp_path):
    first = ["姓名", "执法证号", "有效期至", "单位", "账号"]
    second = ["单位", "籍贯", "有效期至", "账号", "执法证号", "姓名"]  # 籍贯: read by no importer
    book = Workbook()
    book.active.title = "第一页"
    book.active.append(first)
    book.active.append(person(1))
    sheet = book.create_sheet("第二页")
    sheet.append(second)
    for n, unit in ((2, "朔城区市场监督管理局"), (3, "不存在的局")):
        name, number, valid, _unit, account = person(n)
        sheet.append([unit, "山西朔州", valid, account, number, name])
    book.save(tmp_path / "roster.xlsx")
    report = import_roster_file(tmp_path / "roster.xlsx", tmp_path / "rejects.csv")
    assert (report.created, report.rejected) == (2, 1)
    with (tmp_path / "rejects.csv").open(encoding="utf-8-sig", newline="") as fh:
        header, row = list(csv.reader(fh))
    assert header == ["工作表", "行号", "拒绝原因", *first, "籍贯"]
    assert row[:2] == ["第二页", "3"]
    assert dict(zip(header[3:], row[3:])) == {
        "姓名": "检查员3",
        "执法证号": person(3)[1],
        "有效期至": "2030-12-31",
        "单位": "不存在的局",
        "账号": "",
        "籍贯": "山西朔州",
    }
    row[3 + first.index("单位")] = "朔城区市场监督管理局"
    with (tmp_path / "fixed.csv").open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([header, row])
    again = import_roster_file(tmp_path / "fixed.csv")
    assert (again.created, again.rejected) == (1, 0)
    numbers = db.session.execute(select(Inspector.name, Inspector.certificate_number)).all()
    assert sorted(numbers) == sorted((person(n)[0], person(n)[1]) for n in (1, 2, 3))
