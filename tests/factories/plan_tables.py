"""A bureau's plan table as tests build it in every format (Excel, Word, a web page): its title,
header, rows and note, what a plan's tasks say (stored or parsed alike), and the upload form."""

from __future__ import annotations

TITLE = "朔城区市场监督管理局2023年度“双随机、一公开”抽查工作计划"
# A bureau's own header words, nine columns.
HEADER = ["序号", "抽查任务名称", "抽查类型", "检查内容", "抽查对象", "抽查比例", "发起部门", "实施时间", "实施主体"]
# Blank cells are merged with the filled cell above (vertically), as the bureau's table has them:
# task 2's items go on over two more rows, task 4 shares task 3's 发起部门 and 实施主体.
ROWS = [
    [
        "1",
        "计量器具监督抽查",
        "定向",
        "1.计量器具检定情况\n2.计量标准器具考核情况",
        "加油站、集贸市场",
        "不低于5%",
        "市局计量科",
        "2023年4月-11月",
        "市、县（区）级市场监管部门",
    ],
    [
        "2",
        "工业产品质量监督抽查",
        "不定向",
        "1.产品标准执行情况",
        "工业产品生产企业",
        "3%",
        "质量科",
        "二季度",
        "县（区）级市场监管部门",
    ],
    ["", "", "", "2.产品标识标注情况", "", "", "", "", ""],
    ["", "", "", "3.生产许可证\n获证条件情况", "", "", "", "", ""],
    [
        "3",
        "广告发布行为检查",
        "不定向",
        "广告发布登记情况",
        "广告发布单位",
        "不少于10户",
        "广告科",
        "5月-10月",
        "县（区）级市场监管部门",
    ],
    [
        "4",
        "食品经营者监督检查",
        "定向",
        "（一）经营许可情况（二）从业人员健康管理",
        "食品经营者",
        "10%，2次/年",
        "",
        "全年",
        "",
    ],
]
NOTE = "备注：各县（区）局结合实际制定本级计划。"


def upload_plan(client_request, data: dict, status: int):
    """Post the plan import form with its file."""
    return client_request.post(
        "plans.import_file", _data=data, _content_type="multipart/form-data", _expected_status=status
    )


def task_essence(tasks) -> list[tuple]:
    """What a plan's tasks say, stored or parsed alike."""
    fields = ("number", "name", "kind", "scope", "ratio", "ratio_is_floor", "fixed_count", "rounds_per_year")
    fields += ("window_start_month", "window_end_month", "initiator", "guiding_department", "executor")
    return [
        tuple(getattr(t, f) for f in fields) + (tuple(getattr(i, "text", i) for i in t.items),)
        for t in sorted(tasks, key=lambda t: t.number)
    ]
