"""Whether a plan file is the document already stored as a unit's plan for its year, or another one.

A bureau often publishes two documents a year (本部门抽查计划 and 部门联合抽查计划); the unit has one
plan a year, so importing the second would update the first by 序号. A file that is evidently another
document (部门联合 in one title only, or another 文号) is refused unless it is said to be a new
version of that plan. A missing title or 文号 on either side is no evidence: the import goes on.
"""

from __future__ import annotations

import re

from flask_babel import gettext as _

from ..errors import InvalidInput
from .cells import compact
from .models import Plan

_WRAPPERS = re.compile(r"[\"'“”‘’「」『』《》〈〉()（）\[\]【】〔〕、,，.。·:：_\-—]")
_NOTICE = re.compile(r"^(?:关于)?(?:印发|下发|公布|发布)|的?通知$")
_JOINT = "联合"


class OtherDocument(InvalidInput):
    """The file is another document than the one stored as the unit's plan of the year."""

    def __init__(self, plan: Plan, title: str):
        self.stored = document_label(plan.title, plan.doc_number)
        self.found = title
        super().__init__(
            _(
                "This file is 《%(found)s》, but the %(year)s plan of %(unit)s in the system is 《%(stored)s》, "
                "another document. Nothing was imported. Merge the tasks of a second document into 《%(stored)s》 "
                "by hand, or import this file as a new version of 《%(stored)s》 explicitly.",
                found=title,
                year=plan.year,
                unit=plan.unit.name,
                stored=self.stored,
            )
        )


def document_label(title: str | None, doc_number: str | None) -> str:
    """The document as named to the user: its title, with its 文号 when it has one."""
    title, doc_number = (title or "").strip(), (doc_number or "").strip()
    if title and doc_number:
        return f"{title}（{doc_number}）"
    return title or doc_number


def check_same_document(plan: Plan, title: str, doc_number: str) -> None:
    """Raise :class:`OtherDocument` when the file's title/文号 show it is not ``plan``'s document."""
    if _differ(plan.title, plan.doc_number, title, doc_number):
        raise OtherDocument(plan, document_label(title, doc_number))


def _differ(old_title: str | None, old_number: str | None, title: str, doc_number: str) -> bool:
    """Evidently another document: one title is a 部门联合 plan and the other not, or the 文号 differ
    (unless the titles are the same: a revision reissued under a new 文号). Titles are otherwise not
    compared: a notice, its attached table and a saved page name one plan in many ways."""
    old, new = _core(old_title), _core(title)
    if old and new and (_JOINT in old) != (_JOINT in new):
        return True
    old_number, doc_number = _core(old_number), _core(doc_number)
    return bool(old_number and doc_number and old_number != doc_number) and not (old and old == new)


def _core(text: str | None) -> str:
    """A title or 文号 for comparing: no spaces, quotes or brackets, 年度 as 年, without 关于印发…的通知
    around it nor 表 after it (the notice and its attached table name one plan)."""
    text = _WRAPPERS.sub("", compact(text or "")).replace("年度", "年")
    text = _NOTICE.sub("", text)
    return text.removesuffix("表")
