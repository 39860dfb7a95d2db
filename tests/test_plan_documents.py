"""Plans published as a Word document (.docx) or as a saved web page (.html): read into the same tasks
as the same plan in an Excel workbook, through the importer, the command line and the upload page;
old binary Office files are refused with words saying how to save them."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
import io

import pytest
from sqlalchemy import func, select

from fieldapp.plans.importer import read_plan
from fieldapp.plans.models import Plan
from fieldapp.plans.problems import PlanFileError
from fieldapp.plans.tables import read_plan_file
from factories.plan_tables import HEADER, NOTE, ROWS, TITLE, task_essence, upload_plan
from factories.office import SHARED_STRINGS, WORD_STYLES, inflated
from factories.plans import to_xlsx


def xlsx_plan() -> bytes:
    return to_xlsx([[TITLE], HEADER, *ROWS, [NOTE]])


def docx_plan() -> bytes:
    """The plan as bureaus write it in Word: the title and 附件 lines as paragraphs, the table in two
    parts (续表) with the task rows merged vertically, items one paragraph each, the note merged across."""
    import docx

    document = docx.Document()
    document.add_paragraph("附件1")
    document.add_paragraph(TITLE)
    first = _word_table(document, [HEADER, *ROWS[:4]])
    _merge_blanks(first, [HEADER, *ROWS[:4]])
    document.add_paragraph("（续表）")
    second = _word_table(document, [*ROWS[4:], [NOTE] + [""] * 8])
    _merge_blanks(second, ROWS[4:])
    note = second.rows[-1].cells
    note[0].merge(note[-1])
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _word_table(document, rows):
    table = document.add_table(rows=len(rows), cols=len(HEADER))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            cell = table.cell(r, c)
            lines = text.split("\n")
            if c == 3 and len(lines) > 1 and lines[0].startswith("1."):
                cell.text = lines[0]  # an item a paragraph
                for line in lines[1:]:
                    cell.add_paragraph(line)
            else:
                cell.text = text  # a line break inside the paragraph (w:br)
    return table


def _merge_blanks(table, rows):
    for c in range(len(HEADER)):
        for r, row in enumerate(rows):
            if row[c] == "":
                continue
            end = r
            while end + 1 < len(rows) and rows[end + 1][c] == "":
                end += 1
            if end > r:
                table.cell(r, c).merge(table.cell(end, c))


def html_plan() -> bytes:
    """The plan as a notice page on the bureau's site, saved from the browser: GB2312 declared, a layout
    table around everything, merged cells as rowspan/colspan, <br> in cells, a script and a footer."""
    cells = []
    for r, row in enumerate(ROWS):
        tds = []
        for c, text in enumerate(row):
            if text == "":
                continue
            span = 1
            while r + span < len(ROWS) and ROWS[r + span][c] == "":
                span += 1
            rowspan = f' rowspan="{span}"' if span > 1 else ""
            tds.append(f"<td{rowspan}>{text.replace(chr(10), '<br>')}</td>")
        cells.append("<tr>" + "\n  ".join(tds) + "</tr>")
    header = "".join(f"<th>{h}</th>" for h in HEADER)
    page = f"""<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN">
<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">
<title>关于印发2023年度抽查工作计划的通知_朔城区人民政府</title>
<style>td {{ border: 1px solid; }}</style>
<script>document.write("<table><tr><td>序号</td><td>抽查任务名称</td><td>抽查事项</td></tr></table>");</script>
</head><body>
<table width="100%"><tr><td>首页 &gt; 政务公开 &gt; 通知公告</td></tr>
<tr><td><p align="center"><b>{TITLE}</b></p>
<table border="1" cellspacing="0"><tbody><tr>{header}</tr>
{"".join(cells)}
<tr><td colspan="9">{NOTE}</td></tr></tbody></table>
</td></tr></table>
<table><tr><td>主办单位：朔城区人民政府</td><td>网站标识码：1406020001</td><td>晋ICP备00000000号</td></tr></table>
</body></html>"""
    return page.encode("gbk")


def without_rows(parsed) -> list[dict]:
    """Each parsed task with everything but where it stands in the file (the workbook has a title row,
    the document its title as a paragraph)."""
    tasks = []
    for task in parsed.tasks:
        values = dataclasses.asdict(task)
        values.pop("source_row")
        values["problems"] = [(p.code, p.column, p.params) for p in task.problems]
        tasks.append(values)
    return tasks


def test_the_xlsx_plan_reads_as_intended():
    """The reference the other formats are compared with: what it says, read right."""
    _, parsed = read_plan(xlsx_plan(), "plan.xlsx")
    tasks = {t.number: t for t in parsed.tasks}
    assert sorted(tasks) == [1, 2, 3, 4]
    assert tasks[1].items == ["计量器具检定情况", "计量标准器具考核情况"]
    assert tasks[2].items == ["产品标准执行情况", "产品标识标注情况", "生产许可证\n获证条件情况"]
    assert tasks[4].items == ["经营许可情况", "从业人员健康管理"] and tasks[4].rounds_per_year == 2
    assert [(t.window_start_month, t.window_end_month) for t in parsed.tasks] == [(4, 11), (4, 6), (5, 10), (1, 12)]
    assert [str(t.ratio) for t in parsed.tasks] == ["0.05", "0.03", "None", "0.1"] and tasks[3].fixed_count == 10
    assert tasks[4].initiator == "广告科" and "initiator" in tasks[4].inherited_fields


@pytest.mark.parametrize("make, name", [(docx_plan, "计划.docx"), (html_plan, "通知.html")])
def test_a_word_or_web_page_plan_reads_as_the_same_plan_in_excel(make, name):
    source, parsed = read_plan(make(), name)
    xlsx_source, xlsx_parsed = read_plan(xlsx_plan(), "plan.xlsx")
    assert without_rows(parsed) == without_rows(xlsx_parsed)
    assert (source.meta.year, source.meta.issuer) == (xlsx_source.meta.year, xlsx_source.meta.issuer)
    assert (source.meta.year, source.meta.issuer) == (2023, "朔城区市场监督管理局")
    codes = [p.code for p in parsed.problems]
    expected = [p.code for p in xlsx_parsed.problems] + (["other_table"] if name.endswith(".html") else [])
    assert sorted(codes) == sorted(expected) and "note_row" in codes


def test_merged_cells_come_as_excel_hands_them():
    """Word and the web page: a merged cell's text once, in its first row and column, the rest empty."""
    for data, name in ((docx_plan(), "p.docx"), (html_plan(), "p.htm"), (xlsx_plan(), "p.xlsx")):
        rows = [r.cells for r in read_plan_file(data, name).rows]
        continued = next(r for r in rows if r[3] == "2.产品标识标注情况")
        assert continued == ["", "", "", "2.产品标识标注情况", "", "", "", "", ""], name
        assert [r for r in rows if NOTE in r] == [[NOTE] + [""] * 8], name
        assert ["1.计量器具检定情况\n2.计量标准器具考核情况"] == [r[3] for r in rows if r[0] == "1"], name


def test_a_page_in_utf8_without_a_declared_charset_and_a_zip_by_content():
    page = html_plan().decode("gbk").replace("charset=gb2312", "").encode("utf-8")
    assert len(read_plan(page, "plan")[1].tasks) == 4  # no suffix: a web page by its content
    assert len(read_plan(docx_plan(), "计划.xlsx")[1].tasks) == 4  # a .docx under another name
    assert len(read_plan(xlsx_plan(), "plan.docx")[1].tasks) == 4
    assert len(read_plan(html_plan(), "导出.xls")[1].tasks) == 4  # systems that export "Excel" as a web page


@pytest.mark.parametrize("make, name", [(docx_plan, "计划.docx"), (html_plan, "通知.htm")])
def test_cli_imports_the_plan_from_word_and_from_a_web_page(app, db, runner, tmp_path, make, name):
    path = tmp_path / name
    path.write_bytes(make())
    result = runner.invoke(args=["plan", "import", str(path), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "4 tasks (4 new, 0 changed, 0 unchanged), 8 inspection items" in result.output
    plan = db.session.scalar(select(Plan))
    assert (plan.year, plan.unit.code) == (2023, "140602")
    assert task_essence(plan.tasks) == task_essence(read_plan(xlsx_plan(), "plan.xlsx")[1].tasks)


def test_the_upload_page_imports_a_word_plan_as_the_excel_one(client_request, db):
    client_request.login("shuocheng", "supervisor", "140602")
    page = upload_plan(client_request, {"file": (io.BytesIO(docx_plan()), "抽查计划.docx")}, 200)
    assert page.find(id="import-report")
    plan = db.session.scalar(select(Plan))
    assert (plan.year, plan.unit.code) == (2023, "140602")
    assert task_essence(plan.tasks) == task_essence(read_plan(xlsx_plan(), "plan.xlsx")[1].tasks)
    page = upload_plan(client_request, {"file": (io.BytesIO(html_plan()), "通知.html"), "action": "check"}, 200)
    assert page.find(id="import-report")["data-checked"] == "true"
    assert not page.select(".change-list li")  # the web page says what the Word document said


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)


@pytest.mark.parametrize(
    "data, name, code, words",
    [
        (OLE, "计划.doc", "file_old_word", "另存为 Word 文档（.docx）"),
        (OLE, "计划.wps", "file_old_word", "另存为 Word 文档（.docx）"),
        (b"{\\rtf1\\ansi plan}", "计划.doc", "file_old_word", ".docx"),
        (OLE, "计划.xls", "file_not_xls", "已损坏"),  # an .xls is read; this one is damaged
        (OLE, "计划", "file_old_office", ".docx 或 .xlsx"),
        (b"PK\x03\x04 not really a zip", "计划.docx", "file_not_document", "Word"),
        (b"<html><body><p>no table</p></body></html>", "通知.html", "file_no_table", "表格"),
    ],
)
def test_files_that_cannot_be_read_get_clear_words(client_request, db, runner, tmp_path, data, name, code, words):
    with pytest.raises(PlanFileError) as caught:
        read_plan_file(data, name)
    assert caught.value.problem.code == code
    path = tmp_path / (name if "." in name else name + ".bin")
    path.write_bytes(data)
    result = runner.invoke(args=["plan", "import", str(path), "--year", "2023", "--unit", "140602"])
    assert result.exit_code == 1 and words in result.output and "Traceback" not in result.output
    client_request.login("shuocheng", "supervisor", "140602")
    page = upload_plan(client_request, {"file": (io.BytesIO(data), name), "year": "2023"}, 422)
    if "." in name:
        assert words in page.find(id="import-error").get_text()
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 0


def test_a_page_too_large_or_spans_too_wide_cost_no_more_than_a_plan():
    with pytest.raises(PlanFileError) as caught:
        read_plan_file(b"<html><table>" + b" " * (17 * 1024 * 1024), "page.html")
    assert caught.value.problem.code == "page_too_large"
    page = "<html><table><tr><td colspan='99999'>序号</td><td rowspan='99999'>抽查任务名称</td></tr></table></html>"
    rows = read_plan_file(page.encode(), "page.html").rows
    assert len(rows) == 1 and len(rows[0].cells) == 101  # a span is cut at 100 columns


def test_a_damaged_word_table_is_refused_with_words_not_a_crash():
    import zipfile

    damaged = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(docx_plan())) as source, zipfile.ZipFile(damaged, "w") as out:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "word/document.xml":
                body = body.replace(b"<w:tc>", b'<w:tc><w:tcPr><w:gridSpan w:val="x"/></w:tcPr>', 1)
            out.writestr(item, body)
    with pytest.raises(PlanFileError) as caught:
        read_plan_file(damaged.getvalue(), "plan.docx")
    assert caught.value.problem.code == "file_not_document"


def test_a_tracked_correction_and_a_content_control_are_read_as_word_shows_them():
    """A ratio corrected with track changes on (不低于3% deleted, 不低于5% inserted) and a scope typed
    into a content control read as the plan says, not as empty cells inherited from above."""
    import docx
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    document = docx.Document(io.BytesIO(docx_plan()))
    table = document.tables[0]
    rewritten = {
        (1, 5): '<w:del w:id="1" w:author="a"><w:r><w:delText>不低于3%</w:delText></w:r></w:del>'
        '<w:ins w:id="2" w:author="a"><w:r><w:t>不低于5%</w:t></w:r></w:ins>',
        (2, 4): "<w:sdt><w:sdtContent><w:r><w:t>工业产品生产企业</w:t></w:r></w:sdtContent></w:sdt>",
    }
    for (r, c), xml in rewritten.items():
        p = table.cell(r, c).paragraphs[0]._p
        for run in p.r_lst:
            p.remove(run)
        for element in parse_xml(f"<w:p {nsdecls('w')}>{xml}</w:p>"):
            p.append(element)
        assert table.cell(r, c).text.strip() == ""  # python-docx's own text leaves both out
    buffer = io.BytesIO()
    document.save(buffer)
    _, parsed = read_plan(buffer.getvalue(), "plan.docx")
    assert without_rows(parsed) == without_rows(read_plan(xlsx_plan(), "plan.xlsx")[1])


def test_section_headings_between_word_tables_are_the_categories_of_their_tasks():
    """一、食品领域 / 二、特种设备 printed as paragraphs above each table, numbering restarting in each, and a
    note paragraph under the last: the headings go with their tasks, the note is pointed out."""
    import docx

    document = docx.Document()
    document.add_paragraph("一、加强组织领导")  # the notice's own heading, not right above a table
    document.add_paragraph("各所要高度重视。")
    header = ["序号", "抽查任务名称", "抽查事项", "抽查对象", "抽查比例", "抽查时间", "实施主体"]
    for heading, row in (
        ("一、食品领域", ["1", "食品销售者检查", "1.经营资质 2.进货查验", "食品销售者", "5%", "第二季度", "县局"]),
        ("二、特种设备", ["1", "电梯使用单位检查", "使用登记", "电梯使用单位", "不低于5%", "全年", "县局"]),
    ):
        document.add_paragraph(heading)
        table = document.add_table(rows=2, cols=len(header))
        for r, cells in enumerate((header, row)):
            for c, text in enumerate(cells):
                table.cell(r, c).text = text
    document.add_paragraph("注：各市场监管所按属地实施。")
    buffer = io.BytesIO()
    document.save(buffer)
    _, parsed = read_plan(buffer.getvalue(), "计划.docx")
    assert [(t.number, t.name, t.source_cells["类别"]) for t in parsed.tasks] == [
        (1, "食品销售者检查", "一、食品领域"),
        (2, "电梯使用单位检查", "二、特种设备"),
    ]
    told = [(p.code, p.params.get("text")) for p in parsed.all_problems if p.code in ("section_row", "note_row")]
    assert told == [
        ("section_row", "一、食品领域"),
        ("section_row", "二、特种设备"),
        ("note_row", "注：各市场监管所按属地实施。"),
    ]
    assert [p.code for p in parsed.tasks[1].problems][:1] == ["number_duplicate"]  # 1 again: renumbered, said so


def test_a_table_of_numbered_items_nested_in_a_word_cell_gives_those_items():
    import docx

    document = docx.Document()
    header = ["序号", "抽查任务名称", "抽查事项", "抽查对象", "抽查比例", "抽查时间", "实施主体"]
    table = document.add_table(rows=2, cols=len(header))
    for c, text in enumerate(header):
        table.cell(0, c).text = text
    for c, text in enumerate(["1", "电梯使用单位检查", "", "特种设备使用单位", "5%", "全年", "县局"]):
        table.cell(1, c).text = text
    cell = table.cell(1, 2)
    cell.text = "检查事项如下："
    nested = cell.add_table(rows=3, cols=2)
    for r, (number, item) in enumerate((("1", "使用登记"), ("2", "维护保养"), ("3", "作业人员持证"))):
        nested.cell(r, 0).text, nested.cell(r, 1).text = number, item
    buffer = io.BytesIO()
    document.save(buffer)
    _, parsed = read_plan(buffer.getvalue(), "计划.docx")
    task = parsed.tasks[0]
    assert (task.items_heading, task.items) == ("检查事项如下", ["使用登记", "维护保养", "作业人员持证"])


def test_a_ratio_and_a_number_in_columns_side_by_side_are_each_read_with_their_unit():
    """A web page's two-row header, 抽查比例/数量 over 比例（%） | 数量（户）: a task giving only a number has that
    number (it was taken for a merged ratio cell and given the ratio of the task above)."""
    page = """<html><head><meta charset="utf-8"></head><body><table>
    <tr><th rowspan="2">序号</th><th rowspan="2">抽查任务名称</th><th rowspan="2">抽查事项</th>
        <th rowspan="2">抽查对象</th><th colspan="2">抽查比例/数量</th><th rowspan="2">抽查时间</th></tr>
    <tr><th>比例（%）</th><th>数量（户）</th></tr>
    <tr><td>1</td><td>食品生产企业检查</td><td>生产许可</td><td>食品生产企业</td><td>5</td><td></td><td>4月-6月</td></tr>
    <tr><td>2</td><td>小作坊检查</td><td>登记</td><td>食品小作坊</td><td></td><td>10</td><td>全年</td></tr>
    <tr><td>3</td><td>两者都写</td><td>登记</td><td>企业</td><td>3</td><td>10</td><td>全年</td></tr>
    </table></body></html>"""
    _, parsed = read_plan(page.encode(), "计划.html")
    assert [(t.ratio, t.fixed_count) for t in parsed.tasks] == [
        (Decimal("0.05"), None),
        (None, 10),
        (Decimal("0.03"), None),  # both: the ratio, and the number beside it pointed out
    ]
    assert "inherited" not in [p.code for p in parsed.all_problems]
    assert [p.code for p in parsed.tasks[2].problems] == ["ratio_extra_text"]


def test_section_headings_between_a_pages_tables_are_the_categories_of_their_tasks():
    header = "<tr><td>序号</td><td>抽查任务名称</td><td>抽查事项</td><td>抽查对象</td><td>抽查比例</td></tr>"
    page = f"""<html><head><meta charset="utf-8"></head><body>
    <p>三、工作要求</p><p>各所要高度重视。</p><p>一、食品领域</p>
    <table>{header}<tr><td>1</td><td>食品销售检查</td><td>经营资质</td><td>食品销售者</td><td>5%</td></tr></table>
    <p><strong>二、特种设备</strong></p><p>（续表）</p>
    <table>{header}<tr><td>1</td><td>电梯检查</td><td>使用登记</td><td>特种设备使用单位</td><td>5%</td></tr></table>
    <p>注：抽查比例为全年比例。</p><div>版权所有 一、二、三</div></body></html>"""
    _, parsed = read_plan(page.encode(), "计划.html")
    assert [t.source_cells["类别"] for t in parsed.tasks] == ["一、食品领域", "二、特种设备"]
    told = [(p.code, p.params.get("text")) for p in parsed.problems if p.code in ("section_row", "note_row")]
    assert told == [
        ("section_row", "一、食品领域"),
        ("section_row", "二、特种设备"),
        ("note_row", "注：抽查比例为全年比例。"),
    ]


@pytest.mark.parametrize(
    ("make", "part", "name"), [(xlsx_plan, SHARED_STRINGS, "计划.xlsx"), (docx_plan, WORD_STYLES, "计划.docx")]
)
def test_a_plan_file_whose_part_read_whole_expands_hundreds_of_times_is_refused_unread(
    app, db, runner, tmp_path, make, part, name
):
    # The bound the subject import keeps (core.office_zip): a plan workbook whose shared strings
    # expanded to 180 MB was read (2 s, 172 MB); python-docx reads every part of a document whole.
    data = inflated(make(), part, 700_000)  # over 60 MB of XML in well under 1 MB
    assert len(data) < 1024 * 1024
    with pytest.raises(PlanFileError) as caught:
        read_plan_file(data, name)
    assert caught.value.problem.code == "file_inflated"
    path = tmp_path / name
    path.write_bytes(data)
    result = runner.invoke(args=["plan", "import", str(path), "--year", "2023", "--unit", "140602"])
    assert result.exit_code == 1 and "解压后" in result.output and part[0] in result.output, result.output
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 0
