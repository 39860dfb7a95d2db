"""A plan table's header as the parser reads it: which column holds which field, the titles as
printed (a cell's key in ``source_cells``), and the second row of a two-row header joined to it."""

from __future__ import annotations

from dataclasses import dataclass

from .columns import find_header
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
    with no 序号, name or items of its own."""
    return bool(row.filled) and not any(cell(row, header, name) for name in ("number", "name", "items"))


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
    """The cell's text, or None when the table has no such column."""
    index = header.mapping.get(name)
    if index is None:
        return None
    return row.cells[index].strip() if index < len(row.cells) else ""
