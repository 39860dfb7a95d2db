"""What a plan says beside its columns: a table without a 抽查比例 column often gives the ratio once, in a
note under it (注：抽查比例原则上不低于3%) — read for the tasks that have none, asking for it to be
confirmed; several ratios in the notes are not chosen among. Ratios by credit class in a column of
their own (信用风险分类管理: A类1%、B类3% …) are pointed out, not applied. A section heading above a
category's tasks (一、食品领域) is told from a notice's sentence."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .cells import normalise, parse_ratio
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
_CLASS_RATIO = re.compile(r"[A-DＡ-Ｄ]\s*类?[^%％]{0,6}\d+(?:\.\d+)?\s*[%％]")


def point_out_credit_ratios(task: ParsedTask) -> None:
    """A cell under a credit-risk column that sets ratios by class: the draw does not take them."""
    for title, text in task.source_cells.items():
        if any(word in title for word in _CREDIT_COLUMN) and _CLASS_RATIO.search(text or ""):
            task.problems.append(
                Problem("credit_ratios_not_applied", row=task.source_row, params={"column": title, "text": text[:80]})
            )


_SECTION = re.compile(
    r"^\s*(?:[一二三四五六七八九十]{1,3}\s*[、.．]|[（(]\s*[一二三四五六七八九十]{1,3}\s*[）)]|"
    r"第[一二三四五六七八九十]{1,3}(?:部分|类|章|节))\s*[^\s。；;，,：:]{1,20}$"
)


def is_section_heading(text: str) -> bool:
    """``一、食品领域``, ``（二）特种设备``, ``第三部分 工业产品``: a short numbered heading, no sentence,
    that a plan prints above the tasks of one category."""
    return bool(_SECTION.match(normalise(text).replace(" ", "")))
