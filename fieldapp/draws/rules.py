"""Rules every draw operation shares: the refusal error, the draw date, the round checks."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..auth.models import Unit
from ..extensions import db
from ..plans.models import Task
from .models import Draw, DrawStatus
from .pools import may_execute


class DrawRefused(Exception):
    """A draw operation that must not happen; ``message`` is for the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def now_utc() -> datetime:
    """The moment of a draw or commitment (naive UTC, whole seconds: as published)."""
    try:
        from .. import clock  # type: ignore[attr-defined]  # the project's one clock, once it exists
    except ImportError:
        moment = datetime.now(timezone.utc)
    else:
        moment = clock.now()
    return moment.astimezone(timezone.utc).replace(tzinfo=None, microsecond=0)


def local_today() -> date:
    """The draw date: the server's date in China (UTC+8, no daylight saving) at the moment of the
    draw. No option sets it: eligibility, classes and status are judged on this day."""
    return (now_utc() + timedelta(hours=8)).date()


def current_draw(task: Task, round_: int, unit: Unit) -> Draw | None:
    return db.session.scalar(
        select(Draw).where(
            Draw.task_id == task.id, Draw.round == round_, Draw.unit_id == unit.id, Draw.status == DrawStatus.VALID.value
        )
    )


def check_round(task: Task, round_: int, unit: Unit) -> None:
    if not 1 <= round_ <= max(task.rounds_per_year or 1, 1):
        raise DrawRefused(_l("This task has no round %(round)s.", round=round_))
    if not may_execute(task, unit):
        raise DrawRefused(_l("%(unit)s does not execute this task.", unit=unit.name))
