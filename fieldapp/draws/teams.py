"""The inspector teams of a draw, read from the roster: who is eligible on the draw date, in which
unit, with which specialty; their declared conflicts; their load so far in the round."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import NamedTuple, NotRequired, TypedDict

from flask import current_app
from sqlalchemy import func, select

from ..auth.models import Unit, UnitKind
from ..extensions import db
from ..inspectors.models import Conflict, Inspector
from ..plans.models import Task
from ..subjects.models import Subject
from .algorithm import Team
from .files import inspector_line
from .models import (
    Draw,
    DrawAssignment,
    DrawSelection,
    DrawStatus,
    InvitationStatus,
    JointInvitation,
    TaskDrawSettings,
)
from .specialties import covers, specialties_for_department


def settings_for(task: Task) -> TaskDrawSettings | None:
    return db.session.scalar(select(TaskDrawSettings).where(TaskDrawSettings.task_id == task.id))


def required_specialties(task: Task) -> list[str]:
    settings = settings_for(task)
    if settings is not None and settings.specialties is not None:
        return list(settings.specialties)
    return specialties_for_department(task.guiding_department)


def workload_cap(task: Task) -> int:
    settings = settings_for(task)
    if settings is not None and settings.workload_cap:
        return settings.workload_cap
    return int(current_app.config["DRAW_WORKLOAD_CAP"])


def team_units(unit: Unit) -> list[int]:
    """A bureau's team: the bureau and its departments (科室, 股, 市场监管所 …, and theirs in turn),
    at any level — a county bureau's inspectors mostly sit in its 市场监管所. Never a bureau below it
    (a joint-check invitation is the only way to add one)."""
    ids, frontier = [unit.id], [unit.id]
    while frontier:
        frontier = list(
            db.session.scalars(
                select(Unit.id)
                .where(Unit.parent_id.in_(frontier), Unit.kind == UnitKind.DEPARTMENT, Unit.id.not_in(ids))
                .order_by(Unit.id)
            )
        )
        ids += frontier
    return ids


def unit_name_on(inspector: Inspector, day: date) -> str:
    """The name of the inspector's unit on ``day`` (a transfer counts from its effective date)."""
    value = inspector.value_on("unit", day)
    return value.name if isinstance(value, Unit) else (value or "")


def unit_on(inspector: Inspector, day: date, units: list[Unit]) -> Unit | None:
    """The one of ``units`` the inspector belongs to on ``day``, if any: their unit now (by id) unless
    a transfer after ``day`` is undone; then the unit of the name the history keeps, among ``units``
    (one bureau's own: names are unique there, while another city may have a unit of that name)."""
    if not any(c.field == "unit" and c.effective_on > day for c in inspector.changes):
        return next((u for u in units if u.id == inspector.unit_id), None)
    name = unit_name_on(inspector, day)
    return next((u for u in units if u.name == name), None)


class Eligible(NamedTuple):
    """An inspector eligible for a draw, the unit they belong to on the draw date and the
    certificate number that names them in the draw's files."""

    inspector: Inspector
    unit: Unit
    certificate: str


class PublicInspector(TypedDict):
    certificate: str
    name: str
    unit: str


class PublicTeam(TypedDict):
    """A team as stored with the draw (``Draw.teams``) and published in its bundle."""

    unit: str
    unit_name: str
    role: str
    specialties: list[str]
    workload_cap: int
    initial_load: dict[str, int]
    inspectors: list[PublicInspector]
    conflicts: NotRequired[dict[str, list[str]]]  # added once the selection is known


def eligible_inspectors(unit_ids: list[int], specialties: list[str], day: date) -> list[Eligible]:
    """The inspectors eligible on ``day`` who belong to one of ``unit_ids`` on that day, with that
    unit: dated roster changes (status, certificate, transfers) are honoured both ways. An
    inspector without a certificate number now is never eligible (the draw names inspectors by it)."""
    units = list(db.session.scalars(select(Unit).where(Unit.id.in_(unit_ids))))
    inspectors = db.session.scalars(select(Inspector).order_by(Inspector.certificate_number)).all()
    eligible = []
    for inspector in inspectors:
        unit = unit_on(inspector, day, units)
        certificate = inspector.certificate_number
        if (
            unit is not None
            and certificate is not None
            and inspector.is_eligible_on(day)
            and covers(inspector.specialties, specialties)
        ):
            eligible.append(Eligible(inspector, unit, certificate))
    return eligible


def round_loads(task: Task, round_: int, exclude_draw_id: int | None = None) -> dict[str, int]:
    """Subjects per certificate already assigned in this task's round by other valid draws
    (``exclude_draw_id``: the draw a redraw supersedes, whose assignments lapse with it)."""
    stmt = (
        select(DrawAssignment.certificate_number, func.count())
        .join(DrawSelection, DrawSelection.id == DrawAssignment.selection_id)
        .join(Draw, Draw.id == DrawSelection.draw_id)
        .where(
            Draw.task_id == task.id,
            Draw.round == round_,
            Draw.status == DrawStatus.VALID,
            DrawAssignment.ended_at.is_(None),
        )
        .group_by(DrawAssignment.certificate_number)
    )
    if exclude_draw_id is not None:
        stmt = stmt.where(Draw.id != exclude_draw_id)
    return dict(db.session.execute(stmt).all())


def accepted_invitations(task: Task) -> Sequence[JointInvitation]:
    return db.session.scalars(
        select(JointInvitation)
        .where(JointInvitation.task_id == task.id, JointInvitation.status == InvitationStatus.ACCEPTED)
        .order_by(JointInvitation.id)
    ).all()


def build_teams(
    task: Task, round_: int, unit: Unit, day: date, superseded_id: int | None = None
) -> tuple[list[Team], dict[str, Inspector], list[PublicTeam], list[str]]:
    """The initiating team (the executing unit) and one team per accepted invitation.

    Returns the teams, the inspectors by certificate number, the public description of the
    teams (stored with the draw and published in its bundle) and the lines of the
    eligible-inspector file."""
    cap = workload_cap(task)
    loads = round_loads(task, round_, exclude_draw_id=superseded_id)
    plans = [(unit, team_units(unit), required_specialties(task), "initiating")]
    for invitation in accepted_invitations(task):
        specialties = (
            list(invitation.specialties)
            if invitation.specialties is not None
            else specialties_for_department(invitation.unit.name)
        )
        plans.append((invitation.unit, [invitation.unit_id], specialties, "participating"))
    teams: list[Team] = []
    by_cert: dict[str, Inspector] = {}
    public: list[PublicTeam] = []
    lines: list[str] = []
    for team_unit, unit_ids, specialties, role in plans:
        members = eligible_inspectors(unit_ids, specialties, day)
        certs = [m.certificate for m in members]
        by_cert.update({m.certificate: m.inspector for m in members})
        lines += [
            inspector_line(team_unit.code, m.certificate, m.unit.code, m.inspector.specialties, m.inspector.name)
            for m in members
        ]
        load = {c: loads.get(c, 0) for c in certs if loads.get(c)}
        teams.append(Team(team_unit.code, certs, cap, team_unit.name, dict(load)))
        public.append(
            PublicTeam(
                unit=team_unit.code,
                unit_name=team_unit.name,
                role=role,
                specialties=specialties,
                workload_cap=cap,
                initial_load=load,
                inspectors=[
                    PublicInspector(certificate=m.certificate, name=m.inspector.name, unit=m.unit.code) for m in members
                ],
            )
        )
    return teams, by_cert, public, lines


def conflicts_for(subject_ids: list[int], certificates: set[str]) -> dict[int, set[str]]:
    """Declared conflicts (回避) between the given subjects and inspectors: by subject, or by the
    person named (the subject's legal representative). The inspectors' declarations are read first
    (a handful): subjects are looked up only when a declaration names a person."""
    result: dict[int, set[str]] = defaultdict(set)
    if not subject_ids or not certificates:
        return result
    by_subject: dict[int, set[str]] = defaultdict(set)
    by_person: dict[str, set[str]] = defaultdict(set)
    for subject_id, person, cert in db.session.execute(
        select(Conflict.subject_id, Conflict.person_name, Inspector.certificate_number)
        .join(Inspector, Inspector.id == Conflict.inspector_id)
        .where(Inspector.certificate_number.in_(sorted(certificates)))
    ):
        assert cert is not None, "only the given certificate numbers are selected"
        if subject_id is not None:
            by_subject[subject_id].add(cert)
        if person:
            by_person[person].add(cert)
    for subject_id in by_subject.keys() & set(subject_ids):
        result[subject_id] |= by_subject[subject_id]
    if by_person:
        names = sorted(by_person)
        for start in range(0, len(subject_ids), 500):
            for subject_id, person in db.session.execute(
                select(Subject.id, Subject.legal_representative).where(
                    Subject.id.in_(subject_ids[start : start + 500]), Subject.legal_representative.in_(names)
                )
            ):
                result[subject_id] |= by_person[person]
    return result
