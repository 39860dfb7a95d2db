"""The organisation of the Shuozhou market-supervision system (the seed's city)."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db
from .models import Unit, UnitKind

CITY_BUREAU = ("city", "朔州市市场监督管理局", "Shuozhou Market Supervision Administration")

# City departments; the plan names some of them as guiding departments (指导单位).
DEPARTMENTS = [
    ("city-metrology", "计量科", "Metrology Section"),
    ("city-market", "消保市场科", "Consumer Protection and Markets Section"),
    ("city-advertising", "广告监管科", "Advertising Supervision Section"),
    ("city-online", "网监科", "Online Trading Supervision Section"),
    ("city-quality", "质量监管科", "Quality Supervision Section"),
    ("city-ip", "知识产权科", "Intellectual Property Section"),
    ("city-certification", "认证科", "Certification Section"),
    ("city-anti-dumping", "双反科", "Anti-dumping and Countervailing Section"),
    ("city-special-equipment", "特设监察科", "Special Equipment Inspection Section"),
    ("city-credit", "信用监管科", "Credit Supervision Section"),
    ("city-registration", "登记注册科", "Registration Section"),
    ("city-price", "价格监督检查科", "Price Supervision Section"),
    ("city-food", "食品安全协调科", "Food Safety Section"),
]

# County-level bureaus with the administrative division codes of the areas they govern.
# 140671 is the statistical code of 山西朔州经济开发区.
COUNTY_BUREAUS = [
    ("140602", "朔城区市场监督管理局", "Shuocheng District Bureau"),
    ("140603", "平鲁区市场监督管理局", "Pinglu District Bureau"),
    ("140621", "山阴县市场监督管理局", "Shanyin County Bureau"),
    ("140622", "应县市场监督管理局", "Ying County Bureau"),
    ("140623", "右玉县市场监督管理局", "Youyu County Bureau"),
    ("140681", "怀仁市市场监督管理局", "Huairen City Bureau"),
    ("140671", "开发区分局", "Development Zone Branch"),
]

COUNTY_NAMES = {
    "140602": "朔城区",
    "140603": "平鲁区",
    "140621": "山阴县",
    "140622": "应县",
    "140623": "右玉县",
    "140681": "怀仁市",
    "140671": "开发区",
}


def ensure_units() -> dict[str, Unit]:
    """Create the city's units where missing; safe to run again. Returns units by code."""
    existing = {u.code: u for u in db.session.scalars(select(Unit))}

    def upsert(code: str, name: str, name_en: str, kind: UnitKind, division: str | None, parent: Unit | None):
        unit = existing.get(code)
        if unit is None:
            unit = Unit(code=code)
            db.session.add(unit)
            existing[code] = unit
        unit.name, unit.name_en, unit.kind, unit.division_code = name, name_en, kind.value, division
        unit.parent = parent
        return unit

    city = upsert(*CITY_BUREAU, UnitKind.CITY_BUREAU, None, None)
    for code, name, name_en in DEPARTMENTS:
        upsert(code, name, name_en, UnitKind.DEPARTMENT, None, city)
    for division, name, name_en in COUNTY_BUREAUS:
        upsert(division, name, name_en, UnitKind.COUNTY_BUREAU, division, city)
    db.session.flush()
    return existing


def unit_for_division(division_code: str) -> Unit | None:
    return db.session.scalar(select(Unit).where(Unit.division_code == division_code))
