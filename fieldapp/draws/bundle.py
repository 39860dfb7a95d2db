"""The JSON bundle of a draw: everything needed, with the pool file, to recompute it."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from ..visits.models import Visit, VisitStatus, VisitTask
from .models import Draw, DrawAssignment, DrawSelection

BUNDLE_FORMAT = "fieldapp-draw-bundle/1"


def selection_is_public(draw: Draw) -> bool:
    """抽取对象是否公示: at once, or once every visit of the draw has an approved result."""
    if draw.task.publish_selection_at_once:
        return True
    statuses = db.session.scalars(
        select(Visit.status).join(VisitTask, VisitTask.visit_id == Visit.id).where(VisitTask.draw_id == draw.id)
    ).all()
    return bool(statuses) and all(s == VisitStatus.APPROVED.value for s in statuses)


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def assignments_of(draw: Draw) -> list[DrawAssignment]:
    return db.session.scalars(
        select(DrawAssignment)
        .join(DrawSelection, DrawSelection.id == DrawAssignment.selection_id)
        .where(DrawSelection.draw_id == draw.id)
        .order_by(DrawAssignment.id)
    ).all()


def build_bundle(draw: Draw, reveal: bool | None = None) -> dict:
    """The bundle; with ``reveal`` False the seed, witness and selection are withheld (they
    would let anyone compute the selection before it may be published)."""
    if reveal is None:
        reveal = selection_is_public(draw)
    commitment = draw.commitment
    task = draw.task
    bundle = {
        "format": BUNDLE_FORMAT,
        "algorithm": draw.algorithm,
        "draw": {
            "id": draw.id,
            "number": draw.number,
            "status": draw.status,
            "supersedes": draw.supersedes_id,
            "redraw_reason": draw.redraw_reason,
            "task": {"id": task.id, "number": task.number, "name": task.name, "plan_year": task.plan.year},
            "round": draw.round,
            "unit": {"code": draw.unit.code, "name": draw.unit.name},
            "draw_date": _iso(draw.draw_date),
            "drawn_at": _iso(draw.created_at),
        },
        "commitment": {
            "sequence": commitment.sequence,
            "sha256": commitment.commitment_hex,
            "published_at": _iso(commitment.created_at),
        },
        "seed": commitment.seed_hex if reveal else None,
        "witness": draw.witness if reveal else None,
        "effective_seed": draw.effective_seed_hex if reveal else None,
        "pool": {"sha256": draw.pool_sha256, "size": draw.pool_size, "class_sizes": draw.class_sizes},
        "ratio": draw.ratio,
        "fixed_count": draw.fixed_count,
        "multipliers": draw.multipliers,
        "total_floor": draw.total_floor,
        "quotas": draw.quotas,
        "topups": draw.topups,
        "selection": None,
        "teams": None,
        "replacements": None,
    }
    if not reveal:
        return bundle
    assignments = assignments_of(draw)
    by_selection: dict[int, list[DrawAssignment]] = {}
    for a in assignments:
        by_selection.setdefault(a.selection_id, []).append(a)
    codes = {t["unit"]: t for t in draw.teams}
    unit_codes = {a.team_unit_id: a.team_unit.code for a in assignments}
    selection = []
    for sel in draw.selections:
        original = [a for a in by_selection.get(sel.id, []) if a.replaces_id is None]
        selection.append(
            {
                "id": sel.ident,
                "class": sel.credit_class,
                "key": sel.key_hex,
                "topup": sel.topup,
                "unmatched": sel.unmatched_reason,
                "inspectors": [
                    {
                        "team": unit_codes[a.team_unit_id],
                        "position": a.position,
                        "rank": a.rank,
                        "certificate": a.certificate_number,
                        "name": a.inspector.name,
                        "key": a.key_hex,
                    }
                    for a in original
                ],
            }
        )
    bundle["selection"] = selection
    bundle["teams"] = [
        {k: v for k, v in team.items()} for team in draw.teams if team["unit"] in codes
    ]
    bundle["replacements"] = [
        {
            "id": a.selection.ident,
            "team": unit_codes[a.team_unit_id],
            "replaced": a.replaces.certificate_number,
            "by": a.certificate_number,
            "name": a.inspector.name,
            "rank": a.rank,
            "reason": a.reason,
            "at": _iso(a.created_at),
        }
        for a in assignments
        if a.replaces_id is not None
    ]
    return bundle
