"""Writes joint-2021-shuozhou.csv for tests/test_plan_two_a_year.py: the 部门联合 plan the Shuozhou city bureau
published in 2021 beside its own plan (data/plan-2021-shuozhou.txt), laid out in the seed's columns. Its tasks are
numbered 1… as the bureau's own are, so 序号 repeat across the two plans. Run it again after changing a row:

    .venv/bin/python tests/data/plans/make_joint_2021.py
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

HERE = Path(__file__).resolve().parent
TITLE = "朔州市2021年度市场监管领域部门联合“双随机、一公开”抽查工作计划"
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
    "配合部门",
]
EXECUTOR = "市、县(区)级市场监管部门"
ROWS = [
    [
        "1",
        "加油站计量和成品油质量联合抽查",
        "定向",
        "1.加油机计量检定情况；2.成品油质量情况",
        "本辖区加油站",
        "不低于5%",
        "4月-11月",
        "市局组织发起/计量科指导",
        EXECUTOR,
        "市商务局",
    ],
    [
        "2",
        "校外培训机构收费和广告联合抽查",
        "定向",
        "1.收费公示情况；2.广告宣传情况",
        "本辖区校外培训机构",
        "不低于5%",
        "5月-10月",
        "市教育局组织发起/市局计量科指导",
        EXECUTOR,
        "市教育局",
    ],
]


def joint_2021() -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([TITLE] + [""] * (len(HEADER) - 1))
    writer.writerows([HEADER, *ROWS])
    return buffer.getvalue().encode("utf-8-sig")


if __name__ == "__main__":
    (HERE / "joint-2021-shuozhou.csv").write_bytes(joint_2021())
