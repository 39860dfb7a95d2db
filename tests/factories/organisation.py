"""The two-city organisation of tests/data/organisations/two-cities.yaml (大同, 阳泉 under 山西省), and a drawn plan in it."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from factories.draws import make_inspector, make_subjects
from fieldapp.auth.models import Unit
from fieldapp.auth.organisation import load_organisation
from fieldapp.draws.models import Draw
from fieldapp.extensions import db
from fieldapp.plans.models import Plan, Task

TWO_CITIES = Path(__file__).resolve().parent.parent / "data" / "organisations" / "two-cities.yaml"


def two_city_world() -> tuple[Plan, Task, Draw]:
    """The two-city organisation, a plan issued by 平城区 (a county bureau of 大同), drawn."""
    from fieldapp.draws.commitments import commit
    from fieldapp.draws.operations import run_draw

    load_organisation(TWO_CITIES)
    units = {u.code: u for u in db.session.scalars(select(Unit))}
    make_subjects({"A": 20, "B": 10, "C": 5, "D": 2}, division="140213")
    make_subjects({"A": 8}, division="140302", start=1000)
    for i in range(4):
        make_inspector(f"平城检查员{i}", f"PC{i:04d}", unit_code="dt-pc")
    plan = Plan(year=2021, unit=units["dt-pc"], title="平城区2021年双随机抽查计划", status="published")
    task = Task(
        plan=plan,
        number=1,
        name="计量器具抽查",
        guiding_department="",
        executes_county=True,
        executes_city=False,
        ratio=Decimal("0.1"),
        window_start_month=1,
        window_end_month=12,
        scope_rule={"confirmed": True, "kinds": [], "tags_any": [], "status": "在业", "past_business_term": False},
    )
    db.session.add_all([plan, task])
    db.session.flush()
    from fieldapp.draws.pools import executing_units

    assert [u.code for u in executing_units(task)] == ["dt-pc"]  # a county's plan is its own to draw
    draw, _ = run_draw(commit(task, 1, units["dt-pc"], exception_reason="测试"), witness="平城区见证人")
    db.session.commit()
    return plan, task, draw
