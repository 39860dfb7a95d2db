"""The checklists a visit answers and the answers a submission carries, through the checklist
engine (``fieldapp.checklists``): it chooses the checklists, renders them, parses and evaluates
the answers. This module only names the fields: each checklist of each task gets the prefix
``a.<task id>.<checklist id>.``, so one form can hold several tasks and checklists.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ..checklists import (
    Checklist,
    answer_set,
    checklists_for,
    evaluate,
    general_items,
    initial_answers,
    parse_form,
)
from ..visits.models import Visit, VisitTask


@dataclass
class TaskChecklists:
    visit_task: VisitTask
    checklists: list[Checklist] = field(default_factory=list)

    def prefix(self, checklist: Checklist) -> str:
        return f"a.{self.visit_task.task_id}.{checklist.id}."


def checklists_for_visit(visit: Visit) -> list[TaskChecklists]:
    tags = visit.subject.tag_names if visit.subject is not None else []
    return [TaskChecklists(vt, list(checklists_for(vt.task, tags))) for vt in visit.tasks]


def form_key(task_checklists: list[TaskChecklists]) -> str:
    """A short name for what a visit's form asks (its tasks, each one's checklists and their
    versions): what the office refuses a body for when it changed (``operations._form_changes``).
    The phone fetches its kept copy of the form again when this changes."""
    parts = sorted(
        f"{tc.visit_task.task_id}:" + ",".join(sorted(f"{c.id}@{c.version}" for c in tc.checklists))
        for tc in task_checklists
    )
    return hashlib.sha256(";".join(parts).encode()).hexdigest()[:16]


def form_entries(task_checklists: list[TaskChecklists], formdata=None) -> list[dict]:
    """What the form page renders: per task, each checklist with its prefix and its answers
    (empty, or as posted when the form comes back with errors)."""
    return [
        {
            "visit_task": tc.visit_task,
            "general_items": general_items(tc.visit_task.task),
            "checklists": [
                {
                    "checklist": c,
                    "prefix": tc.prefix(c),
                    "answers": initial_answers(c, parse_form(c, formdata, tc.prefix(c)) if formdata else None),
                }
                for c in tc.checklists
            ],
        }
        for tc in task_checklists
    ]


def _multidict(flat: dict) -> MultiDict:
    pairs = []
    for key, value in (flat or {}).items():
        for v in value if isinstance(value, list) else [value]:
            pairs.append((key, "" if v is None else str(v)))
    return MultiDict(pairs)


@dataclass
class Evaluated:
    tasks: list[dict]  # the shape fieldapp.review.body reads
    findings: list[dict]
    errors: list[str]
    suggested_result: str


def evaluate_answers(
    task_checklists: list[TaskChecklists],
    flat: dict,
    on: date,
    locale=None,
    no_activity: set[int] | frozenset[int] = frozenset(),
) -> Evaluated:
    """Answer sets per task from the posted field values, with the engine's findings and errors.

    Each task carries its own ``suggested_result`` and ``suggested_measures``, from its own
    checklists' findings only. A task in ``no_activity`` (未发现开展本次抽查涉及的经营活动) keeps
    what was answered but asks nothing: no required answers, no findings."""
    from ..checklists import suggest_result
    from ..checklists.results import suggest_measures

    formdata = _multidict(flat)
    tasks, all_findings, finding_objects, errors = [], [], [], []
    for tc in task_checklists:
        skip = tc.visit_task.task_id in no_activity
        sets, task_findings, task_objects = [], [], []
        for checklist in tc.checklists:
            answers = parse_form(checklist, formdata, tc.prefix(checklist))
            evaluation = evaluate(checklist, answers, on)
            found = [] if skip else list(evaluation.findings)
            findings = [f.to_json() for f in found]
            task_objects += found
            stored = answer_set(checklist, evaluation.answers)
            stored.update(
                checklist_id=checklist.id,
                checklist_version=checklist.version,
                findings=findings,
                suggested_result=suggest_result(found),
            )
            sets.append(stored)
            task_findings += findings
            if skip:
                continue
            for key, problems in evaluation.errors.items():
                item = checklist.item(key.split("-")[-1]) if hasattr(checklist, "item") else None
                where = item.label.get(locale) if item is not None else checklist.title.get(locale)
                for problem in problems:
                    errors.append(_("%(where)s: %(problem)s", where=where, problem=problem.text(locale)))
        tasks.append(
            {
                "task_id": tc.visit_task.task_id,
                "answer_sets": sets,
                "findings": task_findings,
                "suggested_result": suggest_result(task_objects),
                "suggested_measures": suggest_measures(task_objects),
            }
        )
        finding_objects += task_objects
        all_findings += task_findings
    return Evaluated(tasks, all_findings, errors, suggest_result(finding_objects))
