"""The phone's visit form reports every refusal at once: a wrong answer comes with the missing
signatures, not only after they are given (Playwright, Debian's Chromium)."""

from __future__ import annotations

import shutil

import pytest
import yaml
from sqlalchemy import select

from fieldapp.extensions import db as _db
from fieldapp.inspections.models import Submission
from factories.inspection import CHECKLIST_DIR
from phone_app import phone, phone_page, world  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

CHECKLIST = "fuel-dispensers-test.yaml"


@pytest.fixture
def app_config(tmp_path_factory):
    """The test checklists, the fuel dispensers' one with a date item (the last verification)."""
    folder = tmp_path_factory.mktemp("checklists")
    shutil.copytree(CHECKLIST_DIR, folder, dirs_exist_ok=True)
    definition = yaml.safe_load((folder / CHECKLIST).read_text(encoding="utf-8"))
    definition["sections"][0]["items"].append(
        {"id": "verified_on", "type": "date", "label": {"zh": "最近检定日期", "en": "Last verification"}}
    )
    (folder / CHECKLIST).write_text(yaml.safe_dump(definition, allow_unicode=True), encoding="utf-8")
    return {"CHECKLISTS_DIR": str(folder)}


def test_a_wrong_date_is_reported_with_the_missing_signatures(world, live_server, phone_page):
    page = phone_page
    live_server.sign_in(page, "zhang")
    page.goto(live_server.url_for("inspections.visit_form", visit_id=world.visit.id))
    page.wait_for_selector("form[data-ready=true]")
    p = f"a.{world.task.id}.fuel-dispensers-test."
    page.locator(f'input[name="{p}pledge"][value="符合"]').check()
    page.locator(f'input[name="{p}seals"][value="符合"]').check()
    page.fill(f'input[name="{p}verified_on"]', "2999-01-01")  # beyond the date field's range
    page.click("[data-submit-visit]")
    errors = page.locator("[data-form-errors]")
    errors.wait_for(state="visible")
    text = errors.inner_text()
    assert "每位检查人员都必须签字。" in text
    assert "最近检定日期：请填写 1900-01-01 至 2100-12-31 之间的完整日期。" in text
    assert page.locator(f'.cl-item--error:has(input[name="{p}verified_on"])').count() == 1
    assert _db.session.scalars(select(Submission)).all() == []
