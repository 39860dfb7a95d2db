"""Subject directory files: the Chinese header of an import file, and registration codes that are valid,
an old registration number, one with a wrong check character and one of a county not in the organisation."""

from __future__ import annotations

from fieldapp.demo.generator import make_registration_number, make_uscc

HEADER = [
    "统一社会信用代码",
    "企业名称",
    "类型",
    "法定代表人",
    "住所",
    "所属区县",
    "行业",
    "信用风险分类",
    "分类日期",
    "登记状态",
    "营业期限至",
    "标签",
]
GOOD1 = make_uscc("E", "140602", 101)
GOOD2 = make_uscc("I", "140681", 102)
GOOD3 = make_uscc("C", "140623", 103)
OLD_REG = make_registration_number("140621", 104)
BAD_CHECK = GOOD1[:-1] + ("0" if GOOD1[-1] != "0" else "1")
UNKNOWN_COUNTY = make_uscc("E", "140602", 105)
