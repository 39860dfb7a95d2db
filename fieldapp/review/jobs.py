"""Review's chores in the worker: due dates counted before the installed calendar knew their year.

``chinesecalendar`` learns a year when a new release carries the State Council's schedule (published
each November). Until then a publication, listing or rectification (整改期限) deadline running into
that year is counted on the provisional calendar (Monday to Friday, corrected by the administrator's
table) and flagged. An upgrade changes no row by itself, so the worker counts every flagged deadline again when it starts
(a deploy restarts it) and once a day; the dashboards, lists and warnings then follow the official
schedule."""

from __future__ import annotations

import logging

from huey import crontab
from ..extensions import db, huey
from ..jobs.runtime import housekeeping
from .subscribers import recount_provisional_deadlines

log = logging.getLogger(__name__)
__all__ = ["recount_provisional_deadlines", "recount_daily", "recount_on_worker_start"]


def _recount_and_commit() -> list[int]:
    changed = recount_provisional_deadlines()
    db.session.commit()
    return changed


def _recount() -> None:
    housekeeping(_recount_and_commit, log.info, "deadlines counted again on the updated calendar, results %s")


@huey.on_startup(name="fieldapp.review.recount_deadlines")
def recount_on_worker_start() -> None:
    _recount()


@huey.periodic_task(crontab(hour="1", minute="7"), name="fieldapp.review.recount_deadlines_daily")
def recount_daily() -> None:
    _recount()
