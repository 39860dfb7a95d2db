"""Building visits from draws: one trip per subject carrying every task whose window overlaps
(进一次门、查多项事), with the inspectors matched for each task."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import audit, clock
from ..core.bulk import allocate_ids, bind_value, insert_rows
from ..draws.models import DrawAssignment, DrawSelection
from ..draws.pools import task_window
from ..extensions import db, table_of
from ..subjects.models import Subject
from . import list_token
from .models import InspectorRole, Visit, VisitInspector, VisitStatus, VisitTask


def _overlaps(visit: Visit, start, end) -> bool:
    if visit.window_start is None or visit.window_end is None:
        return True
    return visit.window_start <= end and visit.window_end >= start


def _add_inspector(visit: Visit, inspector_id: int, task_id: int, lead: bool) -> None:
    if any(vi.inspector_id == inspector_id for vi in visit.inspectors):
        return
    has_lead = any(vi.role == InspectorRole.LEAD for vi in visit.inspectors)
    role = InspectorRole.LEAD if lead and not has_lead else InspectorRole.MEMBER
    visit.inspectors.append(
        VisitInspector(inspector_id=inspector_id, task_id=task_id, role=role, position=len(visit.inspectors))
    )


def planned_visits_by_subject(subject_ids: list[int], unit_id: int) -> dict[int, list[Visit]]:
    """The executing unit's planned visits of these subjects (the subjects that have one are found
    first, in one query: a large draw's subjects mostly have none)."""
    found: dict[int, list[Visit]] = defaultdict(list)
    planned = set(
        db.session.scalars(
            select(Visit.subject_id).where(Visit.executing_unit_id == unit_id, Visit.status == VisitStatus.PLANNED)
        )
    )
    wanted = [sid for sid in subject_ids if sid in planned]
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for visit in db.session.scalars(
            select(Visit)
            .options(selectinload(Visit.tasks), selectinload(Visit.inspectors))
            .where(
                Visit.subject_id.in_(chunk),
                Visit.executing_unit_id == unit_id,
                Visit.status == VisitStatus.PLANNED,
            )
        ):
            found[visit.subject_id].append(visit)
    return found


Selection = tuple[int, int, str, list[tuple[int, bool]]]  # id, subject id, division code, team


def draw_selections(draw) -> list[Selection]:
    """Each selection of ``draw`` in position order with its subject's division code and its team
    ``(inspector id, leads)``: the initiating team first (its first inspector leads), then the
    participating departments."""
    team: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    for selection_id, inspector_id, team_unit_id, position in db.session.execute(
        select(
            DrawAssignment.selection_id,
            DrawAssignment.inspector_id,
            DrawAssignment.team_unit_id,
            DrawAssignment.position,
        )
        .join(DrawSelection, DrawSelection.id == DrawAssignment.selection_id)
        .where(DrawSelection.draw_id == draw.id, DrawAssignment.ended_at.is_(None))
        .order_by(
            DrawAssignment.selection_id,
            DrawAssignment.team_unit_id != draw.unit_id,
            DrawAssignment.team_unit_id,
            DrawAssignment.position,
        )
    ):
        team[selection_id].append((inspector_id, team_unit_id == draw.unit_id and position == 0))
    return [
        (selection_id, subject_id, division_code, team[selection_id])
        for selection_id, subject_id, division_code in db.session.execute(
            select(DrawSelection.id, DrawSelection.subject_id, Subject.division_code)
            .join(Subject, Subject.id == DrawSelection.subject_id)
            .where(DrawSelection.draw_id == draw.id)
            .order_by(DrawSelection.position)
        )
    ]


def add_draw_to_visits(draw, selections: list[Selection] | None = None) -> int:
    """Put every subject selected by ``draw`` on a visit: an existing planned visit of the same
    executing unit whose window overlaps the task's (and which does not carry this task yet),
    or a new one. A merged visit's window narrows to the overlap. Returns the number of visits.

    ``selections`` (see :func:`draw_selections`) when the caller has them at hand (a new draw);
    new visits are written in bulk (a draw can select tens of thousands of subjects)."""
    task = draw.task
    start, end = task_window(task)
    if selections is None:
        selections = draw_selections(draw)
    existing = planned_visits_by_subject([s[1] for s in selections], draw.unit_id)
    new_visits: list[Selection] = []
    with db.session.no_autoflush:
        for selection in selections:
            visit = next(
                (
                    v
                    for v in existing.get(selection[1], [])
                    if _overlaps(v, start, end) and all(vt.task_id != task.id for vt in v.tasks)
                ),
                None,
            )
            if visit is None:
                new_visits.append(selection)
                continue
            visit.window_start = max(visit.window_start or start, start)
            visit.window_end = min(visit.window_end or end, end)
            visit.tasks.append(VisitTask(task_id=task.id, draw_id=draw.id))
            for inspector_id, lead in selection[3]:
                _add_inspector(visit, inspector_id, task.id, lead)
    db.session.flush()
    _insert_visits(draw, new_visits, start, end)
    return len(selections)


def _insert_visits(draw, selections: list[Selection], start, end) -> None:
    """New planned visits for these selections, with their task and inspectors, in bulk."""
    if not selections:
        return
    table = table_of(Visit)
    window = (bind_value(table.c.window_start, start), bind_value(table.c.window_end, end))
    created_at = bind_value(table.c.created_at, clock.now())
    task_id, draw_id, unit_id, planned = draw.task_id, draw.id, draw.unit_id, VisitStatus.PLANNED.value
    ids = allocate_ids(Visit, len(selections))
    lead_role, member_role = InspectorRole.LEAD.value, InspectorRole.MEMBER.value  # (read once, not per row)
    visit_rows, inspector_rows = [], []
    for visit_id, (_, subject_id, division_code, members) in zip(ids, selections):
        visit_rows.append((visit_id, subject_id, unit_id, division_code, *window, planned, created_at))
        seen: set[int] = set()
        has_lead = False
        for inspector_id, lead in members:
            if inspector_id in seen:
                continue
            seen.add(inspector_id)
            if lead and not has_lead:
                role, has_lead = lead_role, True
            else:
                role = member_role
            inspector_rows.append((visit_id, inspector_id, task_id, role, len(seen) - 1))
    insert_rows(Visit, VISIT_COLUMNS, visit_rows)
    with list_token.new_visits_inserted({row[1] for row in inspector_rows}):
        insert_rows(VisitTask, ("visit_id", "task_id", "draw_id"), [(i, task_id, draw_id) for i in ids])
        insert_rows(VisitInspector, ("visit_id", "inspector_id", "task_id", "role", "position"), inspector_rows)


VISIT_COLUMNS = (
    "id", "subject_id", "executing_unit_id", "division_code", "window_start", "window_end", "status", "created_at"
)  # fmt: skip


def draw_has_started_visits(draw) -> bool:
    return (
        db.session.scalar(
            select(VisitTask.id)
            .join(Visit, Visit.id == VisitTask.visit_id)
            .where(VisitTask.draw_id == draw.id, Visit.status != VisitStatus.PLANNED)
            .limit(1)
        )
        is not None
    )


def draw_visits_all_approved(draw) -> bool:
    """抽取对象是否公示 (when not at once): the draw has visits and every one is approved."""
    statuses = db.session.scalars(
        select(Visit.status).join(VisitTask, VisitTask.visit_id == Visit.id).where(VisitTask.draw_id == draw.id)
    ).all()
    return bool(statuses) and all(s == VisitStatus.APPROVED for s in statuses)


def draw_visit_records(draw) -> list[tuple[str, int, int, list[int]]]:
    """The visits carrying ``draw``'s task from it: ``("visit", id, subject id, [inspector ids for the task])``."""
    visits = dict(
        db.session.execute(
            select(Visit.id, Visit.subject_id)
            .join(VisitTask, VisitTask.visit_id == Visit.id)
            .where(VisitTask.draw_id == draw.id)
        ).all()
    )
    people: dict[int, list[int]] = {visit_id: [] for visit_id in visits}
    for visit_id, inspector_id in db.session.execute(
        select(VisitInspector.visit_id, VisitInspector.inspector_id)
        .join(VisitTask, VisitTask.visit_id == VisitInspector.visit_id)
        .where(VisitTask.draw_id == draw.id, VisitInspector.task_id == draw.task_id)
    ):
        people[visit_id].append(inspector_id)
    return [("visit", visit_id, subject_id, people[visit_id]) for visit_id, subject_id in sorted(visits.items())]


def record_withdrawn(visit_id: int, inspector_ids: list[int], draw) -> None:
    """The office took the visit from these inspectors (a new draw superseded ``draw``, or one of
    them was replaced): an audit event outlives the visit's row, so the phone of an inspector who
    was on it is told the visit was withdrawn, not that it never was theirs."""
    if inspector_ids:
        details = {"inspector_ids": sorted(inspector_ids), "draw_id": draw.id, "task_id": draw.task_id}
        audit.record(WITHDRAWN[0], visit_id, WITHDRAWN[1], details=details)


WITHDRAWN = ("visit", "withdraw")  # the audit event's object type and action


def remove_draw_from_visits(draw) -> None:
    """A superseded draw leaves its (still planned) visits; visits left without a task go."""
    for visit_task in db.session.scalars(select(VisitTask).where(VisitTask.draw_id == draw.id)).all():
        visit = visit_task.visit
        if visit.status != VisitStatus.PLANNED:
            continue
        visit.tasks.remove(visit_task)
        leaving = visit.inspectors if not visit.tasks else [vi for vi in visit.inspectors if vi.task_id == draw.task_id]
        record_withdrawn(visit.id, [vi.inspector_id for vi in leaving], draw)
        for vi in list(leaving):
            visit.inspectors.remove(vi)
        if not visit.tasks:
            db.session.delete(visit)
            continue
        windows = [task_window(vt.task) for vt in visit.tasks]
        visit.window_start = max(w[0] for w in windows)
        visit.window_end = min(w[1] for w in windows)
        for position, vi in enumerate(visit.inspectors):
            vi.position = position
        if visit.inspectors and not any(vi.role == InspectorRole.LEAD for vi in visit.inspectors):
            visit.inspectors[0].role = InspectorRole.LEAD
    db.session.flush()


def apply_replacement(draw, old, new) -> None:
    """Swap the replaced inspector for the new one on the visit carrying the draw's task."""
    for visit_task in db.session.scalars(
        select(VisitTask)
        .join(Visit, Visit.id == VisitTask.visit_id)
        .where(VisitTask.draw_id == draw.id, Visit.subject_id == old.selection.subject_id)
    ):
        visit = visit_task.visit
        row = next(
            (vi for vi in visit.inspectors if vi.inspector_id == old.inspector_id and vi.task_id == draw.task_id), None
        )
        already = any(vi.inspector_id == new.inspector_id for vi in visit.inspectors)
        if row is not None:
            record_withdrawn(visit.id, [old.inspector_id], draw)
        if row is not None and not already:
            row.inspector_id = new.inspector_id
        elif row is not None:
            role = row.role
            visit.inspectors.remove(row)
            if role == InspectorRole.LEAD:
                for vi in visit.inspectors:
                    if vi.inspector_id == new.inspector_id:
                        vi.role = InspectorRole.LEAD
            for position, vi in enumerate(visit.inspectors):
                vi.position = position
        elif not already:
            _add_inspector(visit, new.inspector_id, draw.task_id, old.position == 0)
    db.session.flush()
