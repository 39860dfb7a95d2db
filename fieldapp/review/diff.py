"""What changed between a returned submission and its resubmission, item by item."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..checklists.answer_rows import answer_text
from .answers import Shown, labels_for, shown_answers
from .body import TaskAnswers, tasks


@dataclass
class Change:
    path: str
    label: str
    kind: str  # added / removed / changed
    old: str = ""
    new: str = ""


@dataclass
class TaskDiff:
    task_id: int
    changes: list[Change] = field(default_factory=list)


def _answers(task: TaskAnswers | None) -> tuple[dict[str, Shown], dict[str, str]]:
    """A task's answers by path, and their labels; with several checklists, a path starts with its
    checklist's id."""
    answers: dict[str, Shown] = {}
    labels: dict[str, str] = {}
    many = task is not None and len(task.answer_sets) > 1
    for s in task.answer_sets if task is not None else []:
        prefix = f"{s.checklist_id}:" if many else ""
        answers.update({prefix + k: v for k, v in shown_answers(s).items()})
        labels.update({prefix + k: v for k, v in labels_for(s).items()})
    return answers, labels


def _label(path: str, labels: dict[str, str]) -> str:
    if path in labels:
        return labels[path]
    # item.2.sub inside a repeat: "Dispenser 2 · Measured error"
    parts = path.split(".")
    if len(parts) >= 3:
        block = ".".join(parts[:2])
        return f"{labels.get(block, block)} · {labels.get(path, parts[-1])}"
    return path


def diff_bodies(old_body: dict | None, new_body: dict | None) -> list[TaskDiff]:
    """Per task, every item whose answer was added, removed or changed, plus the result fields."""
    old_tasks = {t.task_id: t for t in tasks(old_body)}
    new_tasks = {t.task_id: t for t in tasks(new_body)}
    out: list[TaskDiff] = []
    for task_id in sorted(set(old_tasks) | set(new_tasks)):
        old, new = old_tasks.get(task_id), new_tasks.get(task_id)
        (before, old_labels), (after, new_labels) = _answers(old), _answers(new)
        labels = {**old_labels, **new_labels}
        changes: list[Change] = []
        for path in dict.fromkeys([*after, *before]):
            was, now = before.get(path), after.get(path)
            if was is not None and now is not None and was.value == now.value:
                continue
            kind = "added" if was is None else "removed" if now is None else "changed"
            old_text, new_text = was.text if was is not None else "", now.text if now is not None else ""
            changes.append(Change(path, _label(path, labels), kind, old_text, new_text))
        for attr, label in (("result_code", "result"), ("follow_up_measures", "follow-up")):
            was_set, now_set = getattr(old, attr, None), getattr(new, attr, None)
            if was_set != now_set:
                changes.append(Change(attr, label, "changed", answer_text(None, was_set), answer_text(None, now_set)))
        if changes:
            out.append(TaskDiff(task_id, changes))
    return out
