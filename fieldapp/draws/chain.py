"""The public chain of draw records: every commitment, abandonment, draw and redraw is published
as a record carrying the SHA-256 of the previous one. The head's hash is shown on /public/draws
and printed on each draw's notice; copies held outside the system anchor it, so rewriting any
record (or what it hashes) in the database is detected by ``flask draw verify``."""

from __future__ import annotations

from flask_babel import gettext as _

import json
from datetime import datetime, timedelta

from sqlalchemy import func, select

from ..extensions import db
from .files import canonical_json, sha256_hex
from . import rules
from .models import DrawRecord


def head() -> DrawRecord | None:
    return db.session.scalar(select(DrawRecord).order_by(DrawRecord.sequence.desc()).limit(1))


def append(kind: str, content: dict, *, commitment_id: int | None = None, draw_id: int | None = None) -> DrawRecord:
    """Add a record after the current head (in the caller's transaction; the unique sequence and
    previous-hash constraints make two concurrent appends fail one of them)."""
    last = head()
    sequence = (last.sequence + 1) if last else 1
    at = rules.now_utc()
    body = {
        "kind": kind,
        "sequence": sequence,
        "previous": last.sha256 if last else None,
        "at": rules.published_time(at),
        **content,
    }
    text = canonical_json(body)
    record = DrawRecord(
        sequence=sequence,
        kind=kind,
        body=text.decode("utf-8"),
        sha256=sha256_hex(text),
        previous=body["previous"],
        commitment_id=commitment_id,
        draw_id=draw_id,
        created_at=at,
    )
    db.session.add(record)
    db.session.flush()
    return record


def record_of_draw(draw_id: int) -> DrawRecord | None:
    return db.session.scalar(
        select(DrawRecord).where(DrawRecord.draw_id == draw_id, DrawRecord.kind.in_(("draw", "redraw")))
    )


def replacement_records(draw_id: int) -> list[DrawRecord]:
    """The records of a draw's replacements, in the order they were made."""
    return list(
        db.session.scalars(
            select(DrawRecord)
            .where(DrawRecord.draw_id == draw_id, DrawRecord.kind == "replacement")
            .order_by(DrawRecord.sequence)
        )
    )


def record_of_commitment(commitment_id: int, kind: str) -> DrawRecord | None:
    return db.session.scalar(
        select(DrawRecord).where(DrawRecord.commitment_id == commitment_id, DrawRecord.kind == kind)
    )


def body_of(record: DrawRecord) -> dict:
    return json.loads(record.body)


# Records are appended in the order they are made, each dated by the server's clock. One dated before
# a record already in the chain was made with the clock set back: a commitment published after its
# lottery's result, dated the day before. (A few minutes allow for the clocks of several servers.)
CLOCK_TOLERANCE = timedelta(minutes=5)


def _backdated(at: str | None, latest: str) -> bool:
    if not at or not latest:
        return False
    try:
        return datetime.fromisoformat(at) < datetime.fromisoformat(latest) - CLOCK_TOLERANCE
    except ValueError:
        return True


def check_chain(anchor: str | None = None) -> list[str]:
    """Every record's hash is that of its body, and each names the one before it. ``anchor``: a
    head hash held outside the system, which must be a record of the chain."""
    problems: list[str] = []
    previous = None
    latest = ""  # the latest ``at`` so far (times as published compare as text)
    hashes = set()
    count = db.session.scalar(select(func.count()).select_from(DrawRecord)) or 0
    for start in range(0, count, 5000):
        for record in db.session.scalars(select(DrawRecord).order_by(DrawRecord.sequence).offset(start).limit(5000)):
            text = record.body.encode("utf-8")
            body = json.loads(text)
            if sha256_hex(text) != record.sha256:
                problems.append(
                    _("Chain record %(sequence)s: its hash is not that of its contents", sequence=record.sequence)
                )
            if body.get("previous") != previous or record.previous != previous:
                said = _(
                    "Chain record %(sequence)s: does not name the hash of record %(before)s",
                    sequence=record.sequence,
                    before=record.sequence - 1,
                )
                problems.append(said)
            if body.get("sequence") != record.sequence:
                problems.append(
                    _(
                        "Chain record %(sequence)s: its body gives sequence %(given)s",
                        sequence=record.sequence,
                        given=body.get("sequence"),
                    )
                )
            if _backdated(body.get("at"), latest):
                said = _(
                    "Chain record %(sequence)s: dated %(at)s UTC, before a record earlier in the chain (%(latest)s UTC)",
                    sequence=record.sequence,
                    at=body.get("at"),
                    latest=latest,
                )
                problems.append(said)
            latest = max(latest, str(body.get("at") or ""))
            previous = record.sha256
            hashes.add(record.sha256)
    if anchor and anchor not in hashes:
        problems.append(
            _("Chain: the published head %(head)s is not in the chain (a record was rewritten)", head=anchor)
        )
    return problems
