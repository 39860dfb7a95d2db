"""Writes the plans of tests/test_plan_other_bureaus.py: six annual 双随机 plans laid out as other
provinces' bureaus publish them — Word, Excel, a saved notice page (GBK) and a text PDF — with the notice
above the table, a header over two rows with merged cells, footnotes below, ratios such as 5‰, 不低于3%,
10户, 全覆盖 and ranges, times such as 第二季度, 6-9月 and 2024年5月至10月, scopes in prose and inspection
matters no checklist answers. Run it again after changing a table:

    .venv/bin/python tests/data/plans/make_other_bureaus.py
"""

from __future__ import annotations

import io
from pathlib import Path

HERE = Path(__file__).resolve().parent

# --- 1. a district bureau's Word plan (a two-row header: 抽查安排 over 抽查比例 | 实施时间) -------------------

DISTRICT_NOTICE = [
    "临市监〔2024〕15号",
    "临安区市场监督管理局关于印发2024年度“双随机、一公开”抽查工作计划的通知",
    "各市场监管所、局机关各科室：",
    "根据《浙江省市场监督管理局关于印发2024年度“双随机、一公开”抽查工作计划的通知》要求，结合我区实际，"
    "制定本计划，请认真组织实施。",
    "临安区市场监督管理局",
    "2024年3月5日",
]
DISTRICT_HEAD = [
    ["序号", "抽查任务", "抽查事项", "抽查对象", "抽查安排", "", "责任科室", "备注"],
    ["", "", "", "", "抽查比例", "实施时间", "", ""],
]
DISTRICT_ROWS = [
    [
        "1",
        "餐饮服务食品安全监督检查",
        "1.食品经营许可情况\n2.餐饮服务食品安全操作规范执行情况\n3.从业人员健康管理情况",
        "辖区内取得食品经营许可的餐饮服务单位",
        "5%",
        "第二季度",
        "食品经营科",
        "",
    ],
    [
        "2",
        "加油站计量及油品质量监督检查",
        "①燃油加油机强制检定情况\n②成品油质量情况",
        "加油站、加气站",
        "不低于3%",
        "6-9月",
        "计量科",
        "与区商务局联合开展",
    ],
    [
        "3",
        "电梯使用单位监督检查",
        "电梯使用登记及维护保养情况",
        "辖区内电梯使用单位",
        "5‰",
        "2024年5月至10月",
        "特种设备科",
        "",
    ],
    [
        "4",
        "网络直播营销活动检查",
        "网络直播营销活动合规情况",
        "辖区内开展网络直播营销的市场主体",
        "10户",
        "下半年",
        "网监科",
        "",
    ],
    [
        "5",
        "校园周边食品安全检查",
        "校园周边食品销售者食品安全情况",
        "中小学校周边食品销售者",
        "全覆盖",
        "9月",
        "食品经营科",
        "开学季",
    ],
    ["6", "企业公示信息抽查", "1.企业公示信息情况\n2.登记事项", "辖区内各类企业", "3%-5%", "全年", "信用监管科", ""],
]
DISTRICT_FOOT = [
    "注：1.抽查比例为占检查对象名录库的比例；2.各市场监管所按属地负责实施。",
    "临安区市场监督管理局办公室  2024年3月5日印发",
]


def district_docx() -> bytes:
    import docx

    document = docx.Document()
    for line in DISTRICT_NOTICE:
        document.add_paragraph(line)
    document.add_paragraph("附件")
    document.add_paragraph("临安区市场监督管理局2024年度“双随机、一公开”抽查工作计划表")
    rows = DISTRICT_HEAD + DISTRICT_ROWS
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            lines = text.split("\n")
            table.cell(r, c).text = lines[0]
            for line in lines[1:]:
                table.cell(r, c).add_paragraph(line)
    table.cell(0, 4).merge(table.cell(0, 5)).text = "抽查安排"  # 抽查安排 over its two columns
    for c in (0, 1, 2, 3, 6, 7):  # the other header cells span both header rows
        text = rows[0][c]
        table.cell(0, c).merge(table.cell(1, c)).text = text
    for line in DISTRICT_FOOT:
        document.add_paragraph(line)
    return _save(document)


# --- 2. a city's 部门联合 workbook (title row, 填报单位 row, 发起部门 merged down, a footnote) ------------

JOINT_TITLE = "无锡市2024年度市场监管领域部门联合“双随机、一公开”抽查计划"
JOINT_HEADER = [
    "序号",
    "抽查任务名称",
    "发起部门",
    "联合部门",
    "抽查事项",
    "抽查对象",
    "抽查比例",
    "检查方式",
    "实施时间",
    "备注",
]
JOINT_ROWS = [
    [
        "1",
        "对成品油经营企业的联合检查",
        "市市场监管局",
        "市商务局、市应急管理局",
        "1.成品油质量\n2.加油机计量\n3.成品油经营许可情况",
        "加油站、加气站",
        0.05,
        "现场检查",
        "第三季度",
        "",
    ],
    [
        "2",
        "对医疗机构的联合检查",
        "",
        "市卫生健康委",
        "1.医疗机构在用计量器具\n2.医疗广告发布情况",
        "辖区内医疗机构",
        "不低于5%",
        "现场检查",
        "4-6月",
        "",
    ],
    [
        "3",
        "对养老机构的联合检查",
        "市民政局",
        "市市场监管局、市消防救援支队",
        "1.养老机构食品安全\n2.电梯等特种设备安全",
        "养老机构",
        "全覆盖",
        "现场检查",
        "2024年5月至10月",
        "",
    ],
    [
        "4",
        "对校外培训机构的联合检查",
        "市教育局",
        "市市场监管局",
        "预收费及价格公示情况",
        "校外培训机构",
        "10%",
        "书面检查",
        "7-8月",
        "",
    ],
    [
        "5",
        "对燃气经营企业的联合检查",
        "市住房城乡建设局",
        "市市场监管局",
        "气瓶充装许可及充装情况",
        "燃气经营企业",
        "20家",
        "现场检查",
        "第二、三季度",
        "",
    ],
]
JOINT_FOOT = "备注：抽查比例以发起部门检查对象名录库为基数；联合部门按职责同步开展检查。"


def joint_xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "联合抽查计划"
    sheet.append([JOINT_TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(JOINT_HEADER))
    sheet.append(["填报单位：无锡市市场监督管理局（盖章）", "", "", "", "", "", "", "填报日期：2024年2月20日"])
    sheet.append(JOINT_HEADER)
    for row in JOINT_ROWS:
        sheet.append(row)
    sheet["G4"].number_format = "0%"  # 0.05 shown as 5%
    sheet.merge_cells("C4:C5")  # 市市场监管局 initiates tasks 1 and 2
    sheet.append([JOINT_FOOT])
    sheet.merge_cells(start_row=sheet.max_row, start_column=1, end_row=sheet.max_row, end_column=len(JOINT_HEADER))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- 3. a district's notice page saved from its site (GBK; 抽查内容 over 抽查事项 | 检查方式) -------------

PAGE_TITLE = "深圳市市场监督管理局南山监管局2024年度“双随机、一公开”抽查工作计划"
PAGE_ROWS = [
    [
        "1",
        "工业产品生产许可证获证企业检查",
        "获证企业生产条件保持情况",
        "现场检查",
        "辖区内工业产品生产许可证获证企业",
        "5%",
        "第二季度",
    ],
    ["2", "化妆品经营者检查", "1.进货查验记录\n2.化妆品标签标识", "现场检查", "辖区内化妆品经营者", "3%", "6-9月"],
    ["3", "零售药店检查", "药品经营质量管理规范执行情况", "现场检查", "辖区内零售药店", "5%", "2024年5月至10月"],
    ["4", "明码标价检查", "明码标价情况", "书面检查", "商场、超市", "2%", "第四季度"],
]


def notice_page() -> bytes:
    head = (
        "<tr><th rowspan='2'>序号</th><th rowspan='2'>抽查任务</th><th colspan='2'>抽查内容</th>"
        "<th rowspan='2'>抽查对象</th><th rowspan='2'>抽查比例</th><th rowspan='2'>抽查时间</th></tr>"
        "<tr><th>抽查事项</th><th>检查方式</th></tr>"
    )
    body = "".join(
        "<tr>" + "".join(f"<td>{text.replace(chr(10), '<br>')}</td>" for text in row) + "</tr>" for row in PAGE_ROWS
    )
    page = (
        "<html><head><meta http-equiv='Content-Type' content='text/html; charset=gbk'>"
        f"<title>{PAGE_TITLE}</title></head><body><div class='nav'>首页 &gt; 政务公开 &gt; 双随机一公开</div>"
        f"<h1>{PAGE_TITLE}</h1><p>发布时间：2024-03-12 来源：南山监管局</p>"
        "<p>为规范事中事后监管，根据上级部署，制定本计划如下。</p>"
        f"<table border='1'>{head}{body}</table>"
        "<p>注：抽查比例为占辖区内同类市场主体总数的比例，抽查结果于检查完成后20个工作日内公示。</p>"
        "<p>深圳市市场监督管理局南山监管局</p><p>2024年3月12日</p></body></html>"
    )
    return page.encode("gbk")


# --- 4. a district's PDF attachment (抽查事项 names the task, 抽查内容 lists its items) ---------------

PDF_TITLE = "绵阳市涪城区市场监督管理局2024年度“双随机、一公开”抽查工作计划"
PDF_HEADER = ["序号", "抽查事项", "抽查对象", "抽查比例", "抽查内容", "检查方式", "实施时间", "责任科室"]
PDF_ROWS = [
    [
        "1",
        "对餐饮服务提供者的监督检查",
        "辖区内取得食品经营许可的餐饮服务单位",
        "5‰",
        "1.许可条件保持情况\n2.进货查验记录\n3.原料控制情况",
        "现场检查",
        "2024年5月至10月",
        "食品科",
    ],
    [
        "2",
        "对锅炉、压力容器使用单位的监督检查",
        "辖区内锅炉、压力容器使用单位",
        "3%",
        "1.使用登记\n2.定期检验",
        "现场检查",
        "第三季度",
        "特设科",
    ],
    [
        "3",
        "对网络交易平台经营者的监督检查",
        "网络交易平台经营者",
        "全覆盖",
        "平台经营者主体信息公示情况",
        "网络检查",
        "全年",
        "网监科",
    ],
    [
        "4",
        "对在用计量器具的监督检查",
        "集贸市场、商场超市",
        "10户",
        "在用强制检定计量器具检定情况",
        "现场检查",
        "6-9月",
        "计量科",
    ],
    [
        "5",
        "对二手车经营者的监督检查",
        "辖区内二手车交易市场经营者",
        "5%-10%",
        "二手车交易信息公示情况",
        "现场检查",
        "11月底前",
        "市场科",
    ],
]


def district_pdf() -> bytes:
    import weasyprint

    style = (
        "@page { size: A4 landscape; margin: 15mm } body { font-family: 'Noto Sans CJK SC'; font-size: 9pt }"
        "table { border-collapse: collapse; width: 100% } th, td { border: 0.6pt solid #000; padding: 2pt }"
    )
    head = "<tr>" + "".join(f"<th>{h}</th>" for h in PDF_HEADER) + "</tr>"
    body = "".join(
        "<tr>" + "".join(f"<td>{text.replace(chr(10), '<br>')}</td>" for text in row) + "</tr>" for row in PDF_ROWS
    )
    html = (
        f"<html><head><meta charset='utf-8'><style>{style}</style></head><body>"
        f"<p style='text-align:center'>涪市监发〔2024〕8号</p><h3 style='text-align:center'>{PDF_TITLE}</h3>"
        "<p>各市场监管所、机关各科室：现将本计划印发给你们，请遵照执行。</p>"
        f"<table><thead>{head}</thead><tbody>{body}</tbody></table>"
        "<p>注：抽查比例以国家企业信用信息公示系统名录库为准。</p>"
        "<p style='text-align:right'>绵阳市涪城区市场监督管理局</p><p style='text-align:right'>2024年3月20日</p>"
        "</body></html>"
    )
    return weasyprint.HTML(string=html).write_pdf()


# --- 5. a county-level city's workbook (sections, 抽查比例(%) as numbers, 实施主体, 联合部门) -------------

COUNTY_TITLE = "浏阳市市场监督管理局2024年度“双随机、一公开”抽查计划"
COUNTY_HEADER = [
    "序号",
    "抽查类别",
    "抽查事项",
    "事项类别",
    "检查对象",
    "抽查比例（%）",
    "抽查频次",
    "实施时间",
    "实施主体",
    "联合部门",
    "备注",
]
COUNTY_ROWS = [
    ["一、食品安全领域"],
    [
        "1",
        "食品生产",
        "食品生产者生产条件保持情况",
        "重点检查事项",
        "辖区内食品生产企业",
        5,
        "1次/年",
        "3月-5月",
        "各市场监管所",
        "",
        "",
    ],
    [
        "2",
        "食品销售",
        "食品销售者进货查验及贮存情况",
        "重点检查事项",
        "辖区内食品销售者",
        3,
        "1次/年",
        "第一、二季度",
        "各市场监管所",
        "",
        "",
    ],
    ["二、产品质量领域"],
    [
        "3",
        "烟花爆竹",
        "烟花爆竹产品质量",
        "一般检查事项",
        "烟花爆竹生产企业",
        "≥3",
        "2次/年",
        "10月底前",
        "局机关质量股",
        "市应急管理局",
        "",
    ],
    [
        "4",
        "计量",
        "眼镜制配计量监督检查",
        "一般检查事项",
        "眼镜制配场所",
        1,
        "1次/年",
        "全年",
        "各市场监管所",
        "",
        "按1‰执行的按1计",
    ],
]
COUNTY_FOOT = "说明：抽查比例为占同类检查对象总数的百分比。"


def county_xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append([COUNTY_TITLE])
    sheet.append(COUNTY_HEADER)
    for row in COUNTY_ROWS:
        sheet.append(row)
    sheet.append([COUNTY_FOOT])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- 6. a district's 部门联合 Word plan (牵头部门 merged down, items ①②③, another column order) -----------

JOINT_DOC_TITLE = "小店区2024年度部门联合“双随机、一公开”抽查工作计划"
JOINT_DOC_HEADER = ["序号", "抽查任务", "牵头部门", "联合部门", "抽查对象", "抽查内容", "抽查比例", "抽查时间"]
JOINT_DOC_ROWS = [
    [
        "1",
        "对加油站的联合检查",
        "区市场监管局",
        "区商务局",
        "加油站、加气站",
        "①加油机计量\n②油品质量\n③成品油零售经营资格",
        "5%-10%",
        "2024年6月-2024年9月",
    ],
    [
        "2",
        "对餐饮单位的联合检查",
        "",
        "区卫健局",
        "辖区内取得食品经营许可的餐饮服务单位",
        "①食品安全\n②公共场所卫生",
        "不少于2户",
        "4月—11月",
    ],
    ["3", "对旅行社的联合检查", "区文旅局", "区市场监管局", "旅行社", "①经营许可\n②广告发布", "5%", "第二季度"],
]


def joint_docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("小店区市场监管领域部门联合抽查联席会议办公室")
    document.add_paragraph(JOINT_DOC_TITLE)
    document.add_paragraph("各成员单位：现将本计划印发给你们，请按照职责分工认真组织实施。")
    rows = [JOINT_DOC_HEADER, *JOINT_DOC_ROWS]
    table = document.add_table(rows=len(rows), cols=len(JOINT_DOC_HEADER))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            lines = text.split("\n")
            table.cell(r, c).text = lines[0]
            for line in lines[1:]:
                table.cell(r, c).add_paragraph(line)
    table.cell(1, 2).merge(table.cell(2, 2)).text = "区市场监管局"
    document.add_paragraph("注：各牵头部门于每次抽查结束后20个工作日内公示抽查结果。")
    document.add_paragraph("2024年2月28日")
    return _save(document)


def _save(document) -> bytes:
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


FILES = {
    "other-district-2024.docx": district_docx,
    "other-joint-2024.xlsx": joint_xlsx,
    "other-notice-2024.html": notice_page,
    "other-district-2024.pdf": district_pdf,
    "other-county-2024.xlsx": county_xlsx,
    "other-joint-2024.docx": joint_docx,
}


def main() -> None:
    for name, make in FILES.items():
        (HERE / name).write_bytes(make())


if __name__ == "__main__":
    main()
