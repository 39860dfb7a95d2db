"""Test data factories, one module per area; shared helpers live here.

- ``factories.inspection``: a drawn visit with two inspectors (``build_world``), submission bodies, photos.
- ``factories.review``: plans, subjects, visits and submissions made directly (review, follow-up, dashboards).
- ``factories.publication``: an approved result with media and notes that must never reach a public page.
- ``factories.draws``: plans, tasks with scope rules, subject pools, inspector teams, the draw-day clock.
- ``factories.plans``: plan tables from the printed 2021 seed (CSV, .xlsx, shuffled, another layout).
- ``factories.subjects``: the subject import file's header and registration codes good and bad.
- ``factories.organisation``: the two-city organisation file, a plan drawn in it, a province's results.
"""

from __future__ import annotations

from sqlalchemy import select

from fieldapp.auth.models import Unit
from fieldapp.extensions import db

PASSWORD = "correct horse battery staple"


def unit(code: str) -> Unit:
    """The organisation unit with this code (units are loaded for every test)."""
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    assert unit is not None, f"no unit {code!r}"
    return unit
