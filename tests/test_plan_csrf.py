"""With CSRF protection on, as in production: every plan form carries the token; posts without it fail."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from fieldapp.plans.importer import import_plan
from fieldapp.plans.models import Task
from fieldapp.plans.operations import publish_plan
from factories.plans import SEED


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def city_plan(db):
    plan = import_plan(SEED.read_bytes(), SEED.name).plan
    publish_plan(plan)
    db.session.commit()
    return plan


def login(client, auth):
    auth.create("city", "supervisor", "city")
    page = BeautifulSoup(client.get("/login").data, "html.parser")
    token = page.find("input", {"name": "csrf_token"})["value"]
    response = client.post("/login", data={"username": "city", "password": auth.PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_pages_carry_the_token_and_no_inline_script_or_style(client, auth, city_plan):
    login(client, auth)
    for url in (
        "/plans",
        f"/plans/{city_plan.id}",
        f"/plans/{city_plan.id}/tasks/1/edit",
        "/plans/import",
        "/plans/filings",
        "/public/plan/2021",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        page = BeautifulSoup(response.data, "html.parser")
        assert all(s.get("src") for s in page.find_all("script")), url
        assert not page.select("[style]"), url
        for form in page.find_all("form", method="post"):
            assert form.find("input", {"name": "csrf_token"}), (url, form.get("action"))


def test_a_post_without_the_token_is_refused(client, auth, db, city_plan):
    login(client, auth)
    task = city_plan.tasks[0]
    response = client.post(f"/plans/{city_plan.id}/tasks/1/edit", data={"name": "无令牌的修改", "reason": "x"})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.scalar(select(Task).where(Task.id == task.id)).name == "对在用计量器具的监督抽查"
