"""Open data (CSV, JSON) and the national credit publicity system's upload layout (.xlsx)."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime

from openpyxl import load_workbook
from sqlalchemy import select

from factories import publication as f
from fieldapp.publication import operations
from fieldapp.publication.exports import NATIONAL_COLUMNS, OPEN_DATA_COLUMNS
from fieldapp.publication.models import PublishedResult


def _two_published(db):
    sup = f.supervisor("140602")
    a = f.approved_result(f.subject(1, "朔州市朔城区中石化民福加油站"))
    b = f.approved_result(
        f.subject(2, "朔城区恒达个体眼镜店", with_uscc=False),
        result_code="1",
        follow_up=["none"],
        inspected_on=date(2021, 8, 2),
    )
    c = f.approved_result(f.subject(3, "平鲁区井坪加油站", "140603"))
    records = operations.publish([a, b], sup, on=date(2021, 9, 1))
    operations.publish([c], f.supervisor("140603"), on=date(2021, 9, 2))
    db.session.commit()
    return a, b, records


def test_csv_has_the_open_data_columns(client_request, db):
    a, b, records = _two_published(db)
    response = client_request.get_response("publication.open_data_csv", county="140602")
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == [header for _, header in OPEN_DATA_COLUMNS]
    assert len(rows) == 3
    by_name = {row[2]: dict(zip([k for k, _ in OPEN_DATA_COLUMNS], row)) for row in rows[1:]}
    shop = by_name["朔城区恒达个体眼镜店"]
    assert shop["subject_ident"] == b.subject.registration_number
    assert shop["result"] == "未发现问题" and shop["inspected_on"] == "2021-08-02" and shop["corrected"] == "否"
    assert shop["task_kind"] == "定向" and shop["inspecting_unit"] == "朔城区市场监督管理局"
    assert shop["url"].endswith(client_request.url_for("publication.public_record", public_id=shop["public_id"]))


def test_json_lists_current_versions(client_request, db):
    a, b, records = _two_published(db)
    a.result_code = "1"
    db.session.commit()
    operations.correct(records[0], f.supervisor("140602"), "更正检查结果")
    db.session.commit()
    data = json.loads(client_request.get_response("publication.open_data_json").get_data(as_text=True))
    assert set(data["fields"]) == {k for k, _ in OPEN_DATA_COLUMNS}
    assert len(data["results"]) == 3
    corrected = [r for r in data["results"] if r["subject_name"] == "朔州市朔城区中石化民福加油站"]
    assert len(corrected) == 1 and corrected[0]["version"] == 2 and corrected[0]["corrected"] is True
    assert corrected[0]["result"] == "未发现问题"


def test_national_upload_xlsx(client, client_request, db):
    from fieldapp.jobs.models import Job

    a, b, _ = _two_published(db)
    client_request.login("shuocheng", "supervisor", "140602")
    # Written by a job (inline in tests); its page offers the file.
    response = client_request.post_response("publication.export_xlsx", year=2021)
    job = db.session.scalar(select(Job))
    assert response.location == client_request.url_for("jobs.detail", job_id=job.id)
    page = client_request.get("jobs.detail", job_id=job.id)
    assert "2" in page.get_text()
    link = page.find("a", href=lambda h: h and h.endswith("national-upload-2021.xlsx"))
    assert link["href"] == client_request.url_for("jobs.download", job_id=job.id, name="national-upload-2021.xlsx")
    response = client.get(link["href"])
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    # The national upload layout written out on purpose (a pinned expectation, not a copy to import).
    assert (
        list(rows[0])
        == NATIONAL_COLUMNS
        == [
            "抽查计划名称",
            "任务名称",
            "检查对象名称",
            "统一社会信用代码",
            "注册号",
            "检查实施机关",
            "抽查类型",
            "检查完成日期",
            "检查结果",
            "后续处置",
            "公示日期",
            "版本",
            "校验码",
            "记录编号",
        ]
    )
    by_name = {r[2]: r for r in rows[1:]}
    assert len(rows) == 3 and set(by_name) == {a.subject.name, b.subject.name}  # only the unit's own records
    row = by_name[a.subject.name]
    record_a = db.session.scalar(
        select(PublishedResult).where(
            PublishedResult.inspection_result_id == a.id, PublishedResult.is_current.is_(True)
        )
    )
    assert row[:9] == (
        record_a.plan_name,
        a.task.name,
        "朔州市朔城区中石化民福加油站",
        a.subject.uscc,
        None,
        "朔城区市场监督管理局",
        "定向",
        datetime(2021, 6, 15),
        "发现问题已责令改正",
    )
    assert record_a.plan_name and row[11:] == (record_a.version, record_a.short_hash, record_a.public_id)
    # A firm with a registration number only: under 注册号, the credit-code column left empty.
    uscc, registration = by_name[b.subject.name][3:5]
    assert uscc is None and registration == b.subject.registration_number and isinstance(registration, str)
    client_request.logout()
    client_request.post("publication.export_xlsx")  # to the login page
    assert client.get(link["href"]).status_code == 302  # the file too needs a login


def test_export_and_reindex_commands(runner, db, tmp_path):
    a, b, _ = _two_published(db)
    out = tmp_path / "upload.xlsx"
    result = runner.invoke(args=["publication", "export", "--unit", "140602", "--year", "2021", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "已将 2 条结果写入" in result.output
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert list(rows[0]) == NATIONAL_COLUMNS and len(rows) == 3
    result = runner.invoke(args=["publication", "export", "--unit", "nowhere", "--out", str(out)])
    assert result.exit_code == 1 and "错误：--unit：没有代码为 nowhere 的单位" in result.output
    result = runner.invoke(args=["publication", "search-index"])
    assert result.exit_code == 0, result.output
    from fieldapp.publication.queries import SearchFilters, search

    assert [r.subject_name for r in search(SearchFilters(q="中石化民福")).records] == ["朔州市朔城区中石化民福加油站"]
