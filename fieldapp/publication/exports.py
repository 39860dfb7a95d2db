"""Open data (CSV, JSON) and the upload layout of the national enterprise credit publicity system (.xlsx)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable

from flask import Response
from flask.globals import app_ctx

from ..core.cells import csv_row, xlsx_row
from .queries import identifier_kind
from .snapshot import task_kind_label

# Open data: one row per current published record. (key, CSV header)
OPEN_DATA_COLUMNS = [
    ("public_id", "记录编号"),
    ("version", "版本"),
    ("subject_name", "企业名称"),
    ("subject_ident", "统一社会信用代码/注册号"),
    ("inspecting_unit", "检查实施机关"),
    ("task_kind", "抽查类型"),
    ("plan_name", "抽查计划名称"),
    ("task_name", "抽查任务"),
    ("plan_year", "计划年度"),
    ("inspected_on", "检查日期"),
    ("result_code", "结果代码"),
    ("result", "检查结果"),
    ("follow_up", "后续处置"),
    ("published_on", "公示日期"),
    ("corrected", "是否更正"),
    ("short_hash", "校验码"),
    ("url", "网址"),
]

# 国家企业信用信息公示系统 抽查检查结果 upload layout: one row per task result (two tasks at one
# firm on one day are two rows, told apart by the task and the record number). A firm is identified
# by its credit code, or by its registration number where it has none (an individual business
# registered before credit codes): each in its own column, never a 注册号 under 统一社会信用代码.
NATIONAL_COLUMNS = [
    "抽查计划名称",
    "任务名称",
    "检查对象名称",
    "统一社会信用代码",
    "注册号",
    "检查实施机关",
    "抽查类型",
    "检查完成日期",
    "检查结果",
    "后续处置",
    "公示日期",
    "版本",
    "校验码",
    "记录编号",
]
DATE_COLUMNS = {NATIONAL_COLUMNS.index(name) for name in ("检查完成日期", "公示日期")}
COLUMN_WIDTHS = (36, 40, 36, 22, 18, 26, 10, 12, 30, 40, 12, 6, 12, 16)


def open_data_row(record, base_url: str) -> dict:
    return {
        "public_id": record.public_id,
        "version": record.version,
        "subject_name": record.subject_name,
        "subject_ident": record.subject_ident,
        "inspecting_unit": record.inspecting_unit_name,
        "task_kind": task_kind_label(record.task_kind),
        "plan_name": record.plan_name,
        "task_name": record.task_name,
        "plan_year": record.plan_year,
        "inspected_on": record.inspected_on.isoformat(),
        "result_code": record.result_code,
        "result": record.result_label,
        "follow_up": record.follow_up_public,
        "published_on": record.published_on.isoformat(),
        "corrected": record.version > 1,
        "short_hash": record.short_hash,
        "url": f"{base_url}/public/results/{record.public_id}",
    }


def _attachment(name: str) -> dict:
    return {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "public, max-age=300"}


def _in_app_context(records: Callable[[], Iterable]):
    """Run the query inside the generator, in an app context of its own: the response body is
    produced after the view has returned (the request context may already be gone)."""
    app = app_ctx.app  # the app itself, not the proxy: the body outlives this context

    def rows():
        with app.app_context():
            yield from records()

    return rows()


def csv_response(records: Callable[[], Iterable], base_url: str, filename: str) -> Response:
    """Stream every record as CSV. ``records`` is called when the body is produced."""

    def generate(records):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")  # so spreadsheet programs read the UTF-8 Chinese text correctly
        writer.writerow([header for _, header in OPEN_DATA_COLUMNS])
        for n, record in enumerate(records, 1):
            row = open_data_row(record, base_url)
            writer.writerow(
                csv_row("是" if row[k] is True else "否" if row[k] is False else row[k] for k, _ in OPEN_DATA_COLUMNS)
            )
            if n % 500 == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    body = generate(_in_app_context(records))
    return Response(body, mimetype="text/csv; charset=utf-8", headers=_attachment(filename))


def json_response(records: Callable[[], Iterable], base_url: str, filename: str) -> Response:
    def generate(records):
        yield '{"fields": ' + json.dumps(dict(OPEN_DATA_COLUMNS), ensure_ascii=False) + ', "results": ['
        for n, record in enumerate(records):
            yield ("," if n else "") + "\n" + json.dumps(open_data_row(record, base_url), ensure_ascii=False)
        yield "\n]}\n"

    headers = _attachment(filename) | {"Content-Disposition": f'inline; filename="{filename}"'}
    return Response(generate(_in_app_context(records)), mimetype="application/json", headers=headers)


def identifiers(record) -> tuple[str, str]:
    """(统一社会信用代码, 注册号) of a published record, each "" when the firm was published without it
    (a record kept only ``subject_ident`` goes to the column its shape says)."""
    ident = record.subject_ident or ""
    uscc = record.uscc or (ident if identifier_kind(ident) == "uscc" else "")
    registration = record.registration_number or ("" if uscc else ident)
    return uscc, registration


def national_row(record) -> list:
    return [
        record.plan_name,
        record.task_name,
        record.subject_name,
        *identifiers(record),
        record.inspecting_unit_name,
        task_kind_label(record.task_kind),
        record.inspected_on,
        record.result_label,
        record.follow_up_public,
        record.published_on,
        record.version,
        record.short_hash,
        record.public_id,
    ]


# Records withdrawn (撤销) since they were published: to be withdrawn in the national system too.
WITHDRAWN_COLUMNS = [
    "记录编号",
    "抽查计划名称",
    "任务名称",
    "检查对象名称",
    "统一社会信用代码",
    "注册号",
    "检查实施机关",
    "检查完成日期",
    "公示日期",
    "撤销日期",
    "撤销原因",
]
WITHDRAWN_DATE_COLUMNS = {WITHDRAWN_COLUMNS.index(name) for name in ("检查完成日期", "公示日期", "撤销日期")}
WITHDRAWN_WIDTHS = (16, 36, 40, 36, 22, 18, 26, 12, 12, 12, 48)


def withdrawn_row(record) -> list:
    """A withdrawal's last version: the record as it was published, and when and why it was withdrawn."""
    from ..clock import local_date

    return [
        record.public_id,
        record.plan_name,
        record.task_name,
        record.subject_name,
        *identifiers(record),
        record.inspecting_unit_name,
        record.inspected_on,
        record.published_on,
        local_date(record.published_at),
        record.correction_note,
    ]


def national_xlsx(records: Iterable, withdrawals: Iterable = ()) -> bytes:
    """The records in the national system's upload layout, dates as real Excel dates; a second sheet
    lists the records withdrawn since they were published, to be withdrawn there as well."""
    from openpyxl import Workbook  # imported when used: slow to load for every process start

    workbook = Workbook(write_only=True)
    _sheet(workbook, "抽查检查结果", NATIONAL_COLUMNS, COLUMN_WIDTHS, DATE_COLUMNS, map(national_row, records))
    columns, widths, dates = WITHDRAWN_COLUMNS, WITHDRAWN_WIDTHS, WITHDRAWN_DATE_COLUMNS
    _sheet(workbook, "已撤销的记录", columns, widths, dates, map(withdrawn_row, withdrawals))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _sheet(workbook, title: str, columns: list[str], widths, date_columns: set[int], rows: Iterable[list]) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    header = []
    for name in columns:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in rows:
        for index in date_columns:
            cell = WriteOnlyCell(sheet, value=row[index])
            cell.number_format = "yyyy-mm-dd"
            row[index] = cell
        sheet.append(xlsx_row(sheet, row))
