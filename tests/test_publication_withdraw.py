"""撤销: a published record that should never have been (another firm's, a result annulled) is
withdrawn with a reason: its page says so, it leaves the search, lists and exports, it is not offered
for publishing again, and the legal clock counts it as settled."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from factories import publication as f
from fieldapp import audit
from fieldapp.dashboards import queries as dashboards
from fieldapp.publication import operations
from fieldapp.publication.models import PublishedResult
from pdf_reading import pdf_text

REASON = "该记录误录为其他企业的检查结果，经核实予以撤销"


def _publish_two(client_request, db):
    wrong = f.approved_result(f.subject(1, "朔州市朔城区中石化民福加油站"))
    kept = f.approved_result(f.subject(2, "朔城区民福眼镜店"), tsk=wrong.task)
    db.session.commit()
    client_request.login("shuocheng", "supervisor", "140602")
    client_request.post("publication.publish", _data={"result_ids": [wrong.id, kept.id]})
    record = db.session.scalar(select(PublishedResult).where(PublishedResult.inspection_result_id == wrong.id))
    return wrong, kept, record


def test_a_supervisor_withdraws_a_record_with_a_reason_and_the_public_sees_why(client_request, db, tmp_path):
    wrong, kept, record = _publish_two(client_request, db)
    public_id, task_id, ident = record.public_id, record.task_id, record.subject_ident
    assert client_request.get("publication.index").select_one(f'a[href$="/records/{public_id}/withdraw"]')

    # Without a reason, or without ticking the box: refused, nothing withdrawn, the reason kept.
    page = client_request.post(
        "publication.withdraw", _data={"reason": "", "confirm": "y"}, _expected_status=422, public_id=public_id
    )
    assert page.select_one("#field-reason .field__error") is not None
    page = client_request.post(
        "publication.withdraw", _data={"reason": REASON}, _expected_status=422, public_id=public_id
    )
    assert page.select_one("#field-confirm .field__error") is not None
    assert REASON in page.select_one("#reason").get_text()
    assert db.session.scalar(select(PublishedResult).where(PublishedResult.withdrawn.is_(True))) is None

    response = client_request.post_response(
        "publication.withdraw", _data={"reason": REASON, "confirm": "y"}, public_id=public_id
    )
    assert response.location == client_request.url_for("publication.public_record", public_id=public_id)
    versions = list(
        db.session.scalars(
            select(PublishedResult).where(PublishedResult.public_id == public_id).order_by(PublishedResult.version)
        )
    )
    assert [(v.version, v.is_current, v.withdrawn) for v in versions] == [(1, False, False), (2, False, True)]
    assert versions[1].published_on == versions[0].published_on  # 公示日期 stays as published
    event = db.session.scalar(select(audit.AuditEvent).where(audit.AuditEvent.action == "withdraw"))
    assert event.reason == REASON and event.object_id == versions[1].id

    # The record's page says it was withdrawn, when and why; a printed copy's code is recognised.
    client_request.logout()
    page = client_request.get("publication.public_record", public_id=public_id)
    notice = page.select_one("[data-withdrawn]").get_text()
    assert REASON in notice and "撤销" in notice
    page = client_request.get("publication.public_record", public_id=public_id, h=versions[0].short_hash)
    assert "撤销" in page.select_one(".verify-result").get_text()
    path = tmp_path / "record.pdf"
    path.write_bytes(client_request.get_response("publication.public_record_pdf", public_id=public_id).data)
    assert "撤销" in pdf_text(path).replace(" ", "")

    # It has left the search, the firm's page, the task's list and the open data; the other stays.
    listing = client_request.get("publication.public_results", q="民福")
    assert len(listing.select(".result-card")) == 1 and "眼镜店" in listing.select_one(".result-card").get_text()
    client_request.get("publication.public_subject", _expected_status=404, ident=ident)
    assert len(client_request.get("publication.public_task", task_id=task_id).select("tbody tr")) == 1
    csv = client_request.get_response("publication.open_data_csv").get_data(as_text=True)
    assert public_id not in csv and "眼镜店" in csv

    # Not offered for publishing again, not correctable, not withdrawn twice.
    client_request.login("shuocheng", "supervisor", "140602")
    assert client_request.get("publication.index").select("input[name=result_ids]") == []
    client_request.post("publication.publish", _data={"result_ids": [wrong.id]})
    assert db.session.scalar(select(db.func.count()).select_from(PublishedResult)) == 3
    for endpoint in ("publication.correct", "publication.withdraw"):
        response = client_request.get_response(endpoint, public_id=public_id, _expected_status=302)
        assert response.location == client_request.url_for("publication.public_record", public_id=public_id)


def test_only_the_publishing_unit_withdraws(client_request, db):
    _, _, record = _publish_two(client_request, db)
    client_request.logout()
    client_request.login("pinglu", "supervisor", "140603")
    client_request.get("publication.withdraw", _expected_status=404, public_id=record.public_id)
    client_request.post(
        "publication.withdraw",
        _data={"reason": REASON, "confirm": "y"},
        _expected_status=404,
        public_id=record.public_id,
    )
    client_request.logout()
    client_request.login("insp", "inspector", "140602")
    client_request.get("publication.withdraw", _expected_status=403, public_id=record.public_id)
    assert db.session.scalar(select(PublishedResult).where(PublishedResult.withdrawn.is_(True))) is None


def test_a_withdrawn_record_is_not_waiting_to_be_published(app, db):
    result = f.approved_result()
    supervisor = f.supervisor("140602")
    [record] = operations.publish([result], supervisor, on=date(2021, 7, 1))
    db.session.commit()
    operations.withdraw(record, supervisor, REASON)
    db.session.commit()
    overdue, n_overdue, n_soon = dashboards.open_publications(2021, None, date(2021, 12, 31))
    assert (overdue, n_overdue, n_soon) == ([], 0, 0)


def test_the_national_upload_lists_the_withdrawn_records_on_a_sheet_of_their_own(
    client, client_request, db, frozen_clock
):
    import io

    from openpyxl import load_workbook

    from fieldapp.jobs.models import Job

    frozen_clock.beijing(2021, 8, 2, 0, 30)  # 2021-08-01 16:30 UTC: the withdrawal's date is Beijing's
    wrong, kept, record = _publish_two(client_request, db)
    client_request.post("publication.withdraw", _data={"reason": REASON, "confirm": "y"}, public_id=record.public_id)
    client_request.post_response("publication.export_xlsx", year=2021)
    job = db.session.scalar(select(Job))
    page = client_request.get("jobs.detail", job_id=job.id)
    assert "另有 1 条已撤销的记录" in page.get_text()
    book = load_workbook(
        io.BytesIO(
            client.get(client_request.url_for("jobs.download", job_id=job.id, name="national-upload-2021.xlsx")).data
        )
    )
    assert book.sheetnames == ["抽查检查结果", "已撤销的记录"]
    published = list(book["抽查检查结果"].iter_rows(values_only=True))
    assert len(published) == 2 and "眼镜店" in published[1][2]
    [header, row] = list(book["已撤销的记录"].iter_rows(values_only=True))
    assert header[0] == "记录编号" and header[-2:] == ("撤销日期", "撤销原因")
    assert row[0] == record.public_id and row[3] == "朔州市朔城区中石化民福加油站"
    assert row[4] == record.uscc and row[5] is None
    assert row[9].date() == date(2021, 8, 2) and row[10] == REASON
