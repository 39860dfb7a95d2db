"""Writes the plans of tests/test_plan_unseen_more.py: four bureaus' annual plans laid out as they were
published (their column words, orders, merged cells and ways of writing a ratio or a time), the Word
and Excel ones built here so the layout is plain to read. Run it again after changing a table:

    .venv/bin/python tests/data/plans/make_unseen_more.py

- county-2023-notice.html: a county bureau's notice page, saved from its site (GBK): 检查主体 first,
  年度计划名称 and 检查内容 alike, 计划开展时间, 股室, then 抽查比例 | 抽查频次 (=1, >=1) | 抽查数量 (1户(…为准。)).
- county-2024-categories.docx: 抽查类别 merged down over several 抽查事项 rows, each with its own 检查对象,
  比例 and month; a two-row header (实施主体 over 牵头股室 | 实施层级); a task whose items go on over rows.
- city-2024-sheets.xlsx: a 填报说明 sheet before the plan's sheet; a title row and a 填报单位 row; 抽查数量（户）
  as plain counts; 抽查时间 as quarters and half years; 牵头部门 | 配合部门 | 实施主体; a note row at the foot.
- joint-2024-fields.csv: a 部门联合 plan by 抽查领域 (no task-name column), numbered items one a line,
  抽查比例 5%-10% or 全覆盖 beside 抽查频次 (每季度抽查1次), 计划任务实施时段, no 实施主体 column.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

HERE = Path(__file__).resolve().parent

# --- a county's notice page -------------------------------------------------------------------

NOTICE_TITLE = "朔城区市场监督管理局2023年“双随机、一公开”抽查工作计划"
NOTICE_HEADER = [
    "序号",
    "检查主体",
    "年度计划名称",
    "检查内容",
    "计划开展时间",
    "股室",
    "抽查比例",
    "抽查频次",
    "抽查数量",
]
BUREAU = "朔城区市场监督管理局"
NOTICE_ROWS = [
    [
        "1",
        BUREAU,
        "对特种设备作业人员的行政检查",
        "对特种设备作业人员的行政检查",
        "1月—12月",
        "特种设备股",
        "5%",
        "=1",
        "1户(实际以联合双随机牵头单位抽查数为准。)",
    ],
    ["2", BUREAU, "对经营者价格活动的行政检查", "对经营者价格活动的行政检查", "1月—12月", "价监股", "5%", "=1", "1户"],
    [
        "3",
        BUREAU,
        "对广告发布单位报送《广告业统计报表》的行政检查",
        "对广告发布单位按规定报送《广告业统计报表》的行政检查",
        "3月—10月",
        "商标广告股",
        "5%",
        "=1",
        "3户(以实际工作抽查数为准。)",
    ],
    [
        "4",
        BUREAU,
        "对保健食品经营者的行政检查",
        "对保健食品经营者的行政检查",
        "第二季度",
        "食品股",
        "10%",
        ">=1",
        "2户(实际以联合双随机牵头单位抽查数为准)",
    ],
    [
        "5",
        BUREAU,
        "对电子商务经营者披露信息的行政检查",
        "对电子商务经营者披露信息的行政检查",
        "7月—12月",
        "网监股",
        "5%",
        "=1",
        "7户",
    ],
]


def notice_page() -> bytes:
    head = "".join(f"<td><p align=center><b>{h}</b></p></td>" for h in NOTICE_HEADER)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>\n" for row in NOTICE_ROWS)
    page = f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk">
<title>{NOTICE_TITLE}_朔城区人民政府</title></head><body>
<div class="nav">首页 &gt; 信息公开 &gt; 双随机抽查事项及计划</div>
<h1>{NOTICE_TITLE}</h1><p>发布机构：{BUREAU}　发布日期：2023-03-02</p>
<table border="1" cellspacing="0" style="border-collapse:collapse">
<tr><td colspan="9"><p align=center>{NOTICE_TITLE}</p></td></tr>
<tr>{head}</tr>
{body}</table>
<p>主办：朔城区人民政府办公室</p></body></html>"""
    return page.encode("gbk")


# --- a county's Word plan by categories ---------------------------------------------------------

WORD_TITLE = "怀仁市市场监督管理局2024年度“双随机、一公开”抽查工作计划"
WORD_HEADER = ["序号", "抽查类别", "抽查事项", "检查对象", "抽查比例", "初步检查时间", "实施主体", "", "备注"]
WORD_SUBHEADER = ["", "", "", "", "", "", "牵头股室", "实施层级", ""]
# Blank: merged with the cell above (序号 and 抽查类别 over a category's rows; 备注 down the whole table).
WORD_ROWS = [
    [
        "1",
        "计量监督抽查",
        "对加油机的计量监督检查",
        "加油站",
        "不低于5%",
        "2024年9月",
        "计量股",
        "县局",
        "按季度分批实施",
    ],
    ["", "", "对集贸市场在用计量器具的监督检查", "集贸市场", "10%", "2024年6月", "计量股", "县局", ""],
    ["", "", "对眼镜制配场所计量器具的检查", "眼镜店", "10%", "2024年7月", "计量股", "市场监管所", ""],
    ["2", "特种设备安全监督抽查", "1.使用登记情况", "特种设备使用单位", "每季度抽查1次", "全年", "特设股", "县局", ""],
    ["", "", "2.定期检验情况", "", "", "", "", "", ""],
    ["", "", "3.作业人员持证情况", "", "", "", "", "", ""],
    [
        "3",
        "企业公示信息抽查",
        "企业年度报告公示信息的检查",
        "辖区内企业",
        "不低于3%",
        "7月—11月",
        "信用股",
        "县局、市场监管所",
        "",
    ],
]


def word_plan() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("附件")
    document.add_paragraph(WORD_TITLE)
    rows = [WORD_HEADER, WORD_SUBHEADER, *WORD_ROWS]
    table = document.add_table(rows=len(rows), cols=len(WORD_HEADER))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    table.cell(0, 6).merge(table.cell(0, 7))  # 实施主体 over its two columns
    for c in (0, 1, 2, 3, 4, 5, 8):
        table.cell(0, c).merge(table.cell(1, c))  # the header's other titles down its two rows
    body = rows[2:]
    for c in range(len(WORD_HEADER)):
        r = 0
        while r < len(body):
            end = r
            while end + 1 < len(body) and body[end + 1][c] == "" and (c in (0, 1, 8) or body[end + 1][0] == ""):
                end += 1
            if end > r and body[r][c]:
                table.cell(r + 2, c).merge(table.cell(end + 2, c))
            r = end + 1
    for c in range(len(WORD_HEADER)):  # a merged cell's text is its first cell's (python-docx joins them)
        for r, row in enumerate(body):
            if row[c]:
                table.cell(r + 2, c).text = row[c]
    document.add_paragraph("备注：各股室按季度报送抽查进度。")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# --- a city's workbook of several sheets --------------------------------------------------------

SHEET_TITLE = "朔州市市场监督管理局2024年度“双随机、一公开”抽查工作计划表"
SHEET_HEADER = [
    "序号",
    "抽查任务",
    "抽查内容",
    "抽查对象",
    "抽查数量（户）",
    "抽查时间",
    "牵头部门",
    "配合部门",
    "实施主体",
]
SHEET_ROWS = [
    ["1", "食品生产企业监督抽查", "生产许可情况", "食品生产企业", 20, "第一季度", "食品生产科", "", "市局"],
    ["", "", "原料进货查验情况", "", "", "", "", "", ""],
    ["", "", "出厂检验记录", "", "", "", "", "", ""],
    [
        "2",
        "电梯使用单位监督抽查",
        "电梯使用登记及维护保养情况",
        "电梯使用单位",
        15,
        "二、三季度",
        "特设监察科",
        "住建局",
        "市局、各县（市、区）局",
    ],
    ["3", "商品条码监督抽查", "商品条码使用情况", "商品条码系统成员", 10, "上半年", "质量监管科", "", "市局"],
    [
        "4",
        "网络交易平台经营者监督抽查",
        "平台经营者主体信息公示情况",
        "网络交易平台经营者",
        "全覆盖",
        "第四季度",
        "网监科",
        "商务局",
        "市局",
    ],
]
SHEET_NOTE = "注：1.抽查数量为计划数，可根据名录库实有户数调整；2.县级局对应任务由各县（市、区）局自行实施。"


def workbook_plan() -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    about = workbook.active
    about.title = "填报说明"
    about["A1"] = "填报说明"
    about["A2"] = "1.本表由各科室填报，信用监管科汇总。"
    about["A3"] = "2.抽查事项须与随机抽查事项清单一致。"
    sheet = workbook.create_sheet("抽查计划")
    sheet.append([SHEET_TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(SHEET_HEADER))
    sheet.append(["填报单位：朔州市市场监督管理局", "", "", "", "", "", "填报时间：2024年1月15日"])
    sheet.append(SHEET_HEADER)
    first = 4
    for row in SHEET_ROWS:
        sheet.append(
            [int(v) if isinstance(v, str) and v.isdigit() and i == 0 else (v or None) for i, v in enumerate(row)]
        )
    for c in (1, 2, 4, 5, 6, 7, 8, 9):  # task 1's cells down its three item rows
        sheet.merge_cells(start_row=first, start_column=c, end_row=first + 2, end_column=c)
    sheet.append([SHEET_NOTE])
    last = sheet.max_row
    sheet.merge_cells(start_row=last, start_column=1, end_row=last, end_column=len(SHEET_HEADER))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- a joint plan by fields (CSV) ---------------------------------------------------------------

JOINT_ROWS = [
    ["朔州市2024年度市场监管领域部门联合“双随机、一公开”抽查工作计划", "", "", "", "", "", "", "", ""],
    ["序号", "抽查领域", "抽查事项", "检查对象", "发起部门", "配合部门", "抽查比例", "抽查频次", "计划任务实施时段"],
    [
        "1",
        "加油站计量和油品质量联合抽查",
        "1、加油机计量检定情况\n2、成品油质量情况",
        "全市加油站",
        "市市场监督管理局",
        "市商务局",
        "5%-10%",
        "每季度抽查1次",
        "2024年4-12月",
    ],
    [
        "2",
        "校外培训机构联合抽查",
        "1、取得证照情况\n2、收费公示情况\n3、广告宣传情况",
        "校外培训机构",
        "市教育局",
        "市市场监督管理局",
        "不低于5%",
        "1次/年",
        "第二、三季度",
    ],
    [
        "3",
        "电梯使用安全联合抽查",
        "1、使用登记情况\n2、维护保养情况",
        "住宅小区电梯使用单位",
        "市市场监督管理局",
        "市住房和城乡建设局",
        "全覆盖",
        "1次/年",
        "2024年6月底前",
    ],
]


def joint_csv() -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(JOINT_ROWS)
    return buffer.getvalue().encode("utf-8-sig")


FILES = {
    "county-2023-notice.html": notice_page,
    "county-2024-categories.docx": word_plan,
    "city-2024-sheets.xlsx": workbook_plan,
    "joint-2024-fields.csv": joint_csv,
}

if __name__ == "__main__":
    for name, make in FILES.items():
        (HERE / name).write_bytes(make())
        print(name)
