"""The roster import: a roster over several sheets is read whole, and a row whose 账号 names no account
(or one another inspector holds) is imported without it, with a warning that names the row and the account."""

from __future__ import annotations

from datetime import date
from io import BytesIO

from flask_babel import force_locale
from sqlalchemy import select

from fieldapp.inspectors.importer import import_roster_file
from factories.rosters import HEADER, person, roster_workbook
from fieldapp.inspectors.models import Inspector

TODAY = date(2021, 6, 1)


def names(db) -> list[str]:
    return sorted(db.session.scalars(select(Inspector.name)))


def test_a_roster_over_several_sheets_is_read_whole(app, db, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(roster_workbook())
    report = import_roster_file(path, tmp_path / "rejects.csv", today=TODAY)
    assert names(db) == ["检查员1", "检查员2", "检查员3", "检查员4"]
    assert (report.rows, report.created, report.rejected) == (5, 4, 1)
    assert [(r.sheet, r.line, r.where) for r in report.rejects] == [("第二页", 4, "工作表 第二页 第 4 行")]
    assert (tmp_path / "rejects.csv").read_text(encoding="utf-8-sig").splitlines()[1].startswith("第二页,4,")


def test_an_account_no_one_has_is_reported_and_the_inspector_still_imported(app, db, auth, tmp_path):
    auth.create("zhang", "inspector", "140602")
    auth.create("wang", "inspector", "140602")
    path = tmp_path / "roster.csv"
    rows = [HEADER, person(1, "zhang"), person(2, "nobody"), person(3, "zhang"), person(4)]
    path.write_text("\n".join(",".join(row) for row in rows) + "\n", encoding="utf-8-sig")
    report = import_roster_file(path, today=TODAY)
    assert (report.created, report.rejected, report.warned) == (4, 0, 2)
    people = {i.name: i for i in db.session.scalars(select(Inspector))}
    assert people["检查员1"].user.username == "zhang"
    assert people["检查员2"].user is None and people["检查员3"].user is None
    with force_locale("zh_CN"):
        summary = report.summary()
    assert summary[1:] == [
        "2 行已导入，但有以下提示：",
        "第 3 行：未找到账号 nobody，检查员2 已导入，但未关联登录账号",
        "第 4 行：账号 zhang 已属于检查员1，检查员3 已导入，但未关联该账号",
    ]
    with force_locale("en"):
        assert report.summary()[2] == (
            "Row 3: no account nobody was found; 检查员2 was imported but not linked to an account"
        )

    # Imported again once the account exists: linked, no warning.
    auth.create("nobody", "inspector", "140602")
    again = import_roster_file(path, today=TODAY)
    assert (again.unchanged, again.warned) == (4, 1)
    db.session.expire_all()
    assert db.session.scalar(select(Inspector).where(Inspector.name == "检查员2")).user.username == "nobody"


def test_the_upload_page_shows_the_account_warning_in_the_readers_language(app, db, client_request):
    from fieldapp.jobs.models import Job

    csv_text = "\n".join(",".join(row) for row in [HEADER, person(1, "nobody")]) + "\n"
    client_request.login("city-supervisor", "supervisor", "city")
    client_request.post_response(
        "inspectors.import_file",
        _data={"file": (BytesIO(csv_text.encode("utf-8-sig")), "roster.csv")},
        _content_type="multipart/form-data",
    )
    job = db.session.scalar(select(Job))
    status = client_request.get("jobs.detail", job_id=job.id).select_one("#job-progress [role=status]")
    assert "flash--warning" in status["class"]
    assert "第 2 行：未找到账号 nobody，检查员1 已导入" in status.get_text()
    client_request.post("core.set_language", _data={"lang": "en", "next": "/"}, _expected_redirect="/")
    status = client_request.get("jobs.detail", job_id=job.id).select_one("#job-progress [role=status]")
    assert "Row 2: no account nobody was found" in status.get_text()
    assert names(db) == ["检查员1"]


def test_a_new_certificate_without_its_unit_is_refused_not_a_crash(app, db, tmp_path):
    path = tmp_path / "roster.csv"
    rows = [HEADER, [*person(1)[:3], "", ""], person(2)]
    path.write_text("\n".join(",".join(row) for row in rows) + "\n", encoding="utf-8-sig")
    report = import_roster_file(path, today=TODAY)
    assert [(r.line, r.reasons) for r in report.rejects] == [(2, ["缺少单位"])]
    assert names(db) == ["检查员2"]


def test_the_command_names_the_sheet_of_a_rejected_row(app, db, tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(roster_workbook())
    result = app.test_cli_runner().invoke(args=["inspectors", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "  工作表 第二页 第 4 行:" in result.output
