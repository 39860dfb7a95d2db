"""What inspectors send from the site: submissions (one per visit and version) and their media."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now
from ..extensions import LockVersion, Model, enum_column


class SubmissionState(enum.StrEnum):
    INCOMPLETE = "incomplete"  # media still arriving
    SUBMITTED = "submitted"  # complete, waiting for review
    RETURNED = "returned"  # sent back to the inspector with a comment
    APPROVED = "approved"
    SUPERSEDED = "superseded"  # replaced by a resubmission


class Submission(LockVersion, Model):
    __tablename__ = "submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Client-generated UUID: the idempotency key. Unique, so concurrent replays make one row.
    uuid: Mapped[str] = mapped_column(String(36), unique=True)
    body_sha256: Mapped[str] = mapped_column(String(64))
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"))
    state: Mapped[SubmissionState] = mapped_column(
        enum_column(SubmissionState, 20), default=SubmissionState.INCOMPLETE, index=True
    )
    # The whole body as sent: per task the answer sets (checklist id, version, definition hash,
    # answers), position, signatures (media refs), check methods, result and override reason.
    body: Mapped[dict] = mapped_column(JSON)
    suggested_result: Mapped[str | None] = mapped_column(String(8))
    result_code: Mapped[str | None] = mapped_column(String(8))
    override_reason: Mapped[str] = mapped_column(Text, default="")
    inspected_on: Mapped[datetime | None]
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    received_at: Mapped[datetime] = mapped_column(default=now, server_default=func.now())
    completed_at: Mapped[datetime | None]
    review_comment: Mapped[str] = mapped_column(Text, default="")

    visit = relationship("Visit")
    replaces: Mapped[Submission | None] = relationship(remote_side=[id])
    submitted_by = relationship("User")
    media: Mapped[list[MediaFile]] = relationship(back_populates="submission", cascade="all, delete-orphan")


class MediaFile(Model):
    """A photo or signature listed by a submission; complete when its bytes match its SHA-256."""

    __tablename__ = "media_file"
    __table_args__ = (UniqueConstraint("submission_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submission.id", ondelete="CASCADE"), index=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # photo / signature
    # Where the submission uses it: the form field of a photo, the signer of a signature.
    field: Mapped[str] = mapped_column(String(200), default="")
    content_type: Mapped[str] = mapped_column(String(64), default="image/jpeg")
    size: Mapped[int] = mapped_column(BigInteger)
    received: Mapped[int] = mapped_column(BigInteger, default=0)  # bytes so far (resumable)
    complete: Mapped[bool] = mapped_column(default=False)
    storage_key: Mapped[str] = mapped_column(String(200), default="")  # path under MEDIA_ROOT
    created_at: Mapped[datetime] = mapped_column(default=now, server_default=func.now())

    submission: Mapped[Submission] = relationship(back_populates="media")
