"""Writes the PDF plans of tests/test_plan_pdf.py, each a real PDF printed by WeasyPrint from an HTML table
in a CJK font (as a bureau's Word plan is printed to PDF), and the Word version of the first. Run it again
after changing a table:

    .venv/bin/python tests/data/plans/make_pdf_plans.py

- pdf-2024-thirty.pdf / .docx: the city bureau's notice (文件 head, 文号, title, body, issuer and date) and
  its 附件, a plan of 30 tasks over four A4 pages, the header printed again on every page; long names and
  items wrapped over lines; task 5's items on three rows under its merged cells; tasks 11-13 under one
  merged 发起部门 and 实施主体; a section heading between the tasks and a note under the table.
  The .docx is the same plan in Word: the two must import to the same tasks.
- pdf-2024-landscape.pdf: a county's plan on landscape pages, eleven columns, the header printed on the
  first page only, a title over the table and no notice.
- pdf-2024-credit.pdf: a plan whose 抽查比例 sets ratios by credit class (A类1%、B类3%、C类5%、D类10%).
- pdf-2024-scanned.pdf: the first page of the thirty-task plan as an image only (a scan: no text layer).
- pdf-2024-encrypted.pdf: the thirty-task plan that opens only with a password.
"""

from __future__ import annotations

import io
from pathlib import Path

HERE = Path(__file__).resolve().parent

CITY = "朔州市市场监督管理局"
TITLE = "朔州市市场监督管理局2024年度“双随机、一公开”抽查工作计划"
NOTICE = [
    "朔州市市场监督管理局文件",
    "朔市监发〔2024〕8号",
    f"关于印发《{TITLE}》的通知",
    "各县（市、区）市场监督管理局，局机关各科室：",
    "现将《朔州市市场监督管理局2024年度“双随机、一公开”抽查工作计划》印发给你们，请结合实际认真组织实施，"
    "抽查结果按规定在20个工作日内通过国家企业信用信息公示系统向社会公示。",
    CITY,
    "2024年2月20日",
]
HEADER = ["序号", "抽查任务名称", "抽查类型", "检查内容", "抽查对象", "抽查比例", "发起部门", "实施时间", "实施主体"]
FIELDS = [
    ("食品生产", "食品生产企业", "食品生产科"),
    ("食品销售", "食品销售经营者", "食品经营科"),
    ("餐饮服务", "餐饮服务提供者", "食品经营科"),
    ("特殊食品", "保健食品经营者", "特殊食品科"),
    ("药品零售", "药品零售企业", "药品流通科"),
    ("医疗器械经营", "医疗器械经营企业", "医疗器械科"),
    ("化妆品经营", "化妆品经营者", "化妆品科"),
    ("工业产品生产许可", "获证工业产品生产企业", "质量监督科"),
    ("计量器具", "加油站、集贸市场、眼镜店", "计量科"),
    ("特种设备使用", "特种设备使用单位", "特种设备安全监察科"),
]
ASPECTS = ["资质", "日常经营行为", "质量安全管理制度执行情况"]
EXECUTORS = ["市、县（区）级市场监管部门", "县（区）级市场监管部门", "市级市场监管部门"]
WINDOWS = ["2024年3月-11月", "第二季度", "5月-10月", "下半年", "全年"]
RATIOS = ["5%", "不低于3%", "10%", "不少于10户", "3%，2次/年"]


def thirty_rows() -> list[list[str]]:
    """30 tasks; a blank cell is merged with the filled one above it (task 5's items go on over two rows,
    tasks 11-13 share 发起部门 and 实施主体)."""
    rows: list[list[str]] = []
    for number in range(1, 31):
        field, subjects, department = FIELDS[(number - 1) % len(FIELDS)]
        aspect = ASPECTS[(number - 1) // len(FIELDS)]
        name = f"对{field}{aspect}的监督检查"
        if number % 7 == 0:
            name += "（含网络交易平台内经营者）"
        items = f"1.{field}许可（备案）情况\n2.{field}{aspect}落实情况"
        if number % 4 == 0:
            items += "\n3.从业人员培训考核及健康管理、进货查验记录和索证索票制度落实情况"
        kind = "不定向" if number % 3 == 0 else "定向"
        row = [str(number), name, kind, items, subjects, RATIOS[number % 5], department, WINDOWS[number % 5]]
        rows.append(row + [EXECUTORS[number % 3]])
        if number == 5:
            rows.append(["", "", "", "3.药品购销记录情况", "", "", "", "", ""])
            rows.append(["", "", "", "4.处方药凭处方销售情况", "", "", "", "", ""])
        if number in (12, 13):
            rows[-1][6] = rows[-1][8] = ""
    return rows


SECTION_BEFORE = 21  # 二、… printed as a row of its own above task 21
SECTION = "二、工业产品和特种设备领域"
NOTE = "注：1.抽查比例为计划比例，可根据名录库实有户数调整；2.县级局对应任务由各县（市、区）局自行实施。"

STYLE = """
@page { size: A4; margin: 2.2cm 2cm; @bottom-center { content: "— " counter(page) " —"; font-size: 9pt } }
body { font-family: "Noto Sans CJK SC", sans-serif; font-size: 10.5pt; line-height: 1.5 }
p { margin: 0.2em 0 } .head { text-align: center; font-size: 20pt; color: #c00 }
.center { text-align: center } .right { text-align: right } .indent { text-indent: 2em }
table { border-collapse: collapse; width: 100% } th, td { border: 0.6pt solid #000; padding: 2pt 3pt }
thead { display: table-header-group } tr { break-inside: avoid } td { vertical-align: top }
"""


def _cell(text: str, rowspan: int = 1, colspan: int = 1) -> str:
    spans = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + (f' colspan="{colspan}"' if colspan > 1 else "")
    return f"<td{spans}>{text.replace(chr(10), '<br>')}</td>"


def html_table(header: list[str], rows: list[list[str]], *, repeat_header: bool = True, sections=None) -> str:
    """The rows as an HTML table, a blank cell merged (rowspan) into the filled one above it."""
    head = "<tr>" + "".join(f"<th>{h}</th>" for h in header) + "</tr>"
    body = []
    sections = sections or {}
    for r, row in enumerate(rows):
        if row[0] in sections:
            body.append(f"<tr>{_cell(sections[row[0]], colspan=len(header))}</tr>")
        cells = []
        for c, text in enumerate(row):
            if text == "" and r and any(rows[k][c] for k in range(r)):
                continue  # covered by the merged cell above
            span = 1
            while text and r + span < len(rows) and rows[r + span][c] == "" and rows[r + span][0] not in sections:
                span += 1
            cells.append(_cell(text, rowspan=span))
        body.append("<tr>" + "".join(cells) + "</tr>")
    if repeat_header:
        return f"<table><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"
    return f"<table><tbody>{head}{''.join(body)}</tbody></table>"


def to_pdf(body: str, style: str = STYLE) -> bytes:
    import weasyprint

    page = f"<html><head><meta charset='utf-8'><style>{style}</style></head><body>{body}</body></html>"
    return weasyprint.HTML(string=page).write_pdf()


def thirty_pdf() -> bytes:
    head, number, title, greeting, body, issuer, issued = NOTICE
    notice = (
        f"<p class='head'>{head}</p><p class='center'>{number}</p><h3 class='center'>{title}</h3>"
        f"<p>{greeting}</p><p class='indent'>{body}</p><p class='right'>{issuer}</p><p class='right'>{issued}</p>"
    )
    sections = {str(SECTION_BEFORE): SECTION}
    table = html_table(HEADER, thirty_rows(), sections=sections)
    return to_pdf(f"{notice}<p>附件</p><p class='center'><b>{TITLE}</b></p>{table}<p>{NOTE}</p>")


def thirty_docx() -> bytes:
    """The same plan in Word: the notice and 附件 as paragraphs, the table with its blank cells merged,
    items one paragraph each, the section heading as a paragraph between two tables, the note under them."""
    import docx

    document = docx.Document()
    for line in NOTICE + ["附件", TITLE]:
        document.add_paragraph(line)
    rows = thirty_rows()
    split = next(r for r, row in enumerate(rows) if row[0] == str(SECTION_BEFORE))
    _word_table(document, [HEADER, *rows[:split]])
    document.add_paragraph(SECTION)
    _word_table(document, [HEADER, *rows[split:]])
    document.add_paragraph(NOTE)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _word_table(document, rows: list[list[str]]) -> None:
    table = document.add_table(rows=len(rows), cols=len(HEADER))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            lines = text.split("\n")
            table.cell(r, c).text = lines[0]
            for line in lines[1:]:
                table.cell(r, c).add_paragraph(line)
    for c in range(len(HEADER)):
        for r, row in enumerate(rows):
            end = r
            while row[c] and end + 1 < len(rows) and rows[end + 1][c] == "":
                end += 1
            if end > r:
                text = table.cell(r, c).text
                merged = table.cell(r, c).merge(table.cell(end, c))
                merged.text = text  # python-docx joins the merged cells' paragraphs
                if "\n" in text:
                    lines = text.split("\n")
                    merged.text = lines[0]
                    for line in lines[1:]:
                        merged.add_paragraph(line)


LANDSCAPE_TITLE = "应县市场监督管理局2024年“双随机、一公开”抽查计划表"
LANDSCAPE_HEADER = [
    "序号",
    "抽查事项",
    "抽查对象范围",
    "抽查比例",
    "抽查频次",
    "抽查时间",
    "发起部门",
    "配合部门",
    "抽查检查主体",
    "检查方式",
    "备注",
]


def landscape_rows() -> list[list[str]]:
    rows = []
    for number in range(1, 19):
        field, subjects, department = FIELDS[(number - 1) % len(FIELDS)]
        matter = f"对{field}经营者遵守《中华人民共和国产品质量法》等法律法规情况的行政检查（第{number}项）"
        row = [str(number), matter, subjects, RATIOS[number % 5].split("，")[0], "1次/年", WINDOWS[number % 5]]
        row += [department, "县农业农村局" if number % 4 == 0 else "无", "县局", "书面检查、实地核查", ""]
        rows.append(row)
    return rows


def landscape_pdf() -> bytes:
    style = STYLE.replace("size: A4;", "size: A4 landscape;")
    table = html_table(LANDSCAPE_HEADER, landscape_rows(), repeat_header=False)
    return to_pdf(f"<p class='center'><b>{LANDSCAPE_TITLE}</b></p><p>填报单位：应县市场监督管理局</p>{table}", style)


CREDIT_TITLE = "山阴县市场监督管理局2024年度“双随机、一公开”抽查工作计划"
CREDIT_HEADER = ["序号", "抽查任务名称", "抽查事项", "抽查对象范围", "抽查比例", "实施时间"]
CREDIT_ROWS = [
    ["1", "食品经营者监督检查", "1.经营许可情况\n2.进货查验记录", "食品经营者", "A类1%、B类3%、C类5%、D类10%", "全年"],
    ["2", "餐饮服务提供者检查", "许可情况", "餐饮服务提供者", "A类、B类企业2%，C类、D类企业10%", "5月-10月"],
    ["3", "广告发布行为检查", "广告发布登记情况", "广告发布单位", "5%", "第三季度"],
]


def credit_pdf() -> bytes:
    table = html_table(CREDIT_HEADER, CREDIT_ROWS)
    return to_pdf(f"<p class='center'><b>{CREDIT_TITLE}</b></p>{table}")


def scanned_pdf(printed: bytes) -> bytes:
    """The printed plan's first page as an image (as a scanner hands it): no text at all."""
    import base64

    import pypdfium2

    document = pypdfium2.PdfDocument(printed)
    image = document[0].render(scale=1.5).to_pil()
    buffer = io.BytesIO()
    image.convert("L").save(buffer, format="PNG", optimize=True)
    document.close()
    picture = base64.b64encode(buffer.getvalue()).decode("ascii")
    style = "@page { size: A4; margin: 0 } img { width: 210mm; height: 297mm; display: block }"
    return to_pdf(f"<img src='data:image/png;base64,{picture}'>", style)


def encrypted_pdf(printed: bytes) -> bytes:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(printed)))
    writer.encrypt(user_password="sz2024", owner_password="owner-2024", algorithm="AES-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def main() -> None:
    printed = thirty_pdf()
    files = {
        "pdf-2024-thirty.pdf": printed,
        "pdf-2024-thirty.docx": thirty_docx(),
        "pdf-2024-landscape.pdf": landscape_pdf(),
        "pdf-2024-credit.pdf": credit_pdf(),
        "pdf-2024-scanned.pdf": scanned_pdf(printed),
        "pdf-2024-encrypted.pdf": encrypted_pdf(printed),
    }
    for name, data in files.items():
        (HERE / name).write_bytes(data)
        print(name, len(data))


if __name__ == "__main__":
    main()
