"""Domain vocabularies the inspector's form offers: check methods (检查方式) and result categories
(抽查检查结果, from the checklist engine's result table, ``data/result_categories.yaml``)."""

from __future__ import annotations

from typing import Literal, get_args

# 检查方式 (multi-select on the record form).
CheckMethod = Literal[
    "实地检查",
    "书面检查",
    "网络监测",
    "检验检测",
    "行政部门检查结果或专业意见",
    "委托专业机构辅助",
]
CHECK_METHODS: tuple[str, ...] = get_args(CheckMethod)


def result_categories(locale=None) -> tuple[tuple[str, str], ...]:
    """(code, label) pairs an inspector may choose from."""
    from ..checklists import result_table

    table = result_table()
    return tuple((code, category.label.get(locale)) for code, category in table.categories.items())


def follow_up_measure_choices(locale=None) -> tuple[tuple[str, str], ...]:
    """(code, label) pairs of the 后续处置措施 an inspector may choose for a task."""
    from ..checklists import result_table

    return tuple((code, measure.label.get(locale)) for code, measure in result_table().measures.items())
