"""Result categories (抽查检查结果) and the public wording of follow-up measures (后续处置).

The code table is data (``data/result_categories.yaml``) read only by the checklist engine
(``checklists/results.py``); publication asks it for labels and adds the public wording.
"""

from __future__ import annotations

from ..checklists.results import Category, result_table
from ..checklists.text import LocalText


def categories() -> dict[str, Category]:
    """Result categories by code, in table order."""
    return result_table().categories


def category(code: str | None) -> LocalText:
    """The label of ``code``; multi-select codes ("A,B") join their labels."""
    return result_table().text(code)


def result_choices(locale: str | None = None) -> list[tuple[str, str]]:
    """(code, label) of every result category in ``locale`` (default: the page's), a finer one
    indented under the one it is part of."""
    table = result_table()
    return [(code, "\u3000" * table.depth(code) + cat.label.get(locale)) for code, cat in table.categories.items()]


# 后续处置措施 → the public wording: what was done, without internal detail. Keys are the codes of
# ``follow_up_measures`` in the code table, or its labels; unknown measures fall back to the table's label.
FOLLOW_UP_PUBLIC = {
    "feedback": "已反馈日常监管部门依法依规处理",
    "order": "已责令改正",
    "case": "已移送办案机构依法依规处理",
    "notify": "已抄告相关部门",
    "none": "未发现问题或相关问题已改正，无需后续处置",
    "no_follow_up": "未发现问题或相关问题已改正，无需后续处置",
    "未发现问题或已改正，无需后续处置": "未发现问题或相关问题已改正，无需后续处置",
    "daily_supervision": "已反馈日常监管部门依法依规处理",
    "refer_daily": "已反馈日常监管部门依法依规处理",
    "反馈日常监管部门处理": "已反馈日常监管部门依法依规处理",
    "order_correction": "已责令改正",
    "责令改正": "已责令改正",
    "transfer_case": "已移送办案机构依法依规处理",
    "移送办案机构": "已移送办案机构依法依规处理",
    "notify_department": "已抄告相关部门",
    "抄告相关部门": "已抄告相关部门",
    "other": "其他",
    "其他": "其他",
}


def follow_up_public_wording(measures) -> str:
    """The public wording of the follow-up measures; internal detail (notes, case numbers) dropped."""
    phrases: list[str] = []
    for measure in measures or []:
        key = measure.get("code") or measure.get("measure") if isinstance(measure, dict) else measure
        key = str(key or "").strip()
        phrase = FOLLOW_UP_PUBLIC.get(key)
        if phrase is None:
            table = result_table().measures
            by_label = {m.label.zh: m.code for m in table.values()}
            code = key if key in table else by_label.get(key)
            phrase = FOLLOW_UP_PUBLIC.get(code or "") or (table[code].label.zh if code else key)
        if phrase and phrase not in phrases:
            phrases.append(phrase)
    return "；".join(phrases)
