"""Rules every draw operation shares: the refusal error, the draw date, the round checks."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..errors import InvalidInput
from .. import clock
from ..auth.models import Unit
from ..extensions import db
from ..plans.models import Task
from .models import Draw, DrawStatus
from .pools import may_execute


# The task-number errors of the pure algorithm module (which has no translations), in the user's words.
_NUMBER_ERRORS = {
    "the task has neither a ratio nor a fixed count": _l(
        "the task has neither a ratio (抽查比例) nor a fixed count (抽查数量); set one on the task first"
    ),
    "the ratio must be greater than 0 and at most 1": _l("the ratio must be greater than 0 and at most 100 percent"),
    "the fixed count must be at least 1": _l("the fixed count must be at least 1"),
}


def numbers_error(exc: Exception) -> str:
    """The algorithm's complaint about a task's ratio or count, translated where it is a known one."""
    return str(_NUMBER_ERRORS.get(str(exc), str(exc)))


class DrawRefused(InvalidInput):
    """A draw operation that must not happen; ``message`` is for the user."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


def now_utc() -> datetime:
    """The moment of a draw or commitment (aware UTC, whole seconds: as published)."""
    return clock.now().replace(microsecond=0)


def published_time(moment: datetime) -> str:
    """A moment as the public files print it: UTC without an offset, whole seconds."""
    return clock.as_utc(moment).replace(tzinfo=None).isoformat(timespec="seconds")


def local_today() -> date:
    """The draw date: the date in Beijing at the moment of the draw. No option sets it:
    eligibility, classes and status are judged on this day."""
    return clock.local_date(now_utc())


def current_draw(task: Task, round_: int, unit: Unit) -> Draw | None:
    return db.session.scalar(
        select(Draw).where(
            Draw.task_id == task.id,
            Draw.round == round_,
            Draw.unit_id == unit.id,
            Draw.status == DrawStatus.VALID,
        )
    )


def check_round(task: Task, round_: int, unit: Unit) -> None:
    if not 1 <= round_ <= max(task.rounds_per_year or 1, 1):
        raise DrawRefused(_l("This task has no round %(round)s.", round=round_))
    if not may_execute(task, unit):
        raise DrawRefused(_l("%(unit)s does not execute this task.", unit=unit.name))
