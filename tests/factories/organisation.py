"""The two-city organisation of tests/data/organisations/two-cities.yaml (大同, 阳泉 under 山西省), and a drawn plan in it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from factories import review as rf
from factories.draws import make_inspector, make_subjects
from fieldapp.auth.models import Unit
from fieldapp.auth.organisation import load_organisation
from fieldapp.draws.models import Draw
from fieldapp.extensions import db
from fieldapp.plans.models import Plan, Task
from fieldapp.publication.operations import publish
from fieldapp.review.models import InspectionResult
from fieldapp.review.operations import approve

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


# The province's dashboards: what a case is ordered and found; county unit → (division, operating
# enterprises, how many of them inspected).
ORDER = ["违反本部门相关规定，责令改正；后续跟踪由日常监管部门负责"]
FIND = [{"item": "pledge", "text": "未承诺", "severity": "minor", "follow_up": "责令改正"}]

COUNTIES = {
    "dt-pc": ("140213", 20, 2),  # 10%
    "dt-yg": ("140214", 50, 1),  # 2%: below the floor
    "dt-zone": ("140271", 0, 0),
    "yq-cq": ("140302", 10, 1),  # 10%
    "yq-pd": ("140321", 40, 0),  # 0%
}


def province_results(auth) -> None:
    """2026 plans of the province and of 阳泉; results approved on 2026-09-30 (due 2026-11-03, so
    overdue on 2026-11-27 unless published); one of 平城区's published; a follow-up case in 云冈区."""
    load_organisation(TWO_CITIES)
    db.session.commit()
    sup = auth.create("sx-sup", "supervisor", "sx")
    province_task = rf.task(rf.plan(2026, "sx"), name="省局计量抽查", window_start_month=9, window_end_month=10)
    rf.task(rf.plan(2026, "yq"), name="阳泉市局广告抽查")
    subs = []
    for unit_code, (division, enterprises, inspected) in COUNTIES.items():
        subjects = [rf.subject(f"{unit_code}企业{i}", division) for i in range(enterprises)]
        for s in subjects[:inspected]:
            v = rf.visit(s, [province_task], unit_code=unit_code, inspectors=[rf.inspector("甲", unit_code)])
            case = unit_code == "dt-yg"
            body = rf.answers_body(
                [province_task],
                result_code="A" if case else "1",
                measures=ORDER if case else None,
                findings=FIND if case else None,
            )
            subs.append(rf.submission(v, body))
    db.session.commit()
    for sub in subs:
        approve(sub.id, sub.lock_version, sup)
    db.session.commit()
    first = db.session.query(InspectionResult).filter_by(division_code="140213").first()
    publish([first], auth.create("pc-pub", "supervisor", "dt-pc"), on=date(2026, 10, 10))
    db.session.commit()


def demo_city_changed() -> bytes:
    """The demo city's organisation file (data/organisations/shuozhou.yaml) with an enforcement
    detachment and its brigade added, one department renamed and one moved under a county bureau."""
    import yaml

    from fieldapp.auth.organisation import DEFAULT_FILE

    data = yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8"))
    children = data["units"][0]["children"]
    by_code = {c["code"]: c for c in children}
    by_code["city-food"]["name"] = "食品安全协调处"
    price = children.pop(children.index(by_code["city-price"]))
    by_code["140602"].setdefault("children", []).append(price)
    brigade = {"code": "city-zf-1", "name": "第一大队", "kind": "department"}
    children.append({"code": "city-zf", "name": "综合行政执法支队", "kind": "department", "children": [brigade]})
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")
