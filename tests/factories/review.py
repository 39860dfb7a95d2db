"""Test data for review, follow-up, dashboards: plans, subjects, visits and submissions made directly."""

from __future__ import annotations

import hashlib
import itertools
import uuid
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select

from factories import stored_media, unit
from fieldapp.extensions import db
from fieldapp.inspections.models import MediaFile, Submission
from fieldapp.inspectors.models import Inspector
from fieldapp.plans.models import Plan, Task
from fieldapp.subjects.models import Subject
from fieldapp.visits.models import Visit, VisitInspector, VisitTask

_seq = itertools.count(1)


def plan(year: int = 2026, unit_code: str = "city") -> Plan:
    existing = db.session.scalar(select(Plan).where(Plan.year == year, Plan.unit_id == unit(unit_code).id))
    if existing:
        return existing
    p = Plan(year=year, unit=unit(unit_code), title=f"{year}年度抽查工作计划", status="published")
    db.session.add(p)
    db.session.flush()
    return p


def task(
    p: Plan | None = None, number: int | None = None, name: str = "加油站计量监督检查", kind: str = "targeted", **kw
) -> Task:
    p = p or plan()
    t = Task(plan=p, number=number or next(_seq), name=name, kind=kind, **kw)
    db.session.add(t)
    db.session.flush()
    return t


def subject(
    name: str = "朔州市某某加油站有限公司", division: str = "140602", kind: str = "enterprise", **kw
) -> Subject:
    n = next(_seq)
    s = Subject(
        ident=f"91140600MA{n:08d}", uscc=f"91140600MA{n:08d}", name=name, kind=kind, division_code=division, **kw
    )
    db.session.add(s)
    db.session.flush()
    return s


def inspector(name: str = "张三", unit_code: str = "140602") -> Inspector:
    i = Inspector(name=name, unit_id=unit(unit_code).id, certificate_number=f"14{next(_seq):08d}")
    db.session.add(i)
    db.session.flush()
    return i


def visit(
    s: Subject,
    tasks: list[Task],
    unit_code: str | None = None,
    inspectors: list[Inspector] | None = None,
    status: str = "submitted",
    **kw,
) -> Visit:
    v = Visit(
        subject=s, executing_unit=unit(unit_code or s.division_code), division_code=s.division_code, status=status, **kw
    )
    for t in tasks:
        v.tasks.append(VisitTask(task_id=t.id))
    for pos, i in enumerate(inspectors or []):
        v.inspectors.append(VisitInspector(inspector_id=i.id, role="lead" if pos == 0 else "member", position=pos))
    db.session.add(v)
    db.session.flush()
    return v


def answers_body(
    tasks: list[Task],
    *,
    answers=None,
    result_code="1",
    measures=None,
    findings=None,
    inspected_on: date = date(2026, 9, 30),
    position=None,
    signatures=None,
) -> dict:
    return {
        "tasks": [
            {
                "task_id": t.id,
                "answer_sets": [
                    {
                        "checklist_id": "test-station",
                        "checklist_version": 1,
                        "definition_sha256": "0" * 64,
                        "answers": answers if answers is not None else {"pledge": "符合", "ledger": "符合"},
                    }
                ],
                "findings": findings or [],
                "check_methods": ["实地检查"],
                "result_code": result_code,
                "follow_up_measures": measures
                if measures is not None
                else ["未发现问题或相关问题已规范、已改正，无需后续处置"],
            }
            for t in tasks
        ],
        "position": position if position is not None else {"lat": 39.331234, "lng": 112.432101, "accuracy": 12},
        "signatures": signatures or [],
        "inspected_on": inspected_on.isoformat(),
    }


def submission(
    v: Visit,
    body: dict,
    *,
    state: str = "submitted",
    version: int = 1,
    replaces: Submission | None = None,
    inspected_on: date = date(2026, 9, 30),
) -> Submission:
    raw = repr(sorted(body.items())).encode()
    s = Submission(
        uuid=str(uuid.uuid4()),
        body_sha256=hashlib.sha256(raw).hexdigest(),
        visit=v,
        version=version,
        replaces=replaces,
        state=state,
        body=body,
        inspected_on=datetime.combine(inspected_on, datetime.min.time()),
        completed_at=datetime.combine(inspected_on, datetime.min.time()),
    )
    db.session.add(s)
    db.session.flush()
    return s


def media(
    sub: Submission, media_root: str | Path, content: bytes = b"\xff\xd8\xff fake jpeg", kind: str = "photo"
) -> MediaFile:
    """A JPEG ``content`` stored as the submission's ``kind`` under ``media_root``, in the folder of its UUID."""
    return stored_media(sub, content, kind=kind, content_type="image/jpeg", folder=sub.uuid, media_root=media_root)


def scenario(division: str = "140602", result_code: str = "1", **body_kw):
    """A county visit to a gas station on one task with one submitted submission."""
    t = task()
    s = subject(division=division)
    i1, i2 = inspector("张三", division), inspector("李四", division)
    v = visit(s, [t], inspectors=[i1, i2])
    sub = submission(v, answers_body([t], result_code=result_code, **body_kw))
    db.session.commit()
    return t, s, v, sub
