"""Plans published only as a PDF attachment: a text PDF's ruled tables are read into the same tasks as the
same plan in Word (over several pages, the header printed again or not, cells wrapped over lines, merged
cells, a notice before the table); a scanned, password-protected or damaged PDF, and the old .doc / .wps /
.et files, are refused with words saying what to upload instead, nothing imported. The PDFs are printed by
WeasyPrint in tests/data/plans/make_pdf_plans.py."""

from __future__ import annotations

import dataclasses
import io

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.constants import UserAccessPermissions
from sqlalchemy import func, select

from factories.plan_tables import task_essence, upload_plan
from factories.plans import DATA
from fieldapp.plans.importer import read_plan
from fieldapp.plans.models import Plan
from fieldapp.plans.parsing import SECTION_KEY
from fieldapp.plans.problems import PlanFileError
from fieldapp.plans.tables import read_plan_file

THIRTY_PDF, THIRTY_DOCX = DATA / "pdf-2024-thirty.pdf", DATA / "pdf-2024-thirty.docx"
LANDSCAPE, CREDIT = DATA / "pdf-2024-landscape.pdf", DATA / "pdf-2024-credit.pdf"


def _parsed(path, name: str | None = None):
    return read_plan(path.read_bytes(), name or path.name)


def _everything_but_rows(parsed) -> list[dict]:
    """Each parsed task with all it holds but the row it stands on (the PDF repeats its header rows)."""
    tasks = []
    for task in parsed.tasks:
        values = dataclasses.asdict(task)
        values.pop("source_row")
        values["problems"] = [(p.code, p.column, p.params) for p in task.problems]
        tasks.append(values)
    return tasks


def test_the_pdf_reads_as_the_same_plan_in_word():
    pdf_source, pdf = _parsed(THIRTY_PDF)
    word_source, word = _parsed(THIRTY_DOCX)
    assert len(pdf.tasks) == 30
    assert _everything_but_rows(pdf) == _everything_but_rows(word)
    assert pdf_source.meta == word_source.meta
    assert [(p.code, p.params) for p in pdf.problems] == [(p.code, p.params) for p in word.problems]


def test_the_thirty_task_pdf_over_four_pages_says_what_its_table_says():
    assert len(PdfReader(THIRTY_PDF).pages) >= 4
    source, parsed = _parsed(THIRTY_PDF)
    meta = source.meta
    assert (meta.doc_number, meta.issuer, str(meta.issued_on), meta.year) == (
        "朔市监发〔2024〕8号",
        "朔州市市场监督管理局",
        "2024-02-20",
        2024,
    )
    # the title wraps over two lines in the PDF
    assert meta.title == "关于印发《朔州市市场监督管理局2024年度“双随机、一公开”抽查工作计划》的通知"
    tasks = {task.number: task for task in parsed.tasks}
    assert sorted(tasks) == list(range(1, 31))  # the header printed again on each page is no task
    assert sum(1 for row in source.rows if row.cells[0] == "序号") >= 4
    # a name and an executor wrapped over lines inside their cells read as one line
    assert tasks[28].name == "对工业产品生产许可质量安全管理制度执行情况的监督检查（含网络交易平台内经营者）"
    assert tasks[3].executor == "市、县（区）级市场监管部门"
    # items one a line stay apart; a long item wrapped over four lines is one item
    assert tasks[4].items == [
        "特殊食品许可（备案）情况",
        "特殊食品资质落实情况",
        "从业人员培训考核及健康管理、进货查验记录和索证索票制度落实情况",
    ]
    # task 5's merged cells run over a page break: its rows on the next page are its items 3 and 4
    assert tasks[5].items[2:] == ["药品购销记录情况", "处方药凭处方销售情况"]
    assert (tasks[5].window_start_month, tasks[5].window_end_month, str(tasks[5].ratio)) == (3, 11, "0.05")
    # tasks 12 and 13 under task 11's merged 发起部门 and 实施主体
    assert tasks[12].initiator == tasks[13].initiator == tasks[11].initiator == "食品生产科"
    assert "initiator" in tasks[13].inherited_fields
    # the heading between the tasks and the note under the table
    assert tasks[21].source_cells[SECTION_KEY] == "二、工业产品和特种设备领域"
    assert SECTION_KEY not in tasks[20].source_cells
    assert [p.code for p in parsed.problems] == ["section_row", "note_row"]


def test_a_landscape_plan_with_its_header_on_the_first_page_only():
    page = PdfReader(LANDSCAPE).pages[0]
    assert page.mediabox.width > page.mediabox.height and len(PdfReader(LANDSCAPE).pages) >= 2
    source, parsed = _parsed(LANDSCAPE)
    assert (source.meta.year, source.meta.issuer) == (2024, "应县市场监督管理局")
    assert [task.number for task in parsed.tasks] == list(range(1, 19))
    assert sum(1 for row in source.rows if row.cells[0] == "序号") == 1
    twelfth = parsed.tasks[11]
    assert twelfth.name == "对食品销售经营者遵守《中华人民共和国产品质量法》等法律法规情况的行政检查（第12项）"
    assert twelfth.cooperating_departments == "县农业农村局"
    assert parsed.tasks[10].cooperating_departments == ""  # 无
    assert (twelfth.window_start_month, twelfth.window_end_month) == (5, 10)


def test_ratios_by_credit_class_are_read_from_a_pdf():
    _, parsed = _parsed(CREDIT)
    first, second, third = parsed.tasks
    assert first.class_ratios["ratios"] == {"A": "0.01", "B": "0.03", "C": "0.05", "D": "0.1"}
    assert second.class_ratios["ratios"] == {"A": "0.02", "B": "0.02", "C": "0.1", "D": "0.1"}
    assert third.class_ratios is None and str(third.ratio) == "0.05"
    assert first.items == ["经营许可情况", "进货查验记录"]


def test_the_upload_page_and_the_command_line_import_the_pdf_as_the_word_plan(app, db, runner, client_request):
    result = runner.invoke(args=["plan", "import", str(THIRTY_DOCX), "--lang", "en"])
    assert result.exit_code == 0, result.output
    word_tasks = task_essence(db.session.scalar(select(Plan)).tasks)
    result = runner.invoke(args=["plan", "import", str(THIRTY_PDF), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "30 tasks (0 new," in result.output  # the same tasks (standing on other rows: the PDF repeats its header)
    assert task_essence(db.session.scalar(select(Plan)).tasks) == word_tasks
    client_request.login("city-sup", "supervisor", "city")
    data = {"file": (io.BytesIO(THIRTY_PDF.read_bytes()), "2024年抽查计划.pdf"), "action": "check"}
    page = upload_plan(client_request, data, 200)
    assert page.find(id="import-report")["data-checked"] == "true"
    assert not page.select(".change-list li")
    plan = db.session.scalar(select(Plan))
    assert plan.unit.code == "city" and plan.doc_number == "朔市监发〔2024〕8号"
    assert task_essence(plan.tasks) == word_tasks and len(word_tasks) == 30


def _encrypted(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(THIRTY_PDF))
    writer.encrypt(user_password=user_password, owner_password="owner", permissions_flag=UserAccessPermissions.PRINT)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def test_a_pdf_that_only_restricts_editing_is_read_and_a_damaged_part_is_pointed_out():
    """Bureaus often publish PDFs with an owner password (no editing): they open without one, so they are read."""
    _, parsed = read_plan(_encrypted(""), "plan.pdf")
    assert len(parsed.tasks) == 30 and "pdf_damaged_parts" not in [p.code for p in parsed.problems]
    printed = THIRTY_PDF.read_bytes()
    damaged = printed[:5000] + bytes(20000) + printed[25000:]  # a page's content overwritten
    source = read_plan_file(damaged, "plan.pdf")
    assert "pdf_damaged_parts" in [p.code for p in source.problems]


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
PRINTED = THIRTY_PDF.read_bytes()


@pytest.mark.parametrize(
    "data, name, code, words",
    [
        ((DATA / "pdf-2024-scanned.pdf").read_bytes(), "计划.pdf", "pdf_scanned", "扫描图片"),
        ((DATA / "pdf-2024-encrypted.pdf").read_bytes(), "计划.pdf", "pdf_encrypted", "设有打开密码"),
        (PRINTED[: len(PRINTED) // 2], "计划.pdf", "pdf_damaged", "下载不完整"),
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> rubbish\n%%EOF\n", "计划.pdf", "pdf_damaged", "已损坏"),
        (b"<p>not a pdf</p>", "计划.pdf", "pdf_damaged", "不是 PDF"),
        (OLE, "计划.et", "file_old_wps_sheet", "另存为 Excel 工作簿（.xlsx）"),
        (b"ET file", "计划.et", "file_old_wps_sheet", "或上传计划的 PDF"),
        (OLE, "计划.doc", "file_old_word", "或上传计划的 PDF"),
        (OLE, "计划.wps", "file_old_word", "另存为 Word 文档（.docx）"),
    ],
)
def test_pdfs_that_cannot_be_read_and_old_files_are_refused_with_words(
    client_request, db, runner, tmp_path, data, name, code, words
):
    with pytest.raises(PlanFileError) as caught:
        read_plan_file(data, name)
    assert caught.value.problem.code == code
    path = tmp_path / name
    path.write_bytes(data)
    result = runner.invoke(args=["plan", "import", str(path), "--year", "2024", "--unit", "city"])
    assert result.exit_code == 1 and words in result.output and "Traceback" not in result.output
    client_request.login("city-sup", "supervisor", "city")
    page = upload_plan(client_request, {"file": (io.BytesIO(data), name), "year": "2024"}, 422)
    assert words in page.find(id="import-error").get_text()
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 0


def test_a_scanned_pdf_is_refused_in_english_too(runner, db, tmp_path):
    path = tmp_path / "plan.pdf"
    path.write_bytes((DATA / "pdf-2024-scanned.pdf").read_bytes())
    result = runner.invoke(args=["plan", "import", str(path), "--lang", "en"])
    assert result.exit_code == 1
    assert "scanned image" in result.output and "Word (.docx) or Excel (.xlsx)" in result.output


def test_a_scanned_page_among_text_pages_is_pointed_out_and_a_pdf_longer_than_a_plan_is_refused(monkeypatch):
    writer = PdfWriter(clone_from=PdfReader(THIRTY_PDF))
    writer.append(PdfReader(DATA / "pdf-2024-scanned.pdf"))
    buffer = io.BytesIO()
    writer.write(buffer)
    source = read_plan_file(buffer.getvalue(), "plan.pdf")
    pages = len(PdfReader(THIRTY_PDF).pages) + 1
    assert [p.params for p in source.problems if p.code == "pdf_scanned_pages"] == [{"pages": str(pages)}]
    monkeypatch.setattr("fieldapp.plans.pdf.MAX_PAGES", pages - 1)
    with pytest.raises(PlanFileError) as caught:
        read_plan_file(buffer.getvalue(), "plan.pdf")
    assert caught.value.problem.code == "pdf_too_long"
