"""Plain words on printed and edited plans: ratios as percentages (30%, never 3E+1) and the plan
PDF starting on its first page with every column of the plan, 指导单位 included."""

from __future__ import annotations

import subprocess
from decimal import Decimal

from factories import publication as f


def page_text(data: bytes, tmp_path, page: int) -> str:
    path = tmp_path / "plan.pdf"
    path.write_bytes(data)
    out = subprocess.run(
        ["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return "".join(out.split())  # narrow columns wrap: compare without line breaks


def test_plan_pdf_starts_on_page_one_with_every_column(client_request, db, tmp_path):
    task = f.task(7, "眼镜制配场所计量监督检查")
    task.ratio, task.ratio_is_floor = Decimal("0.3"), True
    task.guiding_department = "省局计量处"
    task.initiator = "市局计量科"
    f.task(8, "集贸市场计量监督检查").ratio = Decimal("0.00125")
    db.session.commit()
    response = client_request.get_response("publication.public_plan_pdf", year=2021)
    first = page_text(response.data, tmp_path, 1)
    assert "双随机抽查工作计划" in first and "眼镜制配场所计量监督检查" in first
    for header in (
        "序号",
        "抽查任务",
        "抽查类型",
        "抽查事项",
        "抽查对象范围",
        "抽查比例",
        "发起主体",
        "指导单位",
        "抽查检查主体",
        "抽查时间",
    ):
        assert header in first, header
    assert "省局计量处" in first and "不低于30%" in first and "0.125%" in first
    assert "E+" not in first


def test_the_task_form_shows_the_ratio_as_a_plain_number(client_request, db):
    task = f.task(7)
    task.ratio = Decimal("0.3")
    db.session.commit()
    client_request.login("city-supervisor", "supervisor", "city")
    page = client_request.get("plans.edit_task", plan_id=task.plan_id, number=task.number)
    field = page.select_one('input[name="ratio_percent"]')
    assert field["value"] == "30"
