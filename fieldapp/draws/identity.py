"""Who was drawn, as stored, against who the frozen inputs name (``flask draw verify``).

The draw's hashes cover IDs (USCC / registration numbers) and certificate numbers, not the rows
they lead to: a selection's ``subject_id`` or an assignment's ``inspector_id`` rewritten in the
database — the ID string left as drawn — would send the visit to another firm, or another
inspector to it, with every hash still right. So each selected row must point at the subject the
frozen pool put beside its ID (the commitment froze the pool's database ids with it), and that
subject must carry the ID (now, or as a former USCC / registration number in its history); each
drawn inspector must be the one the frozen teams named for the certificate, and hold it. Visits
and results made from the draw (asked through ``events.draw_fieldwork_records``) must be at the
drawn subjects, with the inspectors drawn for them.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from typing import TypeVar

from flask_babel import gettext as _
from sqlalchemy import select

from .. import events
from ..extensions import db
from ..inspectors.models import Inspector, InspectorChange
from ..subjects.models import Subject, SubjectChange
from . import inputs
from .models import Draw, DrawAssignment, DrawSelection

ID_FIELDS = ("uscc", "registration_number")  # the subject's IDs, with their dated history
MAX_REPORTED = 20  # differences of each kind listed one by one; the rest are counted
Key = TypeVar("Key")


def _chunks(values: list[Key], size: int = 5000) -> Iterable[list[Key]]:
    for start in range(0, len(values), size):  # (SQLite allows 32,766 parameters)
        yield values[start : start + size]


def subject_idents(subject_ids: Iterable[int]) -> dict[int, set[str]]:
    """Every ID each subject carries or carried: its ID, USCC, registration number and their former values."""
    wanted = sorted(set(subject_ids))
    known: dict[int, set[str]] = {sid: set() for sid in wanted}
    for part in _chunks(wanted):
        for sid, *values in db.session.execute(
            select(Subject.id, Subject.ident, Subject.uscc, Subject.registration_number).where(Subject.id.in_(part))
        ):
            known[sid].update(v for v in values if v)
        for sid, old, new in db.session.execute(
            select(SubjectChange.subject_id, SubjectChange.old_value, SubjectChange.new_value).where(
                SubjectChange.subject_id.in_(part), SubjectChange.field.in_(ID_FIELDS)
            )
        ):
            known[sid].update(v for v in (old, new) if v)
    return known


def inspector_certificates(inspector_ids: Iterable[int]) -> dict[int, set[str]]:
    """Every certificate number each inspector holds or held (dated history honoured)."""
    wanted = sorted(set(inspector_ids))
    known: dict[int, set[str]] = {iid: set() for iid in wanted}
    for part in _chunks(wanted):
        for iid, cert in db.session.execute(
            select(Inspector.id, Inspector.certificate_number).where(Inspector.id.in_(part))
        ):
            known[iid].update([cert] if cert else [])
        for iid, old, new in db.session.execute(
            select(InspectorChange.inspector_id, InspectorChange.old_value, InspectorChange.new_value).where(
                InspectorChange.inspector_id.in_(part), InspectorChange.field == "certificate_number"
            )
        ):
            known[iid].update(v for v in (old, new) if v)
    return known


def frozen_ids(draw: Draw, idents: Iterable[str]) -> tuple[dict[str, int], dict[str, int]] | None:
    """The database ids the frozen inputs put beside these IDs, and beside each frozen certificate
    (None: a commitment published before inputs were frozen)."""
    frozen = inputs.load(draw.commitment)
    if frozen is None:
        return None
    pool, found = frozen.pool, {}
    for ident in idents:
        place = bisect_left(pool.idents, ident)  # the frozen pool is sorted by ID
        if place < len(pool.idents) and pool.idents[place] == ident:
            found[ident] = pool.ids[place]
    return found, dict(frozen.inspector_ids)


class Reporter:
    """Differences of one kind: the first ``MAX_REPORTED`` said one by one, then how many more."""

    def __init__(self, problem: Callable[[str], None]) -> None:
        self.problem, self.counts = problem, 0

    def __call__(self, message: str) -> None:
        self.counts += 1
        if self.counts <= MAX_REPORTED:
            self.problem(message)

    def close(self) -> None:
        if self.counts > MAX_REPORTED:
            self.problem(_("… and %(count)s more such differences", count=self.counts - MAX_REPORTED))
        self.counts = 0


def check_identities(draw: Draw, problem: Callable[[str], None]) -> None:
    """Selections, assignments, visits and results point at the subjects and inspectors drawn."""
    rows = db.session.execute(
        select(DrawSelection.id, DrawSelection.position, DrawSelection.ident, DrawSelection.subject_id)
        .where(DrawSelection.draw_id == draw.id)
        .order_by(DrawSelection.position)
    ).all()
    frozen = frozen_ids(draw, [r.ident for r in rows])
    pool_ids, cert_ids = frozen if frozen is not None else ({}, {})
    carried = subject_idents(r.subject_id for r in rows)
    report = Reporter(problem)
    drawn: dict[int, int] = {}  # selection id -> the subject drawn (as the frozen pool names it)
    for sid, position, ident, subject_id in rows:
        drawn[sid] = pool_ids.get(ident, subject_id) if frozen is not None else subject_id
        if drawn[sid] != subject_id or ident not in carried.get(subject_id, ()):
            report(
                _(
                    "Selection #%(position)s %(ident)s: the stored subject is not the one the frozen pool names "
                    "for this ID",
                    position=position + 1,
                    ident=ident,
                )
            )
    report.close()
    active = _check_assignments(draw, cert_ids if frozen is not None else None, report)
    _check_fieldwork(draw, drawn, active, report)


def _check_assignments(draw: Draw, cert_ids: dict[str, int] | None, report: Reporter) -> dict[int, set[int]]:
    """Each assignment's inspector holds its certificate, and a first-drawn one is the inspector the
    frozen teams named. Returns the active inspectors of each selection."""
    rows = db.session.execute(
        select(
            DrawAssignment.selection_id,
            DrawAssignment.inspector_id,
            DrawAssignment.certificate_number,
            DrawAssignment.replaces_id,
            DrawAssignment.ended_at,
            DrawSelection.ident,
        )
        .join(DrawSelection, DrawSelection.id == DrawAssignment.selection_id)
        .where(DrawSelection.draw_id == draw.id)
        .order_by(DrawAssignment.id)
    ).all()
    held = inspector_certificates(r.inspector_id for r in rows)
    active: dict[int, set[int]] = {}
    for selection_id, inspector_id, cert, replaces_id, ended_at, ident in rows:
        if ended_at is None:
            active.setdefault(selection_id, set()).add(inspector_id)
        named = cert_ids.get(cert) if cert_ids is not None and replaces_id is None else inspector_id
        if named != inspector_id or cert not in held.get(inspector_id, ()):
            report(
                _(
                    "Inspector %(certificate)s of %(ident)s: the stored inspector does not hold this certificate "
                    "or is not the one the frozen teams name for it",
                    certificate=cert,
                    ident=ident,
                )
            )
    report.close()
    return active


def _check_fieldwork(draw: Draw, drawn: dict[int, int], active: dict[int, set[int]], report: Reporter) -> None:
    """Visits and results made from the draw are at drawn subjects, with inspectors drawn for them."""
    inspectors: dict[int, set[int]] = {}
    for selection_id, subject_id in drawn.items():
        inspectors.setdefault(subject_id, set()).update(active.get(selection_id, ()))
    for answer in events.ask(events.draw_fieldwork_records, draw):
        for kind, record_id, subject_id, people in answer:
            if subject_id not in inspectors:
                report(
                    _(
                        "%(record)s %(id)s of this draw is not at a subject drawn",
                        record=_("Visit") if kind == "visit" else _("Inspection result"),
                        id=record_id,
                    )
                )
            elif people is not None and not set(people) <= inspectors[subject_id]:
                report(_("Visit %(id)s of this draw has an inspector not drawn for its subject", id=record_id))
    report.close()


def rows_not_carrying(draw: Draw) -> tuple[set[int], set[int]]:
    """For the public page: the selections whose stored subject carries no such ID, and the
    assignments whose stored inspector holds no such certificate (a cheap check of the rows shown;
    ``flask draw verify`` holds them to the frozen inputs too)."""
    rows = db.session.execute(
        select(DrawSelection.id, DrawSelection.ident, DrawSelection.subject_id).where(DrawSelection.draw_id == draw.id)
    ).all()
    carried = subject_idents(r.subject_id for r in rows)
    selections = {sid for sid, ident, subject_id in rows if ident not in carried.get(subject_id, ())}
    people = db.session.execute(
        select(DrawAssignment.id, DrawAssignment.certificate_number, DrawAssignment.inspector_id)
        .join(DrawSelection, DrawSelection.id == DrawAssignment.selection_id)
        .where(DrawSelection.draw_id == draw.id)
    ).all()
    held = inspector_certificates(r.inspector_id for r in people)
    assignments = {aid for aid, cert, inspector_id in people if cert not in held.get(inspector_id, ())}
    return selections, assignments
