"""Scope rules over the directory, confirmed before the draw; exact ratios; only published plans drawn."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from factories.draws import DRAW_DAY, draw_day, make_subjects, make_task, make_team, unit  # noqa: F401

from fieldapp.draws import operations
from fieldapp.draws.operations import DrawRefused
from fieldapp.draws.readiness import preview, warnings_for
from fieldapp.plans.importer import import_plan
from fieldapp.plans.models import Task
from fieldapp.plans.operations import confirm_scope, publish_plan
from fieldapp.plans.scope import clean_rule
from fieldapp.subjects.vocabulary import ensure_tags

SEED = Path(__file__).resolve().parent.parent / "data" / "plan-2021-shuozhou.txt"


def seed_plan(db, publish=True):
    report = import_plan(SEED.read_bytes(), SEED.name)
    if publish:
        publish_plan(report.plan)
    db.session.commit()
    return {t.number: t for t in report.plan.tasks}


def tag(subjects, *names):
    tags = ensure_tags()
    for subject in subjects:
        subject.tags = [tags[n] for n in names]


def codes(warnings):
    return [w["code"] for w in warnings]


def test_task_13_proposes_mark_users_and_warns_on_capacity(db):
    """814 businesses in the county, 40 of them use a collective or certification mark."""
    tasks = seed_plan(db)
    users = make_subjects({"B": 30, "C": 6, "D": 4})
    tag(users, "集体商标证明商标使用人")
    make_subjects({"B": 700, "A": 74}, start=1000, kind="individual")
    make_team(count=2, specialties=("知识产权", "计量", "商标"))
    db.session.commit()
    task13 = tasks[13]
    county = unit("140602")
    assert task13.scope_rule["holdings_any"] == ["集体商标证明商标使用人"] and not task13.scope_rule["confirmed"]
    proposed = preview(task13, DRAW_DAY, units=[county])
    assert proposed.pool == 40 and proposed.units[0].by_class == {"A": 0, "B": 30, "C": 6, "D": 4}
    # The scope read literally (企业、个体工商户、农民专业合作社) would draw 30% of everyone.
    literal = clean_rule({**task13.scope_rule, "holdings_any": []})
    wide = preview(task13, DRAW_DAY, rule=literal, units=[county])
    assert wide.pool == 814 and wide.visits > wide.capacity == 40
    assert wide.visits > proposed.visits >= 12
    warnings = warnings_for(task13, [county], DRAW_DAY)
    assert "unconfirmed" in codes(warnings)
    confirm_scope(task13, literal, reason="县局决定按全部主体抽取", user=None)
    db.session.commit()
    warnings = warnings_for(task13, [county], DRAW_DAY)
    assert codes(warnings) == ["over_capacity"]
    assert warnings[0]["params"]["inspectors"] == 2 and warnings[0]["params"]["capacity"] == 40
    # Outside a request the refusal is in the default language (zh_CN), as a command or job shows it.
    with pytest.raises(DrawRefused, match="工作量上限"):
        operations.commit(task13, 1, county)


def test_task_19_draws_class_d_not_a_tag(db):
    tasks = seed_plan(db)
    make_subjects({"B": 20, "C": 5, "D": 8})
    tagged = make_subjects({"B": 3}, start=100)
    tag(tagged, "高风险企业")  # the hand-set tag no longer decides
    db.session.commit()
    task19 = tasks[19]
    assert task19.scope_rule["credit_classes"] == ["D"]
    result = preview(task19, DRAW_DAY, units=[unit("140602")])
    assert result.pool == 8 and result.units[0].by_class["D"] == 8


def test_a_ratio_of_0_125_percent_is_kept_exactly_and_draws_the_exact_count(db):
    task = make_task(ratio=Decimal("0.00125"))
    make_subjects({"B": 800})
    make_team(count=4)
    db.session.commit()
    db.session.expire_all()
    task = db.session.get(Task, task.id)
    assert task.ratio == Decimal("0.00125")  # not 0.0013
    draw, _ = operations.run_draw(operations.commit(task, 1, unit("140602")), "")
    assert len(draw.selections) == 1  # ceil(800 × 0.00125) = 1 (0.0013 drew 2)
    assert Decimal(draw.ratio) == Decimal("0.00125")


def test_the_importer_shows_percentages_and_never_rounds_silently(db):
    from fieldapp.plans.cells import parse_ratio

    assert parse_ratio("不低于0.125%").ratio == Decimal("0.00125")
    too_fine = parse_ratio("0.0000001%")
    assert too_fine.ratio is None and too_fine.problems[0][0] == "ratio_too_precise"


def test_a_draft_plans_task_cannot_be_drawn(db, client_request):
    tasks = seed_plan(db, publish=False)
    make_subjects({"B": 50}, kind="individual")
    make_team(count=4)
    db.session.commit()
    with pytest.raises(DrawRefused, match="计划尚未公布"):
        operations.commit(tasks[12], 1, unit("140602"), exception_reason="any reason")
    client_request.login("city-supervisor")
    html = client_request.get("draws.round_page", task_id=tasks[12].id, round_=1, unit_code="140602")
    assert html.select_one("#draft-plan")


def test_a_draw_outside_the_window_needs_a_reason_published_with_the_draw(db, client_request, monkeypatch):
    task = make_task(window_start_month=6, window_end_month=8)  # DRAW_DAY is in April
    make_subjects({"B": 40})
    make_team(count=4)
    db.session.commit()
    with pytest.raises(DrawRefused, match="不在任务的抽查时间 2021-06-01 至 2021-08-31 内"):
        operations.commit(task, 1, unit("140602"))
    commitment = operations.commit(task, 1, unit("140602"), exception_reason="省局统一部署提前抽取")
    draw, _ = operations.run_draw(commitment, "")
    assert codes(commitment.exceptions) == ["outside_window"]
    assert "省局统一部署提前抽取" in client_request.get("draws.public_detail", draw_id=draw.id).get_text()


def test_confirming_rules_is_versioned_and_needs_a_reason_once_published(db, client_request):
    tasks = seed_plan(db)
    make_subjects({"B": 10, "D": 3})
    db.session.commit()
    plan_id, version = tasks[19].plan_id, tasks[19].plan.version
    client_request.login("city-supervisor")
    task_19 = {"plan_id": plan_id, "number": 19}
    page = client_request.get("draws.task_scope", **task_19)
    assert page.select_one("#scope-state")["data-confirmed"] == "no"
    assert "高风险" in page.select_one("#scope-text").text  # the original text stays
    form = {"kinds": "enterprise", "status": "在业", "credit_classes": ["C", "D"]}
    client_request.post("draws.confirm_task_scope", _data=form, _expected_status=422, **task_19)  # needs a reason
    boosted = client_request.post(  # the same for htmx (base.html has htmx swap a 422)
        "draws.confirm_task_scope",
        _data=form,
        _headers={"HX-Request": "true", "HX-Boosted": "true"},
        _expected_status=422,
        **task_19,
    )
    assert boosted.select_one(".field__error")
    assert client_request.get("draws.scope_preview", **task_19, **form).select_one("#scope-preview")["data-pool"]
    client_request.post("draws.confirm_task_scope", _data={**form, "reason": "县局将C类纳入高风险"}, **task_19)
    db.session.expire_all()
    task = db.session.scalar(select(Task).where(Task.plan_id == plan_id, Task.number == 19))
    assert task.scope_rule["confirmed"] and task.scope_rule["credit_classes"] == ["C", "D"]
    assert task.plan.version == version + 1 and task.plan.versions[-1].reason == "县局将C类纳入高风险"
    bad = client_request.get("draws.scope_preview", **task_19, **form, industries="Z99")
    assert "GB/T 4754" in str(bad)


def test_industry_codes_are_imported_and_selected_by_prefix(db, tmp_path):
    import csv

    from fieldapp.demo.generator import make_uscc
    from fieldapp.subjects.importer import import_subject_file

    path = tmp_path / "subjects.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["统一社会信用代码", "企业名称", "类型", "所属区县", "行业", "行业代码", "信用风险分类"])
        writer.writerow(
            [make_uscc("E", "140602", 201), "朔州甲超市有限公司", "有限责任公司", "朔城区", "零售业", "f5211", "B"]
        )
        writer.writerow(
            [make_uscc("E", "140602", 202), "朔州乙食品有限公司", "有限责任公司", "朔城区", "食品制造业", "C14", "B"]
        )
        writer.writerow([make_uscc("E", "140602", 203), "朔州丙公司", "有限责任公司", "朔城区", "", "Z99", "B"])
    report = import_subject_file(path)
    db.session.commit()
    assert [r.line for r in report.rejects] == [4] and "GB/T 4754" in report.rejects[0].reasons[0]
    task = make_task(scope_rule={"industries": ["F52"]})
    county = unit("140602")
    assert preview(task, DRAW_DAY, units=[county]).pool == 1
    assert preview(task, DRAW_DAY, rule={"industries": ["F", "食品制造业"]}, units=[county]).pool == 2
    assert preview(task, DRAW_DAY, rule={"industries": ["c14"]}, units=[county]).pool == 1  # 大类 C14
    assert preview(task, DRAW_DAY, rule={"industries": ["C13"]}, units=[county]).pool == 0
