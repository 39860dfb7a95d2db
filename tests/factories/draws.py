"""Factories for the draw and visit tests (no tests here): plans, tasks, subjects, inspectors."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from factories import unit
from fieldapp.extensions import db
from fieldapp.inspectors.models import Conflict, Inspector
from fieldapp.plans.class_ratios import draw_rule
from fieldapp.plans.models import Plan, Task
from fieldapp.subjects.models import Subject

DRAW_DAY = date(2021, 4, 10)
DRAW_MOMENT = datetime(2021, 4, 10, 2, 0, 0)  # UTC: 10:00 in Beijing on DRAW_DAY


@pytest.fixture(autouse=True)
def draw_day(monkeypatch):
    """The server's clock reads DRAW_MOMENT (no code path accepts a draw date). Imported by the
    draw tests; ``set_clock(monkeypatch, moment)`` moves it."""
    set_clock(monkeypatch, DRAW_MOMENT)
    return DRAW_DAY


def set_clock(monkeypatch, moment: datetime) -> None:
    """Pin the app's one clock (``fieldapp.clock``) at ``moment`` (naive = UTC)."""
    from fieldapp import clock

    monkeypatch.setattr(clock, "_frozen", clock.as_utc(moment))


def make_plan(year: int = 2021) -> Plan:
    plan = db.session.scalar(select(Plan).where(Plan.year == year))
    if plan is None:
        plan = Plan(year=year, unit=unit("city"), title=f"{year} plan", status="published")
        db.session.add(plan)
        db.session.flush()
    return plan


def make_task(number: int = 1, **fields) -> Task:
    values = dict(
        name=f"task {number}",
        guiding_department="市局组织发起/计量科指导",
        executes_county=True,
        executes_city=False,
        scope_rule={"kinds": [], "tags_any": [], "status": "在业", "past_business_term": False},
        ratio=Decimal("0.05"),
        window_start_month=3,
        window_end_month=11,
    )
    values.update(fields)
    values["scope_rule"] = {"confirmed": True, **values["scope_rule"]}  # rules a supervisor confirmed
    task = Task(plan=make_plan(), number=number, **values)
    db.session.add(task)
    db.session.flush()
    return task


def uscc(n: int, division: str = "140602") -> str:
    # Not check-digit valid; the draw treats the id as an opaque string.
    return f"91{division}{n:09d}X"[:18]


def make_subjects(classes: dict[str, int], division: str = "140602", start: int = 0, **fields) -> list[Subject]:
    subjects = []
    n = start
    for cls, count in classes.items():
        for _ in range(count):
            n += 1
            values = dict(
                ident=uscc(n, division),
                uscc=uscc(n, division),
                name=f"主体{division}-{n}",
                kind="enterprise",
                division_code=division,
                credit_class=cls,
                legal_representative=f"法人{n}",
            )
            values.update(fields)
            subjects.append(Subject(**values))
    db.session.add_all(subjects)
    db.session.flush()
    return subjects


def make_inspector(
    name: str,
    cert: str,
    unit_code: str = "140602",
    specialties=("计量",),
    valid_until: date = date(2030, 12, 31),
    status: str = "在岗",
    category: str = "law_enforcement",
) -> Inspector:
    inspector = Inspector(
        name=name,
        certificate_number=cert,
        certificate_valid_until=valid_until,
        unit=unit(unit_code),
        specialties=list(specialties),
        status=status,
        category=category,
    )
    db.session.add(inspector)
    db.session.flush()
    return inspector


def make_team(unit_code: str = "140602", count: int = 6, prefix: str = "SC", specialties=("计量",)) -> list[Inspector]:
    return [make_inspector(f"检查员{prefix}{i}", f"{prefix}{i:04d}", unit_code, specialties) for i in range(count)]


def declare_conflict(inspector: Inspector, subject: Subject | None = None, person: str | None = None) -> Conflict:
    conflict = Conflict(inspector=inspector, subject=subject, person_name=person, reason="亲属")
    db.session.add(conflict)
    db.session.flush()
    return conflict


def classed_task() -> Task:
    """A task whose plan gave ratios by credit class (A类1%、B类3%、C类5%、D类10%), read and not yet
    confirmed, as the importer leaves it."""
    rule = draw_rule({"A": Decimal("0.01"), "B": Decimal("0.03"), "C": Decimal("0.05"), "D": Decimal("0.1")})
    assert rule is not None
    stored = {
        "ratios": {"A": "0.01", "B": "0.03", "C": "0.05", "D": "0.1"},
        "filled": {},
        "column": "信用风险分类管理",
        "words": "A类1%、B类3%、C类5%、D类10%",
        "base": rule.base,
        "confirmed": False,
    }
    multipliers = {c: format(m, "f") for c, m in rule.multipliers.items()}
    return make_task(ratio=rule.ratio, risk_multipliers=multipliers, class_ratios=stored, ratio_is_floor=False)
