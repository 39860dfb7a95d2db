"""Which column holds what: found by the header's text, never by position.

Bureaus word their headers differently (检查主体, 抽查检查起止时间, 抽查时间, 比例 …) and add
columns of their own (信用风险分类管理, 抽查检查模式): the known ones are mapped to fields, the
rest are kept as they are in each task's ``source_cells``.
"""

from __future__ import annotations

from functools import lru_cache

from .cells import compact

# field → header texts seen in plans (compared without spaces, full-width folded).
ALIASES: dict[str, tuple[str, ...]] = {
    "number": ("序号", "编号", "序"),
    "name": (
        "抽查任务名称",
        "任务名称",
        "抽查任务",
        "抽查项目名称",
        "抽查任务名",
        "抽查项目",
        "项目名称",
        "计划名称",  # 年度计划名称, 抽查计划名称
    ),
    "kind": ("抽查类型", "类型", "检查类型", "抽查方式", "定向/不定向"),
    "items": ("抽查事项", "检查事项", "抽查内容", "检查内容", "抽查事项及内容", "项目及内容", "检查项目"),
    "codes": (
        "检查事项编码",
        "抽查事项编码",
        "事项编码",
        "检查事项代码",
        "抽查事项代码",
        "事项代码",
        "事项清单编码",
        "国家抽查事项编码",
    ),
    "scope": ("抽查对象范围", "抽查对象", "检查对象范围", "检查对象", "对象范围", "抽查范围"),
    "ratio": (
        "抽查比例/数量",
        "抽查比例",
        "比例",
        "抽查数量",
        "比例/数量",
        "抽查比例(数量)",
        "抽查比例及频次",
        "抽查比例/频次",
        "抽查比率",
        "抽取比例",
        "检查比例",
        "抽检比例",
        "抽查户数",
        "抽查频次/比例",
        "频次/比例",
        "频次及比例",
    ),
    "rounds": ("抽查频次", "频次", "检查频次", "抽查频率", "检查频率"),
    "window": (
        "抽取日期",
        "抽查时间",
        "抽查检查起止时间",
        "起止时间",
        "检查时间",
        "抽取时间",
        "实施时间",
        "抽查检查时间",
        "完成时限",
        "时间安排",
        "抽查时限",
        "检查时限",
        "计划时间",
        "时间节点",
        "抽查期限",
        "完成时间",
        "抽查时段",
        "实施时段",
        "时间段",
        "开展时间",  # 计划开展时间, 抽查开展时间
    ),
    "initiator": (
        "发起主体/指导单位",
        "发起部门/指导单位",
        "发起主体/指导部门",
        "发起主体",
        "发起部门",
        "发起单位",
        "发起方式",  # 市级组织发起（市局林政科负责）
    ),
    "guide": (
        "指导单位",
        "指导部门",
        "牵头科室",
        "牵头股室",
        "牵头部门",
        "牵头单位",
        "责任科室",
        "责任股室",
        "承办科室",
        "承办股室",
        "执行股室",
        "执行科室",
        "业务科室",
        "业务股室",
        "股室",
        "科室",
    ),
    "executor": (
        "抽查检查主体",
        "检查主体",
        "实施主体",
        "执法主体",
        "抽查主体",
        "检查实施主体",
        "实施单位",
        "实施部门",
        "实施机关",
        "检查单位",
        "执行单位",
        "承办单位",
        "责任单位",
        "执法单位",
        # 部门联合 plans: 市抽县查 names the level that checks (read after any 检查主体 column)
        "抽查检查模式",
        "检查模式",
        "抽查模式",
        # 市县(区)级, 县(区)级: the level that checks
        "抽查层级",
        "检查层级",
        "实施层级",
    ),
    # 配合部门: the departments joining the task's checks (联合抽查), kept as written
    "cooperating": ("配合部门", "联合部门", "协同部门", "参与部门", "配合单位", "联合抽查部门", "配合科室", "协同单位"),
}

# A table with no task-name column: its tasks are named by the field or class they check (抽查领域 |
# 抽查事项 | 检查对象 …); never 事项类别 (一般抽查/重点抽查), which says how a matter is checked.
NAME_STAND_INS = ("抽查领域", "检查领域", "监管领域", "抽查类别", "检查类别", "抽查分类")

# What a table cannot do without, and what it should have.
ESSENTIAL = ("name", "items", "scope", "ratio")

_LOOKUP = {compact(alias): name for name, aliases in ALIASES.items() for alias in aliases}
_BY_LENGTH = sorted(_LOOKUP.items(), key=lambda pair: -len(pair[0]))


@lru_cache(maxsize=4096)
def field_for_header(text: str) -> str | None:
    key = compact(text)
    if not key:
        return None
    if key in _LOOKUP:
        return _LOOKUP[key]
    if len(key) > 24:  # a sentence, not a header
        return None
    for alias, name in _BY_LENGTH:
        if len(alias) >= 3 and alias in key:
            return name
    return None


def find_header(cells: list[str]) -> dict[str, int] | None:
    """field → column index when ``cells`` look like a header row, else None.

    A header names the task (序号 or 抽查任务名称) and at least two more of the essential columns.
    The first column naming a field wins; later duplicates are left as extra columns (but see
    :func:`_name_from_matters`).
    """
    mapping: dict[str, int] = {}
    for index, text in enumerate(cells):
        name = field_for_header(text)
        if name and name not in mapping:
            mapping[name] = index
    _name_from_matters(cells, mapping)
    _name_from_field(cells, mapping)
    if not ({"number", "name"} & mapping.keys()):
        return None
    if len(set(ESSENTIAL) & mapping.keys()) < 2:
        return None
    return mapping


def _name_from_matters(cells: list[str], mapping: dict[str, int]) -> None:
    """A 随机抽查事项清单 has no task name: each row is one 抽查事项 with its 检查内容 listed beside it.
    With no name column, the 事项 column names the task and the 内容 column lists its items."""
    if "name" in mapping:
        return
    columns = [index for index, text in enumerate(cells) if field_for_header(text) == "items"]
    contents = [index for index in columns if "内容" in compact(cells[index])]
    matters = [index for index in columns if index not in contents]
    if contents and matters:
        mapping["name"], mapping["items"] = matters[0], contents[0]


def _name_from_field(cells: list[str], mapping: dict[str, int]) -> None:
    """With no task-name column (nor a 事项 and a 内容 column), a column headed by the field or class of
    the check (抽查领域, 抽查类别) names the task."""
    if "name" in mapping:
        return
    for index, text in enumerate(cells):
        key = compact(text)
        if index not in mapping.values() and any(word in key for word in NAME_STAND_INS) and len(key) <= 12:
            mapping["name"] = index
            return
