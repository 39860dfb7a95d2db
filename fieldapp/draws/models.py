"""The double-random draw: seed commitments, draws, selected subjects, matched inspectors,
and joint-inspection invitations (联查邀约).

A finished draw is frozen: its rows are only ever added to (a replacement ends an assignment
and adds the next one; a redraw is a new numbered draw that supersedes the old one).
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now
from ..extensions import Model, enum_column


class CommitmentStatus(enum.StrEnum):
    OPEN = "open"  # published, waiting for the draw
    USED = "used"  # the seed of a draw
    ABANDONED = "abandoned"  # given up with a written reason; stays public with its seed


class ExternalKind(enum.StrEnum):
    """Where the external value W mixed into the seed comes from (named before the draw)."""

    LOTTERY = "lottery"  # a public lottery result, entered after that lottery draw took place
    WITNESS = "witness"  # a string typed by a named witness from another unit


class DrawStatus(enum.StrEnum):
    VALID = "valid"
    SUPERSEDED = "superseded"  # a redraw (with a written reason) replaced it


class InvitationStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class DrawCommitment(Model):
    """SHA-256 of a secret seed, published before the draw (sequence number and time)."""

    __tablename__ = "draw_commitment"
    __table_args__ = (UniqueConstraint("sequence"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer)  # public, city-wide running number
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"), index=True)
    round: Mapped[int]
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    # The seed is not in the database while the commitment is open: it is derived from this nonce
    # with a key held outside the database (seeds.py) and written here only once it is revealed
    # (used or abandoned). Commitments of algorithm 1 kept the seed itself.
    seed_hex: Mapped[str | None] = mapped_column(String(64))
    seed_nonce_hex: Mapped[str | None] = mapped_column(String(64))
    external_kind: Mapped[ExternalKind] = mapped_column(enum_column(ExternalKind, 12), default=ExternalKind.WITNESS)
    # Which lottery draw (name and issue) or which witness (name and unit), published with the commitment.
    external_description: Mapped[str] = mapped_column(Text, default="")
    external_date: Mapped[date | None]  # the day the lottery is drawn
    abandon_reason: Mapped[str] = mapped_column(Text, default="")
    commitment_hex: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[CommitmentStatus] = mapped_column(
        enum_column(CommitmentStatus, 12), default=CommitmentStatus.OPEN, index=True
    )
    # A commitment for a redraw carries the written reason (重新抽取的理由).
    redraw_reason: Mapped[str] = mapped_column(Text, default="")
    # Drawing despite warnings (rules unconfirmed, empty pool, over capacity, outside the window)
    # needs a written reason, published with the draw; ``exceptions`` are the warnings it answers.
    exception_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    exceptions: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    closed_at: Mapped[datetime | None]
    # The draw's inputs, frozen when the commitment is published (inputs.py): the classed pool
    # file (zlib), the subjects' database ids in its order (zlib of 64-bit integers), and the
    # task's numbers, the teams, the inspector file and the declared conflicts (JSON). Their hashes
    # are in the commitment's public record, so no edit made once W is known changes the draw.
    # None for commitments published before inputs were frozen (the draw reads them then).
    inputs_on: Mapped[date | None]
    frozen_pool: Mapped[bytes | None] = mapped_column(LargeBinary)
    frozen_ids: Mapped[bytes | None] = mapped_column(LargeBinary)
    frozen_inputs: Mapped[dict | None] = mapped_column(JSON)

    task = relationship("Task")
    unit = relationship("Unit")
    created_by = relationship("User")

    @property
    def seed_is_public(self) -> bool:
        return self.status == CommitmentStatus.ABANDONED


class Draw(Model):
    __tablename__ = "draw"
    # One draw per (task, round, unit, number): two people pressing "draw" at once make one draw.
    __table_args__ = (UniqueConstraint("task_id", "round", "unit_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"), index=True)
    round: Mapped[int]
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    number: Mapped[int] = mapped_column(default=1)  # 1, then 2 for the first redraw …
    commitment_id: Mapped[int] = mapped_column(ForeignKey("draw_commitment.id"), unique=True)
    status: Mapped[DrawStatus] = mapped_column(enum_column(DrawStatus, 12), default=DrawStatus.VALID, index=True)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("draw.id"))
    redraw_reason: Mapped[str] = mapped_column(Text, default="")
    draw_date: Mapped[date]  # classes, eligibility and business terms are taken as of this day
    witness: Mapped[str] = mapped_column(Text, default="")
    effective_seed_hex: Mapped[str] = mapped_column(String(64))
    pool_sha256: Mapped[str] = mapped_column(String(64))
    pool_size: Mapped[int]
    pool_file: Mapped[bytes] = mapped_column(LargeBinary)  # zlib-compressed canonical pool file
    class_sizes: Mapped[dict] = mapped_column(JSON)  # N_c
    quotas: Mapped[dict] = mapped_column(JSON)  # n_c before top-up
    topups: Mapped[dict] = mapped_column(JSON)  # extra per class from the shortfall
    total_floor: Mapped[int]  # T
    ratio: Mapped[str | None] = mapped_column(String(20))  # exact decimal as text
    fixed_count: Mapped[int | None]
    multipliers: Mapped[dict] = mapped_column(JSON)  # class -> decimal text
    # The inspector teams (initiating department and participating ones), as used: unit, required
    # specialties, workload cap, the certificate numbers eligible on the draw date.
    teams: Mapped[list] = mapped_column(JSON, default=list)
    algorithm: Mapped[str] = mapped_column(String(20), default="fieldapp-draw-1")
    # Algorithm 2: the public pool file's hash (ids only; pool_sha256 is the classed file's, a
    # commitment) and the eligible-inspector file with its hash.
    pool_ids_sha256: Mapped[str | None] = mapped_column(String(64))
    inspectors_file: Mapped[bytes | None] = mapped_column(LargeBinary)
    inspectors_sha256: Mapped[str | None] = mapped_column(String(64))
    # The task (number, name, plan year) and unit as named in the bundle when drawn: its chain record
    # hashes them, so a task or unit renamed later is no rewrite. NULL (drawn before): named as now.
    heading: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    task = relationship("Task")
    unit = relationship("Unit")
    commitment: Mapped[DrawCommitment] = relationship()
    created_by = relationship("User")
    supersedes: Mapped[Draw | None] = relationship(remote_side=[id])
    selections: Mapped[list[DrawSelection]] = relationship(
        back_populates="draw", order_by="DrawSelection.position", cascade="all, delete-orphan"
    )

    @property
    def selected_count(self) -> int:
        return sum(self.quotas.values()) + sum(self.topups.values())


class DrawRecord(Model):
    """One published record of the draw chain (commitment, abandonment, draw, redraw): its body is
    canonical JSON carrying the hash of the previous record, so rewriting one breaks the chain."""

    __tablename__ = "draw_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence: Mapped[int] = mapped_column(Integer, unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    body: Mapped[str] = mapped_column(Text)  # canonical JSON, hashed as stored (UTF-8)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    previous: Mapped[str | None] = mapped_column(String(64), unique=True)
    commitment_id: Mapped[int | None] = mapped_column(ForeignKey("draw_commitment.id"), index=True)
    draw_id: Mapped[int | None] = mapped_column(ForeignKey("draw.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=now)


class DrawSelection(Model):
    """One selected subject, in ascending key order (``position``)."""

    __tablename__ = "draw_selection"
    __table_args__ = (UniqueConstraint("draw_id", "subject_id"), UniqueConstraint("draw_id", "position"))

    id: Mapped[int] = mapped_column(primary_key=True)
    # (no index of its own on draw_id: the unique constraints, which begin with it, serve)
    draw_id: Mapped[int] = mapped_column(ForeignKey("draw.id", ondelete="CASCADE"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subject.id"), index=True)
    position: Mapped[int]
    ident: Mapped[str] = mapped_column(String(18))
    credit_class: Mapped[str] = mapped_column(String(1))  # as of the draw date
    key_hex: Mapped[str] = mapped_column(String(64))
    topup: Mapped[bool] = mapped_column(default=False)
    # Empty when every team found two inspectors; otherwise why not (shown to the supervisor).
    unmatched_reason: Mapped[str] = mapped_column(Text, default="")

    draw: Mapped[Draw] = relationship(back_populates="selections")
    subject = relationship("Subject")
    assignments: Mapped[list[DrawAssignment]] = relationship(
        back_populates="selection", order_by="DrawAssignment.id", cascade="all, delete-orphan"
    )

    @property
    def active_assignments(self) -> list[DrawAssignment]:
        return [a for a in self.assignments if a.ended_at is None]


class DrawAssignment(Model):
    """An inspector matched to a selected subject (position 0 of the initiating team leads: 主检)."""

    __tablename__ = "draw_assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    selection_id: Mapped[int] = mapped_column(ForeignKey("draw_selection.id", ondelete="CASCADE"), index=True)
    # (no index on inspector_id: no query looks assignments up by inspector — the workload counts
    # by draw and certificate — and a draw writes them by the hundred thousand)
    inspector_id: Mapped[int] = mapped_column(ForeignKey("inspector.id"))
    team_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    position: Mapped[int]  # 0 or 1 within the team
    rank: Mapped[int]  # 0-based rank among the eligible inspectors (a replacement takes the next)
    key_hex: Mapped[str] = mapped_column(String(64))
    certificate_number: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=now)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("draw_assignment.id"))
    reason: Mapped[str] = mapped_column(Text, default="")  # why this replacement was made
    # A replacement: the certificates ranked before it that were passed over, each with why
    # ([{"certificate", "reason"}], reason one of replacements.SKIP_REASONS); None before these were kept.
    skipped: Mapped[list | None] = mapped_column(JSON)
    ended_at: Mapped[datetime | None]
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    selection: Mapped[DrawSelection] = relationship(back_populates="assignments")
    inspector = relationship("Inspector")
    team_unit = relationship("Unit")
    replaces: Mapped[DrawAssignment | None] = relationship(remote_side=[id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    ended_by = relationship("User", foreign_keys=[ended_by_id])


class TaskDrawSettings(Model):
    """Per-task overrides of what the draw derives: the specialties needed, the workload cap."""

    __tablename__ = "task_draw_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"), unique=True)
    specialties: Mapped[list | None] = mapped_column(JSON)  # None: derived from the guiding department
    workload_cap: Mapped[int | None]  # subjects per inspector per round; None: the app default

    task = relationship("Task")


class JointInvitation(Model):
    """联查邀约: the initiating department invites another department into a task's visits."""

    __tablename__ = "joint_invitation"
    __table_args__ = (UniqueConstraint("task_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)  # the invited department
    status: Mapped[InvitationStatus] = mapped_column(
        enum_column(InvitationStatus, 12), default=InvitationStatus.PENDING
    )
    message: Mapped[str] = mapped_column(Text, default="")
    items: Mapped[list] = mapped_column(JSON, default=list)  # the department's 抽查事项 (texts)
    checklist_ids: Mapped[list] = mapped_column(JSON, default=list)
    specialties: Mapped[list | None] = mapped_column(JSON)  # None: derived from the department
    invited_at: Mapped[datetime] = mapped_column(default=now, server_default=func.now())
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    responded_at: Mapped[datetime | None]
    responded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    task = relationship("Task")
    unit = relationship("Unit")
