"""The scope rule: what a task's 抽查对象范围 selects from the subject directory.

``Task.scope_rule`` holds explicit rules over the directory (all of them must hold)::

    {"kinds": [...], "status": "在业", "tags_any": [...], "holdings_any": [...],
     "industries": [...], "credit_classes": [...], "past_business_term": bool, "counties": [...],
     "confirmed": bool, "suggested": [...], "notes": [...]}

``kinds`` ⊆ {"enterprise", "individual", "cooperative"} ([] = any kind); ``tags_any`` are tag
names from ``data/tags.yaml`` ([] = no tag condition); ``holdings_any`` are the tags marked
``holding`` (a licence, certificate or registered equipment the subject holds; [] = none needed);
``industries`` are GB/T 4754 codes matched as a prefix of the subject's industry code (``F``,
``F52``) or industry names matched exactly (``零售业``); ``credit_classes`` ⊆ A–D ([] = any);
``past_business_term`` selects enterprises whose 经营期限 has ended; ``counties`` are division
codes ([] = every county of the executing unit).

``confirmed`` is set when a supervisor confirms the rules; until then the draw warns. The importer
proposes rules (``scope_proposal.py``): ``suggested`` names the keys it filled and ``notes`` say
why (``{"key", "code", "words"}``). The original text stays in ``Task.scope``.
"""

from __future__ import annotations

import re

from ..subjects.vocabulary import tag_vocabulary
from .cells import normalise

KINDS = ("enterprise", "individual", "cooperative")
CLASSES = ("A", "B", "C", "D")
OPERATING = "在业"
ANY_KIND_WORDS = ("各类市场主体", "所有市场主体", "市场主体")
PAST_TERM_WORDS = ("超出经营期限", "超过经营期限", "经营期限届满", "营业期限届满", "超出营业期限")
RULE_KEYS = (
    "kinds",
    "status",
    "tags_any",
    "holdings_any",
    "industries",
    "credit_classes",
    "past_business_term",
    "counties",
)
INDUSTRY_CODE = re.compile(r"[A-T](\d{2,4})?")


def tag_names() -> list[str]:
    return [t["name"] for t in tag_vocabulary()]


def holding_names() -> list[str]:
    """Tags that record a licence, certificate or registered equipment held."""
    return [t["name"] for t in tag_vocabulary() if t["holding"]]


def tag_groups() -> list[tuple[str, list[dict]]]:
    """Tags by their ``group`` heading, in file order (for the task form)."""
    groups: dict[str, list[dict]] = {}
    for tag in tag_vocabulary():
        groups.setdefault(tag["group"] or "—", []).append(tag)
    return list(groups.items())


# 学校周边食品销售者: the shops near a school, not the school
_NEAR = re.compile(r"^\s*(?:周边|周围|附近)")


def _names(raw: str, word: str) -> bool:
    """``word`` occurs in ``raw`` as what the scope selects (not as a place near which it selects)."""
    return bool(word) and any(not _NEAR.match(raw[m.end() :]) for m in re.finditer(re.escape(word), raw))


def tags_in(text: str) -> list[str]:
    raw = normalise(text)
    return [t["name"] for t in tag_vocabulary() if any(_names(raw, word) for word in t["scope_words"])]


KIND_WORDS = ("个体工商户", "个体户", "农民专业合作社", "合作社", "市场主体", "经营主体", "企业")
# Words that narrow nothing: where (辖区内, 全市), how many (各类, 所有), which state (在业), joining words;
# 产品 (各类市场主体、产品): a product check selects the subjects that make or sell them.
_FILLER = re.compile(
    r"本?辖区内?|全(?:市|县|区|省|国)(?:范围内)?|本(?:市|县|区)|范围内|各类|各|所有|全部|依法|登记(?:注册)?|"
    r"在业(?:状态)?|存续|产品|以及|及|和|与|或|等|的|[\s、,，;；.。()（）]"
)


def unread_words(text: str) -> str:
    """What the scope says beyond the kinds, tags and conditions the importer reads from it (食品生产 of
    食品生产企业): words the proposed rule leaves out, so it may select more subjects than the plan means."""
    raw = normalise(text)
    words = [w for t in tag_vocabulary() for w in t["scope_words"] if w and _names(raw, w)]
    words += list(KIND_WORDS) + list(PAST_TERM_WORDS) + ["高风险"]
    for word in sorted(words, key=len, reverse=True):
        raw = raw.replace(word, " ")
    return "、".join(part for part in _FILLER.sub(" ", raw).split() if part)


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
    """The literal reading of the scope text alone (no proposals from items, unconfirmed)."""
    raw = normalise(text)
    return clean_rule(
        {
            "kinds": kinds_in(raw),
            "tags_any": tags_in(raw),
            "status": OPERATING,
            "past_business_term": any(word in raw for word in PAST_TERM_WORDS),
        }
    )


def industry_terms(values) -> list[str]:
    """Industry codes (upper-cased) and names, without blanks or repeats."""
    seen: list[str] = []
    for value in values or []:
        term = str(value).strip()
        if INDUSTRY_CODE.fullmatch(term.upper()):
            term = term.upper()
        if term and term not in seen:
            seen.append(term)
    return seen


def clean_rule(rule: dict | None) -> dict:
    """A rule with every key present and only known values (for edits and older rows)."""
    rule = dict(rule or {})
    known_tags = set(tag_names())
    holdings = set(holding_names())
    counties = [str(c) for c in rule.get("counties") or [] if re.fullmatch(r"\d{6}", str(c))]
    return {
        "kinds": [k for k in KINDS if k in (rule.get("kinds") or [])],
        "status": rule.get("status") or OPERATING,
        "tags_any": [t for t in (rule.get("tags_any") or rule.get("tags") or []) if t in known_tags],
        "holdings_any": [t for t in (rule.get("holdings_any") or []) if t in holdings],
        "industries": industry_terms(rule.get("industries")),
        "credit_classes": [c for c in CLASSES if c in (rule.get("credit_classes") or [])],
        "past_business_term": bool(rule.get("past_business_term")),
        "counties": sorted(set(counties)),
        "confirmed": bool(rule.get("confirmed")),
        "suggested": [k for k in RULE_KEYS if k in (rule.get("suggested") or [])],
        "notes": [dict(n) for n in rule.get("notes") or [] if isinstance(n, dict)],
    }


def confirmed_rule(rule: dict) -> dict:
    """The rule as a supervisor confirms it: no longer a suggestion."""
    return {**clean_rule(rule), "confirmed": True, "suggested": []}


def is_confirmed(rule: dict | None) -> bool:
    return bool((rule or {}).get("confirmed"))
