"""The result code table (抽查检查结果) and 后续处置措施, read from ``data/result_categories.yaml``
(owned by the checklist engine) with the de-facto national table as the fallback."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent.parent / "data" / "result_categories.yaml"

# 市场监管领域随机抽查情况记录表 (Zhejiang 汇信 code table, domain.md §2); used when the data file is absent.
FALLBACK_RESULTS = {
    "1": "未发现问题",
    "A": "发现问题待后续处理",
    "2": "违反工商行政管理相关规定",
    "B": "未按规定公示应当公示的信息",
    "C": "公示信息隐瞒真实情况弄虚作假",
    "6": "通过登记的住所（经营场所）无法联系",
    "D": "违反其他工商行政管理规定行为",
    "3": "违反食品药品管理相关规定",
    "4": "违反质量技术监督相关规定",
    "5": "违反其他部门相关规定",
    "E": "发现问题经责令已改正",
    "F": "未发现开展本次抽查涉及的经营活动",
    "7": "已关闭停业或正在组织清算",
    "8": "不配合检查情节严重",
    "9": "注销",
    "10": "被吊销",
    "11": "被撤销",
    "12": "迁出",
}

NO_FOLLOW_UP = "未发现问题或相关问题已规范、已改正，无需后续处置"
FALLBACK_MEASURES = [
    NO_FOLLOW_UP,
    "停止检查，反馈至日常监管部门依法依规处理",
    "违反本部门相关规定，责令改正；后续跟踪由日常监管部门负责",
    "发现案件线索，初步固定相关证据后移送办案机构依法依规处理",
    "违反其他部门相关规定，抄告相关部门",
    "其他",
]

UNREACHABLE = "6"  # 通过登记的住所（经营场所）无法联系 → 经营异常名录
# Results serious enough for the joint-punishment list (联合惩戒): fraud in public information,
# serious non-cooperation, and anything sent to a case-handling body or with a serious finding.
SERIOUS_RESULTS = {"C", "8"}
SERIOUS_MEASURE_MARKERS = ("移送办案机构",)


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, str], list[str], dict[str, str]]:
    """(result code → label, measure labels in order, measure code → label)."""
    results, measures, measure_codes = dict(FALLBACK_RESULTS), list(FALLBACK_MEASURES), {}
    if DATA.is_file():
        import yaml

        data = yaml.safe_load(DATA.read_text(encoding="utf-8")) or {}
        loaded = _codes(data.get("results") or data.get("categories") or [])
        if loaded:
            results = loaded
        loaded_measures = []
        for m in data.get("follow_up_measures") or data.get("measures") or []:
            label = m.get("label") if isinstance(m, dict) else m
            if isinstance(label, dict):
                label = label.get("zh") or label.get("en")
            if not label:
                continue
            loaded_measures.append(str(label))
            if isinstance(m, dict) and m.get("code"):
                measure_codes[str(m["code"])] = str(label)
        if loaded_measures:
            measures = loaded_measures
    return results, measures, measure_codes


FALLBACK_FOLLOW_UPS = {  # checklist follow-up → measure (when the data file does not say)
    "责令改正": FALLBACK_MEASURES[2],
    "立案调查": FALLBACK_MEASURES[3],
    "移送": FALLBACK_MEASURES[3],
    "抄告": FALLBACK_MEASURES[4],
}


@lru_cache(maxsize=1)
def _follow_up_map() -> dict[str, list[str]]:
    mapping: dict[str, list[str]] = {k: [v] for k, v in FALLBACK_FOLLOW_UPS.items()}
    if DATA.is_file():
        import yaml

        data = yaml.safe_load(DATA.read_text(encoding="utf-8")) or {}
        loaded: dict[str, list[str]] = {}
        for m in data.get("follow_up_measures") or []:
            if not isinstance(m, dict):
                continue
            label = m.get("label")
            label = label.get("zh") if isinstance(label, dict) else label
            for fu in m.get("follow_ups") or []:
                loaded.setdefault(str(fu), []).append(str(label))
        if loaded:
            mapping = loaded
    return mapping


def measures_for_findings(findings: list[dict]) -> list[str]:
    """The 后续处置措施 the findings call for when the inspector chose none: the checklist's
    follow-up of each finding mapped through the code table; none needed without findings."""
    if not findings:
        return [NO_FOLLOW_UP]
    mapping = _follow_up_map()
    wanted = []
    for f in findings:
        for label in mapping.get(str(f.get("follow_up") or ""), []):
            if label not in wanted:
                wanted.append(label)
    order = follow_up_measures()
    return sorted(wanted, key=lambda m: order.index(m) if m in order else len(order))


def measure_labels(values: list[str]) -> list[str]:
    """后续处置措施 as their official wording, whether the body stored codes (``order``) or labels."""
    codes = _table()[2]
    return [codes.get(str(v), str(v)) for v in values or [] if v]


def _codes(entries, out: dict[str, str] | None = None) -> dict[str, str]:
    out = {} if out is None else out
    if isinstance(entries, dict):
        entries = [{"code": k, "label": v} for k, v in entries.items()]
    for entry in entries or []:
        if not isinstance(entry, dict) or "code" not in entry:
            continue
        label = entry.get("label") or entry.get("name") or ""
        if isinstance(label, dict):
            label = label.get("zh") or label.get("en") or ""
        out[str(entry["code"])] = str(label)
        _codes(entry.get("children") or [], out)
    return out


def result_labels() -> dict[str, str]:
    return _table()[0]


def follow_up_measures() -> list[str]:
    return _table()[1]


def split_codes(code: str | None) -> list[str]:
    """Result codes are multi-select, stored comma-joined."""
    return [c.strip() for c in (code or "").split(",") if c.strip()]


def result_label(code: str | None) -> str:
    labels = result_labels()
    return "；".join(labels.get(c, c) for c in split_codes(code)) or "—"


def needs_follow_up(measures: list[str], findings: list[dict]) -> bool:
    """A finding needs follow-up unless every measure chosen says none is needed."""
    if any(f.get("follow_up") for f in findings):
        return True
    return any(m and "无需后续处置" not in m for m in measures)


def is_serious(result_code: str | None, measures: list[str], findings: list[dict]) -> bool:
    if SERIOUS_RESULTS & set(split_codes(result_code)):
        return True
    if any(marker in m for m in measures for marker in SERIOUS_MEASURE_MARKERS):
        return True
    return any(f.get("severity") == "serious" for f in findings)
