"""A bureau's two plans of a year: its own (本部门, the 2021 Shuozhou seed) and the 部门联合 plan with other
departments (tests/data/plans/make_joint_2021.py). Each is a plan of its own: listed, published and drawn
apart, re-imported into itself only; 序号 repeat across them, so nothing that names a task by number guesses."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from factories import unit
from factories.draws import draw_day, make_subjects, make_team  # noqa: F401  (the clock reads DRAW_DAY)
from factories.plans import SEED
from fieldapp.dashboards.queries import task_progress
from fieldapp.plans.display import task_number_label
from fieldapp.plans.identity import DocumentChoice, matching_plan
from fieldapp.plans.importer import import_plan, load_seed_plan
from fieldapp.plans.models import Plan, PlanKind, PlanVersion, Task
from fieldapp.plans.operations import publish_plan
from fieldapp.visits.models import Visit, VisitTask

HERE = Path(__file__).parent / "data" / "plans"
JOINT = HERE / "joint-2021-shuozhou.csv"
JOINT_TITLE = "朔州市2021年度市场监管领域部门联合“双随机、一公开”抽查工作计划"


def _joint_file(ratio: str = "不低于5%") -> bytes:
    """The joint plan, its first task's ratio as given (the file itself when unchanged)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_joint_2021", HERE / "make_joint_2021.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.ROWS[0][5] = ratio
    return module.joint_2021()


@pytest.fixture
def two_plans(db):
    """The seed plan and the joint plan of 2021, both of the city bureau, both published."""
    own = load_seed_plan(SEED).plan
    report = import_plan(JOINT.read_bytes(), JOINT.name, unit=unit("city"))
    publish_plan(report.plan)
    db.session.commit()
    return own, report


def _plan_state(db, plan_id: int) -> list[tuple]:
    db.session.expire_all()
    plan = db.session.get(Plan, plan_id)
    tasks = [(t.id, t.number, t.name, t.ratio) for t in plan.tasks]
    versions = db.session.scalars(select(PlanVersion.id).where(PlanVersion.plan_id == plan_id)).all()
    return [(plan.title, plan.doc_number, plan.version, plan.source_name), *tasks, tuple(versions)]


def test_the_joint_plan_is_a_plan_of_its_own_and_each_reimport_updates_only_itself(db, two_plans):
    own, report = two_plans
    joint = report.plan
    assert report.created and report.beside == [own] and joint.id != own.id
    assert (own.kind, joint.kind) == (PlanKind.OWN, PlanKind.JOINT) and joint.title == JOINT_TITLE
    assert (own.year, own.unit_id) == (joint.year, joint.unit_id)
    assert {t.number for t in own.tasks} >= {1, 2} and [t.number for t in joint.tasks] == [1, 2]
    own_before = _plan_state(db, own.id)

    again = import_plan(_joint_file("不低于10%"), JOINT.name, unit=unit("city"), reason="联合抽查比例调整")
    db.session.commit()
    assert again.plan.id == joint.id and not again.created and again.version == 2
    assert again.changes == [{"task": 1, "field": "ratio", "old": "0.05", "new": "0.1"}]
    assert _plan_state(db, own.id) == own_before
    joint_before = _plan_state(db, joint.id)

    seed_again = load_seed_plan(SEED)
    db.session.commit()
    assert seed_again.plan.id == own.id and seed_again.changes == [] and not seed_again.created
    assert _plan_state(db, own.id) == own_before and _plan_state(db, joint.id) == joint_before
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 2


def test_a_file_that_could_be_either_plan_is_not_guessed(db, two_plans):
    own, report = two_plans
    plans = [own, report.plan]
    assert matching_plan(plans, JOINT_TITLE, "") is report.plan
    assert matching_plan(plans, "", own.doc_number) is own
    assert matching_plan(plans, "关于印发某局2021年度专项抽查计划的通知", "朔市监〔2021〕40号") is None  # another
    with pytest.raises(DocumentChoice) as caught:
        matching_plan(plans, "", "")  # nothing to tell them apart
    assert f"（编号 {own.id}）" in str(caught.value) and f"（编号 {report.plan.id}）" in str(caught.value)
    assert caught.value.plans == plans


def test_both_plans_are_listed_and_published_and_each_has_its_public_page(client_request, db, two_plans):
    own, report = two_plans
    joint = report.plan
    client_request.login("city-supervisor", "supervisor", "city")
    cards = client_request.get("plans.index").select(".plan-card")
    kinds = {card["id"]: (card["data-kind"], card.get_text(" ", strip=True)) for card in cards}
    assert kinds[f"plan-{own.id}"][0] == "own" and "本部门抽查计划" in kinds[f"plan-{own.id}"][1]
    assert kinds[f"plan-{joint.id}"][0] == "joint" and "部门联合抽查计划" in kinds[f"plan-{joint.id}"][1]
    assert JOINT_TITLE in kinds[f"plan-{joint.id}"][1]
    client_request.logout()

    choice = client_request.get("plans.public_plan", year=2021)  # two plans: the reader chooses
    links = {li["data-kind"]: li.a["href"] for li in choice.select("#public-plan-choice li")}
    assert set(links) == {"own", "joint"}
    assert links["own"].endswith(f"?plan={own.id}") and links["joint"].endswith(f"?plan={joint.id}")
    for plan, words in ((own, "本部门抽查计划"), (joint, "部门联合抽查计划")):
        page = client_request.get_url(links[plan.kind])
        assert page.find(id="plan-kind").get_text(strip=True) == words
        names = [row.get_text(" ", strip=True) for row in page.select("#public-tasks [id^=task-], #public-tasks tr")]
        assert any(plan.tasks[0].name in name for name in names)
        others = page.find(id="other-plans-title").parent.get_text(" ", strip=True)
        assert ("部门联合抽查计划" if plan is own else "本部门抽查计划") in others
    client_request.get("plans.public_plan", year=2021, plan=own.id + joint.id + 1, _expected_status=404)

    pdf_choice = client_request.get_response("publication.public_plan_pdf", year=2021)
    assert pdf_choice.mimetype == "text/html" and f"?plan={joint.id}" in pdf_choice.get_data(as_text=True)
    pdf = client_request.get_response("publication.public_plan_pdf", year=2021, plan=joint.id)
    assert pdf.mimetype == "application/pdf"


def test_import_page_says_the_file_is_a_new_plan_and_offers_the_plans_to_revise(client_request, db):
    own = load_seed_plan(SEED).plan
    db.session.commit()
    client_request.login("city-supervisor", "supervisor", "city")

    def upload(data: bytes, status: int, **extra):
        form = {"file": (io.BytesIO(data), JOINT.name), **extra}
        return client_request.post(
            "plans.import_file", _data=form, _content_type="multipart/form-data", _expected_status=status
        )

    checked = upload(JOINT.read_bytes(), 200, action="check")
    assert own.title in checked.find(id="import-new-plan").get_text() and checked.find(id="import-report")
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 1
    page = upload(JOINT.read_bytes(), 200, action="import")
    assert "另一份文件" in page.find(id="import-new-plan").get_text()
    joint = db.session.scalar(select(Plan).where(Plan.id != own.id))
    options = {o["value"]: o.get_text() for o in page.find("select", attrs={"name": "version_of"}).find_all("option")}
    assert JOINT_TITLE in options[str(joint.id)] and "部门联合" in options[str(joint.id)]
    # A file that is not the joint plan by its title, said to be a new version of it, updates it.
    renamed = _joint_file().replace(JOINT_TITLE.encode(), "朔州市2021年度部门联合抽查工作计划（修订）".encode())
    page = upload(renamed, 200, action="import", version_of=str(joint.id))
    assert page.find(id="import-new-plan") is None
    db.session.expire_all()
    assert db.session.get(Plan, joint.id).title == "朔州市2021年度部门联合抽查工作计划（修订）"
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 2


def test_draw_cli_refuses_to_guess_between_the_two_plans_and_each_task_is_its_own_on_one_visit(db, runner, two_plans):
    own, report = two_plans
    joint = report.plan
    for plan in (own, joint):  # task 1 of each: every operating subject of the county, rules confirmed
        task = next(t for t in plan.tasks if t.number == 1)
        task.scope_rule = {
            "confirmed": True,
            "kinds": [],
            "tags_any": [],
            "status": "在业",
            "past_business_term": False,
        }
        task.ratio, task.class_ratios, task.fixed_count = Decimal("1"), None, None
    subjects = make_subjects({"B": 4})
    make_team()
    db.session.commit()

    refused = runner.invoke(args=["draw", "run", "1", "--unit", "140602", "--witness", "W"])
    assert refused.exit_code == 1
    for plan, words in ((own, "本部门抽查计划"), (joint, "部门联合抽查计划")):
        assert f"{plan.id} " in refused.output and words in refused.output, refused.output
    assert JOINT_TITLE in refused.output and "--plan" in refused.output
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 0

    for plan in (own, joint):
        result = runner.invoke(args=["draw", "run", "1", "--unit", "140602", "--plan", str(plan.id), "--witness", "W"])
        assert result.exit_code == 0, result.output
    db.session.expire_all()
    visits = db.session.scalars(select(Visit)).all()
    assert sorted(v.subject_id for v in visits) == sorted(s.id for s in subjects)  # 进一次门、查多项事
    for visit in visits:
        plans = sorted(db.session.get(Task, vt.task_id).plan_id for vt in visit.tasks)
        assert plans == sorted([own.id, joint.id])
    assert db.session.scalar(select(func.count()).select_from(VisitTask)) == 2 * len(subjects)

    progress = task_progress(2021, None, date(2021, 4, 10))
    firsts = [p for p in progress if p.task.number == 1]
    assert sorted(p.task.plan_id for p in firsts) == sorted([own.id, joint.id])
    assert all(p.visits == len(subjects) for p in firsts)
    assert sorted(task_number_label(p.task) for p in firsts) == ["1", "联合1"]  # where tasks of both plans meet


def test_plan_cli_lists_both_and_names_the_plan_a_new_version_is_of(db, runner, two_plans):
    own, report = two_plans
    joint = report.plan
    listed = runner.invoke(args=["plan", "list"])
    lines = [line.split("\t") for line in listed.output.splitlines()]
    assert [(line[0], line[3]) for line in lines] == [
        (str(own.id), "本部门抽查计划"),
        (str(joint.id), "部门联合抽查计划"),
    ]
    assert JOINT_TITLE in lines[1][-1]
    before = [_plan_state(db, own.id), _plan_state(db, joint.id)]
    result = runner.invoke(args=["plan", "import", str(JOINT), "--unit", "city", "--new-version"])
    assert result.exit_code == 1 and "--plan" in result.output, result.output
    assert f"（编号 {own.id}）" in result.output and f"（编号 {joint.id}）" in result.output
    assert [_plan_state(db, own.id), _plan_state(db, joint.id)] == before
    result = runner.invoke(args=["plan", "import", str(JOINT), "--unit", "city", "--plan", str(own.id)])
    assert result.exit_code == 1 and f"（编号 {joint.id}）" in result.output, result.output  # already the joint plan
    assert [_plan_state(db, own.id), _plan_state(db, joint.id)] == before
    result = runner.invoke(args=["plan", "import", str(JOINT), "--unit", "city", "--plan", str(joint.id)])
    assert result.exit_code == 0, result.output
    assert [_plan_state(db, own.id), _plan_state(db, joint.id)] == before
