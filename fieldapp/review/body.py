"""Reading a submission's body: the answer sets per task, findings, position, signatures.

The inspector app stores the body exactly as the phone sent it. This module is the one place
that knows its shape, so review, results and the diff all see the same normalised view::

    {"tasks": [{"task_id": 3,
                "answer_sets": [{"checklist_id": "fuel-dispensers", "checklist_version": 3,
                                 "definition_sha256": "…", "answers": {"pledge": "符合", …}}],
                "findings": [{"item": "dispenser.1.error_pct", "text": "…", "severity": "major",
                              "follow_up": "立案调查"}],
                "check_methods": ["实地检查"], "suggested_result": "A", "result_code": "A",
                "override_reason": "", "follow_up_measures": ["case"], "no_activity": false}],
     "check_methods": [...], "position": {"lat": …, "lng": …, "accuracy": …},
     "signatures": [{"role": "inspector", "name": "…", "sha256": "…"}],
     "result_code": "1", "override_reason": "", "inspected_on": "2026-09-30"}

A task may also carry one answer set inline (``checklist_id``/``answers`` on the task itself),
and ``tasks`` may be a mapping keyed by task id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from pydantic import ValidationError

from ..inspections.schema import SignatureRecord, TaskRecord
from .. import clock
from ..checklists.answer_rows import is_media


@dataclass
class AnswerSet:
    checklist_id: str
    checklist_version: int | None
    definition_sha256: str
    answers: dict


@dataclass
class TaskAnswers:
    task_id: int
    answer_sets: list[AnswerSet] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)
    check_methods: list[str] = field(default_factory=list)
    result_code: str | None = None
    follow_up_measures: list[str] = field(default_factory=list)
    override_reason: str = ""
    suggested_result: str | None = None  # from this task's checklists only
    no_activity: bool = False  # 未发现开展本次抽查涉及的经营活动: its checklists were not answered


def _as_list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return list(value)
    if isinstance(value, str):
        return [v for v in (p.strip() for p in value.split(",")) if v]
    return [value]


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _answer_set(raw: dict) -> AnswerSet:
    answers = raw.get("answers")
    return AnswerSet(
        checklist_id=str(raw.get("checklist_id") or raw.get("checklist") or ""),
        checklist_version=_int(raw.get("checklist_version", raw.get("version"))),
        definition_sha256=str(raw.get("definition_sha256") or raw.get("definition_hash") or ""),
        answers=dict(answers) if isinstance(answers, dict) else {},
    )


def _task_record(raw: Any, key: Any = None) -> TaskRecord | None:
    """One stored task through the schema's per-task model; ``None`` when it cannot be read."""
    if not isinstance(raw, dict):
        return None
    data = {k: v for k, v in raw.items() if k != "task"}
    data["task_id"] = raw.get("task_id", raw.get("task", key))
    for name in ("answer_sets", "findings"):
        value = raw.get(name)
        data[name] = [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []
    data["answer_sets"] = [
        dict(s, answers=s["answers"] if isinstance(s.get("answers"), dict) else {}) for s in data["answer_sets"]
    ]
    try:
        return TaskRecord.model_validate(data)
    except ValidationError:
        return None


def tasks(body: dict | None) -> list[TaskAnswers]:
    body = body if isinstance(body, dict) else {}
    raw_tasks = body.get("tasks", body.get("answer_sets", []))
    pairs = (
        list(raw_tasks.items()) if isinstance(raw_tasks, dict) else [(None, t) for t in raw_tasks or [] if raw_tasks]
    )
    out: list[TaskAnswers] = []
    for key, raw in pairs:
        record = _task_record(raw, key)
        if record is None:
            continue
        sets = [_answer_set(s) for s in raw.get("answer_sets") or [] if isinstance(s, dict)]
        if not sets and ("answers" in raw or "checklist_id" in raw):
            sets = [_answer_set(raw)]
        # The task's findings; the answer sets carry the same ones per checklist, so they are
        # only read when the task has none of its own.
        findings = list(record.findings)
        if not findings:
            for s in record.answer_sets:
                findings += [f for f in s.findings if isinstance(f, dict)]
        out.append(
            TaskAnswers(
                task_id=record.task_id,
                answer_sets=sets,
                findings=findings,
                check_methods=_as_list(record.check_methods) or _as_list(body.get("check_methods")),
                result_code=record.result_code or _code(body.get("result_code")),
                follow_up_measures=_as_list(record.follow_up_measures) or _as_list(body.get("follow_up_measures")),
                override_reason=record.override_reason
                if record.override_reason is not None
                else _text(body.get("override_reason")),
                suggested_result=record.suggested_result or _code(body.get("suggested_result")),
                no_activity=record.no_activity,
            )
        )
    return out


def _code(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def task_answers(body: dict | None, task_id: int) -> TaskAnswers | None:
    return next((t for t in tasks(body) if t.task_id == task_id), None)


def _number(value: Any) -> float:
    """A coordinate as sent (number or text); TypeError or ValueError when it is none."""
    return float(value)


def position(body: dict | None, fallback: dict | None = None) -> dict | None:
    """``{lat, lng, accuracy}`` where the inspection was done, or ``None``."""
    pos = (body if isinstance(body, dict) else {}).get("position") or fallback
    if not isinstance(pos, dict):
        return None
    try:
        lat, lng = _number(pos.get("lat", pos.get("latitude"))), _number(pos.get("lng", pos.get("longitude")))
    except (TypeError, ValueError):
        return None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return None
    accuracy = pos.get("accuracy")
    return {"lat": lat, "lng": lng, "accuracy": accuracy}


def osm_link(pos: dict, zoom: int = 18) -> str:
    lat, lng = f"{pos['lat']:.6f}", f"{pos['lng']:.6f}"
    return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lng}#map={zoom}/{lat}/{lng}"


def signatures(body: dict | None) -> list[dict]:
    """The signatures with an image, each read through the schema's ``SignatureRecord`` (a stored
    entry outside it, e.g. from before the schema, is left out rather than breaking the page)."""
    raw = (body if isinstance(body, dict) else {}).get("signatures") or []
    if isinstance(raw, dict):
        raw = [dict(v, role=k) if isinstance(v, dict) else {"role": k, "sha256": v} for k, v in raw.items()]
    out = []
    for entry in raw if isinstance(raw, list) else []:
        try:
            sig = SignatureRecord.model_validate(entry)
        except ValidationError:
            continue
        if sig.sha256:
            out.append(sig.model_dump())
    return out


def inspected_on(body: dict | None, fallback: datetime | date | None) -> date:
    raw = (body or {}).get("inspected_on")
    if isinstance(raw, str):
        try:
            return date.fromisoformat(raw[:10])
        except ValueError:
            pass
    if fallback is not None:
        return clock.local_date(fallback)  # the inspection's date is its date in Beijing
    return clock.today()


def clock_note(body: dict | None) -> str:
    """Why the times may differ from the phone's: its clock was off and the server corrected them
    when the submission arrived, or it gave a time before its plan's year ("" when neither)."""
    said = clock.parse_instant((body or {}).get("phone_time_before_plan"))
    if said is not None:
        return _(
            "The phone recorded this inspection at %(time)s, before the year of its plan: its clock was "
            "wrong then. The inspection is dated the day it arrived: check the date with the inspectors.",
            time=clock.local(said).strftime("%Y-%m-%d %H:%M"),
        )
    moved = (body or {}).get("phone_clock_corrected_seconds")
    if not isinstance(moved, int) or isinstance(moved, bool) or not moved:
        return ""
    hours, minutes = divmod(round(abs(moved) / 60), 60)
    amount = _("%(hours)s h %(minutes)s min", hours=hours, minutes=minutes)
    if moved > 0:
        return _("The phone's clock was %(amount)s behind the server's: its times were corrected.", amount=amount)
    return _("The phone's clock was %(amount)s ahead of the server's: its times were corrected.", amount=amount)


def flatten(answers: dict, prefix: str = "") -> dict[str, Any]:
    """Answers as ``{path: value}``: repeats become ``item.1.sub`` (1-based block numbers); a list of
    photos (media references) stays one answer."""
    flat: dict[str, Any] = {}
    for key, value in (answers or {}).items():
        path = f"{prefix}{key}"
        if isinstance(value, list) and value and all(isinstance(v, dict) and not is_media(v) for v in value):
            for i, block in enumerate(value, start=1):
                flat.update(flatten(block, f"{path}.{i}."))
        else:
            flat[path] = value
    return flat


def item_path(key: str) -> str:
    """The checklist engine's item key (``dispenser-0-error_pct``, 0-based blocks) as a path here
    (``dispenser.1.error_pct``, 1-based like the page shows). Item ids never contain ``-``."""
    parts = str(key or "").split("-")
    return ".".join(str(int(p) + 1) if p.isdigit() else p for p in parts)
