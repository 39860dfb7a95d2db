"""From rows of cell texts to parsed tasks: ``parse_plan_table(rows) -> ParsedPlan(tasks, problems)``.

Pure: no database, no request. Handles the header row repeated before each printed page, blank
cells left by merged cells (inherited from the task above and marked so), and reports every cell
it cannot read with its row and column. No row is dropped.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from decimal import Decimal


from .cells import (
    compact,
    normalise,
    parse_executor,
    parse_kind,
    parse_ratio,
    read_rounds,
    small_number,
    split_initiator,
    split_codes,
    split_item_row,
    split_items,
)
from ..checklists.definition import NATIONAL_ITEM_RE
from .columns import find_header
from .header import Header, cell, column_word, is_subheader, merge_subheader
from .windows import parse_window
from .notes import apply_class_ratios, apply_note_ratio, class_note, is_section_heading
from .problems import PlanFileError, Problem
from .scope import unread_words
from .scope_proposal import propose_scope
from .tables import Row

# Columns whose blank cell means "same as above" (a merged cell), and the fields they fill.
INHERITABLE = {
    "name": ("name",),
    "kind": ("kind",),
    "items": ("items",),
    "scope": ("scope",),
    "ratio": ("ratio",),
    "rounds": ("rounds_per_year",),
    "window": ("window",),
    "initiator": ("initiator", "guiding_department"),
    "guide": ("guiding_department",),
    "executor": ("executor",),
}  # not 配合部门: many tasks have none, so a blank cell is no merged cell
REPORTED_MISSING = ("name", "kind", "items", "scope", "ratio", "window", "initiator", "executor")


@dataclass
class ParsedTask:
    number: int
    source_row: int
    name: str = ""
    kind: str = "targeted"
    items_heading: str = ""
    items: list[str] = field(default_factory=list)
    item_codes: list[str] = field(default_factory=list)  # national item codes, one per item, when the plan has them
    scope: str = ""
    scope_rule: dict = field(default_factory=dict)
    ratio: Decimal | None = None
    ratio_is_floor: bool = False
    fixed_count: int | None = None
    risk_multipliers: dict | None = None  # set from ratios by credit class (class_ratios.py)
    class_ratios: dict | None = None  # those ratios as read, unconfirmed
    ratio_column: str = ""  # the ratio column's title
    rounds_per_year: int = 1
    window_start_month: int | None = None
    window_end_month: int | None = None
    initiator: str = ""
    guiding_department: str = ""
    executor: str = ""
    cooperating_departments: str = ""  # 配合部门, as written
    executes_city: bool = False
    executes_county: bool = False
    source_cells: dict[str, str] = field(default_factory=dict)
    inherited_fields: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    raw: dict[str, str | None] = field(default_factory=dict, repr=False)  # cell texts after inheritance


@dataclass
class ParsedPlan:
    tasks: list[ParsedTask]
    problems: list[Problem]  # about the table as a whole
    columns: frozenset[str] = frozenset()  # the fields the table has a column for

    @property
    def all_problems(self) -> list[Problem]:
        return self.problems + [p for t in self.tasks for p in t.problems]


def parse_plan_table(rows: list[Row]) -> ParsedPlan:
    problems: list[Problem] = []
    headers = [(i, h) for i, row in enumerate(rows) if (h := find_header(row.cells))]
    if not headers:
        raise PlanFileError("no_header")
    first_index, first_mapping = headers[0]
    header = Header(rows[first_index].number, first_mapping, rows[first_index].cells)

    tasks: list[ParsedTask] = []
    numbers: set[int] = set()
    early = [r for r in rows[:first_index] if len(r.filled) >= 3]
    if early:
        problems.append(Problem("rows_before_header", row=early[0].number, params={"count": len(early)}))
    header_rows = {i: h for i, h in headers}
    printed = _printed_numbers(rows[first_index + 1 :], header)
    notes: list[tuple[int, str]] = []  # (row, text) of the rows that are notes
    section = ""  # the heading above the tasks (一、食品领域), kept with each task's cells
    for index, row in enumerate(rows):
        if index in header_rows:
            header = Header(row.number, header_rows[index], row.cells)
            continue
        if index - 1 in header_rows and is_subheader(row, header):
            header = merge_subheader(header, row)
            if index - 1 == first_index:  # the columns the second row names are the table's too
                first_mapping = header.mapping
            problems.append(Problem("subheader_row", row=row.number, params={"text": "、".join(row.filled)[:80]}))
            continue
        if _is_section(row, header, index - first_index):
            section = row.filled[0].strip()
            problems.append(Problem("section_row", row=row.number, params={"text": section[:80]}))
            continue
        if index < first_index and row not in early:
            continue  # the notice or a title above the table
        if tasks and _continues(row, header):
            _continue_task(tasks[-1], row, header)
            continue
        if len(row.filled) <= 1 and not _number_cell(row, header):
            text = row.filled[0] if row.filled else ""
            problems.append(Problem("note_row", row=row.number, params={"text": text[:80]}))
            notes.append((row.number, text))
            continue
        task = _parse_row(row, header, tasks[-1] if tasks else None, numbers, printed)
        if section:
            task.source_cells.setdefault(SECTION_KEY, section)
        numbers.add(task.number)
        tasks.append(task)
    if not tasks:
        raise PlanFileError("no_tasks")
    problems[:0] = _missing_columns(first_mapping, rows[first_index].number)
    note = None
    if "ratio" not in first_mapping:
        apply_note_ratio(tasks, notes)
        note = class_note(notes)  # 注：A类企业抽查比例1%，B类3% … for the tasks without a ratio
    for task in tasks:
        apply_class_ratios(task, note)
    return ParsedPlan(tasks, problems, frozenset(first_mapping))


def _missing_columns(mapping: dict[str, int], row: int) -> list[Problem]:
    """The columns a plan should have and the table lacks (in either row of a two-row header); without a
    抽查类型 column every task is read as 定向, and that is said."""
    return [
        Problem(
            "kind_column_missing" if name == "kind" else "column_missing", row=row, params={"column": column_word(name)}
        )
        for name in REPORTED_MISSING
        if name not in mapping and not (name == "initiator" and "guide" in mapping)
    ]


# The source_cells key of the section heading printed above a task (一、食品领域).
SECTION_KEY = "类别"


def _is_section(row: Row, header: Header, after_header: int) -> bool:
    """A row holding only a section heading (一、食品领域, （二）特种设备) in the table or right above its
    header (a Word paragraph before the table); the notice's own headings further up are not one."""
    if after_header < -1 or len(row.filled) != 1 or _number_cell(row, header):
        return False
    return is_section_heading(row.filled[0])


# Cells a row of a task's further items may fill: the items, their codes and columns of no field (备注 …).
CONTINUING = ("items", "codes")


def _continues(row: Row, header: Header) -> bool:
    """A row that only adds inspection items to the task above: one item a row, with 序号, the name
    and every other field's cell merged over the rows (so empty here)."""
    if not cell(row, header, "items"):
        return False
    return all(not cell(row, header, name) for name in header.mapping if name not in CONTINUING)


def _continue_task(task: ParsedTask, row: Row, header: Header) -> None:
    """Add the row's items (and codes) to ``task``; its cells join the task's original cells."""
    items = split_item_row(cell(row, header, "items") or "")
    first = len(task.items) + 1
    task.items.extend(items)
    codes = split_codes(cell(row, header, "codes") or "")
    if task.item_codes and len(codes) == len(items):
        task.item_codes.extend(code.upper() for code in codes)
    elif task.item_codes:
        task.item_codes.extend([""] * len(items))
    for index, text in enumerate(row.cells):
        key = header.key(index)
        if text.strip():
            task.source_cells[key] = "\n".join(t for t in (task.source_cells.get(key, ""), text.strip()) if t)
    task.problems.append(
        Problem(
            "continued_row",
            row=row.number,
            column=header.label("items"),
            params={"number": task.number, "items": "–".join(dict.fromkeys(map(str, (first, len(task.items)))))},
        )
    )


def _number_cell(row: Row, header: Header) -> bool:
    text = cell(row, header, "number")
    return text is not None and _read_number(text) is not None


def _read_number(text: str) -> int | None:
    token = compact(text).rstrip(".、")
    if token.startswith("(") and token.endswith(")"):
        token = token[1:-1]  # （一）, (3): a 序号 in brackets (full-width folded)
    value = small_number(token)
    return value if value is not None and value > 0 else None


def _printed_numbers(rows: list[Row], header: Header) -> set[int]:
    """The 序号 printed in the table: a row without one (a blank under a merged 序号, a duplicate) is
    numbered after them all, so no printed task loses its number to it."""
    return {number for row in rows if (text := cell(row, header, "number")) and (number := _read_number(text))}


def _parse_row(row: Row, header: Header, previous: ParsedTask | None, used: set[int], printed: set[int]) -> ParsedTask:
    task = ParsedTask(number=0, source_row=row.number)
    task.source_cells = {header.key(i): text for i, text in enumerate(row.cells)}

    def problem(code: str, name: str | None = None, **params) -> None:
        column = header.label(name) if name and name in header.mapping else None
        task.problems.append(Problem(code, row=row.number, column=column, params=params))

    task.number = _task_number(cell(row, header, "number"), used | printed, used, problem)
    raw = _inherit(task, row, header, previous, problem)

    def quiet(field_name: str) -> bool:
        # Problems of an inherited value were reported on the row it came from.
        return field_name in task.inherited_fields

    task.name = raw.get("name") or ""

    if "kind" in header.mapping:
        kind, kind_problems = parse_kind(raw.get("kind") or "")
        task.kind = kind or "targeted"
        if not quiet("kind"):
            for code, params in kind_problems:
                problem(code, "kind", **params)
    _check_kind_against_name(task, problem)

    if "items" in header.mapping:
        task.items_heading, task.items = split_items(raw.get("items") or "")
        if not task.items and not quiet("items"):
            problem("items_missing", "items")
    if "name" not in header.mapping and len(task.items) == 1:
        task.name = task.items[0]  # no name column: the one matter the row checks names it (对…的行政检查)
    if not task.name and not quiet("name"):
        problem("name_missing", "name")
    if raw.get("codes"):
        task.item_codes = _item_codes(raw["codes"], len(task.items), problem)

    task.scope = raw.get("scope") or ""
    task.scope_rule = propose_scope(task.scope, task.items)
    if task.scope and not quiet("scope"):
        _check_scope(task.scope, task.scope_rule, problem)
    _parse_counts(task, raw, header, problem, quiet)
    _parse_units(task, raw, header, problem, quiet)
    return task


def _check_scope(scope: str, rule: dict, problem) -> None:
    """Say when the proposed rule selects more than the scope means: nothing read from it (every subject),
    or only kinds (企业 of 食品生产企业: every enterprise)."""
    unread = unread_words(scope)
    if not unread or any(rule[k] for k in ("tags_any", "holdings_any", "credit_classes", "past_business_term")):
        return
    if rule["kinds"]:
        problem("scope_kinds_only", "scope", text=scope, words=unread)
    else:
        problem("scope_no_rule", "scope", text=scope)


def _task_number(raw_number: str | None, taken: set[int], used: set[int], problem) -> int:
    """序号, or the number after every one ``taken`` (given to a task or printed in the table), with a
    problem saying why."""
    number = _read_number(raw_number) if raw_number else None
    fallback = max(taken, default=0) + 1 if (number is None or number in used) else 0
    if raw_number is not None and not raw_number:
        problem("number_missing", "number", number=fallback)
    elif raw_number and number is None:
        problem("number_unreadable", "number", text=raw_number, number=fallback)
    elif number in used:
        problem("number_duplicate", "number", text=raw_number, number=fallback)
        number = None
    return number or fallback


def _inherit(task: ParsedTask, row: Row, header: Header, previous: ParsedTask | None, problem) -> dict:
    """The row's cell texts by field, blank cells of a merged range taken from the task above."""
    raw: dict[str, str | None] = {}
    for name in header.mapping:
        text = cell(row, header, name)
        if name in INHERITABLE and not text and previous is not None:
            above = previous.raw.get(name)
            if above:
                raw[name] = above
                task.inherited_fields.extend(f for f in INHERITABLE[name] if f not in task.inherited_fields)
                problem("inherited", name, number=previous.number)
                continue
        raw[name] = text
    task.raw = raw  # what the next row inherits
    order = [f for fields in INHERITABLE.values() for f in fields]
    task.inherited_fields.sort(key=order.index)
    return raw


def _item_codes(text: str, items: int, problem) -> list[str]:
    """The national item codes of the task's items, one per item in order; [] (with a problem)
    when the codes cannot be paired with the items. A code that does not read is left blank."""
    codes = split_codes(text)
    if len(codes) != items:
        problem("item_codes_mismatch", "codes", codes=len(codes), items=items)
        return []
    for index, code in enumerate(codes):
        if not NATIONAL_ITEM_RE.match(code):
            problem("item_code_unreadable", "codes", text=code)
            codes[index] = ""
    return [code.upper() for code in codes]


def _parse_counts(task: ParsedTask, raw: dict, header: Header, problem, quiet) -> None:
    """抽查比例/数量, 频次 and the window."""
    if "ratio" in header.mapping:
        task.ratio_column = header.key(header.mapping["ratio"])
        ratio = parse_ratio(raw.get("ratio") or "")  # with the units its header gives (header.cell)
        task.ratio, task.ratio_is_floor, task.fixed_count = ratio.ratio, ratio.is_floor, ratio.fixed_count
        task.rounds_per_year = ratio.rounds_per_year
        if not quiet("ratio"):
            for code, params in ratio.problems:
                problem(code, "ratio", **params)
    if raw.get("rounds"):
        rounds, written, _ = read_rounds(normalise(raw["rounds"]))  # 每季度1次, 2次/年
        if not written:  # a bare count: 2, 2次, 两次
            match = re.search(r"(\d+|[一二两三四五六七八九十]+)", raw["rounds"])
            rounds = small_number(match.group(1)) if match else None
        if rounds and 1 <= rounds <= 12:
            task.rounds_per_year = rounds
        elif not quiet("rounds_per_year"):
            problem("rounds_unreadable", "rounds", text=raw["rounds"])

    if "window" in header.mapping:
        start, end, window_problems = parse_window(raw.get("window") or "")
        task.window_start_month, task.window_end_month = start, end
        if not quiet("window"):
            for code, params in window_problems:
                problem(code, "window", **params)


def _parse_units(task: ParsedTask, raw: dict, header: Header, problem, quiet) -> None:
    """发起主体, 指导单位 and 抽查检查主体."""
    if "initiator" in header.mapping:
        task.initiator, task.guiding_department = split_initiator(raw.get("initiator") or "")
    if raw.get("guide"):
        task.guiding_department = raw["guide"].strip().removesuffix("指导") or raw["guide"].strip()
    if task.guiding_department and not quiet("guiding_department"):
        suggestion = _unknown_department(task.guiding_department)
        if suggestion:
            problem(
                "guide_unknown",
                "guide" if "guide" in header.mapping else "initiator",
                text=task.guiding_department,
                suggestion=suggestion,
            )

    cooperating = (raw.get("cooperating") or "").strip()
    task.cooperating_departments = "" if cooperating in ("无", "/", "／", "-", "—", "——") else cooperating
    if "executor" in header.mapping:
        task.executor = raw.get("executor") or ""
        executor = parse_executor(task.executor)
        task.executes_city, task.executes_county = executor.city, executor.county
        if not quiet("executor"):
            for code, params in executor.problems:
                problem(code, "executor", **params)


def _check_kind_against_name(task: ParsedTask, problem) -> None:
    """Task 21 of the seed: named 不定向, typed 定向. Keep the type as written, say so."""
    says_untargeted = "不定向" in task.name
    says_targeted = not says_untargeted and "定向" in task.name
    if says_untargeted and task.kind == "targeted":
        problem("kind_name_conflict", "kind", name_says="不定向", kind_says="定向")
    elif says_targeted and task.kind == "untargeted":
        problem("kind_name_conflict", "kind", name_says="定向", kind_says="不定向")


def _unknown_department(text: str) -> str | None:
    """A suggestion when ``text`` is not a known department (质量监管库 → 质量监管科); None if known
    or if nothing is close. Lists such as 市局广告监管科、各县区局 are checked part by part."""
    from ..auth.organisation import department_names

    known = department_names()
    names = set(known)
    for part in re.split(r"[、,，]", text):
        part = part.strip().removeprefix("市局").removeprefix("市")
        if not part or part in names or part.endswith("局"):
            continue
        close = difflib.get_close_matches(part, known, n=1, cutoff=0.6)
        if close:
            return close[0]
    return None
