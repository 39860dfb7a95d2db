"""Rules the importer proposes for a task's scope, from its 抽查对象 text and its 抽查事项.

A proposal is never taken as settled: every key it fills is listed in ``suggested`` and each
reason is kept in ``notes`` (``{"key", "code", "words"}``) until a supervisor confirms the rules.

- The scope text read literally: kinds (企业, 个体工商户 …), tags (加油站 …), 超出经营期限.
- A holding named in the scope (获证组织, 特种设备 …) becomes a "holders of" rule, not a tag.
- 高风险 → the high-risk credit classes (class D, or as the bureau sets ``HIGH_RISK_CREDIT_CLASSES``),
  not a hand-set tag.
- An item about a holding (集体商标、证明商标 → mark users; 特种设备 → holders of registered
  equipment; 强制性产品认证 → CCC holders) narrows the scope to the holders; where the scope
  already names several holdings, the items choose among them.
"""

from __future__ import annotations

from flask import current_app, has_app_context

from ..config import FEATURE_DEFAULTS
from .cells import normalise
from .scope import CLASSES, RULE_KEYS, clean_rule, holding_names, scope_rule_for, tag_vocabulary

HIGH_RISK_WORDS = ("高风险",)
HIGH_RISK_TAG = "高风险企业"


def high_risk_classes() -> list[str]:
    """The credit classes a plan's 高风险 means: class D unless the bureau configured otherwise."""
    default = FEATURE_DEFAULTS["HIGH_RISK_CREDIT_CLASSES"]
    configured = current_app.config["HIGH_RISK_CREDIT_CLASSES"] if has_app_context() else default
    return [c for c in CLASSES if c in (configured or default)] or list(default)


def holdings_in_items(items: list[str]) -> list[tuple[str, str]]:
    """``(holding tag, the word that named it)`` for each holding an item is about."""
    found = []
    texts = [normalise(text) for text in items or []]
    for tag in tag_vocabulary():
        if not tag["holding"]:
            continue
        word = next((w for w in tag["item_words"] for text in texts if w and w in text), None)
        if word:
            found.append((tag["name"], word))
    return found


def propose_scope(text: str, items: list[str] | None = None) -> dict:
    """The proposed rule for a scope text and its task's items (unconfirmed, with notes)."""
    raw = normalise(text)
    rule = scope_rule_for(raw)
    notes: list[dict] = []
    holdings = set(holding_names())
    scope_holdings = [t for t in rule["tags_any"] if t in holdings]
    rule["tags_any"] = [t for t in rule["tags_any"] if t not in holdings]
    for name in scope_holdings:
        notes.append({"key": "holdings_any", "code": "scope_holding", "words": name})

    item_holdings = holdings_in_items(items or [])
    named = [name for name, _ in item_holdings]
    if scope_holdings and set(named) & set(scope_holdings):
        chosen = [h for h in scope_holdings if h in named]
        if chosen != scope_holdings:
            notes.append({"key": "holdings_any", "code": "items_choose", "words": "、".join(chosen)})
        rule["holdings_any"] = chosen
    else:
        rule["holdings_any"] = scope_holdings + [h for h in named if h not in scope_holdings]
        for name, word in item_holdings:
            if name not in scope_holdings:
                notes.append({"key": "holdings_any", "code": "item_holding", "words": word})

    risk_word = next((w for w in HIGH_RISK_WORDS if w in raw), None)
    if risk_word:
        rule["credit_classes"] = high_risk_classes()
        rule["tags_any"] = [t for t in rule["tags_any"] if t != HIGH_RISK_TAG]
        notes.append({"key": "credit_classes", "code": "high_risk", "words": risk_word})

    rule["suggested"] = [key for key in RULE_KEYS if key == "status" or rule.get(key)]
    rule["notes"] = notes
    rule["confirmed"] = False
    return clean_rule(rule)
