"""Inspector rosters as bureaus keep them: the header, a person's row, a workbook over several sheets."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook

HEADER = ["姓名", "执法证号", "有效期至", "单位", "账号"]


def person(n: int, account: str = "") -> list:
    return [f"检查员{n}", f"14060200{n:02d}", "2030-12-31", "朔城区市场监督管理局", account]


def roster_workbook() -> bytes:
    """说明 in front; 第一页: people 1–2; 第二页 under a title: person 3, a row without a name, person 4."""
    book = Workbook()
    book.active.title = "说明"
    book.active.append(["请勿修改表头"])
    first = book.create_sheet("第一页")
    first.append(HEADER)
    first.append(person(1))
    first.append(person(2))
    second = book.create_sheet("第二页")
    second.append(["朔州市执法检查人员名录（续）"])
    second.append(HEADER)
    second.append(person(3))
    second.append(["", "1406029999", "2030-12-31", "朔城区", ""])  # row 4: no name
    second.append(person(4))
    data = BytesIO()
    book.save(data)
    return data.getvalue()
