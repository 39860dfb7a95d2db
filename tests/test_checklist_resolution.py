"""Resolution with the real checklists and the seed plan: task 1 names four kinds of place; the
subject's tags choose the checklist."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from fieldapp.checklists import checklists_for, registry

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def seed_task_1(db):
    from fieldapp.auth.models import Unit
    from fieldapp.plans.importer import read_plan
    from fieldapp.plans.models import InspectionItem, Plan, Task

    if not registry().checklists:
        pytest.skip("no checklist has been moved into checklists/ yet")
    _, parsed = read_plan((ROOT / "data" / "plan-2021-shuozhou.txt").read_bytes(), "plan-2021-shuozhou.txt")
    first = parsed.tasks[0]
    plan = Plan(year=2021, unit=db.session.scalar(select(Unit).where(Unit.code == "city")))
    task = Task(plan=plan, number=1, name=first.name)
    task.items = [InspectionItem(number=n, text=text) for n, text in enumerate(first.items, 1)]
    db.session.add(plan)
    db.session.commit()
    return task


@pytest.mark.parametrize(
    "tags, expected",
    [
        (["加油站"], "fuel-dispensers"),
        (["集贸市场"], "market-scales"),
        (["眼镜制配"], "eyeglass-instruments"),
        (["医疗机构"], "medical-instruments"),
    ],
)
def test_task_1_gives_each_place_its_own_checklist(seed_task_1, tags, expected):
    assert [c.id for c in checklists_for(seed_task_1, tags)] == [expected]


def test_stored_resolutions_are_used_first(seed_task_1, db):
    for item in seed_task_1.items:
        item.checklist_ids = ["market-scales"]
    db.session.commit()
    assert [c.id for c in checklists_for(seed_task_1, ["集贸市场"])] == ["market-scales"]
    # none of the stored checklists fits a gas station: it gets the general on-site checklist
    assert [c.id for c in checklists_for(seed_task_1, ["加油站"])] == ["onsite-general"]
