"""A second document of the same unit and year (部门联合 beside the bureau's own plan) is a plan of its own, not
merged into the stored plan by 序号; imported explicitly as a new version of a stored plan, it updates that one."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fieldapp.auth.models import Unit
from fieldapp.plans.identity import _differ
from fieldapp.plans.importer import import_plan
from fieldapp.plans.models import Plan, PlanKind, PlanVersion, Task

DATA = Path(__file__).parent / "data" / "plans"
OWN = DATA / "city-2024-sheets.xlsx"  # 朔州市市场监督管理局2024年度“双随机、一公开”抽查工作计划表
JOINT = DATA / "joint-2024-fields.csv"  # 朔州市2024年度市场监管领域部门联合“双随机、一公开”抽查工作计划
JOINT_TITLE = "朔州市2024年度市场监管领域部门联合“双随机、一公开”抽查工作计划"
OWN_TITLE = "朔州市市场监督管理局2024年度“双随机、一公开”抽查工作计划表"


def _city(db) -> Unit:
    return db.session.scalar(select(Unit).where(Unit.code == "city"))


def _state(db) -> list[tuple]:
    db.session.expire_all()
    plans = [(p.id, p.title, p.version, p.source_name) for p in db.session.scalars(select(Plan).order_by(Plan.id))]
    tasks = [(t.plan_id, t.number, t.name, t.ratio) for t in db.session.scalars(select(Task).order_by(Task.id))]
    return plans + tasks + [(v.id,) for v in db.session.scalars(select(PlanVersion))]


def test_the_joint_plan_is_a_new_plan_beside_the_own_plan_which_is_unchanged(app, db):
    own = import_plan(OWN.read_bytes(), OWN.name, unit=_city(db)).plan
    db.session.commit()
    before = _state(db)
    report = import_plan(JOINT.read_bytes(), JOINT.name, unit=_city(db))
    db.session.commit()
    assert report.created and report.beside == [own] and report.plan.title == JOINT_TITLE
    assert (report.plan.kind, own.kind) == (PlanKind.JOINT, PlanKind.OWN)
    assert [row for row in _state(db) if row in before] == before  # the own plan, its tasks and versions as they were
    again = import_plan(OWN.read_bytes(), OWN.name, unit=_city(db))  # the same document again: updated as today
    assert again.plan.id == own.id and again.changes == [] and not again.created


@pytest.mark.parametrize(
    ("old", "new", "differ"),
    [
        (
            ("关于印发《2024年度“双随机、一公开”抽查工作计划》的通知", "朔市监〔2024〕3号"),
            ("2024年“双随机、一公开”抽查工作计划表", ""),
            False,
        ),
        (("XX局2024年度抽查工作计划", ""), ("2024年度抽查工作计划", "朔市监〔2024〕9号"), False),
        (("XX局2024年度抽查工作计划", ""), ("XX局2024年度部门联合抽查工作计划", ""), True),
        (("", "朔市监〔2024〕3号"), ("", "朔市监[2024]3号"), False),
        (("", "朔市监〔2024〕3号"), ("", "朔市监〔2024〕12号"), True),
        (("XX局2024年度抽查工作计划", ""), ("", "朔市监〔2024〕12号"), False),
        (("XX局2024年度抽查工作计划", "朔市监〔2024〕3号"), ("XX局2024年抽查工作计划", "朔市监〔2024〕12号"), False),
        (("2024年度抽查工作计划", ""), ("关于印发2024年度抽查工作计划的通知_XX人民政府", ""), False),
    ],
)
def test_what_counts_as_another_document(old, new, differ):
    assert _differ(*old, *new) is differ


def test_upload_page_makes_the_second_document_a_plan_and_a_new_version_updates_the_one_chosen(client_request, db):
    client_request.login("city", "supervisor", "city")

    def upload(path: Path, status: int, **extra):
        data = {"file": (io.BytesIO(path.read_bytes()), path.name), **extra}
        return client_request.post(
            "plans.import_file", _data=data, _content_type="multipart/form-data", _expected_status=status
        )

    upload(OWN, 200)
    own = db.session.scalar(select(Plan))
    before = _state(db)
    page = upload(JOINT, 200, action="check")
    assert f"《{OWN_TITLE}》" in page.find(id="import-new-plan").get_text() and _state(db) == before
    option = page.find("select", attrs={"name": "version_of"}).find("option", attrs={"value": str(own.id)})
    assert OWN_TITLE in option.get_text() and "本部门抽查计划" in option.get_text()
    page = upload(JOINT, 200, action="import", version_of=str(own.id))  # said a new version of the own plan
    assert page.find(id="import-report") and page.find(id="import-new-plan") is None
    db.session.expire_all()
    plan = db.session.scalar(select(Plan))
    assert plan.id == own.id and plan.title == JOINT_TITLE and plan.kind == PlanKind.JOINT
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 1


def test_cli_makes_the_second_document_a_plan_unless_new_version(app, db, runner):
    result = runner.invoke(args=["plan", "import", str(OWN), "--unit", "city"])
    assert result.exit_code == 0, result.output
    own = db.session.scalar(select(Plan))
    result = runner.invoke(args=["plan", "import", str(JOINT), "--unit", "city", "--new-version", "--lang", "en"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(select(Plan)).title == JOINT_TITLE and db.session.scalar(select(Plan)).id == own.id
    result = runner.invoke(args=["plan", "import", str(OWN), "--unit", "city", "--lang", "en"])
    assert result.exit_code == 0, result.output
    said = "A new plan: this file is another document than 2024 · Joint plan with other departments"
    assert f"{said} · 《{JOINT_TITLE}》" in result.output
    db.session.expire_all()
    assert sorted(p.title for p in db.session.scalars(select(Plan))) == sorted([JOINT_TITLE, OWN_TITLE])
