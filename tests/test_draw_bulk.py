"""A draw's bulk writing (selections, assignments, visits written as plain rows; the chain record's
bundle hash taken from the selection as it is produced) gives what reading it back gives."""

from __future__ import annotations

import json

from sqlalchemy import select
from factories.draws import (
    declare_conflict,
    draw_day,  # noqa: F401  (the clock reads DRAW_DAY)
    make_inspector,
    make_subjects,
    make_task,
    make_team,
    unit,
)

from fieldapp.clock import BEIJING
from fieldapp.draws import chain, operations
from fieldapp.draws.bundle import bundle_core_sha256
from fieldapp.draws.models import DrawAssignment, DrawSelection, InvitationStatus, JointInvitation
from fieldapp.draws.verify import verify_stored
from fieldapp.visits.models import Visit, VisitInspector, VisitTask
from fieldapp.visits.operations import add_draw_to_visits


def test_bulk_written_draw_reads_back_as_computed(db):
    subjects = make_subjects({"A": 6, "B": 10, "C": 6, "D": 4})
    county = make_team(count=5)
    for i in range(3):
        make_inspector(f"计量科{i}", f"MET{i}", unit_code="city-metrology")
    declare_conflict(county[0], subject=subjects[0])
    declare_conflict(county[1], person=subjects[1].legal_representative)
    task = make_task(ratio="1")
    db.session.add(
        JointInvitation(task_id=task.id, unit_id=unit("city-metrology").id, status=InvitationStatus.ACCEPTED.value)
    )
    earlier = make_task(number=2, ratio="0.5")
    db.session.commit()
    first, _ = operations.run_draw(operations.commit(earlier, 1, unit("140602")), "")  # visits to merge into
    draw, created = operations.run_draw(operations.commit(task, 1, unit("140602")), "见证人 甲")
    assert created and verify_stored(draw).ok
    record = chain.record_of_draw(draw.id)
    assert json.loads(record.body)["bundle_sha256"] == bundle_core_sha256(draw)  # as read back

    selections = db.session.scalars(
        select(DrawSelection).where(DrawSelection.draw_id == draw.id).order_by(DrawSelection.position)
    ).all()
    assert [s.position for s in selections] == list(range(len(subjects)))
    for sel in selections:
        teams = [a.team_unit.code for a in sorted(sel.assignments, key=lambda a: a.id)]
        assert teams == ["140602", "140602", "city-metrology", "city-metrology"]
    by_subject = {s.subject_id: s for s in selections}
    assert county[0].id not in {a.inspector_id for a in by_subject[subjects[0].id].assignments}
    assert county[1].id not in {a.inspector_id for a in by_subject[subjects[1].id].assignments}

    # One visit per subject carrying both tasks where the earlier draw made one; the lead is the
    # first inspector of the initiating team.
    visits = db.session.scalars(select(Visit).where(Visit.executing_unit_id == draw.unit_id)).all()
    assert sorted(v.subject_id for v in visits) == sorted(s.id for s in subjects)
    for visit in visits:
        tasks = {vt.task_id for vt in visit.tasks}
        assert task.id in tasks and (earlier.id in tasks) == (
            visit.subject_id in {s.subject_id for s in first.selections}
        )
        lead = [vi for vi in visit.inspectors if vi.role == "lead"]
        assert len(lead) == 1
        sel = by_subject[visit.subject_id]
        if earlier.id not in tasks:
            first_county = min((a for a in sel.assignments if a.team_unit.code == "140602"), key=lambda a: a.position)
            assert lead[0].inspector_id == first_county.inspector_id
            assert [vi.position for vi in visit.inspectors] == list(range(4))


def test_visits_from_rows_read_back_are_those_written(db):
    make_subjects({"B": 8})
    make_team(count=4)
    task = make_task(ratio="0.5")
    db.session.commit()
    draw, _ = operations.run_draw(operations.commit(task, 1, unit("140602")), "")

    def visits_of(draw_id):
        rows = db.session.execute(
            select(Visit.subject_id, Visit.division_code, Visit.window_start, Visit.window_end, Visit.status)
            .join(VisitTask, VisitTask.visit_id == Visit.id)
            .where(VisitTask.draw_id == draw_id)
            .order_by(Visit.subject_id)
        ).all()
        people = db.session.execute(
            select(Visit.subject_id, VisitInspector.inspector_id, VisitInspector.role, VisitInspector.position)
            .join(Visit, Visit.id == VisitInspector.visit_id)
            .join(VisitTask, VisitTask.visit_id == Visit.id)
            .where(VisitTask.draw_id == draw_id)
            .order_by(Visit.subject_id, VisitInspector.position)
        ).all()
        return rows, people

    written = visits_of(draw.id)
    for visit in db.session.scalars(select(Visit)).all():
        db.session.delete(visit)
    db.session.flush()
    add_draw_to_visits(draw)  # the selections and assignments read back from the database
    assert visits_of(draw.id) == written
    assert db.session.scalar(select(DrawAssignment.id).limit(1)) is not None


def test_matching_with_keys_at_hand_is_matching_subject_by_subject():
    import hashlib

    from fieldapp.draws import algorithm

    e = hashlib.sha256(b"match").digest()
    maker = algorithm.KeyMaker(e)
    assert maker.with_prefix(b"inspector|S1|", [b"C1", "证2".encode()]) == maker.many(
        ["inspector|S1|C1", "inspector|S1|证2"]
    )
    selected = [algorithm.Selected(f"S{i:03d}", "B", bytes([i]) * 32, False) for i in range(60)]
    conflicts = {"S001": {"A1"}, "S007": {"B0", "A3"}, "S020": {"B1"}}

    def teams():  # a low cap (loads run out), a team of one, a team with a load carried in
        return [
            algorithm.Team("A", [f"A{i}" for i in range(6)], cap=15, load={"A2": 14}),
            algorithm.Team("B", ["B0", "B1", "B2"], cap=40),
            algorithm.Team("C", ["C0"], cap=5),
        ]

    fast = algorithm.match_all(selected, fast_teams := teams(), e, conflicts)
    slow_teams = teams()
    slow = {
        sel.ident: [algorithm.match_subject(maker, sel.ident, t, conflicts.get(sel.ident, set())) for t in slow_teams]
        for sel in selected
    }
    assert fast == slow and [t.load for t in fast_teams] == [t.load for t in slow_teams]
    assert any(m.reason == "workload_cap" for ms in fast.values() for m in ms)


def test_selection_pieces_are_the_canonical_json_of_the_selection():
    from fieldapp.draws import algorithm
    from fieldapp.draws.bundle import PIECE, selection_pieces
    from fieldapp.draws.files import canonical_json

    names = {"C1": '引号"与\\反斜杠', "C2": "控制\x01字符\n", "证3": "王五 é", "C4": "x"}
    selected = [algorithm.Selected(f'ID"{i}\\é', "B", bytes([i % 256]) * 32, i % 3 == 0) for i in range(PIECE + 5)]
    matches = {}
    for i, sel in enumerate(selected):
        lead = algorithm.TeamMatch("140602", [("C1", 0, b"\x01" * 32), ("证3", 1, bytes([i % 256]) * 32)])
        other = algorithm.TeamMatch("city-metrology", [("C2", 2, b"\xff" * 32), ("C4", 3, b"\x00" * 32)])
        short = algorithm.TeamMatch('u"nit', [], "conflicts")
        matches[sel.ident] = [lead, other, short][: 1 + i % 3]
    expected = [
        {
            "id": sel.ident,
            "key": sel.key.hex(),
            "unmatched": algorithm.unmatched_codes(matches[sel.ident]),
            "inspectors": [
                {"team": m.unit_code, "position": p, "rank": r, "certificate": c, "name": names[c], "key": k.hex()}
                for m in matches[sel.ident]
                for p, (c, r, k) in enumerate(m.picked)
            ],
        }
        for sel in selected
    ]
    assert b"".join(selection_pieces(selected, matches, names)) == canonical_json(expected)
    assert b"".join(selection_pieces([], {}, names)) == canonical_json([])


def test_a_day_and_a_moment_bound_once_read_back_from_bulk_rows_as_given(db):
    """``bind_value`` gives ``insert_rows`` a day or a moment once for all its rows (on PostgreSQL as
    the text COPY writes for it): the rows read back with exactly the values given."""
    from datetime import UTC, date, datetime

    from fieldapp.core.bulk import allocate_ids, bind_value, insert_rows
    from fieldapp.extensions import table_of

    subjects = make_subjects({"B": 2})
    county, table = unit("140602"), table_of(Visit)
    start, end, moment = date(2026, 2, 28), date(2026, 12, 31), datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    bound = (bind_value(table.c.window_start, start), bind_value(table.c.window_end, end))
    at = bind_value(table.c.created_at, moment.astimezone(BEIJING))  # the same moment in another zone
    ids = allocate_ids(Visit, 2)
    columns = (
        "id",
        "subject_id",
        "executing_unit_id",
        "division_code",
        "window_start",
        "window_end",
        "status",
        "created_at",
    )
    insert_rows(Visit, columns, [(i, s.id, county.id, "140602", *bound, "planned", at) for i, s in zip(ids, subjects)])
    visits = db.session.scalars(select(Visit).where(Visit.id.in_(ids))).all()
    assert [(v.window_start, v.window_end, v.created_at) for v in visits] == [(start, end, moment)] * 2
