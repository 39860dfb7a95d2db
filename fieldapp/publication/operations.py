"""State changes: publishing approved results, correcting and withdrawing published records."""

from __future__ import annotations

import secrets
from datetime import date

from sqlalchemy import select

from ..errors import InvalidInput
from .. import audit, clock
from ..auth import access
from ..extensions import db
from ..review.models import InspectionResult
from ..review.results import amend_result
from .models import PublishedResult
from .snapshot import PUBLIC_FIELDS, public_fields, record_fields, short_hash


class PublicationError(InvalidInput):
    """A publication request that cannot be carried out (the message is shown to the user)."""


def current_version(inspection_result_id: int) -> PublishedResult | None:
    return db.session.scalar(
        select(PublishedResult).where(
            PublishedResult.inspection_result_id == inspection_result_id, PublishedResult.is_current.is_(True)
        )
    )


def _ever_published(inspection_result_id: int) -> bool:
    return (
        db.session.scalar(
            select(PublishedResult.id).where(PublishedResult.inspection_result_id == inspection_result_id).limit(1)
        )
        is not None
    )


def _new_public_id() -> str:
    while True:
        candidate = secrets.token_hex(6)
        if db.session.scalar(select(PublishedResult.id).where(PublishedResult.public_id == candidate)) is None:
            return candidate


def _make_version(result: InspectionResult, public_id: str, version: int, user, on: date, **extra) -> PublishedResult:
    fields = public_fields(result)
    fields.update({k: v for k, v in extra.items() if k in ("follow_up_public",) and v is not None})
    fields["published_on"] = on
    record = PublishedResult(
        public_id=public_id,
        version=version,
        is_current=True,
        inspection_result_id=result.id,
        published_by_id=getattr(user, "id", None),
        **fields,
    )
    record.short_hash = short_hash(public_id, version, fields)
    return record


def publish(results: list[InspectionResult], user, on: date | None = None) -> list[PublishedResult]:
    """Publish each approved result not yet published. Returns the new records.

    Results already published are skipped (publishing twice is not an error: a double click or a
    second supervisor in the same batch), withdrawn ones too (a page opened before the withdrawal
    must not give the result a second public record, nor refuse the rest of the batch); results
    outside the user's unit raise.
    """
    on = on or clock.today()
    created = []
    for result in results:
        if not access.may_publish(user, result):
            raise PublicationError(f"not allowed to publish result {result.id}")
        if _ever_published(result.id):  # current, corrected or withdrawn: never a second record
            continue
        record = _make_version(result, _new_public_id(), 1, user, on)
        db.session.add(record)
        created.append(record)
    db.session.flush()
    return created


def pending_changes(record: PublishedResult) -> dict[str, tuple]:
    """Public fields whose value in the inspection result now differs from the published version."""
    now = public_fields(record.inspection_result)
    return {
        name: (getattr(record, name), now[name])
        for name in PUBLIC_FIELDS
        if name != "published_on" and now.get(name) != getattr(record, name)
    }


def correct(
    record: PublishedResult,
    user,
    note: str,
    follow_up_public: str | None = None,
    on: date | None = None,
    result_code: str | None = None,
) -> PublishedResult:
    """Publish a corrected version of ``record`` from the result as it stands now, with a note;
    ``result_code`` (comma-joined codes) corrects the result itself first, the note its reason
    (``review.results.amend_result``: a ResultChoiceInvalid when the codes cannot be recorded).

    The earlier version stays as it was (no longer current); nothing is changed in place.
    """
    note = (note or "").strip()
    if not note:
        raise PublicationError("a correction needs a note")
    if not record.is_current:
        raise PublicationError("only the current version can be corrected")
    result = record.inspection_result
    if not access.may_publish(user, result):
        raise PublicationError(f"not allowed to correct record {record.public_id}")
    if result_code:
        amend_result(result, result_code, note, user)
    follow_up = (follow_up_public or "").strip() or None
    new = _make_version(
        result, record.public_id, record.version + 1, user, on or clock.today(), follow_up_public=follow_up
    )
    if all(getattr(new, name) == getattr(record, name) for name in PUBLIC_FIELDS if name != "published_on"):
        raise PublicationError("nothing to correct")
    new.correction_note = note
    new.supersedes_id = record.id
    record.is_current = False
    db.session.flush()  # the old row stops being current before the new one is inserted
    db.session.add(new)
    db.session.flush()
    return new


# What a withdrawal copies from the version it ends, besides the public fields: the record's links.
_KEPT_ON_WITHDRAWAL = (
    "inspection_result_id",
    "task_id",
    "subject_id",
    "inspecting_unit_id",
    "division_code",
    "uscc",
    "registration_number",
    "plan_year",
    "result_label_en",
)


def withdraw(record: PublishedResult, user, reason: str) -> PublishedResult:
    """撤销: end a published record with a last version that says why (a record published for the
        wrong firm, a result annulled on review or appeal), dated by its ``published_at`` (the fields,
    公示日期 included, stay as last published). No
        version is current afterwards, so the record leaves the search, the lists and the exports, and
        its result is not offered for publishing again. Audited; flushes, the caller commits."""
    reason = (reason or "").strip()
    if not reason:
        raise PublicationError("a withdrawal needs a reason")
    if not record.is_current:
        raise PublicationError("only the current version can be withdrawn")
    if not access.may_publish(user, record.inspection_result):
        raise PublicationError(f"not allowed to withdraw record {record.public_id}")
    fields = record_fields(record) | {name: getattr(record, name) for name in _KEPT_ON_WITHDRAWAL}
    last = PublishedResult(
        public_id=record.public_id,
        version=record.version + 1,
        is_current=False,
        withdrawn=True,
        correction_note=reason,
        supersedes_id=record.id,
        published_at=clock.now(),
        published_by_id=getattr(user, "id", None),
        **fields,
    )
    last.short_hash = short_hash(record.public_id, last.version, fields)
    record.is_current = False
    db.session.flush()
    db.session.add(last)
    db.session.flush()
    audit.record("published_result", last.id, "withdraw", user, reason=reason, details={"public_id": record.public_id})
    return last


def snapshot_matches(record: PublishedResult) -> bool:
    """True when the stored hash still matches the stored fields (tamper check)."""
    return record.short_hash == short_hash(record.public_id, record.version, record_fields(record))
