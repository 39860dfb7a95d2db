"""The inspector roster (执法检查人员名录库)."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now
from ..extensions import FieldChange, Model, enum_column


class InspectorStatus(enum.StrEnum):
    ON_DUTY = "在岗"
    TRANSFERRED = "调离"
    RETIRED = "退休"
    SUSPENDED = "停职"


class InspectorCategory(enum.StrEnum):
    LAW_ENFORCEMENT = "law_enforcement"  # counts toward the two inspectors
    ASSISTANT = "assistant"  # experts, third-party staff: never counted


class Inspector(Model):
    __tablename__ = "inspector"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    # 执法证号; assistants may have none.
    certificate_number: Mapped[str | None] = mapped_column(String(40), unique=True)
    certificate_valid_until: Mapped[date | None]
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    specialties: Mapped[list] = mapped_column(JSON, default=list)  # 执法领域: ["计量", "广告", …]
    status: Mapped[InspectorStatus] = mapped_column(enum_column(InspectorStatus, 8), default=InspectorStatus.ON_DUTY)
    category: Mapped[InspectorCategory] = mapped_column(
        enum_column(InspectorCategory, 20), default=InspectorCategory.LAW_ENFORCEMENT
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), unique=True)
    phone: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(default=now, server_default=func.now())

    unit = relationship("Unit")
    user = relationship("User")
    changes: Mapped[list[InspectorChange]] = relationship(
        back_populates="inspector",
        order_by="InspectorChange.effective_on",
        cascade="all, delete-orphan",
        lazy="selectin",
    )
    conflicts: Mapped[list[Conflict]] = relationship(
        back_populates="inspector", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_assistant(self) -> bool:
        """Experts and third-party staff: they may go along, never as one of the two inspectors."""
        return self.category != InspectorCategory.LAW_ENFORCEMENT

    def value_on(self, field: str, day: date) -> str | None:
        """The value ``field`` had on ``day``: the current value with later dated changes undone."""
        value = getattr(self, field)
        value = value.isoformat() if isinstance(value, date) else value
        for change in sorted(self.changes, key=lambda c: (c.effective_on, c.id or 0), reverse=True):
            if change.field == field and change.effective_on > day:
                value = change.old_value
        return value

    def status_on(self, day: date) -> str:
        return self.value_on("status", day) or InspectorStatus.ON_DUTY

    def certificate_valid_on(self, day: date) -> bool:
        if not self.value_on("certificate_number", day):
            return False
        until = self.value_on("certificate_valid_until", day)
        return bool(until) and date.fromisoformat(str(until)) >= day

    def is_eligible_on(self, day: date) -> bool:
        """A law-enforcement inspector, 在岗 with a certificate valid on ``day`` (dated history honoured)."""
        return (
            not self.is_assistant and self.status_on(day) == InspectorStatus.ON_DUTY and self.certificate_valid_on(day)
        )

    def conflicts_with(self, subject) -> bool:
        """A declared 回避: the subject itself, or a person named on it (legal representative)."""
        for conflict in self.conflicts:
            if conflict.subject_id is not None and conflict.subject_id == subject.id:
                return True
            if conflict.person_name and conflict.person_name == (subject.legal_representative or None):
                return True
        return False


class InspectorChange(FieldChange, Model):
    """Dated history of status, unit, certificate and specialty changes."""

    __tablename__ = "inspector_change"

    inspector_id: Mapped[int] = mapped_column(ForeignKey("inspector.id", ondelete="CASCADE"), index=True, sort_order=-1)
    effective_on: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime] = mapped_column(default=now, server_default=func.now())

    inspector: Mapped[Inspector] = relationship(back_populates="changes")


class Conflict(Model):
    """A declared conflict of interest (回避): a subject, or a person, the inspector must avoid."""

    __tablename__ = "inspector_conflict"

    id: Mapped[int] = mapped_column(primary_key=True)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("inspector.id", ondelete="CASCADE"), index=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subject.id", ondelete="CASCADE"), index=True)
    person_name: Mapped[str | None] = mapped_column(String(64))  # e.g. a legal representative
    reason: Mapped[str] = mapped_column(Text, default="")
    declared_on: Mapped[date | None]

    inspector: Mapped[Inspector] = relationship(back_populates="conflicts")
    subject = relationship("Subject")
