"""State changes: run a draw (once, committed at once: see run_draw), invite a department (flushed; the
request commits). Commitments are in commitments.py."""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError

from ..core.collector import collector_paused
from ..errors import Conflict
from ..auth.models import Unit, User
from ..core.bulk import allocate_ids, bind_value, insert_rows
from .. import clock, events
from ..extensions import db, rows_changed, table_of
from ..plans.models import Task
from . import algorithm, chain, files, inputs, rules, seeds
from .commitments import abandon, commit, open_commitment  # noqa: F401  (part of this API)
from .models import (
    CommitmentStatus,
    Draw,
    DrawAssignment,
    DrawCommitment,
    DrawSelection,
    DrawStatus,
    ExternalKind,
    InvitationStatus,
    JointInvitation,
)
from .rules import DrawRefused, check_round, current_draw  # noqa: F401  (part of this API)
from .teams import PublicTeam

UNMATCHED_REASONS = {
    "no_inspectors": _l("fewer than two inspectors of %(team)s are eligible for this task"),
    "conflicts": _l("fewer than two inspectors of %(team)s without a declared conflict"),
    "workload_cap": _l("every eligible inspector of %(team)s has reached the workload cap"),
}


class CommitmentClosed(Conflict):
    """The commitment was used or abandoned by a concurrent request."""


@dataclass
class ComputedDraw:
    """Everything a draw consists of, computed before anything is written."""

    pool: files.PoolFiles
    counts: algorithm.Counts
    ratio: str | None  # the task's numbers, as frozen with the commitment
    fixed_count: int | None
    multipliers: dict[str, Decimal]
    seed: bytes
    e: bytes  # the effective seed
    selected: list[algorithm.Selected]
    ids: dict[str, tuple[int, str]]  # subject id (USCC / registration number) -> (database id, division code)
    matches: dict[str, list[algorithm.TeamMatch]]
    inspector_ids: dict[str, int]  # certificate -> database id
    names: dict[str, str]  # certificate -> name, as in the frozen teams
    teams: list[algorithm.Team]
    public_teams: list[PublicTeam]
    inspector_file: bytes


def _compute(
    task: Task, round_: int, unit: Unit, commitment: DrawCommitment, witness: str, day, superseded_id: int | None = None
) -> ComputedDraw:
    """Everything a draw consists of, computed without writing."""
    with collector_paused():
        return _compute_draw(task, round_, unit, commitment, witness, day, superseded_id)


def _compute_draw(task, round_, unit, commitment, witness, day, superseded_id) -> ComputedDraw:
    frozen = inputs.load(commitment) or inputs.take(task, round_, unit, day)  # (older commitments: now)
    idents, classes = frozen.pool.idents, frozen.pool.classes
    found = Counter(classes)
    sizes = {c: found[c] for c in algorithm.CLASSES}
    try:
        multipliers = algorithm.parse_multipliers(frozen.multipliers)
        counts = algorithm.compute_counts(sizes, frozen.ratio, frozen.fixed_count, multipliers, algorithm.ALGORITHM)
    except algorithm.DrawError as exc:
        raise DrawRefused(
            _l("The task's numbers do not allow a draw: %(error)s", error=rules.numbers_error(exc))
        ) from exc
    seed = seeds.seed_of(commitment)
    e = algorithm.effective_seed(seed, witness)
    selected = algorithm.select_columns(idents, classes, counts, e)
    ids = frozen.pool.subject_ids([s.place for s in selected], unit)
    del idents, classes
    teams, public_teams = inputs.teams_at_draw(frozen, task, round_, superseded_id)
    conflicts = {s.ident: set(frozen.conflicts[s.ident]) for s in selected if s.ident in frozen.conflicts}
    matches = algorithm.match_all(selected, teams, e, conflicts)
    for team in public_teams:
        members = {i["certificate"] for i in team["inspectors"]}
        team["conflicts"] = {ident: sorted(certs & members) for ident, certs in conflicts.items() if certs & members}
    return ComputedDraw(
        pool=frozen.pool_files,
        counts=counts,
        ratio=frozen.ratio,
        fixed_count=frozen.fixed_count,
        multipliers=multipliers,
        seed=seed,
        e=e,
        selected=selected,
        ids=ids,
        matches=matches,
        inspector_ids=frozen.inspector_ids,
        names={i["certificate"]: i["name"] for team in public_teams for i in team["inspectors"]},
        teams=teams,
        public_teams=public_teams,
        inspector_file=frozen.inspector_file,
    )


def _check_witness(commitment: DrawCommitment, witness: str, day) -> None:
    if commitment.external_kind == ExternalKind.LOTTERY:
        if not witness:
            raise DrawRefused(_l("Enter the lottery result named by the commitment."))
        if commitment.external_date and day < commitment.external_date:
            raise DrawRefused(_l("The lottery named by the commitment has not been drawn yet."))


def run_draw(commitment: DrawCommitment, witness: str = "", user: User | None = None) -> tuple[Draw, bool]:
    """Draw with an open commitment, on today's date in Beijing. Returns ``(draw, created)``: when
    someone else drew with the same commitment (or the same round) a moment earlier, their draw
    is returned unchanged."""
    task, unit, round_ = commitment.task, commitment.unit, commitment.round
    commitment_id = commitment.id
    if commitment.status != CommitmentStatus.OPEN:
        existing = db.session.scalar(select(Draw).where(Draw.commitment_id == commitment.id))
        if existing is not None:
            return existing, False
        raise DrawRefused(_l("This commitment was abandoned; publish a new one."))
    check_round(task, round_, unit)
    witness = seeds.normalise_external_value(witness)
    day = rules.local_today()  # judged again on the moment stored (see _store)
    _check_witness(commitment, witness, day)
    previous = current_draw(task, round_, unit)
    if previous is not None and not commitment.redraw_reason:
        raise DrawRefused(_l("This round has been drawn. A redraw needs a written reason."))
    if previous is not None and any(events.ask(events.draw_fieldwork_started, previous)):
        raise DrawRefused(_l("Inspections of this draw have started; it can no longer be redrawn."))
    result = _compute(task, round_, unit, commitment, witness, day, previous.id if previous else None)
    number = (
        db.session.scalar(
            select(func.max(Draw.number)).where(Draw.task_id == task.id, Draw.round == round_, Draw.unit_id == unit.id)
        )
        or 0
    ) + 1
    for attempt in range(3):  # a record appended to the chain by another draw a moment ago: again
        try:
            with collector_paused():
                draw = _store(task, round_, unit, commitment, witness, day, number, previous, user, result)
            db.session.commit()
            return draw, True
        except (IntegrityError, OperationalError, CommitmentClosed) as exc:
            db.session.rollback()
            existing = db.session.scalar(select(Draw).where(Draw.commitment_id == commitment_id))
            if existing is None:
                existing = db.session.scalar(
                    select(Draw).where(
                        Draw.task_id == task.id, Draw.round == round_, Draw.unit_id == unit.id, Draw.number == number
                    )
                )
            if existing is not None:
                return existing, False
            if isinstance(exc, CommitmentClosed):
                raise DrawRefused(_l("This commitment was abandoned; publish a new one.")) from None
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _store(task, round_, unit, commitment, witness, day, number, previous, user, result: ComputedDraw) -> Draw:
    from .bundle import heading, selection_pieces

    counts, pool = result.counts, result.pool
    moment = rules.now_utc()
    draw = Draw(
        task_id=task.id,
        round=round_,
        unit_id=unit.id,
        number=number,
        commitment_id=commitment.id,
        supersedes_id=previous.id if previous else None,
        redraw_reason=commitment.redraw_reason if previous else "",
        draw_date=day,
        witness=witness,
        effective_seed_hex=result.e.hex(),
        pool_sha256=pool.classed_sha256,
        pool_ids_sha256=pool.ids_sha256,
        pool_size=counts.pool_size,
        pool_file=pool.classed_compressed,
        class_sizes=counts.class_sizes,
        quotas=counts.quotas,
        topups=counts.topups,
        total_floor=counts.total_floor,
        ratio=result.ratio,
        fixed_count=result.fixed_count,
        multipliers={c: str(m) for c, m in result.multipliers.items()},
        teams=result.public_teams,
        algorithm=algorithm.ALGORITHM,
        inspectors_file=result.inspector_file,
        inspectors_sha256=files.sha256_hex(result.inspector_file),
        heading=heading(task, unit),
        created_by_id=user.id if user else None,
        created_at=moment,
    )
    db.session.add(draw)
    db.session.flush()  # the unique constraints decide here who drew first
    # Only an open commitment can be used: a commitment abandoned a moment ago by someone
    # publishing a new one must not also become the seed of this draw. The seed is revealed.
    used = rows_changed(
        update(DrawCommitment)
        .where(DrawCommitment.id == commitment.id, DrawCommitment.status == CommitmentStatus.OPEN)
        .values(status=CommitmentStatus.USED, closed_at=clock.now(), seed_hex=result.seed.hex())
        .execution_options(synchronize_session=False)
    )
    if used != 1:
        raise CommitmentClosed()
    db.session.expire(commitment, ["status", "closed_at", "seed_hex"])
    if previous is not None:
        previous.status = DrawStatus.SUPERSEDED
    selections = _store_selections(draw, user, result)
    if previous is not None:
        events.draw_superseded.send(previous)
    events.draw_made.send(draw, selections=selections)
    _publish_record(draw, previous, selection_pieces(result.selected, result.matches, result.names))
    return draw


def _store_selections(draw: Draw, user: User | None, result: ComputedDraw) -> list[tuple]:
    """The selection and its assignments, written in bulk (a draw can select tens of thousands of
    subjects): ids allocated first, rows as plain tuples. Returns, for the visits, each selection's
    ``(id, subject id, division code, [(inspector id, leads), …])`` in position order."""
    codes = [t.unit_code for t in result.teams]
    unit_ids = dict(db.session.execute(select(Unit.code, Unit.id).where(Unit.code.in_(codes))).all())
    # The initiating team first (its first inspector leads), then the others by unit id.
    order = sorted(range(len(codes)), key=lambda i: (unit_ids[codes[i]] != draw.unit_id, unit_ids[codes[i]]))
    lead_team = next((i for i in order if unit_ids[codes[i]] == draw.unit_id), None)
    selected, ids, all_matches = result.selected, result.ids, result.matches
    selection_ids = allocate_ids(DrawSelection, len(selected))
    inspector_ids = result.inspector_ids
    created_by = user.id if user else None
    tail = (created_by, bind_value(table_of(DrawAssignment).c.created_at, clock.now()), "")  # by, at, reason
    draw_id = draw.id  # read once: an ORM attribute costs a little on each of tens of thousands of rows
    selection_rows, assignment_rows, for_visits = [], [], []
    for position, (selection_id, sel) in enumerate(zip(selection_ids, selected)):
        matches = all_matches[sel.ident]
        reason = algorithm.unmatched_codes(matches)  # shown translated by describe_unmatched
        subject_id, division_code = ids[sel.ident]
        selection_rows.append(
            (selection_id, draw_id, subject_id, position, sel.ident, sel.credit_class, sel.key.hex(), sel.topup, reason)
        )
        for match in matches:  # in the order of the teams (the bundle lists them so)
            team_unit_id = unit_ids[match.unit_code]
            for place, (cert, rank, key) in enumerate(match.picked):
                assignment_rows.append(
                    (selection_id, inspector_ids[cert], team_unit_id, place, rank, key.hex(), cert, *tail)
                )
        members = [
            (inspector_ids[cert], index == lead_team and place == 0)
            for index in order
            for place, (cert, _, _) in enumerate(matches[index].picked)
        ]
        for_visits.append((selection_id, subject_id, division_code, members))
    insert_rows(DrawSelection, SELECTION_COLUMNS, selection_rows)
    insert_rows(DrawAssignment, ASSIGNMENT_COLUMNS, assignment_rows)
    return for_visits


SELECTION_COLUMNS = (
    "id", "draw_id", "subject_id", "position", "ident", "credit_class", "key_hex", "topup", "unmatched_reason"
)  # fmt: skip
ASSIGNMENT_COLUMNS = (
    "selection_id", "inspector_id", "team_unit_id", "position", "rank", "key_hex", "certificate_number",
    "created_by_id", "created_at", "reason",
)  # fmt: skip


def _publish_record(draw: Draw, previous: Draw | None, selection: Iterable[bytes]) -> None:
    """The draw's record in the public chain: it names the draw and the hash of its bundle
    (``selection``: the selection's JSON, as ``bundle.selection_pieces`` writes it)."""
    from .bundle import bundle_core_sha256

    db.session.flush()
    chain.append(
        "redraw" if previous is not None else "draw",
        {
            "draw": {
                "id": draw.id,
                "task": draw.task_id,
                "round": draw.round,
                "unit": draw.unit.code,
                "number": draw.number,
                "supersedes": draw.supersedes_id,
            },
            "bundle_sha256": bundle_core_sha256(draw, selection),
        },
        draw_id=draw.id,
    )


def describe_unmatched(selection: DrawSelection) -> list[str]:
    """The stored reasons of an unmatched subject, in the user's language."""
    names = {team["unit"]: team.get("unit_name") or team["unit"] for team in selection.draw.teams}
    described = []
    for part in filter(None, (selection.unmatched_reason or "").split("; ")):
        code, _, reason = part.partition(":")
        template = UNMATCHED_REASONS.get(reason)
        described.append(str(template % {"team": names.get(code, code)}) if template else part)
    return described


def pool_bytes(draw: Draw) -> bytes:
    """The pool file as stored: ``ID,CLASS`` lines (restricted for draws of algorithm 2)."""
    return zlib.decompress(draw.pool_file)


def public_pool_bytes(draw: Draw) -> bytes:
    """The public pool file: ids only for algorithm 2 (the classes stay internal)."""
    if draw.algorithm == algorithm.ALGORITHM_1:
        return pool_bytes(draw)
    return files.ids_file(pool_bytes(draw))


def invite(task: Task, department: Unit, user: User | None = None, message: str = "", items=None) -> JointInvitation:
    if department.division_code:
        raise DrawRefused(_l("Only a city department can be invited to a joint inspection."))
    invitation = db.session.scalar(
        select(JointInvitation).where(JointInvitation.task_id == task.id, JointInvitation.unit_id == department.id)
    )
    if invitation is None:
        invitation = JointInvitation(task_id=task.id, unit_id=department.id)
        db.session.add(invitation)
    invitation.status = InvitationStatus.PENDING
    invitation.message = message or ""
    invitation.items = [line.strip() for line in (items or []) if line and line.strip()]
    invitation.invited_by_id = user.id if user else None
    invitation.responded_at = None
    db.session.flush()
    return invitation


def respond(invitation: JointInvitation, accept: bool, user: User | None = None) -> JointInvitation:
    """Accepting adds the department's items and inspectors to the task's future draws' visits.
    Draws made (or committed to: their teams are frozen then) before the acceptance stay as they were."""
    invitation.status = InvitationStatus.ACCEPTED if accept else InvitationStatus.DECLINED
    invitation.responded_at = clock.now()
    invitation.responded_by_id = user.id if user else None
    db.session.flush()
    return invitation
