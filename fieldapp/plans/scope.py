"""The scope rule: what a task's 抽查对象范围 selects from the subject directory.

The draw reads ``Task.scope_rule``::

    {"kinds": [...], "tags_any": [...], "status": "在业", "past_business_term": bool}

``kinds`` ⊆ {"enterprise", "individual", "cooperative"} ([] = any kind); ``tags_any`` are tag
names from ``data/tags.yaml`` whose ``scope_words`` occur in the scope text ([] = no tag
condition); ``past_business_term`` selects enterprises whose 经营期限 has ended.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import yaml

from .cells import normalise

TAGS_FILE = Path(__file__).resolve().parent.parent.parent / "data" / "tags.yaml"

KINDS = ("enterprise", "individual", "cooperative")
KIND_WORDS = {"enterprise": "企业", "individual": "个体工商户", "cooperative": "农民专业合作社"}
OPERATING = "在业"
ANY_KIND_WORDS = ("各类市场主体", "所有市场主体", "市场主体")
PAST_TERM_WORDS = ("超出经营期限", "超过经营期限", "经营期限届满", "营业期限届满", "超出营业期限")


@lru_cache(maxsize=1)
def tag_vocabulary() -> tuple[dict, ...]:
    """The tags of ``data/tags.yaml`` in file order: ``{name, en, group, scope_words}``."""
    with TAGS_FILE.open(encoding="utf-8") as fh:
        entries = yaml.safe_load(fh) or []
    return tuple(
        {
            "name": str(e["name"]),
            "en": str(e.get("en", "")),
            "group": str(e.get("group", "")),
            "scope_words": [str(w) for w in e.get("scope_words") or []],
        }
        for e in entries
    )


def tag_names() -> list[str]:
    return [t["name"] for t in tag_vocabulary()]


def tag_groups() -> list[tuple[str, list[dict]]]:
    """Tags by their ``group`` heading, in file order (for the task form)."""
    groups: dict[str, list[dict]] = {}
    for tag in tag_vocabulary():
        groups.setdefault(tag["group"] or "—", []).append(tag)
    return list(groups.items())


def tags_in(text: str) -> list[str]:
    raw = normalise(text)
    return [t["name"] for t in tag_vocabulary() if any(word and word in raw for word in t["scope_words"])]


def kinds_in(text: str) -> list[str]:
    """Kinds the scope names: a listed part ending in 企业 means enterprises; 个体工商户 and
    农民专业合作社 wherever they occur; 各类市场主体 means any kind."""
    raw = normalise(text)
    if any(word in raw for word in ANY_KIND_WORDS) and "企业" not in raw:
        return []
    kinds = []
    parts = [p for p in re.split(r"以及|[、,，;；和及与]", raw) if p]
    if any(p.rstrip("。.等").endswith("企业") for p in parts):
        kinds.append("enterprise")
    if "个体工商户" in raw or "个体户" in raw:
        kinds.append("individual")
    if "农民专业合作社" in raw or "合作社" in raw:
        kinds.append("cooperative")
    return [k for k in KINDS if k in kinds]


def scope_rule_for(text: str) -> dict:
    raw = normalise(text)
    return {
        "kinds": kinds_in(raw),
        "tags_any": tags_in(raw),
        "status": OPERATING,
        "past_business_term": any(word in raw for word in PAST_TERM_WORDS),
    }


def clean_rule(rule: dict | None) -> dict:
    """A rule with every key present and only known values (for edits and older rows)."""
    rule = dict(rule or {})
    known_tags = set(tag_names())
    return {
        "kinds": [k for k in KINDS if k in (rule.get("kinds") or [])],
        "tags_any": [t for t in (rule.get("tags_any") or []) if t in known_tags],
        "status": rule.get("status") or OPERATING,
        "past_business_term": bool(rule.get("past_business_term")),
    }
