"""Plan pages: who sees and changes what, task edits and versions, filing (备案), the public page."""

from __future__ import annotations

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from fieldapp.auth.models import Unit
from fieldapp.plans.scope import clean_rule
from fieldapp.plans.importer import import_plan
from fieldapp.plans.models import Plan, PlanVersion, Task
from fieldapp.plans.operations import publish_plan
from factories.plans import HEADER, SEED, seed_rows, to_csv


def soup(response):
    return BeautifulSoup(response.data, "html.parser")


@pytest.fixture
def city_plan(db):
    plan = import_plan(SEED.read_bytes(), SEED.name).plan
    publish_plan(plan)
    db.session.commit()
    return plan


def county_plan(db, code="140602", publish=True):
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    rows = seed_rows()[:3]
    plan = import_plan(to_csv([HEADER] + rows), "county.csv", year=2021, unit=unit).plan
    if publish:
        publish_plan(plan)
    db.session.commit()
    return plan


def task_form(task, **overrides):
    """The edit form's fields as a browser would post them, from the task as it stands."""
    rule = task.scope_rule or {}
    data = {
        "name": task.name,
        "kind": task.kind,
        "items": "\n".join(i.text for i in task.items),
        "scope": task.scope,
        "kinds": list(rule.get("kinds") or []),
        "tags": list(rule.get("tags_any") or []),
        "ratio_percent": str((task.ratio * 100).normalize()) if task.ratio is not None else "",
        "fixed_count": task.fixed_count or "",
        "rounds_per_year": task.rounds_per_year,
        "window_start_month": task.window_start_month or "",
        "window_end_month": task.window_end_month or "",
        "initiator": task.initiator,
        "guiding_department": task.guiding_department,
        "executor": task.executor,
        "reason": "",
    }
    for flag in ("ratio_is_floor", "executes_city", "executes_county"):
        if getattr(task, flag):
            data[flag] = "y"
    if rule.get("past_business_term"):
        data["past_business_term"] = "y"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- access -------------------------------------------------------------------------------------


def test_anonymous_users_are_sent_to_login(client, city_plan):
    for url in (
        "/plans",
        f"/plans/{city_plan.id}",
        f"/plans/{city_plan.id}/tasks/1/edit",
        "/plans/import",
        "/plans/filings",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
    response = client.post(f"/plans/{city_plan.id}/tasks/1/edit", data={"name": "x"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_inspectors_cannot_see_or_edit_plans(client, auth, city_plan):
    auth.login("inspector", "inspector", "140602")
    assert client.get("/plans").status_code == 403
    assert client.get(f"/plans/{city_plan.id}/tasks/1/edit").status_code == 403
    task = city_plan.tasks[0]
    response = client.post(f"/plans/{city_plan.id}/tasks/1/edit", data=task_form(task, name="改掉", reason="x"))
    assert response.status_code == 403
    assert client.post(f"/plans/{city_plan.id}/publish").status_code == 403


def test_a_county_supervisor_sees_her_plans_and_the_city_plan_not_another_county(client, auth, db, city_plan):
    own = county_plan(db, "140602")
    other = county_plan(db, "140603")
    other_id = other.id
    auth.login("shuocheng", "supervisor", "140602")
    page = soup(client.get("/plans"))
    links = {a["href"] for a in page.select(".plan-card a")}
    assert f"/plans/{own.id}" in links and f"/plans/{city_plan.id}" in links
    assert f"/plans/{other_id}" not in links
    assert client.get(f"/plans/{other_id}").status_code == 404
    assert client.get(f"/plans/{other_id}/tasks/1/edit").status_code == 404
    other_task = db.session.scalar(select(Task).where(Task.plan_id == other_id, Task.number == 1))
    response = client.post(f"/plans/{other_id}/tasks/1/edit", data=task_form(other_task, name="别人的计划", reason="x"))
    assert response.status_code == 404
    assert client.post(f"/plans/{other_id}/file", data={"note": ""}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Task, other_task.id).name != "别人的计划"
    # The city plan is read-only for her.
    page = soup(client.get(f"/plans/{city_plan.id}"))
    assert page.select("ol.task-list > li") and not page.find("a", href=f"/plans/{city_plan.id}/tasks/1/edit")
    assert client.get(f"/plans/{city_plan.id}/tasks/1/edit").status_code == 403
    assert (
        client.post(f"/plans/{city_plan.id}/tasks/1/edit", data=task_form(city_plan.tasks[0], reason="x")).status_code
        == 403
    )
    assert client.get("/plans/filings").status_code == 403


def test_city_supervisors_see_every_plan_but_do_not_edit_a_countys(client, auth, db, city_plan):
    plan = county_plan(db, "140603")
    auth.login("city", "supervisor", "city")
    links = {a["href"] for a in soup(client.get("/plans")).select(".plan-card a")}
    assert {f"/plans/{plan.id}", f"/plans/{city_plan.id}"} <= links
    assert client.get(f"/plans/{plan.id}").status_code == 200
    assert client.get(f"/plans/{plan.id}/tasks/1/edit").status_code == 403


# --- the plan page --------------------------------------------------------------------------------


def test_plan_page_lists_tasks_items_and_marks_inherited_values(client, auth, city_plan):
    auth.login("city", "supervisor", "city")
    page = soup(client.get(f"/plans/{city_plan.id}"))
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


def test_editing_a_draft_needs_no_reason_and_keeps_one_version(client, auth, db):
    plan = import_plan(SEED.read_bytes(), SEED.name).plan
    db.session.commit()
    task = plan.tasks[12]  # task 13, name inherited
    auth.login("city", "supervisor", "city")
    page = soup(client.get(f"/plans/{plan.id}/tasks/13/edit"))
    assert page.find("input", {"name": "name"})["value"] == "商标使用行为的检查"
    assert {i["value"] for i in page.select('input[name="kinds"][checked]')} == {
        "enterprise",
        "individual",
        "cooperative",
    }
    page1 = soup(client.get(f"/plans/{plan.id}/tasks/1/edit"))
    ticked = [i["value"] for i in page1.select('input[name="tags"][checked]')]
    assert ticked == ["集贸市场", "加油站", "眼镜制配", "医疗机构", "检验检测机构"]
    assert page1.select_one("details.tag-group[open]")
    assert page.find("textarea", {"name": "items"}).get_text().strip() == task.items[0].text
    response = client.post(
        f"/plans/{plan.id}/tasks/13/edit",
        data=task_form(task, name="集体商标、证明商标使用行为的检查", ratio_percent="25", window_end_month="10"),
    )
    assert response.status_code == 302
    db.session.expire_all()
    task = db.session.get(Task, task.id)
    assert task.name == "集体商标、证明商标使用行为的检查" and not task.is_inherited("name")
    assert task.ratio == Decimal("0.25") and task.window_end_month == 10
    assert task.is_inherited("initiator")  # untouched fields stay marked
    assert task.source_cells["抽查任务名称"] == ""  # the original is not rewritten
    assert db.session.scalar(select(PlanVersion).where(PlanVersion.plan_id == plan.id)) is None


@pytest.mark.parametrize("typed", ["NaN", "Infinity", "-inf"])
def test_a_ratio_that_is_no_number_is_refused_on_the_form(client, auth, db, typed):
    plan = import_plan(SEED.read_bytes(), SEED.name).plan
    db.session.commit()
    task = plan.tasks[12]
    auth.login("city", "supervisor", "city")
    response = client.post(f"/plans/{plan.id}/tasks/13/edit", data=task_form(task, ratio_percent=typed))
    assert response.status_code == 422
    assert soup(response).select_one("#field-ratio_percent .field__error")
    db.session.expire_all()
    assert db.session.get(Task, task.id).ratio == task.ratio


def test_editing_a_published_plan_needs_a_reason_and_makes_a_version(client, auth, db, city_plan):
    task = city_plan.tasks[18]  # task 19
    auth.login("city", "supervisor", "city")
    url = f"/plans/{city_plan.id}/tasks/19/edit"
    response = client.post(url, data=task_form(task, ratio_percent="8"))
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#field-reason .field__error")
    assert page.find("input", {"name": "ratio_percent"})["value"] == "8"  # what was typed is kept
    db.session.expire_all()
    assert db.session.get(Task, task.id).ratio == Decimal("0.05")

    items = "\n".join(i.text for i in task.items) + "\n广告发布行为的检查"
    response = client.post(
        url, data=task_form(task, ratio_percent="8", items=items, reason="省局要求提高高风险企业抽查比例")
    )
    assert response.status_code == 302
    db.session.expire_all()
    plan = db.session.get(Plan, city_plan.id)
    assert plan.version == 2
    version = plan.versions[-1]
    assert version.reason == "省局要求提高高风险企业抽查比例"
    assert {c["field"] for c in version.changes} == {"ratio", "items"}
    assert version.snapshot["tasks"][18]["ratio"] == "0.08" and len(version.snapshot["tasks"][18]["items"]) == 6

    # The public page shows the current version and the history with the reason.
    client.post("/logout")
    page = soup(client.get("/public/plan/2021"))
    assert page.find(id="task-19").select_one('[data-field="ratio"]').get_text(strip=True) == "不低于8%，每年2次"
    history = page.find(id="plan-history")
    assert "省局要求提高高风险企业抽查比例" in history.get_text()
    assert history.find(id="version-2") and history.find(id="version-1")


def test_invalid_edits_are_refused_with_messages(client, auth, db, city_plan):
    task = city_plan.tasks[0]
    auth.login("city", "supervisor", "city")
    url = f"/plans/{city_plan.id}/tasks/1/edit"
    response = client.post(
        url,
        data=task_form(
            task, ratio_percent="", fixed_count="", window_start_month="11", window_end_month="4", reason="x"
        ),
    )
    assert response.status_code == 422
    page = soup(response)
    assert page.select_one("#field-ratio_percent .field__error")
    assert page.select_one("#field-window_start_month .field__error")
    assert db.session.scalar(select(PlanVersion).where(PlanVersion.version == 2)) is None


def test_publishing_a_draft(client, auth, db):
    plan = import_plan(SEED.read_bytes(), SEED.name).plan
    db.session.commit()
    assert client.get("/public/plan/2021").status_code == 404
    auth.login("city", "supervisor", "city")
    assert client.post(f"/plans/{plan.id}/publish").status_code == 302
    db.session.expire_all()
    plan = db.session.get(Plan, plan.id)
    assert plan.is_published and [v.version for v in plan.versions] == [1]
    client.post("/logout")
    assert client.get("/public/plan").headers["Location"].endswith("/public/plan/2021")


# --- filing ------------------------------------------------------------------------------------------------


def test_a_county_files_its_plan_and_the_city_acknowledges_it(client, auth, db):
    plan = county_plan(db, "140602")
    plan_id = plan.id
    auth.login("shuocheng", "supervisor", "140602")
    assert client.post(f"/plans/{plan_id}/file", data={"note": "按市局通知报备"}).status_code == 302
    db.session.expire_all()
    plan = db.session.get(Plan, plan_id)
    assert (plan.filing_status, plan.filed_version, plan.filing_note) == ("filed", 1, "按市局通知报备")
    assert client.post(f"/plans/{plan_id}/acknowledge").status_code == 403  # not hers to acknowledge
    client.post("/logout")

    auth.login("city", "supervisor", "city")
    assert soup(client.get("/plans")).find(id="filings-waiting").get_text(strip=True) == "1 份待确认"
    page = soup(client.get("/plans/filings"))
    row = page.find(id=f"filing-{plan_id}")
    assert row["data-filing"] == "filed" and "朔城区市场监督管理局" in row.get_text()
    response = client.post(f"/plans/{plan_id}/acknowledge", headers={"HX-Request": "true"})
    fragment = soup(response)
    assert fragment.find("tr", id=f"filing-{plan_id}")["data-filing"] == "acknowledged"
    assert not fragment.find("html")
    db.session.expire_all()
    assert db.session.get(Plan, plan_id).filing_status == "acknowledged"
    client.post("/logout")

    # An adjustment must be filed again.
    auth.login("shuocheng", "supervisor", "140602")
    task = db.session.scalar(select(Task).where(Task.plan_id == plan_id, Task.number == 2))
    client.post(f"/plans/{plan_id}/tasks/2/edit", data=task_form(task, ratio_percent="40", reason="本辖区机构较少"))
    db.session.expire_all()
    plan = db.session.get(Plan, plan_id)
    assert (plan.version, plan.filing_status, plan.filed_version) == (2, "not_filed", 1)
    page = soup(client.get(f"/plans/{plan_id}"))
    assert page.find("form", action=f"/plans/{plan_id}/file")


def test_a_draft_cannot_be_filed(client, auth, db):
    plan = county_plan(db, "140602", publish=False)
    auth.login("shuocheng", "supervisor", "140602")
    client.post(f"/plans/{plan.id}/file", data={"note": ""})
    db.session.expire_all()
    assert db.session.get(Plan, plan.id).filing_status == "not_filed"


# --- the public page -----------------------------------------------------------------------------------


def test_public_plan_lists_the_21_tasks_in_chinese(client, city_plan):
    response = client.get("/public/plan/2021")
    assert response.status_code == 200
    page = soup(response)
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


def test_public_plan_in_english(client, city_plan):
    client.post("/language", data={"lang": "en", "next": "/"})
    page = soup(client.get("/public/plan/2021"))
    assert (
        page.find(id="task-19").select_one('[data-field="ratio"]').get_text(strip=True) == "at least 5%, 2 times a year"
    )
    assert page.find(id="task-1").select_one('[data-field="window"]').get_text(strip=True) == "Apr to Nov"


def test_public_search_filters_tasks_and_answers_htmx_with_a_fragment(client, city_plan):
    page = soup(client.get("/public/plan/2021?q=加油站"))
    assert [li["id"] for li in page.select("#public-tasks li.task")] == ["task-1"]
    response = client.get("/public/plan/2021?q=商标", headers={"HX-Request": "true", "HX-Target": "public-tasks"})
    fragment = soup(response)
    assert not fragment.find("html")
    assert {li["id"] for li in fragment.select("li.task")} >= {"task-10", "task-12", "task-13"}


def test_no_public_plan_yet(client, db):
    assert client.get("/public/plan").status_code == 404
    assert client.get("/public/plan/2021").status_code == 404
    import_plan(SEED.read_bytes(), SEED.name)
    db.session.commit()
    assert client.get("/public/plan/2021").status_code == 404  # a draft is not public


def test_upload_page_imports_a_file(client, auth, db):
    import io

    auth.login("shuocheng", "supervisor", "140602")
    data = {"file": (io.BytesIO(to_csv([HEADER] + seed_rows())), "plan.csv"), "year": "2021"}
    response = client.post("/plans/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    page = soup(response)
    assert page.find(id="import-report")
    plan = db.session.scalar(select(Plan))
    assert plan.unit.code == "140602" and len(plan.tasks) == 21
    response = client.post(
        "/plans/import",
        data={"file": (io.BytesIO(b""), "empty.csv"), "year": "2021"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    data = {"file": (io.BytesIO(to_csv(seed_rows())), "plan.csv"), "year": "2021"}
    response = client.post("/plans/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 422 and "没有找到表头" in soup(response).find(id="import-error").get_text()
    assert len(db.session.scalar(select(Plan)).tasks) == 21


def test_a_county_plan_is_public_once_published(client, db, city_plan):
    draft = county_plan(db, "140603", publish=False)
    assert client.get("/public/plan/2021/140603").status_code == 404
    publish_plan(draft)
    db.session.commit()
    page = soup(client.get("/public/plan/2021/140603"))
    assert "平鲁区市场监督管理局" in page.h1.get_text()
    assert len(page.select("#public-tasks li.task")) == 3
    assert page.select_one("form.search-form")["action"] == "/public/plan/2021/140603"
    city_page = soup(client.get("/public/plan/2021"))
    assert city_page.select_one('.other-plans a[href="/public/plan/2021/140603"]')
    assert client.get("/public/plan/2021/city").status_code == 404  # the city plan has its own address
    assert client.get("/public/plan/2021/nowhere").status_code == 404


def test_adding_a_task_to_a_published_plan(client, auth, db, city_plan):
    auth.login("city", "supervisor", "city")
    url = f"/plans/{city_plan.id}/tasks/new"
    page = soup(client.get(url))
    assert len(page.select('input[name="tags"]')) == 39 and not page.select('input[name="tags"][checked]')
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
    response = client.post(url, data=data)
    assert response.status_code == 422 and soup(response).select_one("#field-reason .field__error")
    response = client.post(url, data={**data, "reason": "省局部署加油站专项"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#task-22")
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
    page = soup(client.get("/public/plan/2021"))
    assert len(page.select("#public-tasks li.task")) == 22
    assert "省局部署加油站专项" in page.find(id="plan-history").get_text()


def test_check_an_upload_before_importing_it(client, auth, db, city_plan):
    import io

    auth.login("city", "supervisor", "city")
    changed = SEED.read_text(encoding="utf-8").replace("不低于5%，2次/年", "不低于8%，2次/年").encode()
    data = {"file": (io.BytesIO(changed), SEED.name), "action": "check"}
    response = client.post("/plans/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 200
    report = soup(response).find(id="import-report")
    assert report["data-checked"] == "true"
    assert "8%" in report.select_one(".change-list").get_text()
    db.session.expire_all()
    assert db.session.get(Plan, city_plan.id).version == 1
    assert db.session.scalar(select(Task).where(Task.number == 19)).ratio == Decimal("0.05")
    data = {"file": (io.BytesIO(changed), SEED.name), "action": "import", "reason": "省局调整"}
    response = client.post("/plans/import", data=data, content_type="multipart/form-data")
    assert response.status_code == 200 and soup(response).find(id="import-report")["data-checked"] == "false"
    db.session.expire_all()
    assert db.session.get(Plan, city_plan.id).version == 2
