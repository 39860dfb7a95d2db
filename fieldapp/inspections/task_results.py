"""One result per task of a visit (进一次门、查多项事, but each task is its own record).

A visit that merges several tasks records, per task, its own suggested result (from that task's
checklists only), the result the inspector chose and the reason for a different one, its follow-up
measures, and whether the task found no business of the kind it checks (未发现开展本次抽查涉及的
经营活动: nothing is asked of its checklists then). The body carries the choices as::

    "task_results": [{"task_id": 3, "result_code": "E", "override_reason": "…", "follow_up_measures": ["order"]},
                     {"task_id": 4, "no_activity": true}]

(``TaskResultChoice`` in ``schema.py``). A body without ``task_results`` (an older phone)
gives every task its own suggested result, unless the inspector chose a visit-wide result other
than the visit-wide suggestion: that choice, with its reason, then applies to every task.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _

from ..checklists.results import (
    NO_ACTIVITY,
    NO_FOLLOW_UP,
    check_result_choice,
    fitting_measures,
    measures_problem,
    result_table,
    split_codes,
)
from ..checklists.text import message_text

RESULT_CODE_MAX = 8  # the width of the stored result code (comma-joined codes)


@dataclass
class TaskChoice:
    """What the inspector chose for one task (empty: the suggested result, the suggested measures)."""

    result_code: str = ""
    override_reason: str = ""
    follow_up_measures: list[str] = field(default_factory=list)
    no_activity: bool = False
    suggested_seen: str = ""  # the suggestion the phone showed, if it sent one


def _choice(raw) -> TaskChoice:
    """A choice from the schema's ``TaskResultChoice`` (or the older visit-wide fields)."""
    code = ",".join(split_codes(raw.result_code or ""))
    return TaskChoice(
        result_code=code,
        override_reason=(raw.override_reason or "").strip(),
        follow_up_measures=[m for m in raw.follow_up_measures if m.strip()],
        no_activity=raw.no_activity or split_codes(code) == [NO_ACTIVITY],
        suggested_seen=raw.suggested_result or "",
    )


def task_choices(body) -> dict[int, TaskChoice]:
    """The per-task choices of a ``SubmissionBody``, by task id (tasks it does not name are absent)."""
    return {raw.task_id: _choice(raw) for raw in body.task_results}


def _legacy_choice(body, visit_suggested: str) -> TaskChoice | None:
    """A visit-wide result other than the visit-wide suggestion, from a body without per-task choices."""
    code = ",".join(split_codes(body.result_code or ""))
    seen = body.suggested_result or visit_suggested
    if not code or code in (seen, visit_suggested):
        return None
    return TaskChoice(result_code=code, override_reason=(body.override_reason or "").strip())


@dataclass
class TaskResult:
    task_id: int
    suggested_result: str
    result_code: str
    override_reason: str
    follow_up_measures: list[str]  # measure codes of data/result_categories.yaml
    no_activity: bool

    def stored(self) -> dict:
        return {
            "suggested_result": self.suggested_result,
            "result_code": self.result_code,
            "override_reason": self.override_reason,
            "follow_up_measures": list(self.follow_up_measures),
            "no_activity": self.no_activity,
        }


def decide(task: dict, choice: TaskChoice | None, label: str) -> tuple[TaskResult | None, list[str]]:
    """The result of one evaluated task (``task`` as ``evaluate_answers`` made it), or the messages
    saying why the choice cannot be recorded (each starting with the task's ``label``)."""
    choice = choice or TaskChoice()
    table = result_table()
    suggested = str(task.get("suggested_result") or "1")
    if choice.no_activity:
        measures = choice.follow_up_measures or ([NO_FOLLOW_UP] if NO_FOLLOW_UP in table.measures else [])
        return TaskResult(task["task_id"], NO_ACTIVITY, NO_ACTIVITY, "", measures, True), []
    chosen = choice.result_code or suggested
    # The suggestion the phone showed counts as suggested when the inspector kept it.
    baseline = chosen if choice.suggested_seen and chosen == choice.suggested_seen else suggested
    errors = []
    problem = check_result_choice(baseline, chosen, choice.override_reason, table)
    if problem is not None:
        errors.append(message_text(problem))
    elif len(chosen) > RESULT_CODE_MAX:
        errors.append(_("Choose fewer results."))
    unknown = [m for m in choice.follow_up_measures if m not in table.measures]
    if unknown:
        errors.append(_("Unknown follow-up measure: %(names)s.", names="、".join(unknown)))
    measures = _measures(chosen, choice, task, table, errors)
    if errors:
        return None, [_("%(task)s: %(message)s", task=label, message=e) for e in errors]
    overridden = set(split_codes(chosen)) != set(split_codes(baseline))
    return TaskResult(
        task["task_id"], suggested, chosen, choice.override_reason if overridden else "", measures, False
    ), []


def _measures(chosen: str, choice: TaskChoice, task: dict, table, errors: list[str]) -> list[str]:
    """The follow-up measures of the chosen result: the inspector's — refused (a message added to
    ``errors``) when they contradict it — else the suggested ones, which follow the findings and not
    a result chosen against them, so less any that contradict it (``fitting_measures``)."""
    if not choice.follow_up_measures:
        return fitting_measures(chosen, list(task.get("suggested_measures") or []), table)
    problem = measures_problem(chosen, choice.follow_up_measures, table)
    if problem is not None:
        errors.append(message_text(problem))
    return choice.follow_up_measures


def decide_all(body, evaluated, labels: dict[int, str]) -> tuple[list[TaskResult], list[str]]:
    """Every task's result (in the order of ``evaluated.tasks``) and every message against them."""
    choices = task_choices(body)
    legacy = None if choices else _legacy_choice(body, evaluated.suggested_result)
    results, errors = [], []
    for task in evaluated.tasks:
        task_id = task["task_id"]
        result, problems = decide(task, choices.get(task_id) or legacy, labels.get(task_id, str(task_id)))
        errors += problems
        if result is not None:
            results.append(result)
    return results, errors


def visit_summary(results: list[TaskResult]) -> tuple[str, str]:
    """(suggested, chosen) for the submission row: the tasks' own when they agree, else the first
    task's; each task's result is in the body and on its result record."""
    if not results:
        return "1", "1"
    return results[0].suggested_result, results[0].result_code
