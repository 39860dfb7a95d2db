"""Published results: versioned public snapshots of approved inspection results.

A published record is never changed in place. A correction adds a new version (with a note) and
marks the earlier one as superseded; the public page shows that the record was corrected. A
withdrawal (撤销) adds a last version with the reason and ``withdrawn`` set, and leaves no version
current: the record leaves the search, lists and exports, and its page says it was withdrawn.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, false, func
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from ..clock import now
from ..extensions import Model
from ..search_objects import search_key
from .search_ddl import register as register_search_ddl


class PublishedResult(Model):
    """One version of one public record (抽查检查结果信息): the public fields only."""

    __tablename__ = "published_result"
    __table_args__ = (
        UniqueConstraint("public_id", "version"),
        # Two supervisors publishing (or correcting) the same result at once: one wins, the other fails.
        UniqueConstraint("inspection_result_id", "version"),
        # Newest first without a sort; deliberately not led by is_current, which would look selective
        # to a planner without statistics and win over the identifier and filter indexes. The name's
        # search form rides along so a fragment too short for the trigram index is matched in the index alone.
        Index("ix_published_result_listing", "published_on", "id", "subject_name_key"),
        # The public filters, each in the list's order (newest first).
        Index("ix_published_result_task_listing", "task_id", "published_on", "id"),
        Index("ix_published_result_county_listing", "division_code", "published_on", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable public identifier shared by every version of the record (used in public addresses).
    public_id: Mapped[str] = mapped_column(String(16), index=True)
    version: Mapped[int] = mapped_column(default=1)
    is_current: Mapped[bool] = mapped_column(default=True)
    inspection_result_id: Mapped[int] = mapped_column(ForeignKey("inspection_result.id"), index=True)
    # Internal links, for filtering and access checks; never shown on public pages.
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), index=True)
    inspecting_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    division_code: Mapped[str] = mapped_column(String(6))  # the subject's county

    # The public fields, as they were published.
    subject_name: Mapped[str] = mapped_column(String(200))
    # What the name search matches (search_key: NFKC, no spaces beside CJK, lower case), set with the name; never shown.
    subject_name_key: Mapped[str] = mapped_column(Text, default="", server_default="")
    subject_ident: Mapped[str] = mapped_column(String(18), index=True)  # USCC or registration number
    uscc: Mapped[str | None] = mapped_column(String(18), index=True)
    registration_number: Mapped[str | None] = mapped_column(String(15))
    inspecting_unit_name: Mapped[str] = mapped_column(String(100))  # 检查实施机关
    task_kind: Mapped[str] = mapped_column(String(20))  # targeted / untargeted (抽查类型)
    task_name: Mapped[str] = mapped_column(Text)
    plan_name: Mapped[str] = mapped_column(
        Text, default=""
    )  # 抽查计划名称 ("" on records published before it was kept)
    plan_year: Mapped[int] = mapped_column(index=True)
    inspected_on: Mapped[date]
    result_code: Mapped[str] = mapped_column(String(8), index=True)
    result_label: Mapped[str] = mapped_column(String(100))
    result_label_en: Mapped[str] = mapped_column(String(160), default="")
    follow_up_public: Mapped[str] = mapped_column(Text, default="")  # 后续处置, public wording
    published_on: Mapped[date]

    short_hash: Mapped[str] = mapped_column(String(16))
    correction_note: Mapped[str] = mapped_column(Text, default="")  # a correction's note, a withdrawal's reason
    withdrawn: Mapped[bool] = mapped_column(default=False, server_default=false())
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("published_result.id"))
    published_at: Mapped[datetime] = mapped_column(default=now, server_default=func.now())
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    inspection_result = relationship("InspectionResult")
    task = relationship("Task")
    inspecting_unit = relationship("Unit")
    published_by = relationship("User")
    supersedes: Mapped[PublishedResult | None] = relationship(remote_side=[id])

    @validates("subject_name")
    def _keep_name_key(self, _attribute: str, name: str) -> str:
        """The name's search form follows the name, whichever operation writes it."""
        self.subject_name_key = search_key(name)
        return name

    @property
    def is_correction(self) -> bool:
        return self.version > 1


# Name search: pg_trgm on PostgreSQL, an FTS5 trigram index on SQLite (see search_ddl).
register_search_ddl(PublishedResult.__table__)
