"""The list of subjects with serious findings, as .xlsx for joint-punishment partners (联合惩戒)."""

from __future__ import annotations

from io import BytesIO

from ..auth.territory import county_names
from ..auth.unit_names import unit_label
from ..core.cells import text_cells, xlsx_values
from .codes import result_label

HEADERS = [
    "统一社会信用代码/注册号",
    "企业名称",
    "法定代表人",
    "所在县区",
    "检查实施机关",
    "抽查任务",
    "检查日期",
    "检查结果",
    "后续处置措施",
    "发现的问题",
]


def serious_findings_xlsx(results) -> bytes:
    from openpyxl import Workbook  # imported when used: slow to load for every process start
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "严重问题主体名单"
    ws.append(HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for r in results:
        s = r.subject
        ws.append(
            xlsx_values(
                [
                    s.uscc or s.registration_number or s.ident,
                    s.name,
                    s.legal_representative,
                    county_names().get(s.division_code, s.division_code),
                    unit_label(r.inspecting_unit),
                    f"{r.task.number}. {r.task.name}",
                    r.inspected_on,
                    result_label(r.result_code),
                    "；".join(r.follow_up_measures or []),
                    "；".join(f.get("text", "") for f in r.findings or [] if f.get("text")),
                ]
            )
        )
        text_cells(ws[ws.max_row])
        ws.cell(row=ws.max_row, column=7).number_format = "yyyy-mm-dd"
    for i, width in enumerate([22, 30, 10, 10, 24, 30, 12, 24, 40, 50], start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
