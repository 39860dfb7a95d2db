"""What changed between a returned submission and its resubmission, item by item."""

from __future__ import annotations

from dataclasses import dataclass, field

from .answers import display, labels_for
from .body import TaskAnswers, flatten, tasks


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


def _answers_by_path(task: TaskAnswers | None) -> dict[str, object]:
    flat: dict[str, object] = {}
    if task is None:
        return flat
    many = len(task.answer_sets) > 1
    for s in task.answer_sets:
        prefix = f"{s.checklist_id}:" if many else ""
        flat.update({prefix + k: v for k, v in flatten(s.answers).items()})
    return flat


def _labels(task: TaskAnswers | None) -> dict[str, str]:
    labels: dict[str, str] = {}
    if task is None:
        return labels
    many = len(task.answer_sets) > 1
    for s in task.answer_sets:
        prefix = f"{s.checklist_id}:" if many else ""
        labels.update({prefix + k: v for k, v in labels_for(s).items()})
    return labels


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
        old_flat, new_flat = _answers_by_path(old), _answers_by_path(new)
        labels = {**_labels(old), **_labels(new)}
        changes: list[Change] = []
        for path in list(dict.fromkeys([*new_flat, *old_flat])):
            if path not in old_flat:
                changes.append(Change(path, _label(path, labels), "added", new=display(new_flat[path])))
            elif path not in new_flat:
                changes.append(Change(path, _label(path, labels), "removed", old=display(old_flat[path])))
            elif old_flat[path] != new_flat[path]:
                changes.append(
                    Change(path, _label(path, labels), "changed", display(old_flat[path]), display(new_flat[path]))
                )
        for attr, label in (("result_code", "result"), ("follow_up_measures", "follow-up")):
            before, after = getattr(old, attr, None), getattr(new, attr, None)
            if before != after:
                changes.append(Change(attr, label, "changed", display(before), display(after)))
        if changes:
            out.append(TaskDiff(task_id, changes))
    return out
