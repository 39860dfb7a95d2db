"""One idempotent step that fills a fresh database for `make run`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..auth.organisation import ensure_units
from ..extensions import db
from .accounts import DEMO_PASSWORD, ensure_demo_accounts

DATA = Path(__file__).resolve().parent.parent.parent / "data"
SEED_PLAN = DATA / "plan-2021-shuozhou.txt"


def load_demo(subject_count: int = 20000, seed: int = 2021) -> Iterator[str]:
    units = ensure_units()
    db.session.commit()
    yield f"units: {len(units)}"
    users = ensure_demo_accounts()
    db.session.commit()
    yield f"demo accounts: {len(users)} (password {DEMO_PASSWORD})"
    from ..plans.importer import load_seed_plan
    from ..plans.problems import PlanFileError

    try:
        report = load_seed_plan(SEED_PLAN)
    except PlanFileError:  # another organisation (ORGANISATION_FILE): the seed's bureau is not in it
        db.session.rollback()
        yield "plan: the seed plan's bureau is not in this organisation; import its own: flask --app wsgi plan import FILE"
    else:
        db.session.commit()
        yield f"plan {report.plan.year} {report.plan.doc_number}: {report.tasks.total} tasks, {report.items} items"
    from .generator import load_city

    yield from load_city(subject_count=subject_count, seed=seed)
    from .draws import load_demo_draws

    yield from load_demo_draws()
    from .reviews import load_demo_reviews

    yield from load_demo_reviews()
