"""The demo roster (执法检查人员名录库 export): about 150 inspectors of the city departments and the
county bureaus, a few with expired certificates, transferred, retired or suspended, a few assistants."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

from .. import clock
from .city import City
from .org import DemoOrg

ROSTER_HEADER = ["姓名", "执法证号", "有效期至", "单位", "执法领域", "状态", "状态日期", "类别", "联系电话", "账号"]

COMMON_FIELDS = ["登记注册", "食品", "价格", "市场秩序", "计量", "广告", "产品质量", "特种设备", "信用监管", "网络交易"]


def generate_roster(seed: int = 2021, today: date | None = None, org: DemoOrg | None = None) -> Iterator[dict]:
    """About 150 roster rows (keys: :data:`ROSTER_HEADER`): city departments and county bureaus,
    a few with expired certificates, transferred, retired or suspended, a few assistants.
    Dates are relative to ``today`` (certificates last a few years from it)."""
    from ..subjects.vocabulary import specialty_vocabulary

    today = today or clock.today()
    rng = random.Random(seed * 7 + 1)
    city = City(seed * 7 + 2, org)
    lead: dict[str, list[str]] = {}
    for entry in specialty_vocabulary():
        for unit in entry.get("units", []):
            lead.setdefault(unit, []).append(entry["name"])
    org = city.org
    unit_names = org.unit_names
    serial = 0
    for index, (name, code, fields, account) in enumerate(_people(city, rng, lead)):
        serial += 1
        valid_until = today + timedelta(days=rng.randint(200, 1600))
        status, status_date = "在岗", ""
        if not account:
            if index % 29 == 5:
                valid_until = today - timedelta(days=rng.randint(10, 300))  # expired
            elif index % 31 == 7:
                status = "调离"
            elif index % 37 == 11:
                status = "退休"
            elif index == 60:
                status = "停职"
            if status != "在岗":
                status_date = (today - timedelta(days=rng.randint(20, 400))).isoformat()
        division = org.division_of[code]
        yield {
            "姓名": name,
            "执法证号": f"{division}{serial:05d}",
            "有效期至": valid_until.isoformat(),
            "单位": unit_names[code],
            "执法领域": "、".join(dict.fromkeys(fields)),
            "状态": status,
            "状态日期": status_date,
            "类别": "执法人员",
            "联系电话": city.phone(),
            "账号": account,
        }
    for name, code, kind in org.assistants:
        yield {
            "姓名": name,
            "执法证号": "",
            "有效期至": "",
            "单位": unit_names[code],
            "执法领域": "、".join(lead.get(code, ["市场秩序"])),
            "状态": "在岗",
            "状态日期": "",
            "类别": kind,
            "联系电话": city.phone(),
            "账号": "",
        }


def roster_table(
    seed: int = 2021, today: date | None = None, org: DemoOrg | None = None
) -> tuple[list[str], Iterator[tuple[int, list]]]:
    rows = ((i + 2, [row[h] for h in ROSTER_HEADER]) for i, row in enumerate(generate_roster(seed, today, org)))
    return ROSTER_HEADER, rows


def _people(city: City, rng: random.Random, lead: dict[str, list[str]]) -> list[tuple[str, str, list[str], str]]:
    """(name, unit code, fields, demo account) of each inspector: four per city department (its
    lead fields), each county bureau's staff, and the demo accounts of the organisation file."""
    org = city.org
    people: list[tuple[str, str, list[str], str]] = []
    for code in org.departments:
        for _ in range(4):
            fields = list(lead.get(code, [])) + rng.sample(COMMON_FIELDS, 1)
            people.append((city.person(), code, fields, ""))
    for code, count in ((c.unit or c.code, c.staff) for c in org.counties):
        for _ in range(count):
            people.append((city.person(), code, rng.sample(COMMON_FIELDS, rng.randint(2, 4)), ""))
    for name, code, account, fields in org.inspector_accounts:
        people.append((name, code, fields, account))
    return people
