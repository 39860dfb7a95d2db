"""Ratios by credit class typed on the task's edit form (a plain form post: no script), read by the
importer's own reading (``class_ratios.read_typed``): the same ratio, multipliers and per-class
ratios as the same words in a plan's ratio cell, stored unconfirmed and asked about on the scope
page as an imported reading is; text that cannot be read is refused with the reason, in Chinese or
English, and nothing is saved."""

from __future__ import annotations

from decimal import Decimal

import pytest
from factories.draws import DRAW_DAY, classed_task, make_task, unit
from factories.plans import task_form

from fieldapp.draws.readiness import warnings_for
from fieldapp.extensions import db as _db
from fieldapp.plans.models import Task
from fieldapp.plans.parsing import parse_plan_table
from fieldapp.plans.tables import Row

D = Decimal
REASON = "按信用风险分类调整抽查比例"


def _edit(task: Task) -> dict:
    return {"endpoint": "plans.edit_task", "plan_id": task.plan_id, "number": task.number}


def _task() -> Task:
    """A task drawn at one ratio (5%), its plan published (an edit needs a reason)."""
    task = make_task(ratio=D("0.05"))
    task.items = []
    _db.session.commit()
    return task


def _post(client_request, task: Task, status: int = 302, **fields):
    data = task_form(task, items="营业执照", reason=REASON, **fields)
    return client_request.post(**_edit(task), _data=data, _expected_status=status)


def _reload(task: Task) -> Task:
    _db.session.expire_all()
    return _db.session.get(Task, task.id)


def _as_imported(words: str):
    """The same words in a plan's ratio cell, through the importer."""
    header = Row(1, ["序号", "抽查任务名称", "抽查事项", "抽查对象范围", "抽查比例"])
    [parsed] = parse_plan_table([header, Row(2, ["1", "食品销售检查", "经营资质", "食品销售者", words])]).tasks
    return parsed


@pytest.mark.parametrize(
    "words",
    [
        "A类1%、B类3%、C类5%、D类10%",
        "Ａ类１％；Ｂ类３％；C类5%；D类10%",  # full width
        "低风险1%，一般风险2%，较高风险5%，高风险100%",
        "抽查比例3%，其中D类100%",  # a ratio without a class: the classes not named
        "A类1%、D类10%",  # B and C weighted from the nearest named class
        "A类2%、B类3%",  # 3% / 2%: r = 1%, multipliers 2 and 3
    ],
)
def test_typed_ratios_by_class_are_read_as_the_importer_reads_them(db, client_request, words):
    task = _task()
    client_request.login("city-supervisor")
    _post(client_request, task, class_ratios_text=words)
    task, imported = _reload(task), _as_imported(words)
    assert imported.class_ratios is not None
    assert (task.ratio, task.risk_multipliers) == (imported.ratio, imported.risk_multipliers)
    for key in ("ratios", "filled", "base"):
        assert task.class_ratios[key] == imported.class_ratios[key], key
    assert task.class_ratios["confirmed"] is False and task.class_ratios["typed"] is True
    assert task.class_ratios["words"] == words and task.fixed_count is None
    # Asked about as an imported reading is: the draw warns, the scope page asks to confirm.
    assert "class_ratios" in [w["code"] for w in warnings_for(task, [unit("140602")], DRAW_DAY)]


def test_the_scope_page_asks_to_confirm_typed_ratios_and_a_resave_keeps_the_confirmation(db, client_request):
    task = _task()
    client_request.login("city-supervisor")
    _post(client_request, task, class_ratios_text="A类1%、B类3%、C类5%、D类10%")
    where = {"plan_id": task.plan_id, "number": task.number}
    section = client_request.get("draws.task_scope", **where).select_one("#class-ratios")
    assert section["data-confirmed"] == "no" and "在任务编辑页面填写" in section.text
    assert "A类1%、B类3%、C类5%、D类10%" in section.text and section.select_one("#confirm-class-ratios")
    client_request.post("draws.confirm_class_ratios", _data={"ratios-reason": "核对无误"}, **where)
    task = _reload(task)
    assert task.class_ratios["confirmed"] is True
    # The edit page shows them as they are; saved again unchanged (or typed otherwise, the same
    # ratios), they stay confirmed.
    page = client_request.get(**_edit(task))
    assert page.find("input", {"name": "class_ratios_text"})["value"] == "A类 1%、B类 3%、C类 5%、D类 10%"
    _post(client_request, task, name="改名的任务")
    _post(client_request, task, class_ratios_text="A类1%，B类3%，C类5%，D类10%")
    task = _reload(task)
    assert task.class_ratios["confirmed"] is True and task.name == "改名的任务"
    assert task.risk_multipliers == {"A": "1", "B": "3", "C": "5", "D": "10"}
    # Other ratios: asked again.
    _post(client_request, task, class_ratios_text="A类2%、B类3%、C类5%、D类10%")
    task = _reload(task)
    assert task.class_ratios["confirmed"] is False and task.class_ratios["ratios"]["A"] == "0.02"
    assert task.ratio == D("0.02") and task.risk_multipliers == {"A": "1", "B": "1.5", "C": "2.5", "D": "5"}


def test_emptying_the_ratios_by_class_or_setting_the_ratio_draws_every_class_at_one_ratio(db, client_request):
    task = classed_task()
    task.items = []
    _db.session.commit()
    client_request.login("city-supervisor")
    _post(client_request, task, class_ratios_text="")
    task = _reload(task)
    assert task.class_ratios is None and task.risk_multipliers is None and task.ratio == D("0.01")
    _post(client_request, task, class_ratios_text="A类1%、B类3%、C类5%、D类10%")
    task = _reload(task)
    assert task.class_ratios["ratios"]["D"] == "0.1"
    _post(client_request, task, ratio_percent="4")  # the ratios by class as shown, the ratio changed
    task = _reload(task)
    assert task.class_ratios is None and task.risk_multipliers is None and task.ratio == D("0.04")


def test_a_new_task_takes_ratios_by_class_without_a_ratio(db, client_request):
    task = _task()
    client_request.login("city-supervisor")
    data = task_form(
        task, name="新任务", items="营业执照", reason=REASON, ratio_percent="", class_ratios_text="C类5%、D类10%"
    )
    client_request.post("plans.new_task", plan_id=task.plan_id, _data=data)
    new = _db.session.query(Task).filter_by(name="新任务").one()
    # A and B weighted from C by the default weights: 5% × 0.5 / 2 = 1.25%, 5% × 1 / 2 = 2.5%.
    assert new.ratio == D("0.0125") and new.class_ratios["filled"] == {"A": "C", "B": "C"}
    assert new.risk_multipliers == {"A": "1", "B": "2", "C": "4", "D": "8"}
    assert new.class_ratios["confirmed"] is False


@pytest.mark.parametrize(
    ("fields", "field", "zh", "en"),
    [
        ({"class_ratios_text": "按风险高低抽查"}, "class_ratios_text", "未能从此处读出", "No ratio by credit class"),
        ({"class_ratios_text": "一成"}, "class_ratios_text", "A类1%、B类3%", "Write each class with its ratio"),
        ({"class_ratios_text": "A类1%、A类2%"}, "class_ratios_text", "两个不同的比例", "two different ratios"),
        ({"class_ratios_text": "A类0%、B类3%"}, "class_ratios_text", "大于 0%", "above 0%"),
        ({"class_ratios_text": "A类150%"}, "class_ratios_text", "不超过 100%", "at most 100%"),
        ({"class_ratios_text": "2%，3%，D类10%"}, "class_ratios_text", "未注明类别的比例至多一个", "at most one ratio"),
        ({"class_ratios_text": "A类1%-3%、D类10%"}, "class_ratios_text", "不要填写范围", "not a range"),
        (
            {"class_ratios_text": "A类1%、D类10%", "ratio_percent": "", "fixed_count": "20"},
            "class_ratios_text",
            "不能同时填写",
            "not both",
        ),
        ({"class_ratios_text": "A类1%、D类10%", "ratio_percent": "7"}, "ratio_percent", "统一比例", "not both"),
    ],
)
def test_ratios_by_class_that_cannot_be_read_are_refused_with_the_reason(db, client_request, fields, field, zh, en):
    task = _task()
    client_request.login("city-supervisor")
    for language, words in (("zh_CN", zh), ("en", en)):
        client_request.post("core.set_language", _data={"lang": language, "next": "/"}, _expected_redirect="/")
        page = _post(client_request, task, status=422, **fields)
        assert words in page.select_one(f"#field-{field} .field__error").text
        assert page.find("input", {"name": "class_ratios_text"})["value"] == fields["class_ratios_text"]
    task = _reload(task)
    assert task.class_ratios is None and task.ratio == D("0.05") and task.risk_multipliers is None
