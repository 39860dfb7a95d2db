"""Importing plan files into the database: the seed, CSV, Excel, other layouts, broken files."""

from __future__ import annotations

from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from factories.cli import english_words
from fieldapp.auth.models import Unit
from fieldapp.plans.importer import ReasonRequired, import_plan
from fieldapp.plans.models import InspectionItem, Plan, PlanVersion, Task
from fieldapp.plans.operations import publish_plan
from fieldapp.plans.problems import PlanFileError, describe
from fieldapp.plans.versions import EDITABLE_FIELDS
from factories.plans import SEED, seed_rows, shuffled_table, to_csv, to_xlsx, HEADER

# What two imports of the same plan must agree on: the editable fields and what the importer fills beside them.
COMPARED = EDITABLE_FIELDS + ("inherited_fields", "items_heading")


def unit(db, code):
    return db.session.scalar(select(Unit).where(Unit.code == code))


def import_seed(db, **kwargs):
    report = import_plan(SEED.read_bytes(), SEED.name, **kwargs)
    db.session.commit()
    return report


def task_map(plan):
    return {t.number: t for t in plan.tasks}


def essence(plan):
    return {
        t.number: tuple(getattr(t, name) for name in COMPARED) + (tuple(i.text for i in t.items),) for t in plan.tasks
    }


def dump_rows(db):
    """Every column of every plan row, for "nothing changed" comparisons."""
    out = []
    for model in (Plan, Task, InspectionItem, PlanVersion):
        for obj in db.session.scalars(select(model).order_by(model.id)):
            out.append({c.key: getattr(obj, c.key) for c in model.__table__.columns})
    return out


def test_the_seed_imports_to_21_tasks(app, db):
    report = import_seed(db)
    plan = report.plan
    assert report.created and report.tasks.total == report.tasks.created == 21
    assert (plan.year, plan.unit.code, plan.doc_number) == (2021, "city", "朔市监〔2021〕26号")
    assert plan.issued_on.isoformat() == "2021-03-05" and plan.issuer == "朔州市市场监督管理局"
    tasks = task_map(plan)
    assert len(tasks) == 21
    assert len(tasks[1].items) == 4 and [i.number for i in tasks[1].items] == [1, 2, 3, 4]
    assert (tasks[19].ratio, tasks[19].ratio_is_floor, tasks[19].rounds_per_year) == (Decimal("0.05"), True, 2)
    assert tasks[13].name == "商标使用行为的检查" and tasks[13].is_inherited("name")
    for number in (11, 12, 13):
        assert tasks[number].initiator == "市局" and tasks[number].is_inherited("initiator")
    assert not tasks[10].is_inherited("initiator")
    assert report.items == sum(len(t.items) for t in plan.tasks)


def test_every_original_cell_is_stored(app, db):
    plan = import_seed(db).plan
    rows = seed_rows()
    for task in plan.tasks:
        assert task.source_cells == dict(zip(HEADER, rows[task.number - 1]))
    tasks = task_map(plan)
    assert tasks[9].source_cells["发起主体/指导单位"] == "市局组织发起/质量监管库指导"
    assert tasks[17].source_cells["抽查事项"].startswith("检验检测机构抽查。（1）相关人員")
    assert any(w["code"] == "kind_name_conflict" for w in tasks[21].import_warnings)


def test_a_second_import_changes_nothing(app, db):
    import_seed(db)
    before = dump_rows(db)
    report = import_seed(db)
    assert not report.created
    assert (report.tasks.created, report.tasks.updated, report.tasks.unchanged) == (0, 0, 21)
    assert report.changes == []
    db.session.expire_all()
    assert dump_rows(db) == before
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 1
    assert db.session.scalar(select(func.count()).select_from(Task)) == 21


def test_a_published_plan_reimported_unchanged_needs_no_reason(app, db):
    plan = import_seed(db).plan
    publish_plan(plan)
    db.session.commit()
    report = import_seed(db)
    assert report.version is None and plan.version == 1


def test_a_changed_file_updates_in_place_and_a_published_plan_needs_a_reason(app, db):
    plan = import_seed(db).plan
    publish_plan(plan)
    db.session.commit()
    changed = SEED.read_text(encoding="utf-8").replace("不低于5%，2次/年", "不低于8%，2次/年")
    with pytest.raises(ReasonRequired) as caught:
        import_plan(changed.encode(), SEED.name)
    db.session.rollback()
    assert caught.value.changes == [{"task": 19, "field": "ratio", "old": "0.05", "new": "0.08"}]
    report = import_plan(changed.encode(), SEED.name, reason="省局调整高风险企业比例")
    db.session.commit()
    assert report.tasks.updated == 1 and report.version == 2
    assert task_map(plan)[19].ratio == Decimal("0.08")
    assert db.session.scalar(select(func.count()).select_from(Task)) == 21
    version = plan.versions[-1]
    assert (version.version, version.reason) == (2, "省局调整高风险企业比例")
    assert version.snapshot["tasks"][18]["ratio"] == "0.08"


def test_shuffled_and_extra_columns_import_the_same_tasks(app, db):
    seed_plan = import_seed(db).plan
    report = import_plan(to_csv(shuffled_table()), "other-bureau.csv", year=2022, unit=unit(db, "city"))
    db.session.commit()
    assert report.plan.id != seed_plan.id and report.tasks.total == 21
    assert essence(report.plan) == essence(seed_plan)
    extra = task_map(report.plan)[1].source_cells
    assert extra["信用风险分类管理"] == "对A、B、C、D类企业分别递加比例抽取"
    assert extra["抽查检查模式"] == "县抽县查"
    assert extra["检查主体"] == "市、县(区)级市场监管部门"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_each_encoding(app, db, encoding):
    rows = [HEADER] + seed_rows()
    report = import_plan(to_csv(rows, encoding), "plan.csv", year=2021, unit=unit(db, "140602"))
    db.session.commit()
    tasks = task_map(report.plan)
    assert len(tasks) == 21 and tasks[17].items[0].text == "相关人員不能滿足资质认定许可条件的"
    assert report.plan.unit.code == "140602"


def test_xlsx_with_merged_cells_imports_the_same_tasks(app, db):
    seed_plan = import_seed(db).plan
    data = to_xlsx([["朔州市市场监督管理局2021年双随机抽查计划（市局）"], HEADER] + seed_rows(), percent_cells=True)
    report = import_plan(data, "plan.xlsx", year=2023, unit=unit(db, "city"))
    db.session.commit()
    assert essence(report.plan) == essence(seed_plan)
    assert task_map(report.plan)[13].is_inherited("name")


def test_xlsx_in_another_layout(app, db):
    seed_plan = import_seed(db).plan
    report = import_plan(to_xlsx(shuffled_table()), "other.xlsx", year=2024, unit=unit(db, "city"))
    db.session.commit()
    assert essence(report.plan) == essence(seed_plan)


def test_missing_header_is_refused_with_a_clear_message_and_nothing_changes(app, db):
    import_seed(db)
    before = dump_rows(db)
    with pytest.raises(PlanFileError) as caught:
        import_plan(to_csv(seed_rows()), "no-header.csv", year=2021, unit=unit(db, "city"))
    db.session.rollback()
    assert caught.value.problem.code == "no_header"
    with force_locale("zh_CN"):
        assert "没有找到表头" in str(caught.value)
    with force_locale("en"):
        assert "No header row found" in str(caught.value)
    assert dump_rows(db) == before


def test_rows_before_a_late_header_are_kept(app, db):
    rows = seed_rows()
    table = rows[:4] + [HEADER] + rows[4:]  # the first page lost its header
    report = import_plan(to_csv(table), "late-header.csv", year=2021, unit=unit(db, "city"))
    db.session.commit()
    assert report.tasks.total == 21
    assert any(p.code == "rows_before_header" for p in report.problems)


def test_a_bad_ratio_is_reported_with_row_and_column_and_the_row_is_kept(app, db):
    rows = seed_rows()
    rows[3][5] = "视情况而定"
    report = import_plan(to_csv([HEADER] + rows), "bad-ratio.csv", year=2021, unit=unit(db, "city"))
    db.session.commit()
    tasks = task_map(report.plan)
    assert len(tasks) == 21
    assert tasks[4].ratio is None and tasks[4].name == rows[3][1]
    assert tasks[4].source_cells["抽查比例/数量"] == "视情况而定"
    problem = next(p for p in report.problems if p.code == "ratio_unreadable")
    assert (problem.row, problem.column) == (5, "抽查比例/数量 (F)")
    with force_locale("zh_CN"):
        assert describe(problem) == "第 5 行，抽查比例/数量 (F) 列：无法从“视情况而定”读出比例或数量。"
    with force_locale("en"):
        assert describe(problem) == "row 5, column 抽查比例/数量 (F): Cannot read a ratio or a number from 视情况而定."
    assert tasks[5].ratio == Decimal("0.05")


@pytest.mark.parametrize(
    "data, filename, code",
    [
        (b"", "empty.csv", "file_empty"),
        (b"  \n\n ", "blank.txt", "file_empty"),
        (bytes([0x81, 0x20]) * 20, "garbage.csv", "encoding_line"),
        (b"PK\x03\x04 not really a zip", "broken.xlsx", "file_not_workbook"),
        (b"hello", "plan.xlsx", "file_not_workbook"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old", "plan.xls", "file_not_xls"),  # a damaged .xls
        ("序号,抽查任务名称,抽查事项,抽查比例/数量\n".encode(), "only-header.csv", "no_tasks"),
    ],
)
def test_broken_files_get_a_clear_message(app, db, data, filename, code):
    with pytest.raises(PlanFileError) as caught:
        import_plan(data, filename, year=2021, unit=unit(db, "city"))
    db.session.rollback()
    assert caught.value.problem.code == code
    with force_locale("zh_CN"):
        assert str(caught.value) and str(caught.value) != code
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 0


def test_year_and_unit_are_needed_when_the_file_does_not_say(app, db):
    with pytest.raises(PlanFileError) as caught:
        import_plan(to_csv([HEADER] + seed_rows()), "plan.csv", unit=unit(db, "city"))
    assert caught.value.problem.code == "year_missing"
    db.session.rollback()
    with pytest.raises(PlanFileError) as caught:
        import_plan(to_csv([HEADER] + seed_rows()), "plan.csv", year=2021)
    assert caught.value.problem.code == "unit_missing"


def test_cli_import_prints_a_summary(app, db, runner):
    result = runner.invoke(args=["plan", "import", str(SEED), "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "21 tasks (21 new, 0 changed, 0 unchanged), 77 inspection items" in result.output
    assert "row 67, column 抽查检查主体 (I): 市、市场监管局" in result.output
    result = runner.invoke(args=["plan", "import", str(SEED)])
    assert result.exit_code == 0 and "21 项任务" in result.output
    assert db.session.scalar(select(func.count()).select_from(Task)) == 21


def test_cli_reports_a_broken_file(app, db, runner, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    result = runner.invoke(args=["plan", "import", str(path), "--year", "2021", "--unit", "city", "--lang", "en"])
    assert result.exit_code == 1 and "The file is empty." in result.output


def test_cli_dry_run_saves_nothing(app, db, runner):
    result = runner.invoke(args=["plan", "import", str(SEED), "--dry-run", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "dry run: nothing was saved" in result.output and "21 tasks (21 new" in result.output
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 0
    runner.invoke(args=["plan", "import", str(SEED), "--publish"])
    changed = SEED.read_text(encoding="utf-8").replace("不低于5%，2次/年", "不低于8%，2次/年")
    import tempfile
    from pathlib import Path

    path = Path(tempfile.mkdtemp()) / SEED.name
    path.write_text(changed, encoding="utf-8")
    result = runner.invoke(args=["plan", "import", str(path), "--dry-run", "--lang", "en"])
    assert result.exit_code == 0 and "would change it in 1 places" in result.output
    assert "  Task 19, Ratio: '0.05' → '0.08'" in result.output, result.output
    result = runner.invoke(args=["plan", "import", str(path), "--dry-run"])
    assert result.exit_code == 0 and "  任务 19，抽查比例：'0.05' → '0.08'" in result.output, result.output
    assert english_words(result.output) == [], result.output
    result = runner.invoke(args=["plan", "import", str(path), "--lang", "en"])
    assert result.exit_code == 1 and "give --reason" in result.output
    result = runner.invoke(args=["plan", "import", str(path), "--reason", "省局调整", "--lang", "en"])
    assert result.exit_code == 0 and "Published plan adjusted: version 2" in result.output
