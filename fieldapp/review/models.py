"""The result record of one task at one subject, made when a supervisor approves a submission."""

from __future__ import annotations

import enum
from typing import Any

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from ..clock import now
from ..extensions import LockVersion, Model, enum_column


class InspectionResult(Model):
    """抽查检查结果: the official fields of one task's check of one subject.

    One row per (visit, task); an approved resubmission updates it. What the public sees is a
    published version of it (``fieldapp.publication``), never this row directly.
    """

    __tablename__ = "inspection_result"
    __table_args__ = (UniqueConstraint("visit_id", "task_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id"), index=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), index=True)
    # The subject's county when it was inspected (the visit's), for county statistics.
    division_code: Mapped[str] = mapped_column(String(6), index=True, default="")
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"))
    inspecting_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)  # 检查实施机关
    task_kind: Mapped[str] = mapped_column(String(20))  # 抽查类型 定向/不定向 (targeted/untargeted)
    inspected_on: Mapped[date] = mapped_column(index=True)  # inspection completion date
    check_methods: Mapped[list] = mapped_column(JSON, default=list)  # 检查方式
    result_code: Mapped[str] = mapped_column(String(8))  # code from data/result_categories.yaml
    follow_up_measures: Mapped[list] = mapped_column(JSON, default=list)  # 后续处置措施
    findings: Mapped[list] = mapped_column(JSON, default=list)  # [{item, text, severity, follow_up}]
    publication_due: Mapped[date | None] = mapped_column(index=True)  # inspected_on + 20 working days
    due_by_fallback_calendar: Mapped[bool] = mapped_column(default=False)
    approved_at: Mapped[datetime] = mapped_column(default=now, server_default=func.now())
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    internal_note: Mapped[str] = mapped_column(Text, default="")

    visit = relationship("Visit")
    task = relationship("Task")
    subject = relationship("Subject")
    submission = relationship("Submission")
    inspecting_unit = relationship("Unit")
    approved_by = relationship("User")


class CaseStatus(enum.StrEnum):
    OPEN = "open"  # 未完结
    CLOSED = "closed"  # 已完结


class ResultDecision(LockVersion):
    """What follows from one inspection result (at most one row per result) about its subject, and
    is decided once by a supervisor with optimistic locking (review/decisions.py)."""

    # First in the table, as the migrations made it (a mixin's columns otherwise follow the class's own).
    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-1)
    result_id: Mapped[int] = mapped_column(ForeignKey("inspection_result.id"), sort_order=-1)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), index=True, sort_order=-1)

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        return (UniqueConstraint("result_id"),)

    @declared_attr
    def result(cls) -> Mapped[InspectionResult]:
        return relationship("InspectionResult")

    @declared_attr
    def subject(cls) -> Mapped[Any]:
        return relationship("Subject")


class FollowUpCase(ResultDecision, Model):
    """后续处置: a finding's follow-up, owned by the unit with jurisdiction over the subject."""

    __tablename__ = "follow_up_case"

    assigned_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)  # 谁管辖、谁负责
    measures: Mapped[list] = mapped_column(JSON, default=list)  # 后续处置措施 chosen by the inspector
    findings: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[CaseStatus] = mapped_column(enum_column(CaseStatus, 10), default=CaseStatus.OPEN, index=True)
    opened_at: Mapped[datetime] = mapped_column(default=now, server_default=func.now())
    closed_on: Mapped[date | None]  # 完结日期
    closing_note: Mapped[str] = mapped_column(Text, default="")
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # 整改期限 (review/rectification.py): the last day to correct by, as given (a date, or working
    # days from the check) and as it falls on the calendar (a rest day carried to the next working day).
    rectify_by: Mapped[date | None] = mapped_column(index=True)
    rectify_on: Mapped[date | None]  # the date the supervisor gave
    rectify_working_days: Mapped[int | None]  # or the working days from the check
    rectify_by_fallback: Mapped[bool] = mapped_column(default=False)  # counted on the provisional calendar
    closed_on_time: Mapped[bool | None]  # 按期完结 (None: closed without a deadline)

    assigned_unit = relationship("Unit")
    closed_by = relationship("User")


class ListingStatus(enum.StrEnum):
    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class AbnormalListingProposal(ResultDecision, Model):
    """A proposal to list a subject in the 经营异常名录 (result 6: 通过登记的住所（经营场所）无法联系),
    decided by a supervisor of the unit with jurisdiction; listing is due within 10 working days."""

    __tablename__ = "abnormal_listing_proposal"

    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    reason_code: Mapped[str] = mapped_column(String(8))
    status: Mapped[ListingStatus] = mapped_column(
        enum_column(ListingStatus, 10), default=ListingStatus.PROPOSED, index=True
    )
    proposed_at: Mapped[datetime] = mapped_column(default=now, server_default=func.now())
    decide_by: Mapped[date | None]  # verification + 10 working days
    decide_by_fallback: Mapped[bool] = mapped_column(default=False)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decision_note: Mapped[str] = mapped_column(Text, default="")

    unit = relationship("Unit")
    decided_by = relationship("User")
