"""The public snapshot of an inspection result, and the short hash that lets a printed copy be checked."""

from __future__ import annotations

import hashlib
import json
from datetime import date

from ..plans.display import KIND_LABELS
from ..checklists.results import split_codes
from ..subjects.queries import name_on
from .categories import category, follow_up_public_wording

# The fields a citizen sees, in display order. Nothing else ever leaves the building.
PUBLIC_FIELDS = (
    "plan_name",
    "subject_name",
    "subject_ident",
    "inspecting_unit_name",
    "task_kind",
    "task_name",
    "inspected_on",
    "result_code",
    "result_label",
    "follow_up_public",
    "published_on",
)

# Public fields added after records were first published: hashed only when they carry a value,
# so the check code of a record published before them still matches.
LATER_FIELDS = ("plan_name",)


def task_kind_label(kind: str) -> str:
    """定向 / 不定向, as the plans write it (plans.display owns the words)."""
    return KIND_LABELS.get(kind, kind)


def public_fields(result) -> dict:
    """The public fields of an :class:`InspectionResult` as they would be published now: the firm
    under the name it had when it was inspected (a later rename is found by the search, and is no
    correction of the record)."""
    subject = result.subject
    task = result.task
    cat = category(result.result_code)
    return {
        "subject_name": name_on(subject, result.inspected_on),  # as inspected, not as renamed since
        "subject_ident": subject.uscc or subject.registration_number or subject.ident,
        "uscc": subject.uscc,
        "registration_number": subject.registration_number,
        "inspecting_unit_name": result.inspecting_unit.name,
        "task_kind": result.task_kind or task.kind,
        "task_name": task.name,
        "plan_name": plan_name(task.plan),
        "plan_year": task.plan.year,
        "inspected_on": result.inspected_on,
        "result_code": ",".join(split_codes(result.result_code)) or result.result_code,
        "result_label": cat.zh,
        "result_label_en": cat.en,
        "follow_up_public": follow_up_public_wording(result.follow_up_measures),
        "division_code": result.division_code or subject.division_code,  # the county it was inspected in
        "task_id": task.id,
        "subject_id": subject.id,
        "inspecting_unit_id": result.inspecting_unit_id,
    }


def plan_name(plan) -> str:
    """抽查计划名称: the plan's title as issued, else its year's standard name."""
    return (plan.title or "").strip() or f"{plan.year}年度双随机抽查工作计划"


def _plain(value):
    return value.isoformat() if isinstance(value, date) else value


def short_hash(public_id: str, version: int, fields: dict) -> str:
    """Eight hex digits over the record's identity and public fields, shown as ``xxxx-xxxx``."""
    canonical = {
        name: _plain(fields.get(name)) for name in PUBLIC_FIELDS if name not in LATER_FIELDS or fields.get(name)
    }
    canonical.update(public_id=public_id, version=version)
    digest = hashlib.sha256(json.dumps(canonical, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return f"{digest[:4]}-{digest[4:8]}"


def record_fields(record) -> dict:
    """The public fields of a :class:`PublishedResult` version, for hashing and comparison."""
    return {name: getattr(record, name) for name in PUBLIC_FIELDS}


def list_hash(records) -> str:
    """A short hash over a list of records (the per-task 抽查结果公示表)."""
    text = "\n".join(f"{r.public_id}:{r.version}:{r.short_hash}" for r in sorted(records, key=lambda r: r.public_id))
    digest = hashlib.sha256(text.encode()).hexdigest()
    return f"{digest[:4]}-{digest[4:8]}"
