"""Plan pages: who sees and changes what, task edits and versions, filing (备案), the public page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from fieldapp.auth.models import Unit
from fieldapp.plans.scope import clean_rule
from fieldapp.plans.importer import import_plan
from fieldapp.plans.models import Plan, PlanVersion, Task
from fieldapp.plans.operations import publish_plan
from factories.plans import HEADER, SEED, seed_rows, task_form, to_csv
from factories.plans import city_plan  # noqa: F401  (fixture: the seed plan, published)


def county_plan(db, code="140602", publish=True):
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    rows = seed_rows()[:3]
    plan = import_plan(to_csv([HEADER] + rows), "county.csv", year=2021, unit=unit).plan
    if publish:
        publish_plan(plan)
    db.session.commit()
    return plan


def edit(plan_id: int, number: int) -> dict:
    """The task edit page's endpoint and arguments, for ``client_request``."""
    return {"endpoint": "plans.edit_task", "plan_id": plan_id, "number": number}


def upload(client_request, data: dict, status: int):
    """Post the plan import form with its file."""
    return client_request.post(
        "plans.import_file", _data=data, _content_type="multipart/form-data", _expected_status=status
    )


# --- access -------------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_login(client_request, city_plan):
    login = client_request.url_for("auth.login")
    for endpoint, args in (
        ("plans.index", {}),
        ("plans.plan_detail", {"plan_id": city_plan.id}),
        ("plans.edit_task", {"plan_id": city_plan.id, "number": 1}),
        ("plans.import_file", {}),
        ("plans.filings", {}),
    ):
        response = client_request.get_response(endpoint, _expected_status=302, **args)
        assert response.location.startswith(login), endpoint
    response = client_request.post_response(**edit(city_plan.id, 1), _data={"name": "x"})
    assert response.location.startswith(login)


def test_inspectors_cannot_see_or_edit_plans(client_request, city_plan):
    client_request.login("inspector", "inspector", "140602")
    client_request.get("plans.index", _expected_status=403)
    client_request.get(**edit(city_plan.id, 1), _expected_status=403)
    task = city_plan.tasks[0]
    client_request.post(**edit(city_plan.id, 1), _data=task_form(task, name="改掉", reason="x"), _expected_status=403)
    client_request.post("plans.publish", plan_id=city_plan.id, _expected_status=403)


def test_a_county_supervisor_sees_her_plans_and_the_city_plan_not_another_county(client_request, db, city_plan):
    own = county_plan(db, "140602")
    other = county_plan(db, "140603")
    other_id = other.id
    client_request.login("shuocheng", "supervisor", "140602")
    page = client_request.get("plans.index")
    links = {a["href"] for a in page.select(".plan-card a")}
    detail = {
        plan_id: client_request.url_for("plans.plan_detail", plan_id=plan_id)
        for plan_id in (own.id, city_plan.id, other_id)
    }
    assert detail[own.id] in links and detail[city_plan.id] in links
    assert detail[other_id] not in links
    client_request.get("plans.plan_detail", plan_id=other_id, _expected_status=404)
    client_request.get(**edit(other_id, 1), _expected_status=404)
    other_task = db.session.scalar(select(Task).where(Task.plan_id == other_id, Task.number == 1))
    client_request.post(
        **edit(other_id, 1), _data=task_form(other_task, name="别人的计划", reason="x"), _expected_status=404
    )
    client_request.post("plans.file", plan_id=other_id, _data={"note": ""}, _expected_status=404)
    db.session.expire_all()
    assert db.session.get(Task, other_task.id).name != "别人的计划"
    # The city plan is read-only for her.
    page = client_request.get("plans.plan_detail", plan_id=city_plan.id)
    edit_link = client_request.url_for(**edit(city_plan.id, 1))
    assert page.select("ol.task-list > li") and not page.find("a", href=edit_link)
    client_request.get(**edit(city_plan.id, 1), _expected_status=403)
    client_request.post(**edit(city_plan.id, 1), _data=task_form(city_plan.tasks[0], reason="x"), _expected_status=403)
    client_request.get("plans.filings", _expected_status=403)


def test_city_supervisors_see_every_plan_but_do_not_edit_a_countys(client_request, db, city_plan):
    plan = county_plan(db, "140603")
    client_request.login("city", "supervisor", "city")
    links = {a["href"] for a in client_request.get("plans.index").select(".plan-card a")}
    assert {client_request.url_for("plans.plan_detail", plan_id=p) for p in (plan.id, city_plan.id)} <= links
    client_request.get("plans.plan_detail", plan_id=plan.id)
    client_request.get(**edit(plan.id, 1), _expected_status=403)


# --- the plan page --------------------------------------------------------------------------------


def test_plan_page_lists_tasks_items_and_marks_inherited_values(client_request, city_plan):
    client_request.login("city", "supervisor", "city")
    page = client_request.get("plans.plan_detail", plan_id=city_plan.id)
    tasks = page.select("ol.task-list > li.task")
    assert len(tasks) == 21
    task1 = page.find(id="task-1")
    assert len(task1.select("ol.item-list > li")) == 4
    task13 = page.find(id="task-13")
    assert task13.select_one('[data-inherited="name"]').get_text(strip=True) == "商标使用行为的检查"
    for number in (11, 12, 13, 20, 21):
        block = page.find(id=f"task-{number}")
        assert block.select_one('[data-inherited="initiator"]'), number
        assert block.select_one('[data-inherited="executor"]'), number
    assert not page.find(id="task-10").select("[data-inherited]")
    assert page.find(id="task-19").select_one('[data-field="ratio"]').get_text(strip=True) == "不低于5%，每年2次"
    # The original cells are shown as imported.
    cells = [dd.get_text() for dd in page.find(id="task-9").select(".source-cells dd")]
    assert "市局组织发起/质量监管库指导" in cells


# --- editing and versions ----------------------------------------------------------------------------


def test_editing_a_draft_needs_no_reason_and_keeps_one_version(client_request, db):
    plan = import_plan(SEED.read_bytes(), SEED.name).plan
    db.session.commit()
    task = plan.tasks[12]  # task 13, name inherited
    client_request.login("city", "supervisor", "city")
    page = client_request.get(**edit(plan.id, 13))
    assert page.find("input", {"name": "name"})["value"] == "商标使用行为的检查"
    assert {i["value"] for i in page.select('input[name="kinds"][checked]')} == {
        "enterprise",
        "individual",
        "cooperative",
    }
    page1 = client_request.get(**edit(plan.id, 1))
    ticked = [i["value"] for i in page1.select('input[name="tags"][checked]')]
    assert ticked == ["集贸市场", "加油站", "眼镜制配", "医疗机构", "检验检测机构"]
    assert page1.select_one("details.tag-group[open]")
    assert page.find("textarea", {"name": "items"}).get_text().strip() == task.items[0].text
    client_request.post(
        **edit(plan.id, 13),
        _data=task_form(task, name="集体商标、证明商标使用行为的检查", ratio_percent="25", window_end_month="10"),
    )
    db.session.expire_all()
    task = db.session.get(Task, task.id)
    assert task.name == "集体商标、证明商标使用行为的检查" and not task.is_inherited("name")
    assert task.ratio == Decimal("0.25") and task.window_end_month == 10
    assert task.is_inherited("initiator")  # untouched fields stay marked
    assert task.source_cells["抽查任务名称"] == ""  # the original is not rewritten
    assert db.session.scalar(select(PlanVersion).where(PlanVersion.plan_id == plan.id)) is None


@pytest.mark.parametrize("typed", ["NaN", "Infinity", "-inf"])
def test_a_ratio_that_is_no_number_is_refused_on_the_form(client_request, db, typed):
    plan = import_plan(SEED.read_bytes(), SEED.name).plan
    db.session.commit()
    task = plan.tasks[12]
    client_request.login("city", "supervisor", "city")
    page = client_request.post(**edit(plan.id, 13), _data=task_form(task, ratio_percent=typed), _expected_status=422)
    assert page.select_one("#field-ratio_percent .field__error")
    db.session.expire_all()
    assert db.session.get(Task, task.id).ratio == task.ratio


def test_editing_a_published_plan_needs_a_reason_and_makes_a_version(client_request, db, city_plan):
    task = city_plan.tasks[18]  # task 19
    client_request.login("city", "supervisor", "city")
    page = client_request.post(**edit(city_plan.id, 19), _data=task_form(task, ratio_percent="8"), _expected_status=422)
    assert page.select_one("#field-reason .field__error")
    assert page.find("input", {"name": "ratio_percent"})["value"] == "8"  # what was typed is kept
    db.session.expire_all()
    assert db.session.get(Task, task.id).ratio == Decimal("0.05")

    items = "\n".join(i.text for i in task.items) + "\n广告发布行为的检查"
    client_request.post(
        **edit(city_plan.id, 19),
        _data=task_form(task, ratio_percent="8", items=items, reason="省局要求提高高风险企业抽查比例"),
    )
    db.session.expire_all()
    plan = db.session.get(Plan, city_plan.id)
    assert plan.version == 2
    version = plan.versions[-1]
    assert version.reason == "省局要求提高高风险企业抽查比例"
    assert {c["field"] for c in version.changes} == {"ratio", "items"}
    assert version.snapshot["tasks"][18]["ratio"] == "0.08" and len(version.snapshot["tasks"][18]["items"]) == 6

    # The public page shows the current version and the history with the reason.
    client_request.logout()
    page = client_request.get("plans.public_plan", year=2021)
    assert page.find(id="task-19").select_one('[data-field="ratio"]').get_text(strip=True) == "不低于8%，每年2次"
    history = page.find(id="plan-history")
    assert "省局要求提高高风险企业抽查比例" in history.get_text()
    assert history.find(id="version-2") and history.find(id="version-1")


def test_invalid_edits_are_refused_with_messages(client_request, db, city_plan):
    task = city_plan.tasks[0]
    client_request.login("city", "supervisor", "city")
    page = client_request.post(
        **edit(city_plan.id, 1),
        _data=task_form(
            task, ratio_percent="", fixed_count="", window_start_month="11", window_end_month="4", reason="x"
        ),
        _expected_status=422,
    )
    assert page.select_one("#field-ratio_percent .field__error")
    assert page.select_one("#field-window_start_month .field__error")
    assert db.session.scalar(select(PlanVersion).where(PlanVersion.version == 2)) is None


def test_publishing_a_draft(client_request, db):
    plan = import_plan(SEED.read_bytes(), SEED.name).plan
    db.session.commit()
    client_request.get("plans.public_plan", year=2021, _expected_status=404)
    client_request.login("city", "supervisor", "city")
    client_request.post("plans.publish", plan_id=plan.id)
    db.session.expire_all()
    plan = db.session.get(Plan, plan.id)
    assert plan.is_published and [v.version for v in plan.versions] == [1]
    client_request.logout()
    client_request.get_response(
        "plans.public_latest",
        _expected_status=302,
        _expected_redirect=client_request.url_for("plans.public_plan", year=2021),
    )


# --- filing ------------------------------------------------------------------------------------------------


def test_a_county_files_its_plan_and_the_city_acknowledges_it(client_request, db):
    plan = county_plan(db, "140602")
    plan_id = plan.id
    client_request.login("shuocheng", "supervisor", "140602")
    client_request.post("plans.file", plan_id=plan_id, _data={"note": "按市局通知报备"})
    db.session.expire_all()
    plan = db.session.get(Plan, plan_id)
    assert (plan.filing_status, plan.filed_version, plan.filing_note) == ("filed", 1, "按市局通知报备")
    client_request.post("plans.acknowledge", plan_id=plan_id, _expected_status=403)  # not hers to acknowledge
    client_request.logout()

    client_request.login("city", "supervisor", "city")
    assert client_request.get("plans.index").find(id="filings-waiting").get_text(strip=True) == "1 份待确认"
    page = client_request.get("plans.filings")
    row = page.find(id=f"filing-{plan_id}")
    assert row["data-filing"] == "filed" and "朔城区市场监督管理局" in row.get_text()
    fragment = client_request.post(
        "plans.acknowledge", plan_id=plan_id, _headers={"HX-Request": "true"}, _expected_status=200
    )
    assert fragment.find("tr", id=f"filing-{plan_id}")["data-filing"] == "acknowledged"
    assert not fragment.find("html")
    db.session.expire_all()
    assert db.session.get(Plan, plan_id).filing_status == "acknowledged"
    client_request.logout()

    # An adjustment must be filed again.
    client_request.login("shuocheng", "supervisor", "140602")
    task = db.session.scalar(select(Task).where(Task.plan_id == plan_id, Task.number == 2))
    client_request.post(**edit(plan_id, 2), _data=task_form(task, ratio_percent="40", reason="本辖区机构较少"))
    db.session.expire_all()
    plan = db.session.get(Plan, plan_id)
    assert (plan.version, plan.filing_status, plan.filed_version) == (2, "not_filed", 1)
    page = client_request.get("plans.plan_detail", plan_id=plan_id)
    assert page.find("form", action=client_request.url_for("plans.file", plan_id=plan_id))


def test_a_draft_cannot_be_filed(client_request, db):
    plan = county_plan(db, "140602", publish=False)
    client_request.login("shuocheng", "supervisor", "140602")
    client_request.post_response("plans.file", plan_id=plan.id, _data={"note": ""}, _expected_status=None)
    db.session.expire_all()
    assert db.session.get(Plan, plan.id).filing_status == "not_filed"


@pytest.mark.parametrize("language,words", [("zh_CN", "2000"), ("en", "2000")])
def test_a_filing_note_too_long_is_refused_on_the_plan_page_keeping_the_note(client_request, db, language, words):
    # It was a bare redirect to the plan: not filed, no message, the note gone.
    plan = county_plan(db, "140602")
    client_request.login("shuocheng", "supervisor", "140602")
    client_request.post("core.set_language", _data={"lang": language, "next": "/"})
    note = "按市局通知报备" + "。" * 2000
    page = client_request.post("plans.file", plan_id=plan.id, _data={"note": note}, _expected_status=422)
    form = page.find("form", action=client_request.url_for("plans.file", plan_id=plan.id))
    assert (
        form.find("textarea", attrs={"name": "note"}).get_text().lstrip("\r\n") == note
    )  # (a browser drops the first newline)
    error = form.select_one(".field__error").get_text()
    assert words in error
    assert ("字" in error) == (language == "zh_CN")
    db.session.expire_all()
    assert db.session.get(Plan, plan.id).filing_status == "not_filed"


# --- the public page -----------------------------------------------------------------------------------


def test_public_plan_lists_the_21_tasks_in_chinese(client_request, city_plan):
    page = client_request.get("plans.public_plan", year=2021)
    assert page.html["lang"] == "zh-CN"
    tasks = page.select("#public-tasks ol.task-list > li.task")
    assert len(tasks) == 21
    first = page.find(id="task-1")
    assert "对在用计量器具的监督抽查" in first.h2.get_text()
    assert len(first.select("ol.item-list > li")) == 4
    assert first.select_one('[data-field="ratio"]').get_text(strip=True) == "不低于5%，每年1次"
    assert first.select_one('[data-field="window"]').get_text(strip=True) == "4月至11月"
    assert "各县区局" in first.select_one('[data-field="initiator"]').get_text()
    assert first.select_one('[data-field="executor"]').get_text(strip=True) == "市、县(区)级市场监管部门"
    assert page.find(id="task-4").select_one('[data-field="ratio"]').get_text(strip=True) == "100%，每年1次"
    assert len(page.find(id="task-17").select("ol.item-list > li")) == 10
    assert "朔市监〔2021〕26号" in page.select_one(".plan-meta").get_text()


def test_public_plan_in_english(client_request, city_plan):
    client_request.post("core.set_language", _data={"lang": "en", "next": "/"}, _expected_redirect="/")
    page = client_request.get("plans.public_plan", year=2021)
    assert (
        page.find(id="task-19").select_one('[data-field="ratio"]').get_text(strip=True) == "at least 5%, 2 times a year"
    )
    assert page.find(id="task-1").select_one('[data-field="window"]').get_text(strip=True) == "Apr to Nov"


def test_public_search_filters_tasks_and_answers_htmx_with_a_fragment(client_request, city_plan):
    page = client_request.get("plans.public_plan", year=2021, q="加油站")
    assert [li["id"] for li in page.select("#public-tasks li.task")] == ["task-1"]
    fragment = client_request.get(
        "plans.public_plan", year=2021, q="商标", _headers={"HX-Request": "true", "HX-Target": "public-tasks"}
    )
    assert not fragment.find("html")
    assert {li["id"] for li in fragment.select("li.task")} >= {"task-10", "task-12", "task-13"}


def test_no_public_plan_yet(client_request, db):
    client_request.get("plans.public_latest", _expected_status=404)
    client_request.get("plans.public_plan", year=2021, _expected_status=404)
    import_plan(SEED.read_bytes(), SEED.name)
    db.session.commit()
    client_request.get("plans.public_plan", year=2021, _expected_status=404)  # a draft is not public


def test_upload_page_imports_a_file(client_request, db):
    import io

    client_request.login("shuocheng", "supervisor", "140602")
    data = {"file": (io.BytesIO(to_csv([HEADER] + seed_rows())), "plan.csv"), "year": "2021"}
    page = upload(client_request, data, 200)
    assert page.find(id="import-report")
    plan = db.session.scalar(select(Plan))
    assert plan.unit.code == "140602" and len(plan.tasks) == 21
    upload(client_request, {"file": (io.BytesIO(b""), "empty.csv"), "year": "2021"}, 422)
    data = {"file": (io.BytesIO(to_csv(seed_rows())), "plan.csv"), "year": "2021"}
    assert "没有找到表头" in upload(client_request, data, 422).find(id="import-error").get_text()
    assert len(db.session.scalar(select(Plan)).tasks) == 21


def test_a_county_plan_is_public_once_published(client_request, db, city_plan):
    draft = county_plan(db, "140603", publish=False)
    client_request.get("plans.public_unit_plan", year=2021, unit_code="140603", _expected_status=404)
    publish_plan(draft)
    db.session.commit()
    page = client_request.get("plans.public_unit_plan", year=2021, unit_code="140603")
    assert "平鲁区市场监督管理局" in page.h1.get_text()
    assert len(page.select("#public-tasks li.task")) == 3
    county_url = client_request.url_for("plans.public_unit_plan", year=2021, unit_code="140603")
    assert page.select_one("form.search-form")["action"] == county_url
    city_page = client_request.get("plans.public_plan", year=2021)
    assert city_page.select_one(f'.other-plans a[href="{county_url}"]')
    # the city plan has its own address; no such unit
    client_request.get("plans.public_unit_plan", year=2021, unit_code="city", _expected_status=404)
    client_request.get("plans.public_unit_plan", year=2021, unit_code="nowhere", _expected_status=404)


def test_adding_a_task_to_a_published_plan(client_request, db, city_plan):
    client_request.login("city", "supervisor", "city")
    page = client_request.get("plans.new_task", plan_id=city_plan.id)
    from fieldapp.subjects.vocabulary import tag_vocabulary

    assert len(page.select('input[name="tags"]')) == len(tag_vocabulary()) and not page.select(
        'input[name="tags"][checked]'
    )
    data = {
        "name": "对加油站计量的专项抽查",
        "kind": "targeted",
        "items": "加油机是否按周期检定\n铅封是否完好",
        "scope": "本辖区加油站",
        "tags": ["加油站"],
        "ratio_percent": "10",
        "ratio_is_floor": "y",
        "rounds_per_year": "1",
        "window_start_month": "5",
        "window_end_month": "9",
        "initiator": "市局",
        "guiding_department": "计量科",
        "executor": "县（区）级市场监管部门",
        "executes_county": "y",
    }
    page = client_request.post("plans.new_task", plan_id=city_plan.id, _data=data, _expected_status=422)
    assert page.select_one("#field-reason .field__error")
    response = client_request.post_response(
        "plans.new_task", plan_id=city_plan.id, _data={**data, "reason": "省局部署加油站专项"}
    )
    assert response.location.endswith("#task-22")
    db.session.expire_all()
    task = db.session.scalar(select(Task).where(Task.plan_id == city_plan.id, Task.number == 22))
    assert [i.text for i in task.items] == ["加油机是否按周期检定", "铅封是否完好"]
    assert task.scope_rule == clean_rule(
        {"kinds": [], "tags_any": ["加油站"], "status": "在业", "past_business_term": False}
    )
    assert task.scope_rule["confirmed"] is False  # a new task's rules still need confirming
    assert task.ratio == Decimal("0.1") and (task.window_start_month, task.window_end_month) == (5, 9)
    plan = db.session.get(Plan, city_plan.id)
    assert plan.version == 2 and plan.versions[-1].changes[0]["field"] == "task"
    page = client_request.get("plans.public_plan", year=2021)
    assert len(page.select("#public-tasks li.task")) == 22
    assert "省局部署加油站专项" in page.find(id="plan-history").get_text()


def test_check_an_upload_before_importing_it(client_request, db, city_plan):
    import io

    client_request.login("city", "supervisor", "city")
    changed = SEED.read_text(encoding="utf-8").replace("不低于5%，2次/年", "不低于8%，2次/年").encode()
    report = upload(client_request, {"file": (io.BytesIO(changed), SEED.name), "action": "check"}, 200).find(
        id="import-report"
    )
    assert report["data-checked"] == "true"
    assert "8%" in report.select_one(".change-list").get_text()
    db.session.expire_all()
    assert db.session.get(Plan, city_plan.id).version == 1
    assert db.session.scalar(select(Task).where(Task.number == 19)).ratio == Decimal("0.05")
    data = {"file": (io.BytesIO(changed), SEED.name), "action": "import", "reason": "省局调整"}
    assert upload(client_request, data, 200).find(id="import-report")["data-checked"] == "false"
    db.session.expire_all()
    assert db.session.get(Plan, city_plan.id).version == 2
