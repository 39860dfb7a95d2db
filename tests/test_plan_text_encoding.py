"""A plan file's text encoding is decided by the one rule the subject and roster imports use
(``fieldapp.core.text_encoding``), on the whole file: a plan CSV mixing UTF-8 and GB18030 lines is
refused before anything is saved, naming a line of each, on the upload page (4xx) and on the command
line (non-zero exit, zh-CN by default); a web page's declared charset is taken first; GB18030 and
UTF-8-with-BOM plans import as before."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from factories.cli import english_words
from factories.plans import HEADER, seed_rows, to_csv
from fieldapp.plans.documents import decode_page
from fieldapp.plans.models import Plan, Task

ROWS = [HEADER, *seed_rows()]


def plans(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Plan))


def tasks(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Task))


def names(rows: list[list[str]]) -> set[str]:
    """The task names a table's rows give (a merged name stands in its first row only)."""
    return {row[1] for row in rows[1:] if row[1]}


def mixed_plan(path, utf8_first: bool = True):
    """The header and the first ten tasks in one encoding, the other eleven in the other; returns the
    file and its first UTF-8 and first GB18030 line (the line numbers the refusal must name)."""
    head, tail = to_csv(ROWS[:11], "utf-8"), to_csv(ROWS[11:], "utf-8")
    first, second = (head, tail.decode().encode("gb18030")) if utf8_first else (head.decode().encode("gb18030"), tail)
    path.write_bytes(first + second)
    later = first.count(b"\n") + 1  # the first line of the second part
    utf8, gbk = (1, later) if utf8_first else (later, 1)
    lines = path.read_bytes().split(b"\n")
    assert not lines[utf8 - 1].isascii() and lines[utf8 - 1].decode("utf-8")
    with pytest.raises(UnicodeDecodeError):
        lines[gbk - 1].decode("utf-8")
    return path, (utf8, gbk)


def upload(client, path, language: str = "zh_CN", action: str = "import"):
    with client.session_transaction() as session:
        session["lang"] = language
    with path.open("rb") as fh:
        return client.post(
            "/plans/import",
            data={"file": (fh, path.name), "year": "2021", "action": action},
            content_type="multipart/form-data",
        )


@pytest.mark.parametrize(
    "language,words",
    [
        ("zh_CN", "文件中混用了多种文字编码：第 {utf8} 行是 UTF-8，第 {gbk} 行是 GB18030（GBK）"),
        ("en", "The file mixes text encodings: line {utf8} is UTF-8 and line {gbk} is GB18030 (GBK)"),
    ],
)
@pytest.mark.parametrize("action", ["import", "check"])
def test_the_upload_page_refuses_a_mixed_plan_csv_and_creates_nothing(
    app, db, client, auth, tmp_path, language, words, action
):
    path, (utf8, gbk) = mixed_plan(tmp_path / "计划.csv")
    auth.login("admin", "admin", "city")
    response = upload(client, path, language, action)
    assert response.status_code == 422
    assert words.format(utf8=utf8, gbk=gbk) in response.text
    assert plans(db) == 0 and tasks(db) == 0


@pytest.mark.parametrize("utf8_first", [True, False])
def test_plan_import_on_the_command_line_refuses_a_mixed_csv_in_chinese(app, db, runner, tmp_path, utf8_first):
    path, (utf8, gbk) = mixed_plan(tmp_path / "plan.csv", utf8_first)
    result = runner.invoke(args=["plan", "import", str(path), "--year", "2021", "--unit", "city"])
    assert result.exit_code == 1, result.output
    assert f"第 {utf8} 行是 UTF-8，第 {gbk} 行是 GB18030" in result.output
    assert english_words(result.output, {"plan", "csv", "UTF", "GB", "GBK", "CSV"}) == [], result.output
    assert plans(db) == 0 and tasks(db) == 0


def test_a_line_in_no_known_encoding_is_named_on_the_command_line(app, db, runner, tmp_path):
    path = tmp_path / "plan.csv"
    path.write_bytes(to_csv(ROWS, "gb18030") + b"\xff\xff\xff,x\r\n")
    lines = path.read_bytes().count(b"\n")
    result = runner.invoke(args=["plan", "import", str(path), "--year", "2021", "--unit", "city", "--lang", "en"])
    assert result.exit_code == 1 and f"Line {lines} is neither UTF-8 nor GB18030 text" in result.output
    assert plans(db) == 0


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig"])
def test_a_plan_csv_in_one_encoding_imports_through_the_page_and_the_command_line(
    app, db, client, auth, runner, tmp_path, encoding
):
    path = tmp_path / "plan.csv"
    path.write_bytes(to_csv(ROWS, encoding))
    auth.login("admin", "admin", "city")
    assert upload(client, path).status_code == 200 and tasks(db) == 21
    assert set(db.session.scalars(select(Task.name))) == names(ROWS)
    result = runner.invoke(args=["plan", "import", str(path), "--year", "2021", "--unit", "city"])
    assert result.exit_code == 0 and "21 项任务（新增 0，修改 0，未变 21），77 个抽查事项" in result.output, (
        result.output
    )


def page(charset: str | None, body: bytes) -> bytes:
    meta = f'<meta http-equiv="Content-Type" content="text/html; charset={charset}">' if charset else ""
    return f"<html><head>{meta}<title>plan</title></head><body><table>".encode() + body + b"</table></body></html>"


def table_rows(rows: list[list[str]], encoding: str) -> bytes:
    cells = ("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>\n" for row in rows)
    return "".join(cells).encode(encoding)


@pytest.mark.parametrize(
    "charset,encoding",
    [("gb2312", "gb18030"), ("GBK", "gb18030"), ("utf-8", "gb18030"), (None, "gb18030"), ("utf-8", "utf-8")],
)
def test_a_web_page_is_read_in_the_charset_it_declares_else_as_any_plan_text(
    app, db, runner, tmp_path, charset, encoding
):
    """A declared charset first (GB2312 and GBK read as their superset GB18030); a page declaring UTF-8
    but saved in GB18030 (an editor's default) is still read, by the whole-file rule."""
    path = tmp_path / "plan.html"
    path.write_bytes(page(charset, table_rows(ROWS, encoding)))
    result = runner.invoke(args=["plan", "import", str(path), "--year", "2021", "--unit", "city"])
    assert result.exit_code == 0, result.output
    assert set(db.session.scalars(select(Task.name))) == names(ROWS)


def test_a_declared_charset_comes_before_the_guess(app):
    """状态 in GB18030 is valid UTF-8 by chance, 狀態 in Big5 valid GB18030: only the page's
    declaration tells them apart."""
    body = "<tr><td>状态</td></tr>".encode("gb18030")
    assert "状态" in decode_page(page("gbk", body)) and "状态" not in decode_page(page(None, body))
    big5 = "<tr><td>狀態</td></tr>".encode("big5")  # taken for GB18030 undeclared
    assert "狀態" in decode_page(page("big5", big5)) and "狀態" not in decode_page(page(None, big5))


def test_a_web_page_declaring_gbk_but_mixing_in_utf8_lines_is_refused(app, db, client, auth, tmp_path):
    body = table_rows(ROWS[:11], "gb18030") + table_rows(ROWS[11:], "utf-8")
    path = tmp_path / "plan.html"
    path.write_bytes(page("gbk", body))
    auth.login("admin", "admin", "city")
    response = upload(client, path, "en")
    assert response.status_code == 422 and "The file mixes text encodings: line" in response.text
    assert plans(db) == 0
