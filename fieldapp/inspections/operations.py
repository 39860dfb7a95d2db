"""Receiving submissions and their media: idempotent, resumable, verified.

The files a submission lists are received in ``media_receipt``. The contract is OpenRosa/ODK Central's: the phone makes a UUID per submission; an identical resend
returns the stored record, the same UUID with a different body is a conflict (409). Concurrent
resends are settled by the unique constraint on ``submission.uuid`` — never by read-then-write.
A submission is complete only when every media file it lists has arrived with a matching SHA-256.
These functions flush and the request commits; a file's chunks are committed as they arrive
(``media_receipt``), so that a resumed upload starts after the last one stored.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from ..errors import Conflict, InvalidInput, NotFound
from .. import clock
from ..extensions import attributes, db
from ..plans.display import task_number_label
from ..plans.models import Task
from ..visits.models import Visit, VisitStatus
from .media_receipt import list_media, settle
from .models import Submission, SubmissionState
from .schema import BodyError, Media, Position, SubmissionBody, validate_body
from .checklist_source import Evaluated, TaskChecklists, checklists_for_visit, evaluate_answers
from .queries import visit_for_inspector
from .task_results import TaskResult, decide_all, visit_summary

INSPECTOR_ROLES = {"lead", "member"}
# An answer's field name starts with its task's id (checklist_source: ``a.<task id>.<checklist id>.``).
ANSWER_TASK = re.compile(r"^a\.(\d+)\.")


class SubmissionError(InvalidInput):
    """The body cannot be accepted; ``messages`` say why, in the user's language."""

    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


class SubmissionConflict(Conflict):
    """The UUID is taken by a different body, the replaced version was already replaced, or a
    first version arrives for a visit that already has one."""


class VisitAlreadyApproved(SubmissionConflict):
    """The visit's result was approved: a new first version would make a second result."""


class VisitNotFound(NotFound):
    pass


def canonical_json(body: dict) -> bytes:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def body_hash(body: dict) -> str:
    return hashlib.sha256(canonical_json(body)).hexdigest()


def _position(value) -> dict | None:
    """A start position as the form posts it (strings); ``None`` when it is not a plausible one."""
    if value is None:
        return None
    try:
        return Position.model_validate(value).model_dump(mode="json", exclude={"at"})
    except ValidationError:
        return None


@dataclass
class Checked:
    visit: Visit
    replaces: Submission | None
    media: list[Media]
    evaluated: Evaluated
    results: list[TaskResult]


def checked_at(body: SubmissionBody, replaces: Submission | None = None) -> datetime:
    """When the check ended: the phone's submit time (on the server's clock), else now. A correction
    of a returned record keeps the moment of the version it replaces: the 20 working days to publish
    run 自抽查结束之日起, and correcting the record is not a new check."""
    if replaces is not None and replaces.inspected_on is not None:
        return replaces.inspected_on
    return body.client_submitted_at or clock.now()


def _check_media(body: SubmissionBody, errors: list[str]) -> dict[str, Media]:
    listed: dict[str, Media] = {}
    max_bytes = current_app.config["MEDIA_MAX_BYTES"]
    for entry in body.media:
        if entry.size > max_bytes:
            errors.append(_("A media file is empty or larger than %(mb)s MB.", mb=max_bytes // (1024 * 1024)))
        listed.setdefault(entry.sha256, entry)
    for field_name, shas in body.photos.items():
        if any(sha not in listed for sha in shas):
            errors.append(_("Photo %(field)s is not in the list of media files.", field=field_name))
    return listed


def _check_signatures(body: SubmissionBody, listed: dict[str, Media], errors: list[str], team: set[int]) -> None:
    """``team``: the ids of the visit's inspectors, the only ones whose signatures it carries."""
    roles_signed = set()
    for sig in body.signatures:
        if sig.role in INSPECTOR_ROLES:
            if sig.sha256 not in listed:
                errors.append(_("Every inspector must sign."))
            if sig.inspector_id is not None and sig.inspector_id not in team:
                errors.append(_("A signature names an inspector who is not on this visit."))
        elif sig.refused:
            if not sig.reason.strip():
                errors.append(_("Give the reason the representative refused to sign."))
        elif sig.sha256 not in listed:
            errors.append(_("The subject's representative must sign, or record the refusal and its reason."))
        roles_signed.add(sig.role)
    if "lead" not in roles_signed:
        errors.append(_("Every inspector must sign."))
    if "representative" not in roles_signed:
        errors.append(_("The subject's representative must sign, or record the refusal and its reason."))


def _task_label(task_id: int) -> str:
    task = db.session.get(Task, task_id)
    return _("Task %(number)s", number=task_number_label(task)) + f" {task.name}" if task is not None else f"#{task_id}"


def _form_changes(body: SubmissionBody, task_checklists: list[TaskChecklists]) -> list[str]:
    """What the office changed on the visit since the phone's form was opened (a task taken off or
    added by a new draw, a checklist updated): the answers are never evaluated against a form the
    inspector did not see, nor a task's answers silently dropped. Empty for a body that does not
    say which tasks and checklists it answered (the form without JavaScript)."""
    if not body.task_ids:
        return []
    current = {tc.visit_task.task_id: tc for tc in task_checklists}
    sent = set(body.task_ids) | {choice.task_id for choice in body.task_results}
    sent |= {int(found.group(1)) for name in body.answers if (found := ANSWER_TASK.match(name))}
    problems = [
        _(
            "%(task)s was taken off this visit by the office after this form was opened, so its answers "
            "cannot be sent with it. They stay in this draft: ask the office what to do with them.",
            task=_task_label(task_id),
        )
        for task_id in dict.fromkeys(body.task_ids)
        if task_id not in current
    ]
    problems += [
        _("%(task)s was added to this visit after this form was opened: open the form again to answer it.",
          task=_task_label(task_id))
        for task_id in current
        if task_id not in sent  # neither listed nor answered
    ]  # fmt: skip
    changed = dict.fromkeys(
        ref.task_id
        for ref in body.checklists
        if ref.task_id in current
        and not any(c.id == ref.id and ref.version in (None, c.version) for c in current[ref.task_id].checklists)
    )
    problems += [
        _(
            "The checklist of %(task)s was updated after this form was opened: open the form again, "
            "check the answers against the new version and send it again.",
            task=_task_label(task_id),
        )
        for task_id in changed
    ]
    return problems


def check_body(body: SubmissionBody, user) -> Checked:
    """Check a schema-valid body for ``user``; raises SubmissionError / VisitNotFound / Conflict."""
    visit = visit_for_inspector(body.visit_id, user)
    if visit is None:
        raise VisitNotFound()
    errors: list[str] = []
    listed = _check_media(body, errors)
    if not body.check_methods:
        errors.append(_("Choose at least one check method."))
    _check_signatures(body, listed, errors, {vi.inspector_id for vi in visit.inspectors})

    replaces = None
    if body.replaces:
        replaces = db.session.scalar(select(Submission).where(Submission.uuid == body.replaces))
        if replaces is None or replaces.visit_id != visit.id:
            errors.append(_("The submission it replaces does not exist."))
        elif replaces.state != SubmissionState.RETURNED:
            raise SubmissionConflict()

    task_checklists = checklists_for_visit(visit)
    errors += _form_changes(body, task_checklists)
    no_activity = {choice.task_id for choice in body.task_results if choice.no_activity}
    day = clock.local_date(checked_at(body, replaces))
    evaluated = evaluate_answers(task_checklists, body.answers, day, no_activity=no_activity)
    errors += evaluated.errors
    labels = {vt.task_id: _("Task %(number)s", number=task_number_label(vt.task)) for vt in visit.tasks}
    results, result_errors = decide_all(body, evaluated, labels)
    errors += result_errors

    if errors:
        raise SubmissionError(list(dict.fromkeys(errors)))
    return Checked(visit=visit, replaces=replaces, media=list(listed.values()), evaluated=evaluated, results=results)


def normalise_uuid(value) -> str:
    """Client ids are compared case-insensitively: stored and looked up in lower case."""
    return str(value or "").strip().lower()


def _normalised(raw):
    """The body with its client ids in lower case (the same submission whatever their case)."""
    if not isinstance(raw, dict):
        return raw
    out = dict(raw)
    for key in ("uuid", "replaces"):
        if isinstance(out.get(key), str) and out[key]:
            out[key] = normalise_uuid(out[key])
    return out


def _check_first_version(visit_id: int, uuid: str, digest: str) -> Submission | None:
    """A first version is refused (409) while the visit has one not superseded (sent from another
    phone of the same inspector): neither hides the other, the phone keeps its answers. Returns
    the stored submission when this is a concurrent replay of it."""
    states = set(db.session.scalars(select(Submission.state).where(Submission.visit_id == visit_id)))
    states.discard(SubmissionState.SUPERSEDED)
    if not states:
        return None
    found = _existing(uuid, digest)
    if found is not None:
        return found
    raise VisitAlreadyApproved() if SubmissionState.APPROVED in states else SubmissionConflict()


def _existing(uuid: str, digest: str) -> Submission | None:
    found = db.session.scalar(select(Submission).where(Submission.uuid == uuid))
    if found is not None and found.body_sha256 != digest:
        raise SubmissionConflict()
    return found


def parse_submission(raw) -> SubmissionBody:
    """The schema's model of a body; raises SubmissionError naming each field outside it."""
    try:
        return validate_body(raw)
    except BodyError as exc:
        raise SubmissionError(exc.messages) from None


def receive_submission(
    raw: dict, user, uploaded: frozenset[str] = frozenset(), phone_offset: timedelta = timedelta(0)
) -> tuple[Submission, bool]:
    """Store a submission once. Returns (submission, created). ``uploaded``: SHA-256s whose bytes
    came with this very request (the form without JavaScript); ``phone_offset``: how far the
    server's clock is ahead of the sending phone's (``clock.phone_offset``)."""
    raw = _normalised(raw)
    sent = parse_submission(raw)
    body, said_before_plan = _before_its_plan(sent.on_server_clock(phone_offset))
    digest = body_hash(raw)
    found = _existing(body.uuid, digest)
    if found is not None:
        return found, False
    checked = check_body(body, user)
    visit = checked.visit
    if checked.replaces is None and (found := _check_first_version(visit.id, body.uuid, digest)) is not None:
        return found, False
    suggested, result_code = visit_summary(checked.results)
    submission = Submission(
        uuid=body.uuid,
        body_sha256=digest,
        visit_id=visit.id,
        body=_stored_body(body, checked, _clock_correction(sent, body), said_before_plan),
        version=(checked.replaces.version + 1) if checked.replaces else 1,
        replaces_id=checked.replaces.id if checked.replaces else None,
        state=SubmissionState.INCOMPLETE,
        suggested_result=suggested,
        result_code=result_code,
        override_reason="；".join(r.override_reason for r in checked.results if r.override_reason),
        inspected_on=checked_at(body, checked.replaces),
        submitted_by_id=user.id,
    )
    list_media(submission, checked, user, uploaded)
    if checked.replaces is not None:
        checked.replaces.state = SubmissionState.SUPERSEDED
    if visit.started_at is None:
        visit.started_at = body.started_at or clock.now()
        visit.start_position = (
            body.start_position.model_dump(mode="json", exclude={"at"}) if body.start_position else None
        )
    db.session.add(submission)
    try:
        settle(submission)
        db.session.flush()
    except (IntegrityError, StaleDataError):
        # A concurrent request stored this UUID (or replaced the same version) first.
        db.session.rollback()
        found = _existing(body.uuid, digest)
        if found is None:
            raise SubmissionConflict() from None
        return found, False
    return submission, True


def _clock_correction(sent: SubmissionBody, body: SubmissionBody) -> int:
    """Seconds the server moved the phone's submit time (its clock was behind: positive, ahead:
    negative); 0 within a minute. Kept with the body, so review says the times were corrected."""
    if sent.client_submitted_at is None or body.client_submitted_at is None:
        return 0
    moved = round((body.client_submitted_at - sent.client_submitted_at).total_seconds())
    return moved if abs(moved) > 60 else 0


def _before_its_plan(body: SubmissionBody) -> tuple[SubmissionBody, datetime | None]:
    """The phone's moments, unless they are before the year of the visit's plan: then its clock was
    wrong when the work was recorded (a phone that lost power offline restarts with an old date and
    sets it right at the next signal, so the time it sends the work with says nothing is off). Such
    moments are dropped, so the inspection is dated when it arrived; returns what the phone said, else None."""
    visit = db.session.get(Visit, body.visit_id)
    said = body.client_submitted_at
    years = [vt.task.plan.year for vt in (visit.tasks if visit else []) if vt.task is not None and vt.task.plan]
    if said is None or not years or clock.local_date(said).year >= min(years):
        return body, None
    return body.model_copy(update={"client_submitted_at": None, "started_at": None}), said


def _stored_body(body, checked, clock_correction: int = 0, said_before_plan: datetime | None = None) -> dict:
    """The body as the schema reads it, plus the answer sets the engine read from it (the shape
    fieldapp.review.body reads), how far the phone's clock was corrected, and the time the phone gave
    before its plan's year (dropped). The idempotency hash is over the body as sent."""
    evaluated = checked.evaluated
    stored = body.model_dump(mode="json")
    chosen = {r.task_id: r for r in checked.results}
    stored["tasks"] = [
        dict(t, check_methods=list(body.check_methods), **chosen[t["task_id"]].stored()) for t in evaluated.tasks
    ]
    stored["server_findings"] = evaluated.findings
    stored["server_suggested_result"] = evaluated.suggested_result
    stored["inspected_on"] = clock.local_date(checked_at(body, checked.replaces)).isoformat()
    if clock_correction:
        stored["phone_clock_corrected_seconds"] = clock_correction
    if said_before_plan is not None:
        stored["phone_time_before_plan"] = clock.as_utc(said_before_plan).isoformat()
    return stored


def start_visit(visit: Visit, position: dict | None) -> None:
    if visit.started_at is None:
        visit.started_at = clock.now()
        visit.start_position = _position(position)
        if visit.status == VisitStatus.PLANNED:
            visit.status = VisitStatus.IN_PROGRESS
        db.session.flush()


def submission_status(submission: Submission) -> dict:
    """What the phone needs: is it complete, and which files (and how much of each) are missing."""
    return {
        **attributes(submission, "uuid", "id", "visit_id", "version", "state"),
        "complete": submission.state != SubmissionState.INCOMPLETE,
        "media": [attributes(m, "sha256", "kind", "size", "received", "complete") for m in submission.media],
        "missing": [m.sha256 for m in submission.media if not m.complete],
    }
