"""Visits: one trip to one subject covering one or more tasks (进一次门、查多项事)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now
from ..extensions import Model, NaturalKey, enum_column


class VisitStatus(enum.StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    APPROVED = "approved"


class InspectorRole(enum.StrEnum):
    LEAD = "lead"  # 主检
    MEMBER = "member"
    ASSISTANT = "assistant"  # expert / third party: never one of the two inspectors


class Visit(Model):
    __tablename__ = "visit"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), index=True)
    executing_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    division_code: Mapped[str] = mapped_column(String(6), index=True)  # the subject's county
    window_start: Mapped[date | None]
    window_end: Mapped[date | None]
    status: Mapped[VisitStatus] = mapped_column(enum_column(VisitStatus, 20), default=VisitStatus.PLANNED)
    started_at: Mapped[datetime | None]
    start_position: Mapped[dict | None] = mapped_column(JSON)  # {lat, lng, accuracy}
    created_at: Mapped[datetime] = mapped_column(default=now, server_default=func.now())

    subject = relationship("Subject")
    executing_unit = relationship("Unit")
    tasks: Mapped[list[VisitTask]] = relationship(back_populates="visit", cascade="all, delete-orphan")
    inspectors: Mapped[list[VisitInspector]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="VisitInspector.position"
    )


class VisitPart(NaturalKey):
    """A row of one visit's (a task it covers, an inspector who goes), deleted with the visit. The
    natural key's unique constraint begins with visit_id and is its index (no second one)."""

    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id", ondelete="CASCADE"), sort_order=-1)


class VisitTask(VisitPart, Model):
    __tablename__ = "visit_task"
    natural_key = ("visit_id", "task_id")

    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"), index=True)
    draw_id: Mapped[int | None] = mapped_column(index=True)  # the draw that selected the subject

    visit: Mapped[Visit] = relationship(back_populates="tasks")
    task = relationship("Task")


class VisitInspector(VisitPart, Model):
    __tablename__ = "visit_inspector"
    natural_key = ("visit_id", "inspector_id")

    inspector_id: Mapped[int] = mapped_column(ForeignKey("inspector.id"), index=True)
    role: Mapped[InspectorRole] = mapped_column(enum_column(InspectorRole, 20), default=InspectorRole.MEMBER)
    position: Mapped[int] = mapped_column(default=0)  # 0 = lead
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"))  # joint tasks: whose inspector

    visit: Mapped[Visit] = relationship(back_populates="inspectors")
    inspector = relationship("Inspector")
