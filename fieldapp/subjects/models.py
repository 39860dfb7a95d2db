"""The subject directory (检查对象名录库): enterprises, individual businesses, co-operatives."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, func
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..clock import now
from ..extensions import FieldChange, Model, db, enum_column
from ..search_objects import search_key
from .search_ddl import attach_search_ddl


class SubjectKind(enum.StrEnum):
    ENTERPRISE = "enterprise"  # 企业
    INDIVIDUAL = "individual"  # 个体工商户
    COOPERATIVE = "cooperative"  # 农民专业合作社


class SubjectStatus(enum.StrEnum):
    OPERATING = "在业"
    CANCELLED = "注销"
    REVOKED = "吊销"
    WITHDRAWN = "撤销"
    MOVED_OUT = "迁出"


CREDIT_CLASSES = ("A", "B", "C", "D")

subject_tag = Table(
    "subject_tag",
    db.Model.metadata,
    Column("subject_id", ForeignKey("subject.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(Model):
    """A label the plan's scopes select on (加油站, 集贸市场 …). Tags are data, not code."""

    __tablename__ = "tag"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    name_en: Mapped[str] = mapped_column(String(120), default="")
    group: Mapped[str] = mapped_column(String(64), default="")  # e.g. 特种设备使用单位


def _name_key(context: DefaultExecutionContext) -> str:
    """The search form of the name an INSERT writes (each row of an executemany on its own): a bulk
    insert that leaves the key out (the importer's, a bench's) still stores it."""
    return search_key(context.get_current_parameters().get("name"))


class Subject(Model):
    __tablename__ = "subject"
    __table_args__ = (
        Index("ix_subject_pool", "status", "division_code", "credit_class"),
        # The dashboards' coverage: operating enterprises per county, and which were inspected,
        # counted in the index alone (a province's directory is never read row by row for it).
        Index("ix_subject_kind_status_division", "kind", "status", "division_code", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The draw's identifier: the USCC, or the 15-digit registration number where there is none.
    ident: Mapped[str] = mapped_column(String(18), unique=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    registration_number: Mapped[str | None] = mapped_column(String(15), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    # What the name search matches (search_key: NFKC, no spaces beside CJK, lower case), set with
    # the name and never shown; the trigram index (SQLite: the FTS5 table) is built on it.
    name_key: Mapped[str] = mapped_column(Text, default=_name_key, server_default="")
    kind: Mapped[SubjectKind] = mapped_column(enum_column(SubjectKind, 20))
    legal_representative: Mapped[str] = mapped_column(String(64), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    division_code: Mapped[str] = mapped_column(String(6), index=True)  # county
    industry: Mapped[str] = mapped_column(String(100), default="")
    # GB/T 4754 industry code: the 门类 letter and up to four digits (F, F52, F5211); scopes match a prefix.
    industry_code: Mapped[str] = mapped_column(String(5), default="", server_default="")
    contact: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[SubjectStatus] = mapped_column(enum_column(SubjectStatus, 8), default=SubjectStatus.OPERATING)
    business_term_end: Mapped[date | None]
    credit_class: Mapped[str] = mapped_column(String(1), default="B")
    credit_assessed_on: Mapped[date | None]
    created_at: Mapped[datetime] = mapped_column(default=now, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(default=now, server_default=func.now(), onupdate=now)

    tags: Mapped[list[Tag]] = relationship(secondary=subject_tag, lazy="selectin")
    changes: Mapped[list[SubjectChange]] = relationship(
        back_populates="subject", order_by="SubjectChange.changed_at", cascade="all, delete-orphan"
    )

    @property
    def tag_names(self) -> list[str]:
        return sorted(t.name for t in self.tags)

    @validates("name")
    def _keep_name_key(self, _attribute: str, name: str) -> str:
        """The name's search form follows the name, whichever operation writes it."""
        self.name_key = search_key(name)
        return name


class SubjectChange(FieldChange, Model):
    """Dated history of a subject's credit class and status (and other imported fields)."""

    __tablename__ = "subject_change"

    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id", ondelete="CASCADE"), index=True, sort_order=-1)
    effective_on: Mapped[date | None]  # e.g. the date a class was assessed
    changed_at: Mapped[datetime] = mapped_column(default=now, server_default=func.now())
    source: Mapped[str] = mapped_column(String(255), default="")

    subject: Mapped[Subject] = relationship(back_populates="changes")


attach_search_ddl(Subject.__table__)
