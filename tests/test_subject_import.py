"""Subject import: every valid row in, every bad row reported with its reason, upserts with history."""

from __future__ import annotations

import csv
from datetime import date

import pytest
from sqlalchemy import func, select

from fieldapp.demo.generator import make_uscc
from factories.subjects import BAD_CHECK, GOOD1, GOOD2, GOOD3, HEADER, OLD_REG, UNKNOWN_COUNTY
from fieldapp.subjects.importer import import_subject_file
from fieldapp.subjects.models import Subject, SubjectChange


def rows(class1="A", status2="存续"):
    return [
        [
            GOOD1,
            "朔州市鑫源加油站有限公司",
            "有限责任公司（自然人投资或控股）",
            "王强",
            "朔城区民福街1号",
            "朔城区",
            "零售业",
            class1,
            "2021-03-01",
            "存续",
            "2030-12-31",
            "加油站、高风险企业",
        ],
        [BAD_CHECK, "校验位错误有限公司", "有限责任公司", "李四", "", "朔城区", "", "B", "", "存续", "", ""],
        [GOOD2, "", "个体工商户", "张三", "", "怀仁市", "", "B", "", "存续", "", ""],  # missing name
        [],  # blank line
        [
            GOOD2,
            "怀仁市金旺眼镜店",
            "个体工商户",
            "赵六",
            "怀仁市云中镇",
            "怀仁市",
            "零售业",
            "B",
            "2021-02-01",
            status2,
            "长期",
            "眼镜制配",
        ],
        [GOOD1, "重复的一行", "有限责任公司", "王强", "", "朔城区", "", "A", "", "存续", "", ""],  # duplicate
        [UNKNOWN_COUNTY, "外地公司", "有限责任公司", "钱七", "", "大同市", "", "A", "", "存续", "", ""],
        [
            GOOD3,
            "右玉县沙棘种植专业合作社",
            "农民专业合作社",
            "孙八",
            "右玉县新城镇",
            "右玉县",
            "农业",
            "E",
            "",
            "存续",
            "",
            "",
        ],
        [
            OLD_REG,
            "山阴县老字号食品厂",
            "全民所有制",
            "周九",
            "山阴县岱岳镇",
            "山阴县",
            "食品制造业",
            "C",
            "2020年5月1日",
            "在业",
            "2019/06/30",
            "宣传出版;不存在的标签",
        ],
        [OLD_REG[:-1] + "X", "注册号错误", "个体工商户", "", "", "山阴县", "", "B", "", "存续", "", ""],
        [
            "140622600000000"[:14] + "0",
            "应县老店",
            "个体工商户",
            "吴十",
            "应县金城镇",
            "应县",
            "零售业",
            "B",
            "",
            "在业",
            "",
            "",
        ],
    ]


def write_csv(path, data, encoding="utf-8-sig"):
    with open(path, "w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADER)
        writer.writerows(data)
    return path


def reasons_by_line(report):
    return {r.line: "；".join(r.reasons) for r in report.rejects}


@pytest.fixture
def reg_valid():
    from stdnum.iso7064 import mod_11_10

    body = "14062260000000"
    return body + mod_11_10.calc_check_digit(body)


def test_import_keeps_every_valid_row_and_reports_each_bad_one(app, tmp_path, reg_valid):
    data = rows()
    data[-1][0] = reg_valid
    data[8][-1] = "宣传出版"
    data.append(
        [
            make_uscc("E", "140602", 106),
            "标签错误公司",
            "企业",
            "",
            "",
            "朔城区",
            "",
            "B",
            "",
            "存续",
            "",
            "加油站;飞机场",
        ]
    )
    path = write_csv(tmp_path / "subjects.csv", data)
    report = import_subject_file(path, tmp_path / "rejects.csv")

    assert report.created == 4  # GOOD1, GOOD2 (the named row), OLD_REG, reg_valid
    assert report.rows == 11 and report.rejected == 7  # the blank line is not a row
    got = reasons_by_line(report)
    assert set(got) == {3, 4, 7, 8, 9, 11, 13}
    assert "飞机场" in got[13]
    assert "check digit" in got[3] or "校验位" in got[3]
    assert "名称" in got[4] or "name" in got[4].lower()
    assert "2" in got[7] and ("重复" in got[7] or "Duplicate" in got[7])
    assert "大同市" in got[8]
    assert "E" in got[9]
    assert "注册号" in got[11] or "registration number" in got[11]
    assert list(report.blank_lines) == [5] and len(report.blank_lines) == 1

    subjects = {s.ident: s for s in app.extensions["sqlalchemy"].session.scalars(select(Subject))}
    assert set(subjects) == {GOOD1, GOOD2, OLD_REG, reg_valid}
    station = subjects[GOOD1]
    assert station.name == "朔州市鑫源加油站有限公司"  # the first of the duplicates wins
    assert station.kind == "enterprise" and station.division_code == "140602"
    assert station.credit_class == "A" and station.credit_assessed_on == date(2021, 3, 1)
    assert station.tag_names == ["加油站", "高风险企业"]
    assert station.business_term_end == date(2030, 12, 31)
    old = subjects[OLD_REG]
    assert old.uscc is None and old.registration_number == OLD_REG
    assert old.credit_assessed_on == date(2020, 5, 1) and old.business_term_end == date(2019, 6, 30)
    assert subjects[GOOD2].status == "在业" and subjects[GOOD2].business_term_end is None

    # The rejects file has every rejected row, its line and reason, and re-imports as a subject file.
    with open(tmp_path / "rejects.csv", encoding="utf-8-sig", newline="") as fh:
        rejected = list(csv.DictReader(fh))
    assert [int(r["行号"]) for r in rejected] == [3, 4, 7, 8, 9, 11, 13]
    assert all(r["拒绝原因"] for r in rejected)
    assert rejected[0]["企业名称"] == "校验位错误有限公司"


def test_second_identical_import_changes_nothing(app, db, tmp_path, reg_valid):
    data = rows()
    data[-1][0] = reg_valid
    path = write_csv(tmp_path / "subjects.csv", data)
    import_subject_file(path)
    before = db.session.execute(select(Subject.id, Subject.updated_at)).all()
    report = import_subject_file(path)
    assert report.created == 0 and report.updated == 0
    assert report.unchanged == 3  # (the old subject is rejected here for its unknown tag)
    assert db.session.scalar(select(func.count()).select_from(SubjectChange)) == 0
    assert db.session.execute(select(Subject.id, Subject.updated_at)).all() == before


def test_reimport_records_class_and_status_history(app, db, tmp_path):
    import_subject_file(write_csv(tmp_path / "a.csv", rows()[:5]))
    changed = rows(class1="C", status2="吊销")[:5]
    changed[0][8] = "2021-09-30"
    report = import_subject_file(write_csv(tmp_path / "b.csv", changed))
    assert report.updated == 2 and report.created == 0
    station = db.session.scalar(select(Subject).where(Subject.ident == GOOD1))
    shop = db.session.scalar(select(Subject).where(Subject.ident == GOOD2))
    assert station.credit_class == "C" and shop.status == "吊销"
    class_changes = [(c.field, c.old_value, c.new_value, c.effective_on, c.source) for c in station.changes]
    assert ("credit_class", "A", "C", date(2021, 9, 30), "b.csv") in class_changes
    assert ("credit_assessed_on", "2021-03-01", "2021-09-30", None, "b.csv") in class_changes
    assert [(c.field, c.old_value, c.new_value) for c in shop.changes] == [("status", "在业", "吊销")]
    # And back again: history accumulates, nothing is overwritten.
    import_subject_file(write_csv(tmp_path / "c.csv", rows()[:5]))
    db.session.expire_all()
    assert [c.new_value for c in shop.changes if c.field == "status"] == ["吊销", "在业"]


def test_blank_cells_keep_stored_values_and_tags_can_be_cleared(app, db, tmp_path):
    import_subject_file(write_csv(tmp_path / "a.csv", rows()[:1]))
    blanked = [[GOOD1, "朔州市鑫源加油站有限公司", "", "", "", "", "", "", "", "", "", ""]]
    report = import_subject_file(write_csv(tmp_path / "b.csv", blanked))
    assert report.unchanged == 1
    station = db.session.scalar(select(Subject).where(Subject.ident == GOOD1))
    assert station.legal_representative == "王强" and station.tag_names == ["加油站", "高风险企业"]
    blanked[0][-1] = "无"
    import_subject_file(write_csv(tmp_path / "c.csv", blanked))
    db.session.expire_all()
    assert station.tag_names == []
    assert [c.field for c in station.changes] == ["tags"]


def test_gb18030_csv_and_xlsx_import(app, db, tmp_path):
    import openpyxl

    report = import_subject_file(write_csv(tmp_path / "gbk.csv", rows()[:1], encoding="gb18030"))
    assert report.created == 1, report.rejects
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(
        [
            GOOD2,
            "怀仁市金旺眼镜店",
            "个体工商户",
            "赵六",
            "",
            "怀仁市",
            "",
            "B",
            date(2021, 2, 1),
            "存续",
            None,
            "眼镜制配",
        ]
    )
    sheet.append([None] * len(HEADER))
    sheet.append([int(OLD_REG), "山阴县老字号食品厂", "企业", "周九", "", "山阴县", "", "A", None, "在业", None, None])
    book.save(tmp_path / "subjects.xlsx")
    report = import_subject_file(tmp_path / "subjects.xlsx")
    assert (report.created, report.rejected) == (2, 0), report.rejects
    shop = db.session.scalar(select(Subject).where(Subject.ident == GOOD2))
    assert shop.credit_assessed_on == date(2021, 2, 1) and shop.tag_names == ["眼镜制配"]


def test_county_and_kind_inferred_from_the_code(app, db, tmp_path):
    path = tmp_path / "minimal.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(
            [["统一社会信用代码", "名称"], [GOOD3, "右玉县某合作社"], [make_uscc("E", "140600", 9), "市本级公司"]]
        )
    report = import_subject_file(path)
    assert report.created == 1 and report.rejected == 1
    coop = db.session.scalar(select(Subject).where(Subject.ident == GOOD3))
    assert (coop.kind, coop.division_code, coop.credit_class) == ("cooperative", "140623", "B")
    assert "所属区县" in report.rejects[0].reasons[0]


def test_a_file_without_a_name_column_is_refused_whole(app, tmp_path):
    from fieldapp.subjects.tables import TableError

    path = tmp_path / "bad.csv"
    path.write_text("统一社会信用代码,地址\n" + GOOD1 + ",x\n", encoding="utf-8")
    with pytest.raises(TableError):
        import_subject_file(path)


def test_cli_prints_the_summary_and_writes_the_rejects(app, runner, tmp_path):
    path = write_csv(tmp_path / "subjects.csv", rows())
    result = runner.invoke(args=["subjects", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert "拒绝" in result.output or "rejected" in result.output
    rejects = tmp_path / "subjects.rejects.csv"
    assert rejects.exists()
    assert "拒绝原因" in rejects.read_text(encoding="utf-8-sig").splitlines()[0]


def test_fast_uscc_check_agrees_with_stdnum():
    import random

    from stdnum.cn import uscc

    from fieldapp.subjects.fields import BadValue, parse_uscc

    rng = random.Random(1)
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXYZIOSV"
    for n in range(3000):
        code = make_uscc(rng.choice("EIC"), "140602", rng.randrange(31**5))
        if n % 2:  # mutate one character
            i = rng.randrange(18)
            code = code[:i] + rng.choice(alphabet) + code[i + 1 :]
        try:
            parse_uscc(code)
            ok = True
        except BadValue:
            ok = False
        assert ok == uscc.is_valid(code), code


def test_upload_page_imports_and_offers_the_rejects(app, db, client_request, tmp_path):
    from io import BytesIO

    from fieldapp.jobs.models import Job
    from job_files import upload_subjects

    path = write_csv(tmp_path / "subjects.csv", rows())
    client_request.login("city-supervisor", "supervisor", "city")
    client_request.get("subjects.import_file", _expected_status=403)
    client_request.logout()
    client_request.login("admin", "admin", "city")
    client_request.post("subjects.import_file", _data={}, _expected_status=422)
    bad = client_request.post(
        "subjects.import_file",
        _data={"file": (BytesIO("甲,乙\n1,2\n".encode()), "x.csv")},
        _content_type="multipart/form-data",
        _expected_status=422,
    )
    assert "名称" in bad.select_one("[role=alert]").get_text()
    response = upload_subjects(client_request, path)
    # The job ran (inline in tests); its page gives the counts and the rejects file.
    job = db.session.scalar(select(Job))
    assert response.location == client_request.url_for("jobs.detail", job_id=job.id)
    soup = client_request.get("jobs.detail", job_id=job.id)
    assert "拒绝" in soup.select_one("#job-progress [role=status]").get_text()
    assert soup.select_one("#job-progress")["data-status"] == "done"
    link = soup.find("a", href=lambda h: h and h.endswith("rejects.csv"))
    assert link["href"] == client_request.url_for("jobs.download", job_id=job.id, name="rejects.csv")
    download = client_request.get_response("jobs.download", job_id=job.id, name="rejects.csv")
    rejects = download.data.decode("utf-8-sig")
    assert "拒绝原因" in rejects and len(rejects.strip().splitlines()) == 1 + 8
    client_request.get_response("jobs.download", _expected_status=404, job_id=job.id, name="source.csv")
    assert db.session.scalar(select(func.count()).select_from(Subject)) == 2
    client_request.logout()
    client_request.login("other-admin", "admin", "city")  # administrators see every job
    client_request.get("jobs.detail", job_id=job.id)
    client_request.logout()
    client_request.login("city-supervisor", "supervisor", "city")  # others do not
    client_request.get("jobs.detail", _expected_status=404, job_id=job.id)


def test_small_batches_and_padded_lookups_give_the_same_result(app, db, tmp_path):
    from fieldapp.demo.generator import write_subjects_csv
    from fieldapp.subjects.importer import padded_chunks

    assert list(padded_chunks([1, 2, 3], 2)) == [[1, 2], [3, 3]]
    assert list(padded_chunks([], 2)) == []
    path = write_subjects_csv(tmp_path / "city.csv", 300, seed=9)
    first = import_subject_file(path, batch_size=7)
    assert (first.created, first.rejected) == (300, 0)
    tagged = db.session.scalar(select(func.count()).select_from(Subject).where(Subject.tags.any()))
    assert tagged > 30
    again = import_subject_file(path, batch_size=11)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 300)
    assert db.session.scalar(select(func.count()).select_from(SubjectChange)) == 0


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("存续（在营、开业、在册）", "在业"),  # the national system's wording
        ("在营（开业）企业", "在业"),
        ("存续(在营)", "在业"),
        ("吊销，未注销", "吊销"),
    ],
)
def test_registration_statuses_as_the_national_system_writes_them(text, status):
    from fieldapp.subjects.fields import parse_status

    assert parse_status(text) == status


def test_statuses_that_disagree_are_refused(app):
    from fieldapp.subjects.fields import BadValue, parse_status

    for text in ("注销（吊销）", "在册", "营业中"):
        with pytest.raises(BadValue):
            parse_status(text)


def test_title_rows_above_the_header_are_passed_over(app, db, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["朔城区市场主体名录（2021年3月导出）"])
    sheet.merge_cells("A1:L1")
    sheet.append(["基本信息", None, None, None, None, "登记信息"])
    sheet.append([])
    sheet.append(HEADER)
    for row in rows()[:1]:
        sheet.append(row)
    workbook.save(tmp_path / "titled.xlsx")
    report = import_subject_file(tmp_path / "titled.xlsx", tmp_path / "rejects.csv")
    assert (report.created, report.rejected) == (1, 0)

    titled = "朔城区市场主体名录\n\n" + ",".join(HEADER) + "\n" + ",".join(rows()[0]) + "\n"
    (tmp_path / "titled.csv").write_bytes(titled.encode("gb18030"))
    report = import_subject_file(tmp_path / "titled.csv", tmp_path / "rejects.csv")
    assert (report.rows, report.unchanged, report.rejected) == (1, 1, 0)


def test_a_header_is_never_mistaken_for_a_title(app, db, tmp_path):
    """A file whose header fills every column is read from its first row, as before."""
    path = write_csv(tmp_path / "plain.csv", rows()[:1])
    report = import_subject_file(path, tmp_path / "rejects.csv")
    assert report.created == 1 and report.rows == 1


def test_codes_typed_full_width_or_with_invisible_characters_are_read(app):
    from fieldapp.subjects.fields import parse_registration_number, parse_uscc

    full_width = "".join(chr(ord(c) + 0xFEE0) for c in GOOD1)
    for text in (full_width, GOOD1 + "\u200b", "\ufeff" + GOOD1, GOOD1.lower()):
        assert parse_uscc(text) == GOOD1
    assert parse_registration_number("".join(chr(ord(c) + 0xFEE0) for c in OLD_REG)) == OLD_REG


def test_a_sheet_of_notes_in_front_of_the_table_is_passed_over(app, db, tmp_path):
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.title = "填表说明"
    workbook.active["A1"] = "本表由名录库导出，请勿修改表头。"
    sheet = workbook.create_sheet("名录")
    sheet.append(HEADER)
    sheet.append(rows()[0])
    workbook.save(tmp_path / "notes-first.xlsx")
    report = import_subject_file(tmp_path / "notes-first.xlsx", tmp_path / "rejects.csv")
    assert (report.created, report.rejected) == (1, 0)


def test_a_date_cell_that_lost_its_format_is_read_as_excels_day_number(app):
    from fieldapp.subjects.fields import BadValue, parse_date

    assert parse_date("46387", "有效期至") == date(2026, 12, 31)
    assert parse_date("45000.5", "分类日期") == date(2023, 3, 15)
    for text in ("99999", "12345", "4638"):
        with pytest.raises(BadValue):
            parse_date(text, "有效期至")


def test_headers_other_exports_use(app):
    from fieldapp.inspectors.importer import roster_columns
    from fieldapp.subjects.fields import map_headers

    columns, unknown = map_headers(["统一社会信用代码", "企业名称", "法人", "企业地址", "辖区", "风险类别", "成立日期"])
    assert columns == {
        "uscc": 0,
        "name": 1,
        "legal_representative": 2,
        "address": 3,
        "division": 4,
        "credit_class": 5,
    }
    assert unknown == ["成立日期"]
    columns, unknown = roster_columns(["姓名", "执法证号", "执法证有效期", "所在部门", "执法类别", "在岗情况"])
    assert set(columns) == {"name", "certificate_number", "certificate_valid_until", "unit", "specialties", "status"}
    assert unknown == []
