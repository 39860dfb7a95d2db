"""The result record of one task at one subject, made when a supervisor approves a submission."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db


class InspectionResult(db.Model):
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
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id"))
    inspecting_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)  # 检查实施机关
    task_kind: Mapped[str] = mapped_column(String(20))  # 抽查类型 定向/不定向 (targeted/untargeted)
    inspected_on: Mapped[date]  # inspection completion date
    check_methods: Mapped[list] = mapped_column(JSON, default=list)  # 检查方式
    result_code: Mapped[str] = mapped_column(String(8))  # code from data/result_categories.yaml
    follow_up_measures: Mapped[list] = mapped_column(JSON, default=list)  # 后续处置措施
    findings: Mapped[list] = mapped_column(JSON, default=list)  # [{item, text, severity, follow_up}]
    publication_due: Mapped[date | None]  # inspected_on + 20 working days
    due_by_fallback_calendar: Mapped[bool] = mapped_column(default=False)
    approved_at: Mapped[datetime] = mapped_column(server_default=func.now())
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    internal_note: Mapped[str] = mapped_column(Text, default="")

    visit = relationship("Visit")
    task = relationship("Task")
    subject = relationship("Subject")
    submission = relationship("Submission")
    inspecting_unit = relationship("Unit")
    approved_by = relationship("User")
