"""A CSV's text encoding is decided on the whole file, not its first 256 KB: a GB18030 file whose first
256 KB are plain ASCII (its table further down) imports every row; a UTF-16 file ("Unicode text") longer
than 256 KB too; a file mixing UTF-8 and GB18030 lines is refused before any row is imported, on the
upload page (4xx, no job) and on the command line."""

from __future__ import annotations


import pytest
from sqlalchemy import func, select

from factories.subjects import HEADER
from fieldapp.demo.generator import make_uscc
from fieldapp.jobs.models import Job, JobStatus
from fieldapp.subjects.importer import import_subject_file
from fieldapp.subjects.models import Subject
from fieldapp.subjects.tables import SAMPLE_BYTES, TableError
from fieldapp.core.text_encoding import TextEncodingError, detect_encoding

COLUMNS = HEADER[:5]  # 统一社会信用代码 企业名称 类型 法定代表人 住所
STREET = "No. 1 Minfu Street Shuocheng District " * 4  # an address in ASCII: long rows


def subject(n: int, name: str = "") -> list[str]:
    return [make_uscc("E", "140602", 1000 + n), name or f"朔城区第{n}商店有限公司", "有限责任公司", f"法人{n}", STREET]


def csv_text(rows: list[list[str]], newline: str = "\r\n") -> str:
    return "".join(",".join(row) + newline for row in rows)


def stored(db) -> dict[str, tuple[str, str]]:
    return {
        u: (n, p) for u, n, p in db.session.execute(select(Subject.uscc, Subject.name, Subject.legal_representative))
    }


def expected(numbers) -> dict[str, tuple[str, str]]:
    return {subject(n)[0]: (subject(n)[1], subject(n)[3]) for n in numbers}


def count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Subject))


def upload(client, path, name: str, language: str = "zh_CN", url: str = "/subjects/import"):
    with client.session_transaction() as session:
        session["lang"] = language
    with path.open("rb") as fh:
        return client.post(url, data={"file": (fh, name)}, content_type="multipart/form-data")


def test_a_gb18030_file_whose_first_256_kb_are_ascii_is_read_whole(app, tmp_path):
    """Digits and an English note for 300 KB, the Chinese further down: decided on the whole file."""
    path = tmp_path / "notes-then-chinese.csv"
    ascii_part = "".join(f"{n:018d},{n * 7:015d},note {n}\r\n" for n in range(9000)).encode()
    assert len(ascii_part) > SAMPLE_BYTES and ascii_part.isascii()
    path.write_bytes(ascii_part + csv_text([subject(1)]).encode("gb18030"))
    assert detect_encoding(path) == "gb18030"


def test_a_gb18030_directory_with_its_table_below_256_kb_of_empty_rows_imports_every_row(
    app, db, client, auth, tmp_path
):
    """A sheet whose table starts far down exports as 300 KB of rows of commas, then the Chinese header
    and rows: taken for UTF-8 by its first 256 KB, it failed part-way ("mixes text encodings")."""
    blank = ",,,,\r\n" * 60_000
    assert len(blank) > SAMPLE_BYTES
    path = tmp_path / "gbk.csv"
    path.write_bytes(blank.encode() + csv_text([COLUMNS, *(subject(n) for n in range(1, 401))]).encode("gb18030"))
    report = import_subject_file(path)
    assert (report.created, report.rejected) == (400, 0) and stored(db) == expected(range(1, 401))

    db.session.execute(Subject.__table__.delete())
    db.session.commit()
    auth.login("admin", "admin", "city")
    assert upload(client, path, "名录.csv").status_code == 302
    job = db.session.scalar(select(Job))
    assert job.status == JobStatus.DONE, job.error
    assert job.result["counts"]["created"] == 400 and stored(db) == expected(range(1, 401))


def mixed_file(path, utf8_first: bool):
    """1,200 rows in UTF-8 (more than 256 KB, the header among them) and 10 rows in GB18030, or the GB18030
    rows first (under the GB18030 header) and the UTF-8 rows after."""
    utf8 = csv_text([subject(n) for n in range(1, 1201)]).encode("utf-8")
    gbk = csv_text([subject(n) for n in range(1201, 1211)]).encode("gb18030")
    assert len(utf8) > SAMPLE_BYTES
    if utf8_first:
        path.write_bytes(csv_text([COLUMNS]).encode("utf-8") + utf8 + gbk)
    else:
        path.write_bytes(csv_text([COLUMNS]).encode("gb18030") + gbk + utf8)
    return path


@pytest.mark.parametrize("utf8_first", [True, False])
def test_a_file_mixing_utf8_and_gb18030_is_refused_before_any_row_is_imported(app, db, runner, tmp_path, utf8_first):
    path = mixed_file(tmp_path / "mixed.csv", utf8_first)
    utf8_line, gbk_line = (1, 1202) if utf8_first else (12, 1)
    with pytest.raises(TableError) as refused:
        import_subject_file(path)
    assert f"第 {utf8_line} 行是 UTF-8" in str(refused.value) and f"第 {gbk_line} 行是 GB18030" in str(refused.value)
    result = runner.invoke(args=["subjects", "import", str(path)])
    assert result.exit_code != 0 and "混用" in result.output, result.output
    assert count(db) == 0


@pytest.mark.parametrize("language,words", [("zh_CN", "混用了多种文字编码"), ("en", "mixes text encodings")])
def test_the_upload_page_refuses_a_mixed_file_in_the_users_language_and_queues_nothing(
    app, db, client, auth, tmp_path, language, words
):
    path = mixed_file(tmp_path / "mixed.csv", utf8_first=True)
    auth.login("admin", "admin", "city")
    response = upload(client, path, "名录.csv", language)
    assert response.status_code == 422 and words in response.text
    assert db.session.scalar(select(Job)) is None and count(db) == 0


def test_a_utf8_file_with_a_bom_and_gb18030_rows_past_256_kb_is_refused_whole(app, db, tmp_path):
    path = mixed_file(tmp_path / "mixed.csv", utf8_first=True)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    with pytest.raises(TableError, match="混用"):
        import_subject_file(path)
    assert count(db) == 0


def test_gb18030_lines_that_pass_for_utf8_by_chance_do_not_make_a_file_mixed(app, tmp_path):
    """状态 in GB18030 (D7B4 CCAC) is valid UTF-8 by chance: two short characters, no evidence."""
    path = tmp_path / "gbk.csv"
    path.write_bytes(
        csv_text([[*COLUMNS, "状态"], *([*subject(n), "存续"] for n in range(1, 4)), ["", "状态"]]).encode("gb18030")
    )
    assert "状态".encode("gb18030").decode("utf-8")
    assert detect_encoding(path) == "gb18030"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_a_utf16_unicode_text_file_longer_than_256_kb_is_uploaded_whole(app, db, client, auth, tmp_path, encoding):
    rows = ["\t".join(row) for row in [COLUMNS, *(subject(n) for n in range(1, 801))]]
    payload = "\ufeff".encode(encoding) + "\r\n".join(rows).encode(encoding)
    assert len(payload) > SAMPLE_BYTES
    path = tmp_path / "名录.txt"
    path.write_bytes(payload)
    auth.login("admin", "admin", "city")
    assert upload(client, path, "名录.txt").status_code == 302
    job = db.session.scalar(select(Job))
    assert job.status == JobStatus.DONE, job.error
    assert job.result["counts"]["created"] == 800 and stored(db) == expected(range(1, 801))


def test_a_line_in_no_known_encoding_is_named(app, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(csv_text([COLUMNS, subject(1)]).encode("gb18030") + b"\xff\xff\xff,x\r\n")
    with pytest.raises(TextEncodingError) as refused:
        detect_encoding(path)
    assert (refused.value.code, refused.value.params) == ("encoding_line", {"line": 3})
    with pytest.raises(TableError, match="第 3 行"):
        import_subject_file(path)


@pytest.mark.parametrize("url", ["/subjects/import", "/inspectors/import"])
def test_an_uploaded_csv_has_its_encoding_decided_once_and_kept_with_the_job(
    app, db, client, auth, tmp_path, monkeypatch, url
):
    """The upload decides it on the whole file and stores it beside the job's file; counting the rows
    and importing them open the file with it instead of reading the whole file again to decide it."""
    from factories.rosters import HEADER as ROSTER_HEADER
    from factories.rosters import person
    from fieldapp.subjects import tables

    decided = []

    def detect(path, declared=None):
        decided.append(path.name)
        return detect_encoding(path, declared)

    monkeypatch.setattr(tables, "detect_encoding", detect)
    rows = [COLUMNS, *(subject(n) for n in range(1, 4))] if "subjects" in url else [ROSTER_HEADER, person(1)]
    path = tmp_path / "表.csv"
    path.write_bytes(csv_text(rows).encode("gb18030"))
    auth.login("admin", "admin", "city")
    assert upload(client, path, "表.csv", url=url).status_code == 302
    job = db.session.scalar(select(Job))
    assert job.status == JobStatus.DONE, job.error
    assert job.params["encoding"] == "gb18030" and decided == ["source.csv"]
    assert job.result["counts"]["created"] == len(rows) - 1
