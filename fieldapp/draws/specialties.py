"""Which inspector specialties (执法领域) a task needs, derived from its guiding department.

The table is data: each row is a fragment of a department's name and the specialties it
stands for. A task can override the result (TaskDrawSettings.specialties); a participating
department's specialties come from its own name (or its invitation's override).
"""

from __future__ import annotations

SPECIALTIES = (
    "计量",
    "广告",
    "网络交易",
    "产品质量",
    "知识产权",
    "认证认可",
    "检验检测",
    "特种设备",
    "登记注册",
    "信用监管",
    "价格",
    "食品",
    "市场秩序",
)

DEPARTMENT_SPECIALTIES: list[tuple[str, tuple[str, ...]]] = [
    ("计量", ("计量",)),
    ("广告", ("广告",)),
    ("网监", ("网络交易",)),
    ("网络交易", ("网络交易",)),
    ("质量监管", ("产品质量",)),
    ("产品质量", ("产品质量",)),
    ("知识产权", ("知识产权",)),
    ("认证", ("认证认可",)),
    ("双反", ("认证认可",)),
    ("检验检测", ("检验检测",)),
    ("特设", ("特种设备",)),
    ("特种设备", ("特种设备",)),
    ("信用", ("信用监管", "登记注册")),
    ("登记注册", ("登记注册",)),
    ("消保", ("市场秩序",)),
    ("市场秩序", ("市场秩序",)),
    ("价格", ("价格",)),
    ("食品", ("食品",)),
]


def specialties_for_department(text: str) -> list[str]:
    """The specialties named by a department text such as "市局组织发起/特设监察科指导"."""
    found: list[str] = []
    for fragment, specialties in DEPARTMENT_SPECIALTIES:
        if fragment in (text or ""):
            for specialty in specialties:
                if specialty not in found:
                    found.append(specialty)
    return found


def covers(inspector_specialties: list[str] | None, required: list[str]) -> bool:
    """An inspector covers a task when one of her specialties is among those it needs
    (a task that needs none in particular is covered by everyone)."""
    if not required:
        return True
    return bool(set(inspector_specialties or ()) & set(required))
