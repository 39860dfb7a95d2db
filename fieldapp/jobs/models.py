"""Background jobs: what was asked, how far it got, and what came of it."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model, enum_column


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(Model):
    """One piece of long work run by the worker (an import, a PDF, an export, a draw).

    ``attempt`` fences the runs: each (re)start takes a new attempt number, and a run may only
    record progress while its number is current, so a worker taken for dead that wakes up again
    cannot write over its successor. ``checkpoint`` is written in the same transaction as the work
    it describes, so a retried run resumes exactly where the committed work ends."""

    __tablename__ = "job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus, 16), default=JobStatus.QUEUED, index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    title: Mapped[str] = mapped_column(String(300), default="")
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    stage: Mapped[str] = mapped_column(String(40), default="")
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int | None]
    attempt: Mapped[int] = mapped_column(default=0)
    checkpoint: Mapped[dict | None] = mapped_column(JSON)
    result: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    heartbeat_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    owner = relationship("User")

    @property
    def finished(self) -> bool:
        return self.status in (JobStatus.DONE, JobStatus.FAILED)

    @property
    def percent(self) -> int | None:
        if not self.total:
            return None
        return min(100, int(self.done * 100 / self.total))
