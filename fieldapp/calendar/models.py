"""Calendar data the administrator keeps for years the ``chinesecalendar`` package does not know yet."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..clock import now
from ..extensions import Model


class CalendarDay(Model):
    """An exception to Monday–Friday in a fallback year: a holiday (not worked) or a make-up day (调休, worked).

    Only consulted for years outside the package's data; for known years the package's
    official schedule (国务院办公厅关于部分节假日安排的通知) wins.
    """

    __tablename__ = "calendar_day"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    is_workday: Mapped[bool]  # False: a holiday on a weekday; True: a weekend day that is worked
    note: Mapped[str] = mapped_column(String(100), default="")  # e.g. 春节, 国庆节调休
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(default=now, server_default=func.now())

    created_by = relationship("User")


class YearDeadline(Model):
    """The plan year's deadline for finishing the checks (the seed: 12月20日前完成). Default: 12-20."""

    __tablename__ = "year_deadline"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    complete_by: Mapped[date]
    note: Mapped[str] = mapped_column(String(200), default="")
