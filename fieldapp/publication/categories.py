"""Result categories (抽查检查结果) and the public wording of follow-up measures (后续处置).

The category code table is data: ``data/result_categories.yaml`` (codes with zh/en labels). The
loader accepts either a list of ``{code, zh, en}`` entries (optionally under a ``categories`` key)
or a mapping ``code: {zh, en}`` / ``code: label``. Until that file exists the de-facto national
set (the Zhejiang 汇信 code table) is used.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent.parent
CATEGORIES_FILE = ROOT / "data" / "result_categories.yaml"


@dataclass(frozen=True)
class Category:
    code: str
    zh: str
    en: str

    def label(self, locale: str | None = None) -> str:
        return self.en if (locale or "").startswith("en") and self.en else self.zh


_FALLBACK = [
    ("1", "未发现问题", "No problems found"),
    ("A", "发现问题待后续处理", "Problems found, follow-up pending"),
    ("B", "未按规定公示应当公示的信息", "Required information not published as prescribed"),
    ("C", "公示信息隐瞒真实情况弄虚作假", "Published information concealed facts or was falsified"),
    ("6", "通过登记的住所（经营场所）无法联系", "Cannot be contacted at the registered address"),
    ("D", "违反其他工商行政管理规定行为", "Other violations of market regulation rules"),
    ("3", "违反食品药品管理相关规定", "Violations of food and drug rules"),
    ("4", "违反质量技术监督相关规定", "Violations of quality supervision rules"),
    ("5", "违反其他部门相关规定", "Violations of other departments' rules"),
    ("E", "发现问题经责令已改正", "Problems found and corrected on order"),
    ("F", "未发现开展本次抽查涉及的经营活动", "The business checked was not being carried on"),
    ("7", "已关闭停业或正在组织清算", "Closed or in liquidation"),
    ("8", "不配合检查情节严重", "Seriously obstructed the inspection"),
]


def _labels(entry: dict) -> tuple[str, str]:
    label = entry.get("label")
    if isinstance(label, dict):
        return str(label.get("zh") or entry["code"]), str(label.get("en") or "")
    zh = entry.get("zh") or label or entry.get("name") or entry["code"]
    return str(zh), str(entry.get("en") or "")


def _entries(data, key: str = "results") -> list[Category]:
    if isinstance(data, dict) and (key in data or "categories" in data):
        data = data.get(key, data.get("categories"))
    found: list[Category] = []
    if isinstance(data, dict):
        for code, value in data.items():
            if isinstance(value, dict):
                found.append(
                    Category(str(code), str(value.get("zh") or value.get("label") or code), str(value.get("en") or ""))
                )
            else:
                found.append(Category(str(code), str(value), ""))
    elif isinstance(data, list):
        for entry in data:
            if isinstance(entry, dict) and "code" in entry:
                found.append(Category(str(entry["code"]), *_labels(entry)))
                for child in entry.get("children") or []:
                    found.extend(_entries([child]))
    return found


@lru_cache(maxsize=8)
def _load(path: str, mtime: float, key: str) -> dict[str, Category]:
    if mtime < 0:
        entries = [Category(*row) for row in (_FALLBACK if key == "results" else [])]
    else:
        entries = _entries(yaml.safe_load(Path(path).read_text(encoding="utf-8")), key)
    return {c.code: c for c in entries}


def categories(path: Path | None = None) -> dict[str, Category]:
    """Categories by code (reloaded when the file changes)."""
    path = path or CATEGORIES_FILE
    mtime = path.stat().st_mtime if path.exists() else -1.0
    return _load(str(path), mtime, "results")


def follow_up_measures(path: Path | None = None) -> dict[str, Category]:
    """The follow-up measures (后续处置措施) of the code table, by code."""
    path = path or CATEGORIES_FILE
    mtime = path.stat().st_mtime if path.exists() else -1.0
    return _load(str(path), mtime, "follow_up_measures")


def category(code: str) -> Category:
    """The category of ``code``; multi-select codes ("A,B") join their labels."""
    table = categories()
    parts = [p.strip() for p in str(code).split(",") if p.strip()]
    found = [table.get(p) or Category(p, p, p) for p in parts] or [Category(code, code, code)]
    if len(found) == 1:
        return found[0]
    return Category(",".join(c.code for c in found), "；".join(c.zh for c in found), "; ".join(c.en for c in found))


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
            table = follow_up_measures()
            by_label = {m.zh: m.code for m in table.values()}
            code = key if key in table else by_label.get(key)
            phrase = FOLLOW_UP_PUBLIC.get(code or "") or (table[code].zh if code else key)
        if phrase and phrase not in phrases:
            phrases.append(phrase)
    return "；".join(phrases)
