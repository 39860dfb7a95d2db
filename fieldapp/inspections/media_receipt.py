"""Receiving the files a submission lists (photos, signatures): each taken in byte ranges, resumable
and idempotent, complete only when its SHA-256 matches; a submission is settled once every file it
lists is complete. Bytes already stored count for a new submission only for those who may see them."""

from __future__ import annotations

from sqlalchemy import func, select

from .. import clock
from ..errors import Conflict, InvalidInput, NotFound
from ..extensions import db
from ..visits.models import Visit, VisitStatus
from . import media as store
from .models import MediaFile, Submission, SubmissionState
from .queries import visit_for_inspector


class MediaNotListed(NotFound):
    pass


class MediaRangeError(Conflict):
    def __init__(self, received: int):
        super().__init__(f"expected offset {received}")
        self.received = received


class MediaHashMismatch(InvalidInput):
    pass


class MediaRefused(InvalidInput):
    """A listed file whose bytes are no image the app takes (``media.open_image``): the submission is
    withdrawn whole, so the phone takes its answers back into the draft and can send them again."""

    def __init__(self, message: str, sha256: str):
        super().__init__(message)
        self.sha256 = sha256


def withdraw(submission: Submission) -> None:
    """Take back a submission still incomplete: its files' pieces, its rows, and the version it was
    to replace is returned again — as if it had never been sent (the phone still holds all of it)."""
    for item in submission.media:
        store.partial_path(submission.uuid, item.sha256).unlink(missing_ok=True)
    if submission.replaces_id is not None:
        replaced = db.session.get(Submission, submission.replaces_id)
        if replaced is not None and replaced.state == SubmissionState.SUPERSEDED:
            replaced.state = SubmissionState.RETURNED
    db.session.delete(submission)
    db.session.flush()


def list_media(submission: Submission, checked, user, uploaded: frozenset[str]) -> None:
    """The files the body lists, each complete at once when its bytes are already here."""
    for entry in checked.media:
        done = may_reuse(entry.sha256, entry.size, user, uploaded)
        submission.media.append(
            MediaFile(
                sha256=entry.sha256,
                kind=entry.kind,
                field=entry.field,
                content_type=entry.content_type,
                size=entry.size,
                received=entry.size if done else 0,
                complete=done,
                storage_key=store.storage_key(entry.sha256) if done else "",
            )
        )


def settle(submission: Submission, *, count_in_database: bool = False) -> None:
    """Mark the submission complete once every listed file is verified. After a file arrives the
    files are counted in the database, not from the loaded list: files of one submission arrive in
    parallel, and the last one must see the others' committed receipts."""
    if submission.state != SubmissionState.INCOMPLETE:
        return
    if count_in_database:
        db.session.flush()
        complete = not db.session.scalar(
            select(func.count())
            .select_from(MediaFile)
            .where(MediaFile.submission_id == submission.id, MediaFile.complete.is_(False))
        )
    else:
        complete = all(m.complete for m in submission.media)
    if complete:
        submission.state = SubmissionState.SUBMITTED
        submission.completed_at = clock.now()
        visit = submission.visit or db.session.get(Visit, submission.visit_id)
        if visit is not None:
            visit.status = VisitStatus.SUBMITTED


def may_reuse(sha256: str, size: int, user, uploaded: frozenset[str]) -> bool:
    """Stored bytes count for a new submission without being sent again only when this inspector
    uploaded them, or they belong to a submission of a visit this inspector may see: knowing a
    file's hash and size is not enough to reach someone else's photo."""
    if not store.has_complete(sha256, size):
        return False
    if sha256 in uploaded:
        return True
    owners = db.session.execute(
        select(Submission.submitted_by_id, Submission.visit_id)
        .join(MediaFile, MediaFile.submission_id == Submission.id)
        .where(MediaFile.sha256 == sha256, MediaFile.complete.is_(True))
    ).all()
    return any(by == user.id or visit_for_inspector(visit_id, user) is not None for by, visit_id in owners)


def receive_media(submission: Submission, sha256: str, start: int, total: int, data: bytes) -> MediaFile:
    """Take the bytes ``[start, start+len(data))`` of one listed file; resumable and idempotent."""
    query = select(MediaFile).where(MediaFile.submission_id == submission.id, MediaFile.sha256 == sha256)
    if db.engine.dialect.name == "postgresql":
        # One file of a submission at a time (SQLite serialises writers anyway): without the lock
        # on the submission, parallel uploads each saw the others unfinished and none settled it.
        db.session.refresh(submission, with_for_update=True)
        query = query.with_for_update()
    item = db.session.scalar(query)
    if item is None:
        raise MediaNotListed()
    if item.complete:
        db.session.commit()
        return item
    if total != item.size:
        db.session.rollback()
        raise MediaRangeError(item.received)
    if may_reuse(sha256, item.size, submission.submitted_by, frozenset()):
        # Another submission already delivered these bytes.
        item.received, item.complete, item.storage_key = item.size, True, store.storage_key(sha256)
    else:
        if start > item.received:
            received = item.received
            db.session.rollback()
            raise MediaRangeError(received)
        skip = item.received - start  # bytes we already have (a resend after a lost response)
        new = data[skip:] if skip < len(data) else b""
        if item.received + len(new) > item.size:
            received = item.received
            db.session.rollback()
            raise MediaRangeError(received)
        partial = store.partial_path(submission.uuid, sha256)
        if new:
            store.write_at(partial, item.received, new)
            item.received += len(new)
        if item.received == item.size:
            refusal = _no_image(partial, sha256)
            if refusal is not None:
                withdraw(submission)
                db.session.commit()
                raise MediaRefused(refusal, sha256)
            if not store.promote(partial, sha256):
                item.received = 0
                db.session.commit()
                raise MediaHashMismatch()
            item.complete, item.storage_key = True, store.storage_key(sha256)
    settle(submission, count_in_database=True)
    db.session.commit()
    return item


def _no_image(partial, sha256: str) -> str | None:
    """Why a whole file (its hash matches) is no image the app takes, or None. A file whose hash does
    not match is told as such (sent again from the start), not judged by its bytes."""
    if store.file_sha256(partial) != sha256:
        return None
    return store.refused_image(partial)
