"""One idempotent step that fills a fresh database for `make run`."""

from __future__ import annotations

from flask_babel import gettext as _

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
    yield _("Units: %(count)s", count=len(units))
    users = ensure_demo_accounts()
    db.session.commit()
    yield _("%(count)s demo accounts (password %(password)s)", count=len(users), password=DEMO_PASSWORD)
    from ..plans.identity import DocumentChoice
    from ..plans.importer import load_seed_plan
    from ..plans.problems import PlanFileError

    try:
        report = load_seed_plan(SEED_PLAN)
    except PlanFileError:  # another organisation (ORGANISATION_FILE): the seed's bureau is not in it
        db.session.rollback()
        yield _(
            "Plan: the seed plan's bureau is not in this organisation; import its own: %(command)s",
            command="flask --app wsgi plan import FILE",
        )
    except DocumentChoice as exc:  # the bureau's 2021 plans leave it open which one the seed is
        db.session.rollback()
        yield str(exc)
    else:
        db.session.commit()
        yield _(
            "Plan %(year)s %(doc)s: %(tasks)s tasks, %(items)s items",
            year=report.plan.year,
            doc=report.plan.doc_number,
            tasks=report.tasks.total,
            items=report.items,
        )
    from .generator import load_city

    yield from load_city(subject_count=subject_count, seed=seed)
    from .draws import load_demo_draws

    yield from load_demo_draws()
    from .reviews import load_demo_reviews

    yield from load_demo_reviews()
