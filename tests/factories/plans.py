"""Plan tables for the import tests: the printed 2021 Shuozhou seed, another bureau's layout, CSV and .xlsx;
and the ``city_plan`` fixture (the seed imported and published) a test module imports to use it."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from fieldapp.plans.class_ratios import describe_ratios, stored_ratios
from fieldapp.plans.columns import find_header
from fieldapp.plans.importer import import_plan
from fieldapp.plans.operations import publish_plan
from fieldapp.plans.tables import read_plan_file

ROOT = Path(__file__).resolve().parent.parent.parent
SEED = ROOT / "data" / "plan-2021-shuozhou.txt"
DATA = Path(__file__).resolve().parent.parent / "data" / "plans"

HEADER = [
    "序号",
    "抽查任务名称",
    "抽查类型",
    "抽查事项",
    "抽查对象范围",
    "抽查比例/数量",
    "抽取日期",
    "发起主体/指导单位",
    "抽查检查主体",
]


def seed_rows() -> list[list[str]]:
    """The seed's 21 task rows (without the page headers), 9 cells each."""
    source = read_plan_file(SEED.read_bytes(), SEED.name)
    rows = []
    seen_header = False
    for row in source.rows:
        if find_header(row.cells):
            seen_header = True
            continue
        if seen_header and len(row.filled) > 1:
            rows.append((row.cells + [""] * 9)[:9])
    assert len(rows) == 21
    return rows


# Another bureau's layout: other header words, another order, two extra columns.
OTHER_HEADER = {
    "序号": "序号",
    "抽查检查主体": "检查主体",
    "抽取日期": "抽查检查起止时间",
    "抽查比例/数量": "比例",
    "发起主体/指导单位": "发起主体/指导单位",
    "抽查对象范围": "抽查对象范围",
    "抽查事项": "抽查事项",
    "抽查类型": "抽查类型",
    "抽查任务名称": "抽查任务名称",
}
OTHER_ORDER = [
    "抽查任务名称",
    "序号",
    "抽查检查主体",
    "抽查事项",
    "信用风险分类管理",
    "抽取日期",
    "抽查类型",
    "抽查比例/数量",
    "抽查对象范围",
    "抽查检查模式",
    "发起主体/指导单位",
]


def shuffled_table() -> list[list[str]]:
    """Header plus rows in OTHER_ORDER, extra columns filled, header repeated mid-table."""
    header = [OTHER_HEADER.get(name, name) for name in OTHER_ORDER]
    out = [["朔州市市场监督管理局2021年双随机抽查计划"], header]
    for index, row in enumerate(seed_rows()):
        cells = dict(zip(HEADER, row))
        cells["信用风险分类管理"] = "对A、B、C、D类企业分别递加比例抽取" if index % 2 == 0 else ""
        cells["抽查检查模式"] = "县抽县查"
        out.append([cells[name] for name in OTHER_ORDER])
        if index == 9:
            out.append(header)
    return out


def to_csv(rows: list[list[str]], encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def to_xlsx(rows: list[list[str]], *, merge_blanks: bool = True, percent_cells: bool = False) -> bytes:
    """An Excel workbook; blank cells below a filled one become merged ranges, as in the original."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "计划"
    for r, row in enumerate(rows, 1):
        for c, value in enumerate(row, 1):
            if value == "":
                continue
            cell = sheet.cell(row=r, column=c)
            if c == 1 and value.isdigit():
                cell.value = int(value)  # 序号 as a number, as Excel users type it
            elif percent_cells and value.endswith("%") and value[:-1].isdigit():
                cell.value = int(value[:-1]) / 100
                cell.number_format = "0%"
            else:
                cell.value = value
    if merge_blanks:
        width = max(len(r) for r in rows)
        for c in range(1, width + 1):
            r = 1
            while r <= len(rows):
                if sheet.cell(row=r, column=c).value is not None:
                    end = r
                    while end + 1 <= len(rows) and _blank(rows, end + 1, c) and len(rows[end]) > 1:
                        end += 1
                    if end > r:
                        sheet.merge_cells(start_row=r, start_column=c, end_row=end, end_column=c)
                    r = end + 1
                else:
                    r += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _blank(rows, r, c) -> bool:
    row = rows[r - 1]
    return c - 1 < len(row) and row[c - 1] == ""


# --- the committed fixture files, imported through the command line ---------------------------


def _simple_rows() -> list[SimpleNamespace]:
    """The seed's task rows (tab-separated), items split on their numbers: 1, 2. （3） 4、"""
    tasks = []
    for line in SEED.read_text(encoding="utf-8").splitlines():
        cells = line.split("\t")
        if len(cells) < 5 or not cells[0].strip().isdigit():
            continue
        text = cells[3].strip()
        parts = re.split(r"(?:^|[;；。\s])\s*(?:[（(]\d+[）)]|\d+\s*[,，.．、])", text)
        items = [p.strip(" ;；,，、。") for p in parts[1:]] if len(parts) > 1 else [text]
        tasks.append(SimpleNamespace(number=int(cells[0]), items=[i for i in items if i], whole=text, tags=None))
    return tasks


def seed_tasks() -> list[SimpleNamespace]:
    """The seed's tasks with their items, as the plan importer reads them when it is there."""
    try:
        from fieldapp.plans.importer import read_plan
    except ImportError:  # pragma: no cover (before the plan importer exists)
        return _simple_rows()
    _, parsed = read_plan(SEED.read_bytes(), SEED.name)
    whole = {t.number: t.whole for t in _simple_rows()}
    return [
        SimpleNamespace(
            number=t.number,
            items=list(t.items),
            whole=whole[t.number],
            tags=list(t.scope_rule.get("tags_any") or []) + list(t.scope_rule.get("holdings_any") or []),
        )
        for t in parsed.tasks
    ]


@pytest.fixture
def city_plan(db):
    """The seed plan imported and published (the city bureau's 2021 plan)."""
    plan = import_plan(SEED.read_bytes(), SEED.name).plan
    publish_plan(plan)
    db.session.commit()
    return plan


def task_form(task, **overrides):
    """The edit form's fields as a browser would post them, from the task as it stands."""
    rule = task.scope_rule or {}
    data = {
        "name": task.name,
        "kind": task.kind,
        "items": "\n".join(i.text for i in task.items),
        "scope": task.scope,
        "kinds": list(rule.get("kinds") or []),
        "tags": list(rule.get("tags_any") or []),
        "ratio_percent": str((task.ratio * 100).normalize()) if task.ratio is not None else "",
        "class_ratios_text": describe_ratios(stored_ratios(task.class_ratios)),
        "fixed_count": task.fixed_count or "",
        "rounds_per_year": task.rounds_per_year,
        "window_start_month": task.window_start_month or "",
        "window_end_month": task.window_end_month or "",
        "initiator": task.initiator,
        "guiding_department": task.guiding_department,
        "executor": task.executor,
        "cooperating_departments": task.cooperating_departments,
        "reason": "",
    }
    for flag in ("ratio_is_floor", "executes_city", "executes_county"):
        if getattr(task, flag):
            data[flag] = "y"
    if rule.get("past_business_term"):
        data["past_business_term"] = "y"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}
