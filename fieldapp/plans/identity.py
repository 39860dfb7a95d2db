"""Which of a unit's plans of a year a plan file is: one already stored, or another document.

A bureau publishes several documents a year (its 本部门抽查计划 and the 部门联合抽查计划 with other
departments), each a plan of its own. A file is the stored plan it does not evidently differ from (部门联合
in one title only, or another 文号); a missing title or 文号 on either side is no evidence. A file that
differs from every stored plan is a new plan; one that could be several of them is not guessed at.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from flask_babel import gettext as _

from ..errors import InvalidInput
from .cells import compact
from .models import Plan, PlanKind

_WRAPPERS = re.compile(r"[\"'“”‘’「」『』《》〈〉()（）\[\]【】〔〕、,，.。·:：_\-—]")
_NOTICE = re.compile(r"^(?:关于)?(?:印发|下发|公布|发布)|的?通知$")
_JOINT = "联合"
KEY_LENGTH = 300  # Plan.document_key


class DocumentChoice(InvalidInput):
    """The file could be more than one stored plan, or the plan it is a new version of is not named:
    ``plans`` are the plans to choose from (nothing was imported)."""

    def __init__(self, message: str, plans: Sequence[Plan]):
        self.plans = list(plans)
        super().__init__(message)


def plans_named(plans: Sequence[Plan]) -> str:
    """The plans as listed to the user: 《title（文号）》 (id N), …"""
    return "、".join(
        _("《%(document)s》 (id %(id)s)", document=document_label(p.title, p.doc_number) or "—", id=p.id) for p in plans
    )


def ambiguous_document(plans: Sequence[Plan], found: str) -> DocumentChoice:
    plan = plans[0]
    return DocumentChoice(
        _(
            "This file is 《%(found)s》, which could be any of the %(year)s plans of %(unit)s: %(plans)s. "
            "Nothing was imported. Say which plan this file updates.",
            found=found or "—",
            year=plan.year,
            unit=plan.unit.name,
            plans=plans_named(plans),
        ),
        plans,
    )


def which_plan(plans: Sequence[Plan]) -> DocumentChoice:
    plan = plans[0]
    return DocumentChoice(
        _(
            "%(unit)s has %(count)s plans for %(year)s: %(plans)s. Nothing was imported. "
            "Say which of them this file is a new version of.",
            unit=plan.unit.name,
            count=len(plans),
            year=plan.year,
            plans=plans_named(plans),
        ),
        plans,
    )


def not_of_year(plan_id: int, of: str, plans: Sequence[Plan]) -> DocumentChoice:
    """``of``: the year and unit the file is imported for."""
    return DocumentChoice(
        _(
            "Plan %(id)s is not a plan of %(of)s (its plans: %(plans)s). Nothing was imported.",
            id=plan_id,
            of=of,
            plans=plans_named(plans) or "—",
        ),
        plans,
    )


def maybe_another(plan: Plan, found: str) -> DocumentChoice:
    """The file's title is not the stored plan's, and no 文号 ties them: a revision renamed, or another document."""
    return DocumentChoice(
        _(
            "This file is 《%(found)s》; %(unit)s's plan of %(year)s is %(plans)s. Its title is another: it may be a "
            "new version of that plan or another document. Nothing was imported. Say which plan this file updates, "
            "or import it as a new plan.",
            found=found or "—",
            unit=plan.unit.name,
            year=plan.year,
            plans=plans_named([plan]),
        ),
        [plan],
    )


def already_stored(plan: Plan, found: str) -> DocumentChoice:
    return DocumentChoice(
        _(
            "This file is 《%(found)s》, already stored as another plan of %(year)s (id %(id)s). Nothing was "
            "imported: import it as that plan.",
            found=found or "—",
            year=plan.year,
            id=plan.id,
        ),
        [plan],
    )


def document_label(title: str | None, doc_number: str | None) -> str:
    """The document as named to the user: its title, with its 文号 when it has one."""
    title, doc_number = (title or "").strip(), (doc_number or "").strip()
    if title and doc_number:
        return f"{title}（{doc_number}）"
    return title or doc_number


def plan_kind(title: str | None) -> PlanKind:
    """本部门 or 部门联合: a plan whose title says 联合 is a joint plan with other departments."""
    return PlanKind.JOINT if _JOINT in _core(title) else PlanKind.OWN


def document_key(title: str | None, doc_number: str | None) -> str:
    """The key one document has whatever file it comes in (unique per unit and year): its 文号 and
    title in comparing form."""
    return f"{_core(doc_number)}|{_core(title)}"[:KEY_LENGTH]


def matching_plan(plans: Sequence[Plan], title: str, doc_number: str) -> Plan | None:
    """The stored plan (of one unit and year) the file's title/文号 name; None when the file is
    evidently another document than each; :class:`DocumentChoice` when it could be several of them
    and neither title nor 文号 tells one."""
    same = [p for p in plans if not _differ(p.title, p.doc_number, title, doc_number)]
    if len(same) == 1 and not _named(same[0], title, doc_number) and _unrelated(same[0].title, title):
        raise maybe_another(same[0], document_label(title, doc_number))
    if len(same) <= 1:
        return same[0] if same else None
    named = [p for p in same if _named(p, title, doc_number)]
    if len(named) == 1:
        return named[0]
    raise ambiguous_document(same, document_label(title, doc_number))


def names_plan(plan: Plan, title: str, doc_number: str) -> bool:
    """The file is evidently ``plan``'s document: it gives its 文号 or title and does not differ from it."""
    return _named(plan, title, doc_number) and not _differ(plan.title, plan.doc_number, title, doc_number)


def _named(plan: Plan, title: str, doc_number: str) -> bool:
    """The file gives the plan's own 文号 or title (in comparing form)."""
    return any(
        a and a == b for a, b in ((_core(plan.doc_number), _core(doc_number)), (_core(plan.title), _core(title)))
    )


def _differ(old_title: str | None, old_number: str | None, title: str, doc_number: str) -> bool:
    """Evidently another document: one title is a 部门联合 plan and the other not, or the 文号 differ
    (unless the titles are the same: a revision reissued under a new 文号). Titles are otherwise not
    compared: a notice, its attached table and a saved page name one plan in many ways."""
    old, new = _core(old_title), _core(title)
    if old and new and (_JOINT in old) != (_JOINT in new):
        return True
    old_number, doc_number = _core(old_number), _core(doc_number)
    return bool(old_number and doc_number and old_number != doc_number) and not (old and old == new)


# Words every plan's title has, whoever issues it: what is left names the issuer's place or the plan's field.
_GENERIC = re.compile(
    r"\d{4}年|市场监督管理局|市场监管局|人民政府|双随机一公开|双随机|一公开|关于|印发|下发|公布|发布|通知|"
    r"抽查|检查|监管|工作|计划|方案|附件|年|表|的|局"
)


def _unrelated(old_title: str | None, title: str | None) -> bool:
    """Two titles that, without the words every plan's title has (year, 双随机、一公开, 抽查工作计划, 关于印发…
    的通知, 人民政府 of a saved page), name other places or fields, neither within the other: 《临安区…》 and
    《浏阳市…》, 《无锡市…部门联合…》 and 《小店区部门联合…》, 《…计划》 and 《…知识产权领域…计划》 is not told."""
    old, new = _GENERIC.sub("", _core(old_title)), _GENERIC.sub("", _core(title))
    return bool(old and new) and old not in new and new not in old


def _core(text: str | None) -> str:
    """A title or 文号 for comparing: no spaces, quotes or brackets, 年度 as 年, without 关于印发…的通知
    around it nor 表 after it (the notice and its attached table name one plan)."""
    text = _WRAPPERS.sub("", compact(text or "")).replace("年度", "年")
    text = _NOTICE.sub("", text)
    return text.removesuffix("表")
