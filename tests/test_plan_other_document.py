"""A second document of the same unit and year (部门联合 beside the bureau's own plan) is refused, not merged
into the stored plan by 序号, unless it is imported explicitly as a new version of that plan."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import select

from fieldapp.auth.models import Unit
from fieldapp.plans.identity import OtherDocument, _differ
from fieldapp.plans.importer import import_plan
from fieldapp.plans.models import Plan, PlanVersion, Task

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


def test_the_joint_plan_is_refused_beside_the_own_plan_and_nothing_changes(app, db):
    own = import_plan(OWN.read_bytes(), OWN.name, unit=_city(db)).plan
    db.session.commit()
    before = _state(db)
    with pytest.raises(OtherDocument) as caught:
        import_plan(JOINT.read_bytes(), JOINT.name, unit=_city(db))
    db.session.rollback()
    assert JOINT_TITLE in str(caught.value) and OWN_TITLE in str(caught.value)
    assert _state(db) == before
    report = import_plan(OWN.read_bytes(), OWN.name, unit=_city(db))  # the same document again: updated as today
    assert report.plan.id == own.id and report.changes == []


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


def test_upload_page_refuses_the_second_document_until_it_is_said_a_new_version(client_request, db):
    client_request.login("city", "supervisor", "city")

    def upload(path: Path, status: int, **extra):
        data = {"file": (io.BytesIO(path.read_bytes()), path.name), **extra}
        return client_request.post(
            "plans.import_file", _data=data, _content_type="multipart/form-data", _expected_status=status
        )

    upload(OWN, 200)
    before = _state(db)
    for action in ("check", "import"):
        page = upload(JOINT, 422, action=action)
        error = page.find(id="import-error").get_text()
        assert f"《{JOINT_TITLE}》" in error and f"《{OWN_TITLE}》" in error and "新版本" in error
        assert f"本文件是《{OWN_TITLE}》的新版本" in page.find("input", attrs={"name": "new_version"}).parent.get_text()
        assert _state(db) == before
    page = upload(JOINT, 200, action="import", new_version="y")
    assert page.find(id="import-report")
    plan = db.session.scalar(select(Plan))
    assert plan.title == JOINT_TITLE and db.session.scalar(select(Plan.id).where(Plan.id != plan.id)) is None


def test_cli_refuses_the_second_document_unless_new_version(app, db, runner):
    result = runner.invoke(args=["plan", "import", str(OWN), "--unit", "city"])
    assert result.exit_code == 0, result.output
    before = _state(db)
    result = runner.invoke(args=["plan", "import", str(JOINT), "--unit", "city", "--lang", "en"])
    assert result.exit_code == 1, result.output
    assert f"This file is 《{JOINT_TITLE}》" in result.output and f"is 《{OWN_TITLE}》" in result.output
    assert "--new-version" in result.output and _state(db) == before
    result = runner.invoke(args=["plan", "import", str(JOINT), "--unit", "city"])
    assert result.exit_code == 1 and "不同的文件" in result.output and _state(db) == before
    result = runner.invoke(args=["plan", "import", str(JOINT), "--unit", "city", "--new-version", "--lang", "en"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(select(Plan)).title == JOINT_TITLE
