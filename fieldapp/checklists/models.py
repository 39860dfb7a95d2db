"""Snapshots of every checklist version used, so an old answer set renders exactly as filled."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Index, String, func
from sqlalchemy.orm import Mapped, mapped_column

from ..clock import now
from ..extensions import Model


class ChecklistVersion(Model):
    """One checklist definition as it stood when answers were recorded against it.

    Keyed by the SHA-256 of the canonical definition: the same content is stored once; a file edited
    without raising its ``version`` still gets a snapshot of its own (and ``checklists check`` warns)."""

    __tablename__ = "checklist_version"
    __table_args__ = (Index("ix_checklist_version_checklist_version", "checklist_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    checklist_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    definition: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=now, server_default=func.now())
