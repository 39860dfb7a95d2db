"""The append-only audit log: every state change in review, follow-up, credit and the calendar is recorded
here. It sits below the feature packages (any of them may record), like the clock and the errors.

Rows are only ever inserted. The ORM refuses to flush a change to or a deletion of an
:class:`AuditEvent`, and refuses bulk ``UPDATE``/``DELETE`` statements against its table; each row
is hash-chained to the previous row of the same object so tampering outside the app is detectable.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import JSON, Delete, ForeignKey, String, Text, Update, event, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from . import clock
from .extensions import Model, db


class AuditEvent(Model):
    """One state change, append-only: who, when, what, why. Never updated or deleted (the guards below).

    Each event carries the SHA-256 of its content chained to the previous event of the same
    object, so a row changed behind the application's back shows up in :func:`verify_chain`.
    """

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_name: Mapped[str] = mapped_column(String(64), default="")  # as it was at the time
    actor_unit: Mapped[str] = mapped_column(String(100), default="")
    object_type: Mapped[str] = mapped_column(String(30))  # submission / follow_up_case / abnormal_listing / calendar
    object_id: Mapped[int] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(30))  # approve / return / open / close / propose / confirm …
    from_state: Mapped[str] = mapped_column(String(20), default="")
    to_state: Mapped[str] = mapped_column(String(20), default="")
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    hash: Mapped[str] = mapped_column(String(64), default="")

    actor = relationship("User")


class AuditLogIsAppendOnly(RuntimeError):
    pass


def _content(ev: AuditEvent) -> str:
    return json.dumps(
        {
            "occurred_at": clock.as_utc(ev.occurred_at).replace(microsecond=0, tzinfo=None).isoformat(),
            "actor_id": ev.actor_id,
            "actor_name": ev.actor_name,
            "object": [ev.object_type, ev.object_id],
            "action": ev.action,
            "from": ev.from_state,
            "to": ev.to_state,
            "reason": ev.reason,
            "details": ev.details,
            "prev": ev.prev_hash,
        },
        ensure_ascii=False,
        sort_keys=True,
        default=str,
    )


def record(
    object_type: str,
    object_id: int,
    action: str,
    actor=None,
    *,
    from_state: str = "",
    to_state: str = "",
    reason: str = "",
    details: dict | None = None,
) -> AuditEvent:
    """Append one event (flushed with the caller's transaction, so it commits or rolls back with it)."""
    prev = db.session.scalar(
        select(AuditEvent.hash)
        .where(AuditEvent.object_type == object_type, AuditEvent.object_id == object_id)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    ev = AuditEvent(
        occurred_at=clock.now().replace(microsecond=0),
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "name", "") or "",
        actor_unit=getattr(getattr(actor, "unit", None), "name", "") or "",
        object_type=object_type,
        object_id=object_id,
        action=action,
        from_state=from_state or "",
        to_state=to_state or "",
        reason=reason or "",
        details=details or {},
        prev_hash=prev or "",
    )
    ev.hash = hashlib.sha256(_content(ev).encode()).hexdigest()
    db.session.add(ev)
    db.session.flush()
    return ev


def events_for(object_type: str, object_ids: list[int] | int) -> list[AuditEvent]:
    ids = [object_ids] if isinstance(object_ids, int) else list(object_ids)
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.object_type == object_type, AuditEvent.object_id.in_(ids))
            .order_by(AuditEvent.occurred_at, AuditEvent.id)
        )
    )


def verify_chain(object_type: str, object_id: int) -> bool:
    """True when every event of the object still hashes to what was recorded, in order."""
    prev = ""
    for ev in events_for(object_type, object_id):
        if ev.prev_hash != prev or hashlib.sha256(_content(ev).encode()).hexdigest() != ev.hash:
            return False
        prev = ev.hash
    return True


@event.listens_for(AuditEvent, "before_update")
def _refuse_update(mapper, connection, target):
    raise AuditLogIsAppendOnly("audit events are never changed")


@event.listens_for(AuditEvent, "before_delete")
def _refuse_delete(mapper, connection, target):
    raise AuditLogIsAppendOnly("audit events are never deleted")


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state):
    stmt = state.statement
    if isinstance(stmt, Update | Delete) and getattr(stmt, "table", None) is not None:
        if getattr(stmt.table, "name", None) == AuditEvent.__tablename__:
            raise AuditLogIsAppendOnly("audit events are never changed or deleted")
