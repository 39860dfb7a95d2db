"""Replacing a matched inspector (illness, a conflict found later): only with a written reason,
by the same rule with the next rank; both the ended and the new assignment stay on record, the
certificates passed over are kept with why, and each replacement is a record of the public chain."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from ..auth.models import User
from .. import clock, events
from ..extensions import db
from ..inspectors.models import Inspector
from . import algorithm, chain, rules
from .files import canonical_json, sha256_hex
from .models import DrawAssignment, DrawStatus
from .rules import DrawRefused
from .teams import conflicts_for, round_loads


SKIP_REASONS = {
    "assigned": _l("already assigned to this subject"),
    "conflict": _l("declared a conflict with this subject"),
    "ineligible": _l("not eligible on the day of the replacement"),
    "workload_cap": _l("at the workload cap"),
}


def describe_skip(reason: str) -> str:
    """Why a certificate ranked before a replacement was passed over, in the user's language."""
    return str(SKIP_REASONS.get(reason, reason))


def replace_inspector(assignment: DrawAssignment, reason: str, user: User | None = None) -> DrawAssignment:
    """Replace with the first certificate, in the rank order E gives over the team's listed ones,
    that may take the subject today; those passed over are kept with why, and the replacement is
    a record of the public chain (the subject hidden in a hash until the selection is public)."""
    reason = (reason or "").strip()
    if not reason:
        raise DrawRefused(_l("Give the reason for the replacement."))
    if assignment.ended_at is not None:
        raise DrawRefused(_l("This inspector has already been replaced."))
    draw = assignment.selection.draw
    if draw.status != DrawStatus.VALID:
        raise DrawRefused(_l("This draw has been superseded."))
    skipped = []
    for rank, key, cert, inspector, why in _ranked(assignment):
        if why is not None or inspector is None:
            skipped.append({"certificate": cert, "reason": why or "ineligible"})
            continue
        now = clock.now()
        assignment.ended_at = now
        assignment.ended_by_id = user.id if user else None
        replacement = DrawAssignment(
            selection_id=assignment.selection_id,
            inspector_id=inspector.id,
            team_unit_id=assignment.team_unit_id,
            position=assignment.position,
            rank=rank,
            key_hex=key.hex(),
            certificate_number=cert,
            created_by_id=user.id if user else None,
            replaces_id=assignment.id,
            reason=reason,
            skipped=skipped,
            created_at=now,
        )
        db.session.add(replacement)
        db.session.flush()
        _publish(draw, replacement)
        events.inspector_replaced.send(draw, old=assignment, new=replacement)
        db.session.flush()
        return replacement
    raise DrawRefused(_l("No other eligible inspector is left in this team; the subject stays unmatched."))


def _ranked(assignment: DrawAssignment):
    """The team's listed certificates in rank order: ``(rank, key, certificate, inspector, why not)``,
    ``why not`` None for one that may take the subject on the day of the replacement."""
    selection = assignment.selection
    draw = selection.draw
    day = rules.local_today()  # eligibility on the day of the replacement
    team = next((t for t in draw.teams if t["unit"] == assignment.team_unit.code), None)
    certificates = [i["certificate"] for i in (team or {}).get("inspectors", [])]
    used = {a.certificate_number for a in selection.assignments}  # active and ended: never again
    cap = (team or {}).get("workload_cap", 0)
    loads = round_loads(draw.task, draw.round)
    inspectors = {
        i.certificate_number: i
        for i in db.session.scalars(select(Inspector).where(Inspector.certificate_number.in_(certificates)))
    }
    conflicted = conflicts_for([selection.subject_id], set(certificates)).get(selection.subject_id, set())
    maker = algorithm.KeyMaker(bytes.fromhex(draw.effective_seed_hex))
    for rank, (key, cert) in enumerate(algorithm.rank_inspectors(maker, selection.ident, certificates)):
        inspector = inspectors.get(cert)
        why = None
        if cert in used:
            why = "assigned"
        elif cert in conflicted:
            why = "conflict"
        elif inspector is None or not inspector.is_eligible_on(day):
            why = "ineligible"
        elif loads.get(cert, 0) >= cap:
            why = "workload_cap"
        yield rank, key, cert, inspector, why


def _publish(draw, replacement: DrawAssignment) -> None:
    """The replacement's record in the public chain: the draw and the hash of its public entry."""
    from .bundle import replacement_entry

    entry = replacement_entry(draw, replacement)
    try:
        chain.append(
            "replacement",
            {"draw": draw.id, "replacement_sha256": sha256_hex(canonical_json(entry))},
            draw_id=draw.id,
        )
    except (IntegrityError, OperationalError):  # another record appended a moment ago
        db.session.rollback()
        raise DrawRefused(_l("The replacement could not be saved; please try again.")) from None
