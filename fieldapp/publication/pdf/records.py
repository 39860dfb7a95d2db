"""What goes into each PDF: plain data assembled from the models, no request needed."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ...extensions import db
from ...inspections.models import MediaFile, Submission
from ...plans.models import Plan
from ...review import body as body_reader
from ...review.answers import rows_for
from ...review.codes import measure_labels
from ...review.models import InspectionResult
from ...review.results import normalise_findings
from ...subjects.queries import name_on
from ..models import PublishedResult
from .images import print_copy


def latest_submission(visit) -> Submission | None:
    return db.session.scalar(
        select(Submission)
        .where(Submission.visit_id == visit.id, Submission.state != "superseded")
        .order_by(Submission.version.desc(), Submission.id.desc())
    )


@dataclass
class AnswerBlock:
    """One checklist's answers for one task, labelled from the checklist version it was answered on."""

    title: str
    rows: list  # checklists.answer_rows.AnswerRow: path, label, value, depth, is_heading, is_finding, outcome


@dataclass
class TaskRecord:
    blocks: list[AnswerBlock] = field(default_factory=list)
    findings: list[dict] = field(default_factory=list)
    check_methods: list[str] = field(default_factory=list)
    # The task's own result as submitted (before approval the record shows it as such).
    suggested_result: str | None = None
    result_code: str | None = None
    override_reason: str = ""
    follow_up_measures: list[str] = field(default_factory=list)
    no_activity: bool = False


def answers_by_task(submission: Submission | None) -> dict[int, TaskRecord]:
    """Every answer and finding of the submission, per task id, read through the review package's
    body reader (the one place that knows the body's shape) and labelled like the review page."""
    if submission is None:
        return {}
    out: dict[int, TaskRecord] = {}
    done = body_reader.inspected_on(
        submission.body, submission.inspected_on or submission.completed_at or submission.received_at
    )
    for task in body_reader.tasks(submission.body):
        blocks = []
        for answer_set in task.answer_sets:
            rows, title = rows_for(answer_set, task.findings, done)
            blocks.append(AnswerBlock(title or answer_set.checklist_id, rows))
        out[task.task_id] = TaskRecord(
            [] if task.no_activity else blocks,
            normalise_findings(task.findings),
            task.check_methods,
            task.suggested_result,
            task.result_code,
            task.override_reason,
            measure_labels(task.follow_up_measures),
            task.no_activity,
        )
    return out


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
    printed = {m.id: print_copy(media_path(m), m.sha256, m.kind) for m in photos + signatures}
    inspected_on = min((r.inspected_on for r in results.values()), default=None)
    return {
        "visit": visit,
        "subject": visit.subject,
        # the record of a visit names the firm as it was called that day, as its published results do
        "subject_name": name_on(visit.subject, inspected_on) if inspected_on else visit.subject.name,
        "submission": submission,
        "answers": answers_by_task(submission),
        "results": results,
        "published": published,
        "photos": photos,
        "signatures": signatures,
        "media_paths": [path for path in printed.values() if path is not None],
        # None for a file with more pixels than a photo: the record says it is not printed
        "image_url": lambda media: path.as_uri() if (path := printed[media.id]) is not None else None,
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
            [
                t.number,
                t.name,
                t.kind,
                t.scope,
                str(t.ratio),
                t.ratio_is_floor,
                t.fixed_count,
                t.rounds_per_year,
                t.initiator,
                t.executor,
                t.window_start_month,
                t.window_end_month,
                [i.text for i in t.items],
                # (only when set: the hash of a plan printed before these were kept stays as it was)
                *([t.cooperating_departments] if t.cooperating_departments else []),
                *([(t.class_ratios or {}).get("ratios")] if t.class_ratios else []),
            ]
            for t in plan.tasks
        ],
    ]
    digest = hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()
    return f"{digest[:4]}-{digest[4:8]}"
