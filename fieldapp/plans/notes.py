"""What a plan says beside its columns: a table without a 抽查比例 column often gives the ratio once, in a
note under it (注：抽查比例原则上不低于3%) — read for the tasks that have none, asking for it to be
confirmed; several ratios in the notes are not chosen among. Ratios by credit class (信用风险分类管理: A类1%、
B类3% …, in the ratio cell, or in columns A类 | B类 …) are read into the task's ratio and class multipliers,
asking for them to be confirmed (``class_ratios.py``). A section heading above a category's tasks
(一、食品领域) is told from a notice's sentence."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .cells import FLOOR_WORDS, normalise, parse_ratio
from .class_ratios import class_rule, classes_named, describe_ratios, percent_text, read_class_ratios, reading_refusal
from .problems import Problem

if TYPE_CHECKING:
    from .parsing import ParsedTask

_RATIO_SENTENCE = re.compile(r"[^。；;]*(?:抽查|抽取|检查)比例[^。；;]*")
_PERCENT = re.compile(r"(?:不低于|不少于|至少|≥)?\s*\d+(?:\.\d+)?\s*[%％]")


def ratio_in_notes(notes: list[tuple[int, str]]) -> tuple[int, str, str] | None:
    """(row, the note, the ratio as written) when the notes name exactly one ratio for the plan."""
    found: dict[str, tuple[int, str]] = {}
    for row, text in notes:
        for sentence in _RATIO_SENTENCE.findall(text):
            for words in _PERCENT.findall(sentence):
                found.setdefault(re.sub(r"\s+", "", words), (row, text))
    if len(found) != 1:
        return None
    words, (row, text) = next(iter(found.items()))
    return row, text, words


def apply_note_ratio(tasks: list[ParsedTask], notes: list[tuple[int, str]]) -> None:
    """The notes' one ratio for each task without a ratio or a number, each with a problem asking to confirm."""
    found = ratio_in_notes(notes)
    if found is None:
        return
    row, text, words = found
    ratio = parse_ratio(words)
    if ratio.ratio is None:
        return
    for task in tasks:
        if task.ratio is None and task.fixed_count is None:
            task.ratio, task.ratio_is_floor = ratio.ratio, ratio.is_floor
            task.problems.append(Problem("ratio_from_note", row=row, params={"ratio": words, "text": text[:80]}))


_CREDIT_COLUMN = ("信用", "风险分类")
# Problems about the ratio cell that a reading by class answers (A类1%、B类3% is "several ratios").
_ANSWERED = ("ratio_missing", "ratio_ambiguous", "ratio_extra_text", "ratio_unreadable", "ratio_rounds_only")


def class_note(notes: list[tuple[int, str]]) -> tuple[str, str] | None:
    """(where, the note) of the first note giving ratios by class, for a table with no ratio column."""
    for row, text in notes:
        if read_class_ratios(text):
            return f"注（第{row}行）", text
    return None


def _class_texts(task: ParsedTask, note: tuple[str, str] | None) -> list[tuple[str, str, bool]]:
    """(column, text, is the ratio cell) of every cell that may give ratios by class: the ratio cell,
    a credit-risk column's cell, and columns headed by a class (A类 | B类 …, 低风险 | 高风险 …) read as one;
    for a task with neither a ratio nor a number, a note under a table without a ratio column."""
    found = []
    if note and task.ratio is None and task.fixed_count is None:
        found.append((note[0], note[1], True))
    if task.raw.get("ratio") and classes_named(task.raw["ratio"] or ""):
        found.append((task.ratio_column, task.raw["ratio"] or "", True))
    by_class = []
    for title, text in task.source_cells.items():
        named = classes_named(title)
        if any(word in title for word in _CREDIT_COLUMN) and not named and text:
            found.append((title, text, False))
        elif len(named) == 1 and text and text.strip():
            unit = "%" if "%" in normalise(title) or "比例" in title else ""
            value = text.strip() + (unit if re.fullmatch(r"\d+(?:\.\d+)?", normalise(text).strip()) else "")
            by_class.append((title, f"{named[0]}类{value}"))
    if len(by_class) > 1:  # one column headed by a class (高风险企业抽查比例) is no ratio by class
        found.append(("、".join(t for t, _ in by_class), "、".join(v for _, v in by_class), False))
    return found


def apply_class_ratios(task: ParsedTask, note: tuple[str, str] | None = None) -> None:
    """Ratios by credit class, read into the task's ratio and class multipliers when the draw can
    express them exactly, with a problem asking to confirm them (the per-class ratios are kept in
    ``task.class_ratios``, unconfirmed); pointed out as not applied when they cannot be."""
    readings = [(col, text, cell, r) for col, text, cell in _class_texts(task, note) if (r := read_class_ratios(text))]
    if not readings:
        return
    column, words, in_ratio_cell, reading = readings[0]
    params = {"column": column, "text": words[:80]}

    def refuse(code: str, **extra) -> None:
        task.problems.append(Problem(code, row=task.source_row, params={**params, **extra}))

    if len({tuple(sorted(r.stated.items())) for *_, r in readings}) > 1:
        return refuse("credit_ratios_conflict")
    if refusal := reading_refusal(reading):
        return refuse(refusal)
    if task.fixed_count is not None:
        return refuse("credit_ratios_with_count", count=task.fixed_count)
    general = reading.general[0] if reading.general else (None if in_ratio_cell else task.ratio)
    read = class_rule(reading.stated, general)
    if read is None:
        return refuse("credit_ratios_inexact")
    if in_ratio_cell or task.ratio is None:
        task.problems = [p for p in task.problems if p.code not in _ANSWERED]
        task.ratio_is_floor = task.ratio_is_floor or any(word in normalise(words) for word in FLOOR_WORDS)
    ratios, filled, rule = read.ratios, read.filled, read.rule
    task.ratio, task.risk_multipliers = rule.ratio, read.multipliers()
    task.class_ratios = read.stored(column, words)
    refuse("credit_ratios_read", ratios=describe_ratios(ratios), base=percent_text(rule.ratio))
    for cls, near in filled.items():
        if near == "general":
            refuse("credit_ratio_general", cls=cls, ratio=percent_text(ratios[cls]))
        else:
            refuse("credit_ratio_weighted", cls=cls, near=near, ratio=percent_text(ratios[cls]))
    for words_range, low in reading.ranges:
        refuse("ratio_range", text=words_range, low=low)
    if rule.base == "divisor":
        refuse("credit_ratios_divisor", base=percent_text(rule.ratio))


_SECTION = re.compile(
    r"^\s*(?:[一二三四五六七八九十]{1,3}\s*[、.．]|[（(]\s*[一二三四五六七八九十]{1,3}\s*[）)]|"
    r"第[一二三四五六七八九十]{1,3}(?:部分|类|章|节))\s*[^\s。；;，,：:]{1,20}$"
)


def is_section_heading(text: str) -> bool:
    """``一、食品领域``, ``（二）特种设备``, ``第三部分 工业产品``: a short numbered heading, no sentence,
    that a plan prints above the tasks of one category."""
    return bool(_SECTION.match(normalise(text).replace(" ", "")))
