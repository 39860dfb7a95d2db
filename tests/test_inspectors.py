"""The inspector roster: eligibility with dated history, assistants, import, edit pages, 回避, county boundary."""

from __future__ import annotations

import csv
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from fieldapp.auth.models import Unit
from fieldapp.demo.generator import make_uscc
from fieldapp.inspectors.importer import import_roster_file
from fieldapp.inspectors.models import Inspector, InspectorChange
from fieldapp.inspectors.operations import change_inspector, create_inspector, declare_conflict
from fieldapp.inspectors.queries import count_law_enforcement, eligible_inspectors
from fieldapp.subjects.models import Subject

TODAY = date(2021, 6, 1)


def unit(db, code):
    return db.session.scalar(select(Unit).where(Unit.code == code))


def person(db, name, code="140602", number=None, valid_until=TODAY + timedelta(days=365), **values):
    inspector = create_inspector(
        unit(db, code), name, certificate_number=number or f"C-{name}", certificate_valid_until=valid_until, **values
    )
    db.session.flush()
    return inspector


def test_only_on_duty_certified_law_enforcement_inspectors_are_eligible(app, db):
    ok = person(db, "张伟", specialties=["计量"])
    expired = person(db, "过期", valid_until=TODAY - timedelta(days=1))
    expires_today = person(db, "今天到期", valid_until=TODAY)
    transferred = person(db, "调走")
    retired = person(db, "退休了")
    suspended = person(db, "停职者")
    no_certificate = create_inspector(unit(db, "140602"), "无证")
    expert = create_inspector(
        unit(db, "140602"),
        "专家",
        category="assistant",
        certificate_number="E-1",
        certificate_valid_until=TODAY + timedelta(days=99),
    )
    db.session.flush()
    change_inspector(transferred, TODAY - timedelta(days=10), "调令", status="调离")
    change_inspector(retired, TODAY - timedelta(days=30), status="退休")
    change_inspector(suspended, TODAY, status="停职")
    db.session.commit()

    assert ok.is_eligible_on(TODAY) and expires_today.is_eligible_on(TODAY)
    for inspector in (expired, transferred, retired, suspended, no_certificate, expert):
        assert not inspector.is_eligible_on(TODAY), inspector.name
    assert expert.is_assistant
    eligible = eligible_inspectors(TODAY)
    assert {i.name for i in eligible} == {"张伟", "今天到期"}
    assert [i.name for i in eligible_inspectors(TODAY, specialty="计量")] == ["张伟"]
    # An assistant never counts toward the two law-enforcement inspectors.
    assert count_law_enforcement([ok, expert], TODAY) == 1
    assert count_law_enforcement([expert], TODAY) == 0


def test_dated_history_answers_for_past_days(app, db):
    moved = person(db, "李明")
    change_inspector(moved, TODAY, "调令 2021-6", status="调离")
    renewed = person(db, "王芳", valid_until=TODAY - timedelta(days=5))
    change_inspector(renewed, TODAY - timedelta(days=1), certificate_valid_until=TODAY + timedelta(days=700))
    db.session.commit()
    assert not moved.is_eligible_on(TODAY)
    assert moved.is_eligible_on(TODAY - timedelta(days=1))  # still 在岗 the day before the transfer
    assert renewed.is_eligible_on(TODAY)
    assert not renewed.is_eligible_on(TODAY - timedelta(days=2))  # the old certificate was not valid then
    assert [(c.field, c.old_value, c.new_value, c.effective_on) for c in moved.changes] == [
        ("status", "在岗", "调离", TODAY)
    ]


def enterprise(seq: int, name: str, **fields) -> Subject:
    """An enterprise in 朔城区 (140602) with its ``seq``-th credit code."""
    code = make_uscc("E", "140602", seq)
    return Subject(ident=code, uscc=code, name=name, kind="enterprise", division_code="140602", **fields)


def test_conflicts_of_interest(app, db):
    subject = enterprise(1, "某加油站", legal_representative="王大")
    other = enterprise(2, "另一家", legal_representative="李二")
    db.session.add_all([subject, other])
    db.session.flush()
    a, b = person(db, "甲"), person(db, "乙")
    declare_conflict(a, subject=subject, reason="亲属")
    declare_conflict(b, person_name="李二")
    db.session.commit()
    assert a.conflicts_with(subject) and not a.conflicts_with(other)
    assert b.conflicts_with(other) and not b.conflicts_with(subject)


ROSTER = [
    ["姓名", "执法证号", "有效期至", "单位", "执法领域", "状态", "状态日期", "类别"],
    ["张伟", "1406020001", "2023-12-31", "朔城区市场监督管理局", "计量、广告", "在岗", "", "执法人员"],
    ["刘芳", "1406020002", "2020-12-31", "朔城区", "食品", "在岗", "", ""],
    ["陈磊", "1406030001", "2024-06-30", "平鲁区市场监督管理局", "特种设备", "调离", "2021-03-15", ""],
    ["赵专家", "", "", "计量科", "计量", "在岗", "", "计量检定专家"],
    ["", "1406020003", "2024-01-01", "朔城区", "", "", "", ""],
    ["无证人", "", "", "朔城区", "", "", "", "执法人员"],
    ["外单位", "1406990001", "2024-01-01", "大同市局", "", "", "", ""],
    ["领域错", "1406020004", "2024-01-01", "朔城区", "占卜", "", "", ""],
    ["重复", "1406020001", "2024-01-01", "朔城区", "", "", "", ""],
]


def write(path, rows):
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def test_roster_import_with_rejects_and_dated_changes(app, db, tmp_path):
    report = import_roster_file(write(tmp_path / "roster.csv", ROSTER), tmp_path / "rejects.csv", today=TODAY)
    assert (report.created, report.rejected) == (4, 5)
    assert sorted(r.line for r in report.rejects) == [6, 7, 8, 9, 10]
    people = {i.name: i for i in db.session.scalars(select(Inspector))}
    assert people["张伟"].specialties == ["计量", "广告"] and people["张伟"].is_eligible_on(TODAY)
    assert not people["刘芳"].is_eligible_on(TODAY)  # certificate expired
    assert people["陈磊"].status == "调离" and not people["陈磊"].is_eligible_on(TODAY)
    assert people["陈磊"].is_eligible_on(date(2021, 3, 1))
    assert people["赵专家"].is_assistant and not people["赵专家"].is_eligible_on(TODAY)
    assert (tmp_path / "rejects.csv").read_text(encoding="utf-8-sig").count("\n") == 6

    again = import_roster_file(write(tmp_path / "roster.csv", ROSTER), today=TODAY)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    changed = [row[:] for row in ROSTER[:2]]
    changed[1][5], changed[1][6] = "退休", "2021-05-20"
    assert import_roster_file(write(tmp_path / "b.csv", changed), today=TODAY).updated == 1
    db.session.expire_all()
    zhang = db.session.scalar(select(Inspector).where(Inspector.name == "张伟"))
    assert [(c.field, c.new_value, c.effective_on) for c in zhang.changes] == [("status", "退休", date(2021, 5, 20))]


# --- pages ------------------------------------------------------------------------------------


@pytest.fixture
def roster(db):
    a = person(db, "张伟", "140602", valid_until=date.today() + timedelta(days=100), specialties=["计量"])
    b = person(db, "陈磊", "140603", valid_until=date.today() + timedelta(days=100))
    c = person(db, "过期人", "140602", valid_until=date.today() - timedelta(days=1))
    d = create_inspector(unit(db, "city-metrology"), "赵专家", category="assistant")
    db.session.commit()
    return a, b, c, d


def test_roster_page_marks_who_is_eligible_today(app, client_request, roster):
    client_request.login("city-supervisor", "supervisor", "city")
    soup = client_request.get("inspectors.index")
    cards = {c.select_one(".subject-card__name").get_text(strip=True): c for c in soup.select("[data-inspector]")}
    assert set(cards) == {"张伟", "陈磊", "过期人", "赵专家"}
    assert cards["张伟"].select_one("[data-eligible]") and cards["陈磊"].select_one("[data-eligible]")
    assert not cards["过期人"].select_one("[data-eligible]")
    assert cards["赵专家"].select_one("[data-assistant]") and not cards["赵专家"].select_one("[data-eligible]")
    eligible = client_request.get("inspectors.index", eligible=1)
    assert {c.get_text(strip=True) for c in eligible.select(".subject-card__name")} == {"张伟", "陈磊"}


def edit_form(inspector: Inspector, **changes) -> dict:
    """The edit form as its page fills it for ``inspector``, with a transfer (调离) dated 2021-07-01
    and its document number, then ``changes``."""
    form = {
        "name": inspector.name,
        "unit": str(inspector.unit_id),
        "category": "law_enforcement",
        "certificate_number": inspector.certificate_number,
        "certificate_valid_until": inspector.certificate_valid_until.isoformat(),
        "status": "调离",
        "effective_on": "2021-07-01",
        "note": "朔市监人〔2021〕8号",
    }
    return {**form, **changes}


def test_edit_records_dated_history(app, db, client_request, roster):
    zhang = roster[0]
    client_request.login("shuocheng-supervisor", "supervisor", "140602")
    form = edit_form(zhang, specialties=["计量", "价格"], phone="")
    client_request.post("inspectors.edit", _data=form, inspector_id=zhang.id)
    changes = db.session.scalars(select(InspectorChange).where(InspectorChange.inspector_id == zhang.id)).all()
    assert {(c.field, c.new_value, c.effective_on, c.note) for c in changes} == {
        ("status", "调离", date(2021, 7, 1), "朔市监人〔2021〕8号"),
        ("specialties", "计量、价格", date(2021, 7, 1), "朔市监人〔2021〕8号"),
    }
    soup = client_request.get("inspectors.detail", inspector_id=zhang.id)
    assert soup.select_one("#history tr[data-field=status]") is not None
    assert soup.select_one("[data-not-eligible]") is not None

    # A law-enforcement inspector without a certificate number is refused, with the reason, nothing lost.
    form.update(certificate_number="", name="张伟伟")
    soup = client_request.post("inspectors.edit", _data=form, _expected_status=422, inspector_id=zhang.id)
    assert soup.select_one("#field-certificate_number .field__error") is not None
    assert soup.select_one("input[name=name]")["value"] == "张伟伟"


@pytest.mark.parametrize(
    "field,day",
    [("effective_on", "0001-01-01"), ("effective_on", "9999-12-31"), ("certificate_valid_until", "9999-12-31")],
)
def test_a_date_outside_the_apps_years_is_refused_keeping_the_form(db, client_request, roster, field, day):
    # A change back-dated to year 1 (or dated 9999) was saved into the inspector's history.
    zhang = roster[0]
    client_request.login("shuocheng-supervisor", "supervisor", "140602")
    form = edit_form(zhang, **{field: day})
    soup = client_request.post("inspectors.edit", _data=form, _expected_status=422, inspector_id=zhang.id)
    assert (
        soup.select_one(f"#field-{field} .field__error").get_text(strip=True) == "请输入 2000 年至 2100 年之间的日期。"
    )
    assert soup.select_one("input[name=note]")["value"] == "朔市监人〔2021〕8号"
    assert db.session.scalar(select(InspectorChange).where(InspectorChange.inspector_id == zhang.id)) is None


def test_the_same_conflict_declared_twice_is_recorded_once(app, db, client_request, roster):
    # A form sent twice (a double click) stored two identical declarations.
    subject = enterprise(7, "某超市")
    db.session.add(subject)
    db.session.commit()
    zhang = roster[0]
    client_request.login("shuocheng-supervisor", "supervisor", "140602")
    for data, field in (
        ({"subject_code": subject.ident, "reason": "亲属"}, "subject_code"),
        ({"person_name": "李四", "reason": "配偶"}, "person_name"),
    ):
        client_request.post("inspectors.add_conflict", _data=data, inspector_id=zhang.id)
        page = client_request.post("inspectors.add_conflict", _data=data, _expected_status=422, inspector_id=zhang.id)
        assert (
            page.select_one(f"#field-{field} .field__error").get_text(strip=True)
            == "该回避事项已经记录，无需重复登记。"
        )
        assert page.select_one(f"[name={field}]")["value"] == data[field]
    conflicts = db.session.scalar(select(Inspector).where(Inspector.id == zhang.id)).conflicts
    assert sorted((c.subject_id or 0, c.person_name or "") for c in conflicts) == [(0, "李四"), (subject.id, "")]


def test_declare_and_withdraw_a_conflict(app, db, client_request, roster):
    subject = enterprise(7, "某超市")
    db.session.add(subject)
    db.session.commit()
    zhang = roster[0]
    client_request.login("shuocheng-supervisor", "supervisor", "140602")
    for refused in ({"subject_code": "NOPE"}, {}):
        client_request.post("inspectors.add_conflict", _data=refused, _expected_status=422, inspector_id=zhang.id)
    client_request.post(
        "inspectors.add_conflict",
        _data={"subject_code": subject.ident.lower(), "reason": "亲属"},
        inspector_id=zhang.id,
    )
    page = client_request.get("inspectors.detail", inspector_id=zhang.id)
    assert "某超市" in page.select_one("#conflicts").get_text()
    conflict_id = db.session.scalar(select(Inspector).where(Inspector.id == zhang.id)).conflicts[0].id
    client_request.post("inspectors.remove_conflict", inspector_id=zhang.id, conflict_id=conflict_id)
    db.session.expire_all()
    assert db.session.get(Inspector, zhang.id).conflicts == []


def test_county_supervisor_only_reaches_her_bureau(app, db, client_request, roster):
    zhang, chen, *_ = roster
    client_request.login("shuocheng-supervisor", "supervisor", "140602")
    names = {a.get_text(strip=True) for a in client_request.get("inspectors.index").select(".subject-card__name")}
    assert names == {"张伟", "过期人"}
    client_request.get("inspectors.detail", inspector_id=zhang.id)
    client_request.get("inspectors.detail", _expected_status=404, inspector_id=chen.id)
    client_request.get("inspectors.edit", _expected_status=404, inspector_id=chen.id)
    form = {
        "name": "改名",
        "unit": str(chen.unit_id),
        "category": "law_enforcement",
        "certificate_number": "X",
        "certificate_valid_until": "2030-01-01",
        "status": "退休",
        "effective_on": "2021-07-01",
    }
    client_request.post("inspectors.edit", _data=form, _expected_status=404, inspector_id=chen.id)
    client_request.post(
        "inspectors.add_conflict", _data={"person_name": "某人"}, _expected_status=404, inspector_id=chen.id
    )
    # Nor can she move her own people into another bureau.
    form.update(unit=str(chen.unit_id), certificate_number=zhang.certificate_number)
    client_request.post("inspectors.edit", _data=form, _expected_status=422, inspector_id=zhang.id)
    db.session.expire_all()
    assert db.session.get(Inspector, chen.id).name == "陈磊" and db.session.get(Inspector, zhang.id).status == "在岗"


def test_link_a_login_account_from_the_edit_page(app, db, auth, client_request, roster):
    zhang, chen, *_ = roster
    auth.create("zhangwei", "inspector", "140602")
    auth.create("chenlei", "inspector", "140603")
    client_request.login("shuocheng-supervisor", "supervisor", "140602")
    form = edit_form(zhang, certificate_valid_until="2030-01-01", status="在岗", note="", account="zhangwei")
    client_request.post("inspectors.edit", _data=form, inspector_id=zhang.id)
    db.session.expire_all()
    assert db.session.get(Inspector, zhang.id).user.username == "zhangwei"
    page = client_request.get("inspectors.edit", inspector_id=zhang.id)
    assert page.select_one("input[name=account]")["value"] == "zhangwei"
    # Another county's account, or a name that does not exist: refused with the reason.
    for wrong in ("chenlei", "nobody"):
        page = client_request.post(
            "inspectors.edit", _data={**form, "account": wrong}, _expected_status=422, inspector_id=zhang.id
        )
        assert page.select_one("#field-account .field__error") is not None
    db.session.expire_all()
    assert db.session.get(Inspector, zhang.id).user.username == "zhangwei"


def test_roster_upload_for_city_level_supervisors(app, db, client, client_request, tmp_path):
    from io import BytesIO

    from fieldapp.jobs.models import Job

    path = write(tmp_path / "roster.csv", ROSTER)
    client_request.login("shuocheng-supervisor", "supervisor", "140602")
    client_request.get("inspectors.import_file", _expected_status=404)
    client_request.logout()
    client_request.login("city-supervisor", "supervisor", "city")
    response = client_request.post_response(
        "inspectors.import_file",
        _data={"file": (BytesIO(path.read_bytes()), "roster.csv")},
        _content_type="multipart/form-data",
    )
    # Imported by a job (inline in tests): its page counts, lists the first rejects and offers the file.
    job = db.session.scalar(select(Job))
    assert response.location == client_request.url_for("jobs.detail", job_id=job.id)
    soup = client_request.get("jobs.detail", job_id=job.id)
    assert len(soup.select("#job-progress tbody tr")) == 5
    link = soup.find("a", href=lambda h: h and h.endswith("rejects.csv"))
    assert len(client.get(link["href"]).data.decode("utf-8-sig").strip().splitlines()) == 1 + 5
    bad = client_request.post(
        "inspectors.import_file",
        _data={"file": (BytesIO("甲,乙\n1,2\n".encode()), "x.csv")},
        _content_type="multipart/form-data",
        _expected_status=422,
    )
    assert "姓名" in bad.select_one("[role=alert]").get_text()
    assert db.session.scalar(select(func.count()).select_from(Inspector)) == 4


def test_a_person_without_certificate_or_unit_is_refused_not_a_crash(app, db, tmp_path):
    # Without a certificate number people are found by name and unit, so the unit cannot be blank.
    rows = [ROSTER[0], ["赵专家", "", "", "", "计量", "在岗", "", "计量检定专家"], ROSTER[1]]
    report = import_roster_file(write(tmp_path / "roster.csv", rows), today=TODAY)
    assert (report.created, report.rejected) == (1, 1)
    assert [(r.line, r.reasons) for r in report.rejects] == [(2, ["缺少单位"])]
