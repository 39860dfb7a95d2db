"""The phone's JSON API under ``/api/v1/`` (documented in ``openapi.json`` next to this file).

Exempt from form CSRF tokens (a queued request may outlive the page that made it), protected
instead by the session cookie (SameSite=Lax), a custom header a cross-site form cannot send
without a CORS preflight we never grant, and an Origin check.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import wraps
from pathlib import Path
from urllib.parse import urlsplit

from flask import Response, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import clock
from ..extensions import csrf, db
from ..visits.queries import withdrawn_from
from . import media as store
from . import media_receipt as receipt
from . import operations as ops
from .models import Submission
from .queries import latest_submissions, my_visit_states, visit_for_inspector, visit_state
from .schema import MAX_BODY_BYTES, BodyError, openapi_schemas, parse_json
from .routes import bp

CLIENT_HEADER = "X-Fieldapp-Client"
# The phone's own time as it sends a request: how far off its clock is (clock.phone_offset).
CLIENT_TIME_HEADER = "X-Fieldapp-Client-Time"
# The user whose phone store a request comes from (base.html's fieldapp-user): on a shared phone a
# page of the previous inspector, still open, must not send that inspector's work as the next one's.
USER_HEADER = "X-Fieldapp-User"
CONTENT_RANGE_RE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")
OPENAPI_FILE = Path(__file__).with_name("openapi.json")
# Files small enough to come inside the submission's own request (multipart): its signatures.
# Photos always go up on their own, in resumable pieces.
INLINE_KINDS = ("signature",)
INLINE_MAX_BYTES = 64 * 1024
INLINE_MAX_FILES = 8


def problem(status: int, title: str, **extra) -> tuple[Response, int]:
    body = {"status": status, "title": title, **extra}
    response = jsonify(body)
    response.mimetype = "application/problem+json"
    return response, status


def api_view(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return problem(401, _("Please log in again."))
        if request.headers.get(CLIENT_HEADER) != "pwa":
            return problem(403, _("This address is for the inspector app only."))
        if not _same_origin(request.headers.get("Origin")):
            return problem(403, _("Requests from other sites are refused."))
        if not current_user.has_role("inspector"):
            return problem(403, _("Only inspectors send submissions."))
        if request.headers.get(USER_HEADER, str(current_user.id)) != str(current_user.id):
            # Answered like a lost login: the work waits on the phone for its owner to log in.
            return problem(401, _("This phone is logged in as someone else now: log in as yourself to send your work."))
        response = view(*args, **kwargs)
        return response

    return csrf.exempt(wrapped) or wrapped


def _same_origin(origin: str | None) -> bool:
    """No Origin (a same-site request may send none) or this site's; an unreadable one
    (``http://[bad``: urlsplit raises) is no site's."""
    if not origin:
        return True
    try:
        return urlsplit(origin).netloc == request.host
    except ValueError:
        return False


def approved_message() -> str:
    return _(
        "This visit's result was already approved, so a new first version cannot be accepted. "
        "To correct it, ask the supervisor: an approved result is corrected by publishing a new "
        "version of its record, with a note saying what changed."
    )


def _submission_for_user(uuid: str) -> Submission | None:
    uuid = ops.normalise_uuid(uuid)
    submission = db.session.scalar(select(Submission).where(Submission.uuid == uuid))
    if submission is None:
        return None
    if submission.submitted_by_id == current_user.id or visit_for_inspector(submission.visit_id, current_user):
        return submission
    return None


def _limited_body(limit: int) -> bytes:
    """At most ``limit + 1`` bytes of the request body, read without trusting Content-Length."""
    if request.content_length is not None and request.content_length > limit:
        raise BodyError([_("The submission is too large.")], status=413)
    return request.stream.read(limit + 1)


def _status_response(submission: Submission, code: int):
    response = jsonify(ops.submission_status(submission))
    response.headers["Location"] = url_for("inspections.api_submission", uuid=submission.uuid)
    return response, code


def _read_submission() -> tuple[object, dict[str, bytes]]:
    """The body, and the small files that came with it. JSON, or multipart/form-data with the
    JSON as the file part ``submission`` and each small file as a part named by its SHA-256."""
    if request.mimetype != "multipart/form-data":
        return parse_json(_limited_body(MAX_BODY_BYTES)), {}
    limit = MAX_BODY_BYTES + INLINE_MAX_FILES * (INLINE_MAX_BYTES + 1024)
    if request.content_length is None or request.content_length > limit:
        raise BodyError([_("The submission is too large.")], status=413)
    part = request.files.get("submission")
    if part is None:
        raise BodyError([_("The submission is missing from the request.")])
    raw = part.read(MAX_BODY_BYTES + 1)
    if len(raw) > MAX_BODY_BYTES:
        raise BodyError([_("The submission is too large.")], status=413)
    files: dict[str, bytes] = {}
    for name, upload in request.files.items(multi=True):
        if name == "submission":
            continue
        data = upload.read(INLINE_MAX_BYTES + 1)
        if len(files) >= INLINE_MAX_FILES or len(data) > INLINE_MAX_BYTES:
            raise BodyError([_("Only signatures of at most 64 KB can come with the submission.")], status=413)
        if hashlib.sha256(data).hexdigest() != name:
            raise BodyError([_("The file's bytes do not match its SHA-256; send it again from the start.")], status=422)
        files[name] = data
    return parse_json(raw), files


def _store_inline(body: dict, files: dict[str, bytes]) -> frozenset[str]:
    """Store the small files that came with the body; each must be one of its listed signatures."""
    media = body.get("media")  # not validated yet: the schema names what is wrong with it afterwards
    listed = {
        m["sha256"]: m
        for m in (media if isinstance(media, list) else [])
        if isinstance(m, dict) and isinstance(m.get("sha256"), str) and m.get("kind") in INLINE_KINDS
    }
    for sha256, data in files.items():
        entry = listed.get(sha256)
        if entry is None or entry.get("size") != len(data):
            raise BodyError([_("A file sent with the submission is not one of its listed signatures.")], status=422)
    for data in files.values():
        try:
            store.open_image(data).close()
        except store.ImageRejected as exc:
            raise BodyError([refused_file_message(exc.text())], status=422) from None
    for data in files.values():
        store.store_bytes(data)
    return frozenset(files)


def refused_file_message(reason: str) -> str:
    """What the phone shows when a photo or signature it sent is no image the app takes: the reason,
    and that its answers are back in the draft to send again without that file."""
    return _(
        "%(reason)s The office did not keep this sending: your answers, photos and signatures are back in "
        "the visit's draft on this phone. Remove that photo (or sign again) and send the visit again.",
        reason=reason,
    )


@bp.post("/api/v1/submissions")
@api_view
def api_create_submission():
    uploaded: frozenset[str] = frozenset()
    try:
        body, files = _read_submission()
        if isinstance(body, dict):
            key = request.headers.get("Idempotency-Key")
            if key and ops.normalise_uuid(key) != ops.normalise_uuid(body.get("uuid")):
                return problem(400, _("The Idempotency-Key header must equal the submission's UUID."))
            uploaded = _store_inline(body, files)
    except BodyError as exc:
        return problem(exc.status, exc.messages[0])
    if not isinstance(body, dict):
        return problem(422, _("The submission is not a JSON object."))
    try:
        offset = clock.phone_offset(request.headers.get(CLIENT_TIME_HEADER))
        submission, created = ops.receive_submission(body, current_user, uploaded, offset)
        db.session.commit()
    except ops.VisitAlreadyApproved:
        return _conflict(body, approved_message())
    except ops.SubmissionConflict:
        return _conflict(body)
    except ops.VisitNotFound:
        return _visit_not_found(body.get("visit_id"))
    except ops.SubmissionError as exc:
        return problem(422, _("The submission cannot be accepted."), errors=exc.messages)
    if not created and submission.submitted_by_id != current_user.id:
        if visit_for_inspector(submission.visit_id, current_user) is None:
            return problem(
                409, _("A different submission with this UUID exists, or this version was already replaced.")
            )
    return _status_response(submission, 201 if created else 200)


def _visit_not_found(visit_id: object):
    """404 for a visit that never was this inspector's; 410, saying when and what to do with the
    work, for one the office took from them (only an inspector who was on it learns that)."""
    withdrawn = withdrawn_from(visit_id, current_user)
    if withdrawn is None:
        return problem(404, _("This visit does not exist or is not yours."))
    title = _(
        "The office withdrew this visit from you on %(date)s (a new draw replaced it, or it was "
        "cancelled or given to another inspector): it can no longer be sent. Your work is kept on "
        "this phone: export it and hand it to your supervisor.",
        date=clock.local_date(withdrawn).isoformat(),
    )
    return problem(410, title, withdrawn_on=clock.local_date(withdrawn).isoformat())


def _conflict(body: dict, title: str | None = None):
    """409, with the visit's newest version, so the phone can explain it and offer a way out."""
    visit_id = body.get("visit_id")
    visit = visit_for_inspector(visit_id, current_user) if isinstance(visit_id, int) else None
    state = visit_state(latest_submissions([visit.id]).get(visit.id)) if visit is not None else None
    title = title or _("A different submission with this UUID exists, or this version was already replaced.")
    return problem(409, title, visit=state)


@bp.get("/api/v1/visits/state")
@api_view
def api_visit_states():
    """The newest version of each of my visits (sent, approved, returned with its comment), and
    what the form of each visit still to be sent asks (the phone fetches a kept form again when
    that changes)."""
    mine = my_visit_states(current_user)
    return jsonify(
        {"visits": {str(k): v for k, v in mine.states.items()}, "forms": {str(k): v for k, v in mine.forms.items()}}
    )


@bp.get("/api/v1/submissions/<uuid>")
@api_view
def api_submission(uuid: str):
    submission = _submission_for_user(uuid)
    if submission is None:
        return problem(404, _("No such submission."))
    return _status_response(submission, 200)


@bp.get("/api/v1/submissions/<uuid>/media/<sha256>")
@api_view
def api_media_status(uuid: str, sha256: str):
    submission = _submission_for_user(uuid)
    item = next((m for m in submission.media if m.sha256 == sha256), None) if submission else None
    if item is None:
        return problem(404, _("This file is not part of the submission."))
    return jsonify({"sha256": item.sha256, "size": item.size, "received": item.received, "complete": item.complete})


@bp.put("/api/v1/submissions/<uuid>/media/<sha256>")
@api_view
def api_upload_media(uuid: str, sha256: str):
    submission = _submission_for_user(uuid)
    if submission is None:
        return problem(404, _("No such submission."))
    data = request.get_data(cache=False)
    header = request.headers.get("Content-Range", "")
    match = CONTENT_RANGE_RE.match(header)
    if match:
        start, end, total = (int(g) for g in match.groups())
        if end - start + 1 != len(data):
            return problem(400, _("Content-Range does not match the body."))
    elif not header:
        start, total = 0, len(data)
    else:
        return problem(400, _("Content-Range must be 'bytes start-end/total'."))
    try:
        item = receipt.receive_media(submission, sha256, start, total, data)
    except receipt.MediaNotListed:
        return problem(404, _("This file is not part of the submission."))
    except receipt.MediaRangeError as exc:
        response, code = problem(416, _("Resume from the offset the server has."), received=exc.received)
        response.headers["Range"] = f"bytes=0-{exc.received - 1}" if exc.received else "bytes=0-0"
        return response, code
    except receipt.MediaRefused as exc:
        message = refused_file_message(exc.text())
        return problem(422, message, errors=[message], refused=exc.sha256)
    except receipt.MediaHashMismatch:
        return problem(422, _("The file's bytes do not match its SHA-256; send it again from the start."), received=0)
    db.session.refresh(submission)
    status = ops.submission_status(submission)
    status["file"] = {"sha256": item.sha256, "received": item.received, "complete": item.complete}
    return jsonify(status)


@bp.get("/api/v1/visits/<int:visit_id>/offline")
@api_view
def api_visit_offline(visit_id: int):
    """The addresses the phone caches when the inspector marks a visit for offline use."""
    visit = visit_for_inspector(visit_id, current_user)
    if visit is None:
        return _visit_not_found(visit_id)
    urls = [
        url_for("inspections.my_visits"),
        url_for("inspections.visit", visit_id=visit.id),
        url_for("inspections.visit_form", visit_id=visit.id),
    ]
    return jsonify({"visit_id": visit.id, "urls": urls})


@bp.get("/api/v1/openapi.json")
def openapi():
    spec = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
    spec["components"]["schemas"].update(openapi_schemas())
    spec["servers"] = [{"url": request.host_url.rstrip("/") + "/api/v1"}]
    return jsonify(spec)
