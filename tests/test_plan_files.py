"""The committed fixture files in tests/data/plans imported through the command line (the tables
built from the seed for the importer tests are in factories.plans)."""

from __future__ import annotations

import pytest

from factories.plans import DATA


def _cli(runner, *args):
    return runner.invoke(args=["plan", "import", *[str(a) for a in args], "--lang", "en"])


def test_cli_imports_another_bureaus_gb18030_table(app, db, runner):
    from sqlalchemy import select

    from fieldapp.plans.models import Plan

    result = _cli(runner, DATA / "other-bureau-gb18030.csv", "--year", "2021", "--unit", "140603")
    assert result.exit_code == 0, result.output
    assert "21 tasks (21 new" in result.output
    plan = db.session.scalar(select(Plan))
    assert plan.unit.code == "140603" and len(plan.tasks) == 21
    assert plan.tasks[0].source_cells["抽查检查模式"] == "县抽县查"


def test_cli_reports_bad_cells_by_row_and_column_and_keeps_the_rows(app, db, runner):
    from sqlalchemy import select

    from fieldapp.plans.models import Task

    result = _cli(runner, DATA / "bad-cells.csv", "--year", "2021", "--unit", "city")
    assert result.exit_code == 0, result.output
    assert "row 7, column 抽查比例/数量 (F): Cannot read a ratio or a number from 视情况而定." in result.output
    assert "row 9, column 抽取日期 (G): Cannot read a range of months from 年内择机." in result.output
    assert len(db.session.scalars(select(Task)).all()) == 21
    task8 = db.session.scalar(select(Task).where(Task.number == 8))
    assert task8.window_start_month is None and task8.source_cells["抽取日期"] == "年内择机"


@pytest.mark.parametrize(
    "name, message",
    [
        ("no-header.csv", "No header row found."),
        ("empty.csv", "The file is empty."),
        ("not-a-workbook.xlsx", "The file is not an Excel workbook (.xlsx)"),
    ],
)
def test_cli_refuses_broken_files_with_a_clear_message(app, db, runner, name, message):
    from sqlalchemy import func, select

    from fieldapp.plans.models import Plan

    result = _cli(runner, DATA / name, "--year", "2021", "--unit", "city")
    assert result.exit_code == 1 and message in result.output
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 0


def test_cli_zh_messages(app, db, runner):
    result = runner.invoke(args=["plan", "import", str(DATA / "no-header.csv"), "--year", "2021", "--unit", "city"])
    assert result.exit_code == 1 and "没有找到表头行" in result.output


def test_a_table_whose_every_task_row_is_unreadable_says_which_lines(app, db, runner, tmp_path):
    path = tmp_path / "plan.csv"
    header = "序号,抽查任务名称,抽查事项,抽查对象范围,抽查比例/数量\n"
    path.write_text(header + '1,计量抽查,"加油机检定,加油站,5%\n', encoding="utf-8")
    result = _cli(runner, path, "--year", "2023", "--unit", "city")
    assert result.exit_code == 1 and "task rows could not be read (lines 2" in result.output
    no_year = tmp_path / "no-year.csv"
    no_year.write_text(header + "1,计量抽查,加油机检定,加油站,5%\n", encoding="utf-8")
    result = _cli(runner, no_year, "--unit", "city")
    assert result.exit_code == 1 and "give it (the Year field, or --year" in result.output
