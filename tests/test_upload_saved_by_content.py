"""An uploaded table is kept in its job's folder under the name of what it is — source.xlsx, source.xls
or source.csv, by its first bytes — whatever name it was sent with: an old .xls was stored as
source.csv (only .xlsx was known by its extension). The job page shows the name it was sent with."""

from __future__ import annotations

from io import BytesIO

import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from factories.rosters import HEADER as ROSTER_HEADER
from factories.rosters import person
from factories.subjects import HEADER
from fieldapp.demo.generator import make_uscc
from fieldapp.jobs.models import Job, JobStatus
from fieldapp.subjects.models import Subject
from fieldapp.subjects.rows import table_columns
from fieldapp.subjects.tables import save_upload
from xls_files import xls_from_xlsx, xlsx_of

COLUMNS = HEADER[:5]


def subject(n: int) -> list:
    return [make_uscc("E", "140602", 600 + n), f"朔城区第{n}商店有限公司", "有限责任公司", f"法人{n}", f"民福街{n}号"]


def contents() -> dict[str, bytes]:
    workbook = xlsx_of(COLUMNS, subject(1))
    text = "\r\n".join(",".join(row) for row in (COLUMNS, subject(1)))
    return {"xlsx": workbook, "xls": xls_from_xlsx(workbook), "csv": text.encode("gb18030")}


@pytest.mark.parametrize("kind", ["xlsx", "xls", "csv"])
@pytest.mark.parametrize("sent_as", ["名录.xlsx", "名录.xls", "名录.csv", "名录"])
def test_the_saved_name_follows_the_content_not_the_name_sent(app, tmp_path, kind, sent_as):
    # Made once: a workbook records the second it was written, so a second one may differ.
    sent = contents()[kind]
    upload = FileStorage(BytesIO(sent), filename=sent_as)
    with app.test_request_context():
        assert save_upload(upload, tmp_path, table_columns)["file"] == f"source.{kind}"
    assert [p.name for p in tmp_path.iterdir()] == [f"source.{kind}"]
    assert (tmp_path / f"source.{kind}").read_bytes() == sent


def test_an_uploaded_xls_directory_is_kept_as_xls_and_its_page_shows_the_name_sent(app, db, client_request):
    client_request.login("admin", "admin", "city")
    response = client_request.post_response(
        "subjects.import_file",
        _data={"file": (BytesIO(contents()["xls"]), "朔州名录.xls")},
        _content_type="multipart/form-data",
    )
    job = db.session.scalar(select(Job))
    assert response.location == client_request.url_for("jobs.detail", job_id=job.id)
    assert job.status == JobStatus.DONE, job.error
    assert job.params["file"] == "source.xls" and job.params["filename"] == "朔州名录.xls"
    assert db.session.scalar(select(Subject.uscc)) == subject(1)[0]
    page = client_request.get("jobs.detail", job_id=job.id)
    assert page.select_one(".job-title").get_text() == "朔州名录.xls"
    assert "csv" not in page.select_one("#job-progress").get_text().lower()
    # The original is not offered for download, under any name.
    for name in ("source.xls", "source.csv"):
        client_request.get_response("jobs.download", _expected_status=404, job_id=job.id, name=name)


def test_an_uploaded_xls_roster_is_kept_as_xls(app, db, client_request):
    client_request.login("admin", "admin", "city")
    payload = xls_from_xlsx(xlsx_of(ROSTER_HEADER, person(1)))
    client_request.post_response(
        "inspectors.import_file",
        _data={"file": (BytesIO(payload), "名录.xls")},
        _content_type="multipart/form-data",
    )
    job = db.session.scalar(select(Job))
    assert job.status == JobStatus.DONE, job.error
    assert job.params["file"] == "source.xls" and job.result["counts"]["created"] == 1
