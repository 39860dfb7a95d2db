"""The inputs of a draw, frozen when its commitment is published (docs/draw-algorithm.md, §5).

Everything a draw consumes besides the randomness — the pool with each subject's class, the
task's ratio, fixed count and multipliers, the teams with their eligible inspectors, and the
declared conflicts — is taken on the day the commitment is published, stored with it, and its
hashes go into the commitment's public record. The draw uses these, not the directory as it is
when the draw is run: a lottery's result is public before the draw is run, and whoever runs the
server can derive the seed, so an edit made in between (a subject's class, status or division, an
import, the task's ratio, scope or multipliers, an inspector added, removed or certified, a
conflict declared) could otherwise choose who is drawn without leaving a trace.

Only the inspectors' loads in the round are read at the draw: they come from other draws, which
are public records themselves.
"""

from __future__ import annotations

import sys
import weakref
import zlib
from array import array
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..auth.models import Unit
from ..core.collector import collector_paused
from ..extensions import db
from ..inspectors.models import Conflict, Inspector
from ..plans.models import Task
from ..subjects.models import Subject
from . import algorithm, files
from .models import DrawCommitment
from .pools import PoolColumns, build_pool_columns
from .rules import DrawRefused
from .teams import PublicTeam, build_teams, conflicts_for, round_loads


@dataclass
class DrawInputs:
    """What a draw is made from, apart from the seed and W."""

    day: date  # the day in Beijing the pool and teams were judged on
    pool: PoolColumns
    pool_files: files.PoolFiles
    ratio: str | None
    fixed_count: int | None
    multipliers: dict | None  # as the task gives them (parsed at the draw)
    teams: list[PublicTeam]  # without ``initial_load`` (read at the draw)
    inspector_ids: dict[str, int]  # certificate -> database id
    inspector_file: bytes
    conflicts: dict[str, list[str]]  # subject id (USCC / registration number) -> certificates


def take(task: Task, round_: int, unit: Unit, day: date) -> DrawInputs:
    """The inputs of a draw of ``task``'s round by ``unit``, as they are on ``day``."""
    with collector_paused():  # a million subjects' ids and classes: no cycles among them
        pool = build_pool_columns(task, round_, unit, day)
    bad = sum(1 for c in pool.classes if c not in algorithm.CLASSES)
    if bad:
        raise DrawRefused(_l("%(count)s subjects of the pool have no credit class A–D.", count=bad))
    _teams, by_cert, public, lines = build_teams(task, round_, unit, day)
    for team in public:  # the loads are read at the draw
        team.pop("initial_load", None)  # type: ignore[misc]
    return DrawInputs(
        day=day,
        pool=pool,
        pool_files=files.digest_pool_files(pool.idents, pool.classes),
        ratio=str(task.ratio) if task.ratio is not None else None,
        fixed_count=task.fixed_count,
        multipliers=dict(task.risk_multipliers) if task.risk_multipliers else None,
        teams=public,
        inspector_ids={cert: inspector.id for cert, inspector in by_cert.items()},
        inspector_file=files.inspector_file(lines),
        conflicts=_declared_conflicts(set(by_cert)),
    )


def _declared_conflicts(certificates: set[str]) -> dict[str, list[str]]:
    """By subject id, the certificates that declared a conflict with the subject or with its legal
    representative (every subject a declaration names, in the pool or not: a handful)."""
    if not certificates:
        return {}
    rows = db.session.execute(
        select(Conflict.subject_id, Conflict.person_name)
        .join(Inspector, Inspector.id == Conflict.inspector_id)
        .where(Inspector.certificate_number.in_(sorted(certificates)))
    ).all()
    named = {sid for sid, _ in rows if sid is not None}
    people = sorted({person for _, person in rows if person})
    if people:
        named |= set(db.session.scalars(select(Subject.id).where(Subject.legal_representative.in_(people))))
    found = conflicts_for(sorted(named), certificates)
    idents = dict(db.session.execute(select(Subject.id, Subject.ident).where(Subject.id.in_(sorted(found)))).all())
    return {idents[sid]: sorted(certs) for sid, certs in found.items() if sid in idents}


def published(inputs: DrawInputs) -> dict:
    """What the commitment's public record says of its inputs: enough to hold the draw to them."""
    return {
        "date": inputs.day.isoformat(),
        "pool": {
            "sha256": inputs.pool_files.ids_sha256,
            "classed_sha256": inputs.pool_files.classed_sha256,
            "size": len(inputs.pool.idents),
        },
        "ratio": inputs.ratio,
        "fixed_count": inputs.fixed_count,
        "multipliers": inputs.multipliers,
        "inspectors_sha256": files.sha256_hex(inputs.inspector_file),
    }


def _ids_blob(ids: array) -> bytes:
    data = array("q", ids)
    if sys.byteorder == "big":
        data.byteswap()  # stored little-endian
    return zlib.compress(data.tobytes(), 1)


# The inputs just stored with a commitment, while this process holds the commitment: a draw made at
# once after its commitment (``flask draw run``) uses them rather than reading back and parsing the
# pool it has just written (a million subjects' pool held twice was a third of the draw's memory) —
# but only while the stored columns, read again from the database, are still exactly these.
_just_stored: weakref.WeakKeyDictionary[DrawCommitment, tuple[DrawInputs, bytes, dict]] = weakref.WeakKeyDictionary()


def store(commitment: DrawCommitment, inputs: DrawInputs) -> None:
    commitment.inputs_on = inputs.day
    commitment.frozen_pool = inputs.pool_files.classed_compressed
    commitment.frozen_ids = _ids_blob(inputs.pool.ids)
    commitment.frozen_inputs = {
        "ratio": inputs.ratio,
        "fixed_count": inputs.fixed_count,
        "multipliers": inputs.multipliers,
        "teams": inputs.teams,
        "inspector_ids": inputs.inspector_ids,
        "inspector_file": inputs.inspector_file.decode("utf-8"),
        "conflicts": inputs.conflicts,
    }
    _just_stored[commitment] = (inputs, commitment.frozen_ids, commitment.frozen_inputs)


def load(commitment: DrawCommitment) -> DrawInputs | None:
    """The inputs frozen with ``commitment`` (None: published before inputs were frozen)."""
    kept = _just_stored.pop(commitment, None)
    if kept is not None:
        inputs, ids_blob, frozen = kept
        stored = (commitment.inputs_on, commitment.frozen_pool, commitment.frozen_ids, commitment.frozen_inputs)
        if stored == (inputs.day, inputs.pool_files.classed_compressed, ids_blob, frozen):
            return inputs
    return _read(commitment)


def _read(commitment: DrawCommitment) -> DrawInputs | None:
    frozen = commitment.frozen_inputs
    if frozen is None or commitment.frozen_pool is None or commitment.frozen_ids is None:
        return None
    classed = zlib.decompress(commitment.frozen_pool)
    idents = classed.decode("utf-8").split("\n")
    idents.pop()  # the file ends with a newline
    classes = [line[-1] for line in idents]  # every line is ID,CLASS (one letter)
    for place, line in enumerate(idents):  # in place: a million lines are never held twice
        idents[place] = line[:-2]
    ids = array("q")
    ids.frombytes(zlib.decompress(commitment.frozen_ids))
    if sys.byteorder == "big":
        ids.byteswap()
    assert commitment.inputs_on is not None, "frozen inputs carry their day"
    return DrawInputs(
        day=commitment.inputs_on,
        pool=PoolColumns(idents, classes, ids),
        pool_files=files.PoolFiles(
            files.sha256_hex(classed), files.sha256_hex(files.ids_file(classed)), commitment.frozen_pool, len(classed)
        ),
        ratio=frozen["ratio"],
        fixed_count=frozen["fixed_count"],
        multipliers=frozen["multipliers"],
        teams=frozen["teams"],
        inspector_ids=frozen["inspector_ids"],
        inspector_file=frozen["inspector_file"].encode("utf-8"),
        conflicts=frozen["conflicts"],
    )


def teams_at_draw(
    inputs: DrawInputs, task: Task, round_: int, superseded_id: int | None
) -> tuple[list[algorithm.Team], list[PublicTeam]]:
    """The frozen teams with each certificate's load in the round as it is at the draw."""
    loads = round_loads(task, round_, exclude_draw_id=superseded_id)
    teams, public = [], []
    for team in inputs.teams:
        certs = [i["certificate"] for i in team["inspectors"]]
        load = {c: loads[c] for c in certs if loads.get(c)}
        teams.append(algorithm.Team(team["unit"], certs, team["workload_cap"], team["unit_name"], dict(load)))
        public.append(PublicTeam(**{**team, "initial_load": load}))
    return teams, public
