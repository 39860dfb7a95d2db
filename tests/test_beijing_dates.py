"""An inspection at 00:30 in Beijing is dated that Beijing day everywhere (16:30 UTC is still the
day before): the record page, the PDFs, the open data and the national upload."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from factories import publication as f
from fieldapp.inspections.models import SubmissionState
from fieldapp.publication import operations as publication
from fieldapp.review.models import InspectionResult
from fieldapp.review.operations import approve
from pdf_reading import pdf_text

BEIJING_DAY = date(2021, 6, 15)
UTC_DAY = "2021-06-14"


@pytest.fixture
def app_config(tmp_path):
    return {"PDF_CACHE_DIR": str(tmp_path / "pdf-cache")}


@pytest.fixture
def published(db, frozen_clock):
    """Inspected, approved and published at 00:30 on 15 June 2021 in Beijing."""
    frozen_clock.beijing(2021, 6, 15, 0, 30)
    result = f.approved_result(inspected_on=date(2000, 1, 1))  # replaced below by the approval
    submission = result.submission
    db.session.delete(result)
    submission.inspected_on = frozen_clock.now
    submission.state = SubmissionState.SUBMITTED.value
    submission.visit.status = "submitted"
    db.session.commit()
    assert submission.inspected_on == datetime(2021, 6, 14, 16, 30, tzinfo=UTC)
    supervisor = f.supervisor("140602")
    [result] = approve(submission.id, submission.lock_version, supervisor)
    db.session.commit()
    [record] = publication.publish([result], supervisor)
    db.session.commit()
    return result, record


def test_the_inspection_is_dated_its_beijing_day(db, published):
    result, record = published
    assert db.session.get(InspectionResult, result.id).inspected_on == BEIJING_DAY
    assert record.inspected_on == BEIJING_DAY and record.published_on == BEIJING_DAY


def test_record_page_and_pdf_carry_the_beijing_date(client_request, db, published, tmp_path):
    _, record = published
    page = client_request.get("publication.public_record", public_id=record.public_id)
    dates = page.select_one('[data-field="inspected_on"]').get_text(strip=True)
    assert dates == BEIJING_DAY.isoformat()
    assert UTC_DAY not in str(page)
    path = tmp_path / "record.pdf"
    path.write_bytes(client_request.get_response("publication.public_record_pdf", public_id=record.public_id).data)
    text = pdf_text(path)
    assert BEIJING_DAY.isoformat() in text and UTC_DAY not in text


def test_visit_record_pdf_prints_beijing_time_labelled(client_request, db, published, tmp_path):
    result, _ = published
    client_request.login("shuocheng-sup", "supervisor", "140602")
    response = client_request.get_response("publication.visit_record_pdf", visit_id=result.visit_id)
    path = tmp_path / "visit.pdf"
    path.write_bytes(response.data)
    text = pdf_text(path).replace(" ", "")
    assert "2021-06-1500:30北京时间" in text and UTC_DAY not in text


def test_open_data_and_national_upload_carry_the_beijing_date(client, client_request, db, published):
    text = client_request.get_response("publication.open_data_csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 1
    assert BEIJING_DAY.isoformat() in rows[0].values() and UTC_DAY not in "".join(rows[0].values())
    data = json.loads(client_request.get_response("publication.open_data_json").get_data(as_text=True))
    assert data["results"][0]["inspected_on"] == BEIJING_DAY.isoformat()
    assert data["results"][0]["published_on"] == BEIJING_DAY.isoformat()
    client_request.login("shuocheng", "supervisor", "140602")
    page = client_request.post("publication.export_xlsx", _follow_redirects=True, year=2021)
    link = page.find("a", href=lambda h: h and h.endswith(".xlsx"))
    sheet = load_workbook(io.BytesIO(client.get(link["href"]).data)).active
    header, row = list(sheet.iter_rows(values_only=True))
    values = dict(zip(header, row))
    assert values["检查完成日期"] == datetime(2021, 6, 15) and values["公示日期"] == datetime(2021, 6, 15)
