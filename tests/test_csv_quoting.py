"""A CSV cell with text after its closing quote (``"a"b``) is refused, not read as ``ab``: the directory
and the roster reject that row (zh-CN reason, its line, the rejects file) and keep every other row; the
plan importer skips that line naming it, and refuses the file naming the lines when no task row is
left. Valid quoting (doubled quotes, commas and line breaks in quoted cells, a BOM) reads as before."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from fieldapp.core.csv_records import Unreadable, csv_records
from fieldapp.extensions import db
from fieldapp.inspectors.models import Inspector
from fieldapp.subjects.models import Subject
from factories.plans import HEADER as PLAN_HEADER
from factories.plans import seed_rows, to_csv

MISPLACED = "引号位置有误"
VALID = 'a,"b,1","say ""hi""",""\r\n"two\r\nlines",x,"",\r\nplain,"q"\r\n'


def test_valid_quoting_reads_exactly_as_the_csv_module_reads_it():
    expected = list(csv.reader(io.StringIO(VALID, newline="")))
    records = list(csv_records(io.StringIO(VALID, newline="")))
    assert [cells for _, cells in records] == expected
    assert [line for line, _ in records] == [1, 2, 4]
    assert not any(isinstance(cells, Unreadable) for _, cells in records)


@pytest.mark.parametrize(
    ("broken", "written"),
    [
        ('"a"b,c', ['"a"b', "c"]),
        ('x,"a" ,"c,d"', ["x", '"a" ', "c,d"]),
        ('"x""y",z"q","a""b"c', ['x"y', 'z"q"', '"a""b"c']),
    ],
)
def test_text_after_a_closing_quote_makes_its_record_unreadable_and_the_next_is_read(broken, written):
    records = list(csv_records(io.StringIO(f"h1,h2\r\n{broken}\r\nok,1\r\n", newline="")))
    assert [line for line, _ in records] == [1, 2, 3]
    bad = records[1][1]
    assert isinstance(bad, Unreadable) and bad.code == "text_after_quote"
    assert bad == written  # the rejects file shows the cell as written, not as the csv module would read it
    assert records[2][1] == ["ok", "1"] and records[0][1] == ["h1", "h2"]


def _directory() -> tuple[list[str], list[list[str]]]:
    from fieldapp.demo.generator import SUBJECT_HEADER, generate_subjects

    rows = [[row[h] for h in SUBJECT_HEADER] for row in generate_subjects(4, seed=17)]
    name, address = SUBJECT_HEADER.index("名称"), SUBJECT_HEADER.index("住所")
    rows[0][name] = '朔州"老字号",饭店'  # a doubled quote and a comma, written quoted
    rows[2][address] += "\n东院"  # a quoted cell on two lines
    return SUBJECT_HEADER, rows


@pytest.mark.db
def test_a_directory_row_with_text_after_a_quote_is_rejected_and_the_others_kept(app, tmp_path):
    from fieldapp.subjects.importer import import_subject_file

    header, rows = _directory()
    lines = to_csv([header, *rows]).decode("utf-8-sig").split("\r\n")
    name = header.index("名称")
    cells = next(csv.reader([lines[2]]))  # rows[1], on line 3
    lines[2] = ",".join(cells[:name] + [f'"{cells[name]}"分店'] + cells[name + 1 :])
    path = tmp_path / "subjects.csv"
    path.write_bytes("\r\n".join(lines).encode("utf-8-sig"))
    report = import_subject_file(path, tmp_path / "rejects.csv")
    assert [(r.line, MISPLACED in r.reasons[0]) for r in report.rejects] == [(3, True)]
    assert (report.created, report.rejected) == (3, 1)
    stored = dict(db.session.execute(select(Subject.name, Subject.address)).all())
    assert stored == {row[name]: row[header.index("住所")] for i, row in enumerate(rows) if i != 1}
    rejects = (tmp_path / "rejects.csv").read_text("utf-8-sig")
    assert MISPLACED in rejects and "\n3," in rejects and f'"""{rows[1][name]}""分店"' in rejects


@pytest.mark.db
def test_a_roster_row_with_text_after_a_quote_is_rejected_and_the_others_kept(app, tmp_path):
    from fieldapp.inspectors.importer import import_roster_file

    path = tmp_path / "roster.csv"
    path.write_text(
        "姓名,执法证号,有效期至,单位,状态\n"
        "张伟,1406020001,2030-12-31,朔城区市场监督管理局,在岗\n"
        '"刘"芳,1406020002,2030-12-31,朔城区市场监督管理局,在岗\n'
        '陈磊,1406030001,2030-06-30,"平鲁区市场监督管理局",在岗\n',
        encoding="utf-8-sig",
    )
    report = import_roster_file(path, tmp_path / "rejects.csv")
    assert (report.created, report.rejected) == (2, 1)
    assert report.rejects[0].line == 3 and MISPLACED in report.rejects[0].reasons[0]
    assert set(db.session.scalars(select(Inspector.name))) == {"张伟", "陈磊"}
    assert MISPLACED in (tmp_path / "rejects.csv").read_text("utf-8-sig")


@pytest.mark.parametrize("url", ["/subjects/import", "/inspectors/import"])
def test_text_after_a_quote_in_the_header_refuses_the_file_naming_the_line(client, auth, url):
    from bs4 import BeautifulSoup

    auth.login("admin", "admin", "city")
    payload = '姓名,"名称"x,统一社会信用代码\n甲,乙,91140602MA0NKTHUXL\n'.encode()
    response = client.post(url, data={"file": (io.BytesIO(payload), "t.csv")}, content_type="multipart/form-data")
    assert response.status_code == 422
    alert = BeautifulSoup(response.text, "html.parser").select_one("[role=alert]").get_text()
    assert "第 1 行（表头）" in alert and MISPLACED in alert, alert


def _plan_file(tmp_path, broken_rows) -> tuple:
    rows = seed_rows()
    text = to_csv([PLAN_HEADER, *rows], "utf-8-sig").decode("utf-8-sig")
    for index in broken_rows:
        number, name = rows[index][0], rows[index][1]
        assert f"\r\n{number},{name}," in text
        text = text.replace(f"\r\n{number},{name},", f'\r\n{number},"{name}"补充,', 1)
    path = tmp_path / "plan.csv"
    path.write_bytes(text.encode("utf-8-sig"))
    return path, rows


@pytest.mark.db
def test_a_plan_csv_line_with_text_after_a_quote_is_skipped_and_named(app, runner, tmp_path):
    from fieldapp.plans.models import Task

    rows = seed_rows()
    broken = 3
    path, _ = _plan_file(tmp_path, [broken])
    result = runner.invoke(args=["plan", "import", str(path), "--year", "2021", "--unit", "city"])
    assert result.exit_code == 0, result.output
    assert f"第 {broken + 2} 行：{MISPLACED}" in result.output, result.output
    db.session.remove()
    numbers = set(db.session.scalars(select(Task.number)))
    assert numbers == {int(row[0]) for i, row in enumerate(rows) if i != broken}


@pytest.mark.db
def test_a_plan_csv_with_no_readable_task_row_is_refused_naming_the_lines(app, runner, tmp_path):
    from fieldapp.plans.models import Plan

    path, _ = _plan_file(tmp_path, range(len(seed_rows())))
    result = runner.invoke(args=["plan", "import", str(path), "--year", "2021", "--unit", "city"])
    assert result.exit_code == 1 and "任务行无法读取（第 2、3、4、" in result.output, result.output
    db.session.remove()
    assert db.session.scalar(select(Plan)) is None
