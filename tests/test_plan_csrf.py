"""With CSRF protection on, as in production: every plan form carries the token; posts without it fail."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from fieldapp.plans.models import Task
from factories.plans import city_plan  # noqa: F401  (fixture: the seed plan, published)


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}


def login(client_request, auth):
    auth.create("city", "supervisor", "city")
    token = client_request.get("auth.login").find("input", {"name": "csrf_token"})["value"]
    client_request.post("auth.login", _data={"username": "city", "password": auth.PASSWORD, "csrf_token": token})


def test_pages_carry_the_token_and_no_inline_script_or_style(client_request, auth, city_plan):
    login(client_request, auth)
    for url, args in (
        ("plans.index", {}),
        ("plans.plan_detail", {"plan_id": city_plan.id}),
        ("plans.edit_task", {"plan_id": city_plan.id, "number": 1}),
        ("plans.import_file", {}),
        ("plans.filings", {}),
        ("plans.public_plan", {"year": 2021}),
    ):
        page = client_request.get(url, **args)
        assert all(s.get("src") for s in page.find_all("script")), url
        assert not page.select("[style]"), url
        for form in page.find_all("form", method="post"):
            assert form.find("input", {"name": "csrf_token"}), (url, form.get("action"))


def test_a_post_without_the_token_is_refused(client_request, auth, db, city_plan):
    login(client_request, auth)
    task = city_plan.tasks[0]
    client_request.post_response(
        "plans.edit_task",
        plan_id=city_plan.id,
        number=1,
        _data={"name": "无令牌的修改", "reason": "x"},
        _expected_status=400,
    )
    db.session.expire_all()
    assert db.session.scalar(select(Task).where(Task.id == task.id)).name == "对在用计量器具的监督抽查"
