"""A plan table's header as the parser reads it: which column holds which field, the titles as
printed (a cell's key in ``source_cells``), and the second row of a two-row header joined to it."""

from __future__ import annotations

from dataclasses import dataclass

import re

from .cells import compact, normalise
from .class_ratios import classes_named
from .columns import field_for_header, find_header
from .tables import Row


@dataclass
class Header:
    row: int
    mapping: dict[str, int]
    titles: list[str]

    def key(self, index: int) -> str:
        """The source_cells key of a column: its header text as printed (made unique)."""
        title = self.titles[index].strip() if index < len(self.titles) else ""
        if not title:
            return f"#{index + 1}"
        if self.titles[:index].count(self.titles[index]):
            return f"{title} #{index + 1}"
        return title

    def label(self, field_name: str) -> str:
        index = self.mapping[field_name]
        from openpyxl.utils import get_column_letter  # openpyxl is slow to import: only when used

        return f"{self.key(index)} ({get_column_letter(index + 1)})"


def is_subheader(row: Row, header: Header) -> bool:
    """The second row of a two-row header (抽查比例/数量 over 比例 | 数量): right under the header,
    with no 序号 or name of its own, and no items unless it names columns (抽查内容 over 抽查事项 | 检查方式)."""
    if not row.filled or any(cell(row, header, name) for name in ("number", "name")):
        return False
    return not cell(row, header, "items") or any(field_for_header(text) for text in row.filled)


def merge_subheader(header: Header, row: Row) -> Header:
    """Each column's title with its second-row words (抽查比例/数量·数量); a blank title under a merged
    cell takes the title on its left."""
    titles, parent = [], ""
    for index, text in enumerate(row.cells):
        title = header.titles[index].strip() if index < len(header.titles) else ""
        parent = title or parent
        titles.append("·".join(t for t in (title or parent, text.strip()) if t))
    return Header(header.row, find_header(titles) or header.mapping, titles)


def column_word(name: str) -> str:
    from .columns import ALIASES

    return ALIASES[name][0]


def cell(row: Row, header: Header, name: str) -> str | None:
    """The cell's text, or None when the table has no such column. 抽查比例/数量 split into columns side by
    side (比例（%） | 数量（户）) is the text of those filled, each with the unit its header gives."""
    index = header.mapping.get(name)
    if index is None:
        return None
    if name == "ratio":
        texts = (with_unit(_text(row, i), header.titles[i]) for i in ratio_columns(header))
        return "，".join(text for text in texts if text)
    return _text(row, index)


def _text(row: Row, index: int) -> str:
    return row.cells[index].strip() if index < len(row.cells) else ""


def ratio_columns(header: Header) -> list[int]:
    """The ratio column and every other ratio or number column of the table, side by side (比例（%） | 数量（户）)
    or apart (抽查比例 | 抽查频次 | 抽查数量): what each says is read together, so a count beside a ratio is
    pointed out rather than left unread. Not a column headed by a credit class (抽查比例·A类: read by
    class, ``notes.apply_class_ratios``)."""
    first = header.mapping["ratio"]
    columns = [first] + [
        index for index, title in enumerate(header.titles) if index > first and field_for_header(title) == "ratio"
    ]
    classed = [i for i, title in enumerate(header.titles) if len(classes_named(title)) == 1]
    if len(classed) < 2:  # one column headed 高风险企业抽查比例 is the task's ratio, not a ratio by class
        return columns
    return [index for index in columns if index not in classed]


_BARE_NUMBER = re.compile(
    r"^\s*(不低于|不少于|不小于|至少|≥|>=)?\s*(\d+(?:\.\d+)?(?:\s*(?:-|~|～|—|–|至)\s*\d+(?:\.\d+)?)?)\s*$"
)


def with_unit(text: str, title: str) -> str:
    """A bare number under a header that gives its unit: 抽查比例（%） 5 → 5%, 抽查数量（户） 10 → 10户; of a
    two-row header (抽查比例/数量·数量（户）) the second row's words say it."""
    title, match = compact(title).split("·")[-1], _BARE_NUMBER.match(normalise(text))
    if not match:
        return text
    if "%" in title:
        return f"{match.group(1) or ''}{match.group(2)}%"
    if (
        ("数量" in title or "户数" in title)
        and "比例" not in title
        and re.fullmatch(r"[\d\s\-~～—–至]+", match.group(2))
    ):
        return f"{match.group(1) or ''}{match.group(2)}户"
    return text
