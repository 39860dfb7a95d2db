"""``flask draw verify`` for a draw of algorithm 2: recompute it from the files frozen with it and
compare every stored field, the commitment published before it and its record in the chain."""

from __future__ import annotations

from flask_babel import gettext as _

import json
from sqlalchemy import select

from .. import clock
from ..extensions import db
from . import algorithm, chain, commitments, files, seeds
from .models import Draw, DrawCommitment, DrawSelection, ExternalKind
from .bundle import first_assignments
from .identity import check_identities
from .verify import Report, count_label


def _stored_selection(draw: Draw):
    rows = db.session.execute(
        select(
            DrawSelection.id,
            DrawSelection.ident,
            DrawSelection.credit_class,
            DrawSelection.key_hex,
            DrawSelection.topup,
            DrawSelection.unmatched_reason,
        )
        .where(DrawSelection.draw_id == draw.id)
        .order_by(DrawSelection.position)
    ).all()
    people: dict[int, list] = {}
    for sid, team, position, rank, cert, key in db.session.execute(first_assignments(draw.id)):
        people.setdefault(sid, []).append((team, position, rank, cert, key))
    return [(ident, cls, key, topup, unmatched, people.get(sid, [])) for sid, ident, cls, key, topup, unmatched in rows]


def _check_commitment(draw: Draw, problem) -> bytes:
    commitment = draw.commitment
    seed = seeds.seed_of(commitment)
    record = chain.record_of_commitment(commitment.id, "commitment")
    published = json.loads(record.body)["commitment"]["sha256"] if record else None
    if published is None:
        problem(_("Commitment: no record of it was published before the draw"))
    elif published != commitment.commitment_hex or algorithm.commitment_of(seed) != published:
        problem(_("Commitment: the seed does not hash to the commitment published before the draw"))
    if record is not None and record.created_at > draw.created_at:
        problem(_("Commitment: published after the draw"))
    if record is not None:
        body = json.loads(record.body)
        if commitments.differs_from_record(commitment, body.get("commitment") or {}):
            said = _(
                "Commitment: the commitment as stored (where W comes from, task, round, unit or reasons) is "
                "not the one its public record published"
            )
            problem(said)
        _check_inputs(draw, body.get("inputs"), problem)
    _check_lottery_dates(draw, problem)
    if clock.local_date(draw.created_at) != draw.draw_date:
        said = _(
            "Draw date: %(date)s is not the day in Beijing of the draw (%(at)s UTC)",
            date=draw.draw_date,
            at=draw.created_at,
        )
        problem(said)
    return seed


def _check_lottery_dates(draw: Draw, problem) -> None:
    """A lottery's W was unknown when the commitment was published, and known at the draw."""
    commitment = draw.commitment
    if commitment.external_kind != ExternalKind.LOTTERY or commitment.external_date is None:
        return
    if commitments.lottery_may_be_known(clock.local_date(commitment.created_at), commitment.external_date):
        problem(
            _(
                "Commitment: the lottery was drawn on or before the day the commitment was published: its result "
                "may have been public then"
            )
        )
    if draw.draw_date < commitment.external_date:
        problem(_("Commitment: the draw was made before the lottery it names was drawn"))
    # A lottery has one result: every draw whose commitment names the same draw of it entered the same.
    others = db.session.execute(
        select(Draw.id, Draw.witness)
        .join(DrawCommitment, DrawCommitment.id == Draw.commitment_id)
        .where(
            DrawCommitment.external_kind == ExternalKind.LOTTERY,
            DrawCommitment.external_description == commitment.external_description,
            DrawCommitment.external_date == commitment.external_date,
            Draw.id != draw.id,
            Draw.witness != draw.witness,
        )
        .order_by(Draw.id)
    ).all()
    for other, result in others:
        said = _(
            "W: draw %(other)s entered %(theirs)s as the result of the same lottery (%(lottery)s), this draw %(ours)s",
            other=other,
            theirs=result,
            lottery=commitment.external_description,
            ours=draw.witness,
        )
        problem(said)


def _check_inputs(draw: Draw, committed: dict | None, problem) -> None:
    """The draw was made from the inputs its commitment froze and published (commitments published
    before inputs were frozen have none to compare)."""
    if committed is None:
        return
    pool = committed["pool"]
    if (pool["sha256"], pool["classed_sha256"], pool["size"]) != (
        draw.pool_ids_sha256,
        draw.pool_sha256,
        draw.pool_size,
    ):
        problem(_("Commitment: the pool drawn is not the pool frozen with the commitment"))
    try:
        same = (
            committed["ratio"] == draw.ratio
            and committed["fixed_count"] == draw.fixed_count
            and algorithm.parse_multipliers(committed["multipliers"]) == algorithm.parse_multipliers(draw.multipliers)
        )
    except algorithm.DrawError:
        same = False
    if not same:
        problem(_("Commitment: the ratio, fixed count or multipliers drawn are not those frozen with the commitment"))
    if committed["inspectors_sha256"] != draw.inspectors_sha256:
        problem(_("Commitment: the inspector file drawn is not the one frozen with the commitment"))


def _teams(draw: Draw) -> list[algorithm.Team]:
    members: dict[str, list[str]] = {}
    for row in files.parse_inspector_file(draw.inspectors_file or b""):
        members.setdefault(row["team"], []).append(row["certificate"])
    return [
        algorithm.Team(
            t["unit"],
            sorted(members.get(t["unit"], [])),
            t["workload_cap"],
            t["unit_name"],
            dict(t.get("initial_load") or {}),
        )
        for t in draw.teams
    ]


def verify_draw_2(draw: Draw) -> Report:
    report = Report()
    problem = report.problems.append
    entries, sizes = _check_pool(draw, problem)
    try:
        counts = algorithm.compute_counts(
            sizes, draw.ratio, draw.fixed_count, algorithm.parse_multipliers(draw.multipliers), draw.algorithm
        )
    except algorithm.DrawError as exc:
        problem(_("Numbers: %(error)s", error=exc))
        return report
    for name, recomputed, stored_value in (
        ("T", counts.total_floor, draw.total_floor),
        ("quotas", counts.quotas, draw.quotas),
        ("topups", counts.topups, draw.topups),
    ):
        if recomputed != stored_value:
            problem(
                _(
                    "%(name)s: recomputed %(recomputed)s, stored %(stored)s",
                    name=count_label(name),
                    recomputed=recomputed,
                    stored=stored_value,
                )
            )
    seed = _check_commitment(draw, problem)
    e = algorithm.effective_seed(seed, draw.witness)
    if e.hex() != draw.effective_seed_hex:
        problem(_("Effective seed: SHA-256(seed ‖ W) differs from the stored one"))
    report.selection = algorithm.select(entries, counts, e)
    if files.sha256_hex(draw.inspectors_file or b"") != draw.inspectors_sha256:
        problem(_("Inspectors: the frozen inspector file is not the published one"))
    _check_selection(draw, report, e, problem)
    check_identities(draw, problem)  # the rows behind the drawn IDs and certificates
    _check_record(draw, problem)
    _check_replacements(draw, problem)
    _check_loads(draw, problem)
    return report


def _check_pool(draw: Draw, problem) -> tuple[list[tuple[str, str]], dict[str, int]]:
    """The frozen pool against the commitment and the stored class sizes: its entries and sizes."""
    from .operations import pool_bytes

    classed = pool_bytes(draw)
    if files.sha256_hex(classed) != draw.pool_sha256:
        problem(_("Pool: the frozen classed pool file is not the one committed to"))
    if files.sha256_hex(files.ids_file(classed)) != draw.pool_ids_sha256:
        problem(_("Pool: the frozen pool file's ids are not the published pool file"))
    entries = algorithm.parse_pool_file(classed)
    sizes = {c: sum(1 for _ident, cls in entries if cls == c) for c in algorithm.CLASSES}
    if sizes != draw.class_sizes or len(entries) != draw.pool_size:
        problem(_("Pool: N_c %(recomputed)s recomputed, %(stored)s stored", recomputed=sizes, stored=draw.class_sizes))
    return entries, sizes


def _check_selection(draw: Draw, report: Report, e: bytes, problem) -> None:
    """The recomputed selection and inspectors against the stored ones, subject by subject."""
    conflicts = {ident: set(certs) for t in draw.teams for ident, certs in (t.get("conflicts") or {}).items()}
    matches = algorithm.match_all(report.selection, _teams(draw), e, conflicts)
    stored = _stored_selection(draw)
    for position, (mine, theirs) in enumerate(zip(report.selection, stored), start=1):
        picked = [
            (m.unit_code, pos, rank, cert, key.hex())
            for m in matches[mine.ident]
            for pos, (cert, rank, key) in enumerate(m.picked)
        ]
        reasons = "; ".join(f"{m.unit_code}:{m.reason}" for m in matches[mine.ident] if m.reason)
        if (mine.ident, mine.credit_class, mine.key.hex(), mine.topup) != theirs[:4]:
            said = _(
                "Selection #%(position)s: recomputed %(mine)s, stored %(theirs)s",
                position=position,
                mine=mine.ident + " " + mine.key.hex()[:16] + "…",
                theirs=theirs[0],
            )
            problem(said)
            break
        if sorted(picked) != sorted(theirs[5]) or reasons != theirs[4]:
            problem(
                _(
                    "Selection #%(position)s %(ident)s: inspectors recomputed otherwise than stored",
                    position=position,
                    ident=mine.ident,
                )
            )
            break
    if len(stored) != len(report.selection):
        said = _(
            "Selection size: recomputed %(recomputed)s, stored %(stored)s",
            recomputed=len(report.selection),
            stored=len(stored),
        )
        problem(said)


def _check_record(draw: Draw, problem) -> None:
    """The chain record made with the draw still hashes the draw as stored."""
    from .bundle import bundle_core_sha256

    record = chain.record_of_draw(draw.id)
    if record is None:
        problem(_("Chain: the draw has no record"))
    elif json.loads(record.body).get("bundle_sha256") != bundle_core_sha256(draw):
        problem(
            _(
                "Chain: the draw as stored is not the one recorded when it was made (witness, seed, pool or "
                "selection rewritten)"
            )
        )


def _check_replacements(draw: Draw, problem) -> None:
    """Every replacement recorded in the chain is there as recorded, and none is missing or added."""
    from .bundle import replacement_entries

    entries = [entry for entry in replacement_entries(draw) if entry["skipped"] is not None]
    records = chain.replacement_records(draw.id)
    if len(entries) != len(records):
        problem(
            _(
                "Replacements: %(stored)s stored, %(recorded)s recorded in the chain",
                stored=len(entries),
                recorded=len(records),
            )
        )
    for number, entry in enumerate(entries, start=1):
        record = entry.pop("record")
        if record is None or record["body"].get("replacement_sha256") != files.sha256_hex(files.canonical_json(entry)):
            problem(_("Replacement %(number)s: not the one recorded in the chain when it was made", number=number))


def _check_loads(draw: Draw, problem) -> None:
    """Each team's loads at the draw are those the chain's earlier records give (see ``loads``)."""
    from .loads import recorded_loads

    loads = recorded_loads(draw)
    if loads is None:
        return  # no record of the draw: reported by _check_record
    for team in draw.teams:
        members = [i["certificate"] for i in team["inspectors"]]
        recounted = {cert: loads[cert] for cert in members if loads.get(cert)}
        stored = dict(team.get("initial_load") or {})
        if recounted != stored:
            said = _(
                "Loads: %(team)s started from loads %(stored)s, but the earlier draws and replacements recorded "
                "in the chain give %(recounted)s (an assignment added or ended in the database without a record)",
                team=team["unit"],
                stored=_loads_text(stored),
                recounted=_loads_text(recounted),
            )
            problem(said)


def _loads_text(loads: dict[str, int]) -> str:
    return ", ".join(f"{cert}: {count}" for cert, count in sorted(loads.items())) or "—"
