"""Acceptance on a phone: a visit merging three tasks — one with a finding, one clean, one whose
business the shop does not carry on (未发现开展本次抽查涉及的经营活动) — is filled in, sent,
approved and published; each public record, .xlsx row and open-data row carries its own result."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from fieldapp.extensions import db as _db
from fieldapp.publication import operations as publication
from fieldapp.publication.exports import national_xlsx
from fieldapp.publication.models import PublishedResult
from fieldapp.review import operations as review
from factories.inspection import add_merged_tasks, build_world
from factories.inspection import app_config  # noqa: F401  (fixtures: the test checklists)
from phone_app import phone, phone_page, sign, submit, wait_for_complete  # noqa: F401

pytestmark = pytest.mark.browser


@pytest.fixture
def world(app, auth):
    w = add_merged_tasks(build_world(auth))
    return w


def suggested(page, task_id: int) -> str:
    return page.locator(f'[data-task-result="{task_id}"] [data-suggested-text]').inner_text()


def test_a_merged_visit_publishes_one_result_per_task(world, live_server, phone_page, app, auth, client_request):
    page = phone_page
    live_server.sign_in(page, "zhang")
    page.goto(live_server.url_for("inspections.visit_form", visit_id=world.visit.id))
    page.wait_for_selector("form[data-ready=true]")
    fuel, marks, certs = world.task.id, world.marks.id, world.certs.id
    p = f"a.{fuel}.fuel-dispensers-test."
    page.locator(f'input[name="{p}pledge"][value="符合"]').check()
    page.locator(f'input[name="{p}seals"][value="不符合"]').check()
    page.fill(f'input[name="{p}dispenser-0-serial"]', "JJ-2019-001")
    page.fill(f'input[name="{p}dispenser-0-error_pct"]', "0.12")
    page.locator(f'input[name="a.{marks}.marks-test.licensed_use"][value="符合"]').check()
    # Each task's block reads only its own checklists.
    assert suggested(page, fuel) == "发现问题待后续处理"
    assert suggested(page, marks) == "未发现问题"
    assert "加油机铅封" in page.locator(f'[data-task-result="{fuel}"] [data-findings]').inner_text()
    # No certification business here: the task's checklist goes away and asks nothing.
    page.locator(f'input[name="no_activity.{certs}"]').check()
    assert page.locator(f'[data-task-id="{certs}"] [data-task-checklists]').is_hidden()
    page.fill("#rep-name", "王五")
    sign(page, "lead.0")
    sign(page, "member.1", dx=5)
    sign(page, "representative", dx=9)
    page.wait_for_function("() => document.querySelector('input[name=lat]').value !== ''")
    page.wait_for_timeout(300)
    submit(page, live_server)
    [submission] = wait_for_complete(app, page)
    assert page.errors == []

    supervisor = auth.create("shuocheng-sup", "supervisor", "140602")
    results = review.approve(submission.id, submission.lock_version, supervisor)
    publication.publish(results, supervisor)
    _db.session.commit()
    expected = {
        world.task.name: "发现问题待后续处理",
        world.marks.name: "未发现问题",
        world.certs.name: "未发现开展本次抽查涉及的经营活动",
    }

    records = _db.session.scalars(select(PublishedResult)).all()
    assert {r.task_name: r.result_label for r in records} == expected
    for record in records:  # the public page, on the phone
        page.goto(live_server.url_for("publication.public_record", public_id=record.public_id))
        assert page.locator('[data-field="task_name"]').inner_text() == record.task_name
        assert page.locator('[data-field="result_label"]').inner_text() == expected[record.task_name]

    sheet = load_workbook(io.BytesIO(national_xlsx(records))).active
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, (c.value for c in row))) for row in sheet.iter_rows(min_row=2)]
    assert {r["任务名称"]: r["检查结果"] for r in rows} == expected
    assert len({(r["检查对象名称"], r["检查完成日期"], r["任务名称"]) for r in rows}) == 3  # distinguishable rows
    text = client_request.get_response("publication.open_data_csv").get_data(as_text=True).lstrip("\ufeff")
    assert {r["抽查任务"]: r["检查结果"] for r in csv.DictReader(io.StringIO(text))} == expected
    open_json = client_request.get_response("publication.open_data_json").json
    assert {r["task_name"]: r["result"] for r in open_json["results"]} == expected
