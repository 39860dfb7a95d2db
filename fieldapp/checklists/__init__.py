"""The checklist engine: checklists are data (``checklists/*.yaml``, format in ``checklists/README.md``).

Public interface (for the inspector app, review and publication):

- ``checklists_for(task, subject_tags) -> list[Checklist]``, ``resolve_item(text)``, ``get_checklist(id)``
- ``evaluate(checklist, answers, inspection_date) -> Evaluation`` (outcomes, errors, findings,
  ``suggested_result``, ``suggested_measures``)
- ``parse_form(checklist, formdata, prefix) -> answers``, ``apply_form_action``, ``initial_answers``
- ``answer_set(checklist, answers)`` (stores a snapshot) and ``checklist_for_answer_set(stored)``
- ``check_result_choice(suggested, chosen, reason)`` / ``choose_result`` and ``result_table()``
- the Jinja macros in ``templates/checklists/_form.html``: ``render_checklist`` and ``render_answers``
- ``answer_rows.answer_rows(checklist, evaluation)``: the one read-only rendering of answers (review,
  the record PDF and ``render_answers`` all show these rows; ``_answers.html`` draws them)
"""

from __future__ import annotations

from .conditions import ConditionSyntaxError, evaluate as evaluate_condition, parse as parse_condition
from .definition import Checklist, Section, build_checklist, definition_sha256
from .evaluation import Evaluation, Finding, evaluate, path_key
from .forms import apply_form_action, field_name, initial_answers, parse_form
from .catalog import checklists_for, general_items, get_checklist, registry, resolve_item
from .results import check_result_choice, choose_result, result_table, suggest_result
from .text import ChecklistInvalid, LocalText


def answer_set(checklist, answers):
    from .operations import answer_set as _answer_set

    return _answer_set(checklist, answers)


def checklist_for_answer_set(stored):
    from .operations import checklist_for_answer_set as _for

    return _for(stored)


__all__ = [
    "Checklist",
    "ChecklistInvalid",
    "ConditionSyntaxError",
    "Evaluation",
    "Finding",
    "LocalText",
    "Section",
    "answer_set",
    "apply_form_action",
    "build_checklist",
    "check_result_choice",
    "checklist_for_answer_set",
    "checklists_for",
    "choose_result",
    "definition_sha256",
    "evaluate",
    "evaluate_condition",
    "field_name",
    "general_items",
    "get_checklist",
    "initial_answers",
    "parse_condition",
    "parse_form",
    "path_key",
    "registry",
    "resolve_item",
    "result_table",
    "suggest_result",
]
