"""The submission body: one pydantic model, shared by the phone's API (``api.py``), the form
without JavaScript (``plain_form.py``) and the review reader (``fieldapp/review/body.py``).

Anything outside the model is refused with a 422 naming the field (``field_errors``). Raw JSON
goes through ``parse_json``, which bounds size and depth and refuses NaN/Infinity, before the
model sees it. The OpenAPI document's ``SubmissionBody`` is generated from ``SubmissionBody``
(``openapi_schemas``), so the document cannot drift from what the server accepts.

Per-task data has a model of its own (``TaskRecord`` as stored and read by review); a per-task
result sent by the phone belongs in a model beside it, added to ``SubmissionBody`` as a field.
"""

from __future__ import annotations

import re
import uuid as uuidlib
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from flask_babel import gettext as _
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)
from pydantic_core import from_json

from .. import clock
from ..errors import InvalidInput
from .vocabulary import CHECK_METHODS, CheckMethod

MAX_BODY_BYTES = 2 * 1024 * 1024
MAX_DEPTH = 32
MAX_ID = 2**31 - 1  # an INTEGER column on both databases
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
MediaContentType = Literal["image/jpeg", "image/png", "image/webp"]


class BodyError(InvalidInput):
    """The request body is not acceptable JSON; ``messages`` say why, in the user's language."""

    def __init__(self, messages: list[str], status: int = 400):
        super().__init__("; ".join(messages))
        self.messages = messages
        self.status = status


def _depth(value: Any, limit: int) -> bool:
    """True when ``value`` nests no deeper than ``limit`` (iterative: no recursion to exhaust)."""
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if level > limit:
            return False
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return True


def _has_nul(value: Any) -> bool:
    """True when a key or a string anywhere in ``value`` holds U+0000, which no text column can store."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def parse_json(raw: bytes, max_bytes: int = MAX_BODY_BYTES, max_depth: int = MAX_DEPTH) -> Any:
    """Parse a request body: at most ``max_bytes``, ``max_depth`` levels, no NaN or Infinity."""
    if len(raw) > max_bytes:
        raise BodyError([_("The submission is too large.")], status=413)
    try:
        value = from_json(raw, allow_inf_nan=False)  # the parser's own recursion limit is ~200
    except ValueError:
        raise BodyError([_("The submission is not valid JSON.")]) from None
    if not _depth(value, max_depth):
        raise BodyError([_("The submission is nested too deeply.")])
    if _has_nul(value):
        raise BodyError([_("The submission contains a character that cannot be stored (U+0000).")])
    return value


# ---- field types ---------------------------------------------------------------------------


def _uuid(value: str) -> str:
    try:
        return str(uuidlib.UUID(value))
    except ValueError:
        raise ValueError("not a UUID") from None


def _moment(value: datetime) -> datetime:
    """A plausible moment, as naive UTC (how the database stores it)."""
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError("out of range")
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _none_if_blank(value: Any) -> Any:
    return None if value == "" else value


# Evidence photos of one answer; the phone refuses the next one at once (form.html's data-max-photos).
MAX_PHOTOS_PER_FIELD = 50
# Ids and sizes are JSON integers: no true/false, "12" or 12.0 (pydantic's lax mode would take them).
Id = Annotated[int, Field(ge=1, le=MAX_ID, strict=True)]
Uuid = Annotated[str, StringConstraints(max_length=64), AfterValidator(_uuid)]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Name = Annotated[str, StringConstraints(max_length=200)]
Text = Annotated[str, StringConstraints(max_length=4000)]
Code = Annotated[str, StringConstraints(max_length=20)]
FieldName = Annotated[str, StringConstraints(max_length=300)]
Moment = Annotated[datetime, AfterValidator(_moment)]
Scalar = Annotated[str, StringConstraints(max_length=4000)] | int | float | bool | None
AnswerValue = Annotated[str, StringConstraints(max_length=4000)] | Annotated[list[Text], Field(max_length=200)] | None


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, str_strip_whitespace=False)


class Position(Strict):
    lat: Annotated[float, Field(ge=-90, le=90)]
    lng: Annotated[float, Field(ge=-180, le=180)]
    accuracy: Annotated[float, Field(ge=0, le=1e7, description="metres")] | None = None
    at: Moment | None = None


class Media(Strict):
    sha256: Sha256
    size: Annotated[int, Field(ge=1, le=2**40, strict=True)]
    kind: Literal["photo", "signature"]
    content_type: MediaContentType = "image/jpeg"
    field: FieldName = Field(
        "", description="The answer a photo belongs to, or the signer (sig.lead.0, sig.representative)."
    )


class Signature(Strict):
    role: Literal["lead", "member", "representative"]
    inspector_id: Id | None = None
    name: Name = ""
    sha256: Annotated[Sha256 | None, BeforeValidator(_none_if_blank)] = None
    refused: bool = Field(False, description="拒绝签字 (representative only)")
    reason: Text = ""


class ChecklistRef(Strict):
    task_id: Id
    id: FieldName
    version: Annotated[int, Field(ge=0, le=MAX_ID)] | None = None


class TaskResultChoice(Strict):
    """What the inspector chose for one task of the visit (each task is its own public record)."""

    task_id: Id
    no_activity: bool = Field(
        False, description="未发现开展本次抽查涉及的经营活动: the task's checklists are not answered; its result is F."
    )
    suggested_result: Annotated[Code | None, BeforeValidator(_none_if_blank)] = Field(
        None,
        description="The suggestion the phone showed for this task (the server suggests again from the task's own checklists).",
    )
    result_code: Annotated[Code | None, BeforeValidator(_none_if_blank)] = Field(
        None, description="The result chosen for this task; empty: the suggested one."
    )
    override_reason: Text = Field("", description="Required when result_code differs from the suggested result.")
    follow_up_measures: Annotated[list[Code], Field(max_length=20)] = Field(
        [],
        description="Codes of the 后续处置措施 (data/result_categories.yaml); empty: the ones the findings call for.",
    )


class SubmissionBody(Strict):
    """What the phone (and the form without JavaScript) sends."""

    uuid: Uuid
    visit_id: Id
    replaces: Annotated[Uuid | None, BeforeValidator(_none_if_blank)] = Field(
        None, description="The returned submission this one corrects (OpenRosa deprecatedID)."
    )
    started_at: Moment | None = None
    start_position: Position | None = None
    check_methods: Annotated[list[CheckMethod], Field(max_length=len(CHECK_METHODS))] = []
    task_ids: Annotated[list[Id], Field(max_length=100)] = Field(
        [],
        description=(
            "The tasks the form showed. When given, a task since taken off the visit, a task of the visit "
            "neither listed nor answered, or a checklist version other than the server's is refused (422)."
        ),
    )
    checklists: Annotated[list[ChecklistRef], Field(max_length=200)] = Field(
        [], description="The checklists (id, version) the form showed, per task."
    )
    answers: Annotated[dict[FieldName, AnswerValue], Field(max_length=5000)] = Field(
        {},
        description=(
            "Answer per field a.<task>.<checklist>.<item> (in repeats a.<task>.<checklist>.<item>-<n>-<sub>). "
            "An item that does not apply at this subject is answered 不适用: the value itself for check and "
            "choice items, or for number and date items either the value or the field <item>-na set to 不适用 "
            "(the form's box beside the input). 不适用 is never a finding and answers a required item."
        ),
    )
    photos: Annotated[
        dict[FieldName, Annotated[list[Sha256], Field(max_length=MAX_PHOTOS_PER_FIELD)]], Field(max_length=1000)
    ] = Field({}, description="SHA-256s of the evidence photos per answer field.")
    position: Position | None = None
    signatures: Annotated[list[Signature], Field(max_length=20)] = []
    findings: Annotated[
        list[dict[Annotated[str, StringConstraints(max_length=100)], Scalar]], Field(max_length=1000)
    ] = []
    task_results: Annotated[list[TaskResultChoice], Field(max_length=100)] = Field(
        [], description="The result of each task of the visit; a task not named gets its own suggested result."
    )
    suggested_result: Code | None = Field(None, description="Older phones: the visit-wide suggestion.")
    result_code: Code | None = Field(None, description="Older phones: a visit-wide result (use task_results).")
    override_reason: Text = Field(
        "", description="Older phones: required when result_code differs from suggested_result."
    )
    client_submitted_at: Moment | None = None
    media: Annotated[list[Media], Field(max_length=500)] = []
    via: Literal["app", "form"] | None = None

    def on_server_clock(self, offset: timedelta) -> SubmissionBody:
        """The phone's moments (started, submitted) on the server's clock (``clock.from_phone``): a
        phone set hours off, or in another zone, still dates the inspection on its true Beijing day."""
        moments = {
            name: clock.from_phone(getattr(self, name), offset) for name in ("started_at", "client_submitted_at")
        }
        return self.model_copy(update=moments)


# ---- the stored body, as review reads it ---------------------------------------------------


class Lenient(BaseModel):
    """Stored rows may predate the schema: unknown keys are kept, nothing is forbidden."""

    model_config = ConfigDict(extra="allow", allow_inf_nan=False)


class AnswerSetRecord(Lenient):
    checklist_id: str = ""
    checklist_version: int | None = None
    definition_sha256: str = ""
    answers: dict[str, Any] = {}
    findings: list[dict[str, Any]] = []


class TaskRecord(Lenient):
    """One task of a visit as stored: its answer sets, findings and result."""

    task_id: Id
    answer_sets: list[AnswerSetRecord] = []
    findings: list[dict[str, Any]] = []
    check_methods: list[str] | str | None = None
    suggested_result: Code | None = None  # from this task's checklists only
    result_code: Code | None = None
    follow_up_measures: list[str] | str | None = None
    override_reason: Text | None = None
    no_activity: bool = False  # 未发现开展本次抽查涉及的经营活动


class SignatureRecord(Lenient):
    """A stored signature as review shows it (older rows name other roles, e.g. ``subject``)."""

    role: Name = ""
    name: Name | None = ""
    sha256: Sha256 | None = None


# How pydantic names the member of a union that a value failed (``constrained-str``,
# ``list[constrained-str]``, ``int``…): a step of an error's location, never a field of the body.
UNION_MEMBER = re.compile(r"^(?:str|int|float|bool|none|constrained-[a-z]+|[a-z]+(?:-[a-z]+)*\[.*\])$")


def _field_path(loc: tuple) -> str:
    """An error's location as the body's field path (``answers.a.1.fuel.pledge``, ``media.0.size``):
    a value that fits no member of a union is a problem of the field that holds it."""
    parts = []
    for part in loc:
        if isinstance(part, str) and UNION_MEMBER.match(part):
            break
        parts.append(str(part))
    return ".".join(parts)


def _wrong_type(kind: str) -> bool:
    return kind.endswith("_type") or kind.endswith("_parsing") or kind == "model_type"


def field_errors(exc: ValidationError) -> list[str]:
    """Each problem of a body as ``field: what is wrong``, in the user's language: one per field
    (a value that fits no member of a union is one problem — what it breaks, over its type)."""
    kinds: dict[str, str] = {}
    for error in exc.errors(include_url=False, include_input=False):
        where = _field_path(error["loc"]) or _("the submission")
        if where not in kinds or (_wrong_type(kinds[where]) and not _wrong_type(error["type"])):
            kinds[where] = error["type"]
    messages = []
    for where, kind in kinds.items():
        if kind == "missing":
            messages.append(_("%(field)s: this field is required.", field=where))
        elif kind == "extra_forbidden":
            messages.append(_("%(field)s: not a field of a submission.", field=where))
        elif _wrong_type(kind):
            messages.append(_("%(field)s: a value of the wrong type.", field=where))
        else:
            messages.append(_("%(field)s: a value outside what is allowed.", field=where))
    return messages


def validate_body(raw: Any) -> SubmissionBody:
    """The body as a model; raises ``BodyError`` (422) naming each field that is outside it."""
    if not isinstance(raw, dict):
        raise BodyError([_("The submission is not a JSON object.")], status=422)
    try:
        return SubmissionBody.model_validate(raw)
    except ValidationError as exc:
        raise BodyError(field_errors(exc), status=422) from None


def openapi_schemas() -> dict:
    """``SubmissionBody`` and the models it uses, as OpenAPI components (3.1 JSON Schema)."""
    schema = SubmissionBody.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = schema.pop("$defs", {})
    defs["SubmissionBody"] = schema
    return defs
