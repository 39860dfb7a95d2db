"""Replacing a matched inspector (illness, a conflict found later): only with a written reason,
by the same rule with the next rank; both the ended and the new assignment stay on record."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..auth.models import User
from .. import clock, events
from ..extensions import db
from ..inspectors.models import Inspector
from . import algorithm, rules
from .models import DrawAssignment, DrawStatus
from .rules import DrawRefused
from .teams import conflicts_for, round_loads


def replace_inspector(assignment: DrawAssignment, reason: str, user: User | None = None) -> DrawAssignment:
    reason = (reason or "").strip()
    if not reason:
        raise DrawRefused(_l("Give the reason for the replacement."))
    if assignment.ended_at is not None:
        raise DrawRefused(_l("This inspector has already been replaced."))
    selection = assignment.selection
    draw = selection.draw
    if draw.status != DrawStatus.VALID:
        raise DrawRefused(_l("This draw has been superseded."))
    day = rules.local_today()  # eligibility on the day of the replacement
    team_code = assignment.team_unit.code
    team = next((t for t in draw.teams if t["unit"] == team_code), None)
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
    ranked = algorithm.rank_inspectors(maker, selection.ident, certificates)
    for rank, (key, cert) in enumerate(ranked):
        inspector = inspectors.get(cert)
        if (
            cert in used
            or cert in conflicted
            or inspector is None
            or not inspector.is_eligible_on(day)
            or loads.get(cert, 0) >= cap
        ):
            continue
        now = clock.now()
        assignment.ended_at = now
        assignment.ended_by_id = user.id if user else None
        replacement = DrawAssignment(
            selection_id=selection.id,
            inspector_id=inspector.id,
            team_unit_id=assignment.team_unit_id,
            position=assignment.position,
            rank=rank,
            key_hex=key.hex(),
            certificate_number=cert,
            created_by_id=user.id if user else None,
            replaces_id=assignment.id,
            reason=reason,
            created_at=now,
        )
        db.session.add(replacement)
        db.session.flush()
        events.inspector_replaced.send(draw, old=assignment, new=replacement)
        db.session.commit()
        return replacement
    raise DrawRefused(_l("No other eligible inspector is left in this team; the subject stays unmatched."))
