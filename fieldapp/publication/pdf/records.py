"""What goes into each PDF: plain data assembled from the models, no request needed."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ...extensions import db
from ...inspections.models import MediaFile, Submission
from ...plans.models import Plan
from ...review.models import InspectionResult
from ..models import PublishedResult


def latest_submission(visit) -> Submission | None:
    return db.session.scalar(
        select(Submission)
        .where(Submission.visit_id == visit.id, Submission.state != "superseded")
        .order_by(Submission.version.desc(), Submission.id.desc())
    )


def _task_entries(body: dict) -> list[dict]:
    tasks = body.get("tasks") or body.get("answer_sets") or []
    if isinstance(tasks, dict):
        return [dict(value, task_id=value.get("task_id", key)) for key, value in tasks.items() if isinstance(value, dict)]
    return [t for t in tasks if isinstance(t, dict)]


def _answer_rows(answers) -> list[dict]:
    rows = []
    if isinstance(answers, dict):
        answers = [
            {"item": key, **value} if isinstance(value, dict) else {"item": key, "answer": value}
            for key, value in answers.items()
        ]
    for answer in answers or []:
        if not isinstance(answer, dict):
            continue
        rows.append(
            {
                "item": answer.get("item") or answer.get("question") or answer.get("label") or answer.get("id") or "",
                "answer": answer.get("answer", answer.get("value", "")),
                "note": answer.get("note") or answer.get("finding") or answer.get("comment") or "",
            }
        )
    return rows


def answers_by_task(submission: Submission | None) -> dict[str, list[dict]]:
    """Every answer of the submission, per task id (as a string)."""
    if submission is None or not isinstance(submission.body, dict):
        return {}
    return {str(entry.get("task_id")): _answer_rows(entry.get("answers")) for entry in _task_entries(submission.body)}


def media_of(submission: Submission | None, kind: str) -> list[MediaFile]:
    if submission is None:
        return []
    return [m for m in submission.media if m.kind == kind and m.complete and m.storage_key]


def media_path(media: MediaFile) -> Path:
    root = Path(current_app.config["MEDIA_ROOT"]).resolve()
    path = (root / media.storage_key).resolve()
    if not path.is_relative_to(root):
        raise ValueError("media outside MEDIA_ROOT")
    return path


def visit_record(visit) -> dict:
    submission = latest_submission(visit)
    results = {
        r.task_id: r for r in db.session.scalars(select(InspectionResult).where(InspectionResult.visit_id == visit.id))
    }
    published = list(
        db.session.scalars(
            select(PublishedResult)
            .where(PublishedResult.inspection_result_id.in_([r.id for r in results.values()] or [0]))
            .where(PublishedResult.is_current.is_(True))
        )
    )
    photos = media_of(submission, "photo")
    signatures = media_of(submission, "signature")
    return {
        "visit": visit,
        "subject": visit.subject,
        "submission": submission,
        "answers": answers_by_task(submission),
        "results": results,
        "published": published,
        "photos": photos,
        "signatures": signatures,
        "media_paths": [media_path(m) for m in photos + signatures],
    }


def plan_hash(plan: Plan) -> str:
    """A short hash over the plan as published: every field the printed plan shows."""
    data = [
        plan.id,
        plan.version,
        plan.unit.name,
        plan.title,
        plan.doc_number,
        plan.issued_on.isoformat() if plan.issued_on else None,
        [
            [t.number, t.name, t.kind, t.scope, str(t.ratio), t.ratio_is_floor, t.fixed_count, t.rounds_per_year,
             t.initiator, t.executor, t.window_start_month, t.window_end_month, [i.text for i in t.items]]
            for t in plan.tasks
        ],
    ]
    digest = hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()
    return f"{digest[:4]}-{digest[4:8]}"
