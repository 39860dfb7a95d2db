"""A deterministic, plausible city (or province) of the organisation file: subjects and the inspector roster, as rows of an export.

This module makes the subjects and loads the city; its people, places and codes are in ``city.py``,
the roster in ``roster.py``.

The rows have the headers a bureau's export has, so the demo city goes through the same importers
as real files, and the same rows can be written to CSV (streamed: a million rows never sit in memory).
Same ``seed`` (and same ``today`` for the roster's dates), same city.
"""

from __future__ import annotations

from flask_babel import gettext as _

import csv
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import yaml

from ..subjects.vocabulary import DATA
from .city import VILLAGES, City, make_registration_number, make_uscc
from .org import DemoOrg
from .roster import ROSTER_HEADER, generate_roster, roster_table

__all__ = [
    "ROSTER_HEADER",
    "SUBJECT_HEADER",
    "generate_roster",
    "generate_subjects",
    "load_city",
    "make_registration_number",
    "make_uscc",
    "roster_table",
    "subject_table",
    "write_subjects_csv",
]

SUBJECT_HEADER = [
    "统一社会信用代码",
    "注册号",
    "名称",
    "类型",
    "法定代表人",
    "住所",
    "所属区县",
    "行业",
    "联系电话",
    "登记状态",
    "营业期限至",
    "信用风险分类",
    "分类日期",
    "标签",
]

INDIVIDUAL_TRADES = [
    ("便利店", "零售业"),
    ("超市", "零售业"),
    ("五金店", "零售业"),
    ("服装店", "零售业"),
    ("烟酒店", "零售业"),
    ("日杂店", "零售业"),
    ("粮油店", "零售业"),
    ("水果店", "零售业"),
    ("手机店", "零售业"),
    ("建材部", "零售业"),
    ("饭店", "餐饮业"),
    ("面馆", "餐饮业"),
    ("小吃部", "餐饮业"),
    ("烧烤店", "餐饮业"),
    ("莜面馆", "餐饮业"),
    ("理发店", "居民服务业"),
    ("洗浴中心", "居民服务业"),
    ("干洗店", "居民服务业"),
    ("汽车修理部", "机动车修理业"),
    ("家电维修部", "修理业"),
    ("农资店", "零售业"),
    ("肉铺", "零售业"),
    ("药店", "医药零售业"),
    ("打印部", "商务服务业"),
]
ENTERPRISE_TRADES = [
    ("商贸有限公司", "批发业"),
    ("建筑工程有限公司", "建筑业"),
    ("煤业有限公司", "煤炭开采和洗选业"),
    ("物流有限公司", "道路运输业"),
    ("房地产开发有限公司", "房地产业"),
    ("科技有限公司", "科技推广和应用服务业"),
    ("陶瓷有限公司", "非金属矿物制品业"),
    ("农牧有限公司", "畜牧业"),
    ("乳业有限公司", "食品制造业"),
    ("电力设备有限公司", "电气机械和器材制造业"),
    ("餐饮管理有限公司", "餐饮业"),
    ("汽车销售有限公司", "零售业"),
    ("建材有限公司", "批发业"),
    ("环保科技有限公司", "生态保护和环境治理业"),
    ("物业管理有限公司", "房地产业"),
]
ENTERPRISE_TYPES = (
    ["有限责任公司（自然人投资或控股）"] * 6
    + ["有限责任公司（自然人独资）"] * 3
    + [
        "股份有限公司（非上市、自然人投资或控股）",
        "个人独资企业",
        "普通合伙企业",
        "有限责任公司分公司（自然人投资或控股）",
    ]
)
COOP_PRODUCTS = ["种植", "养殖", "马铃薯种植", "杂粮种植", "肉羊养殖", "奶牛养殖", "农机服务", "蔬菜种植", "沙棘种植"]

# Tagged subjects made first, so that every task of the plan finds a pool (data/demo_subjects.yaml):
# (tags, kind, name pattern, industry, per 20,000 subjects, minimum).
SPECIALS = [
    (tuple(e["tags"]), e["kind"], e["name"], e["industry"], e["per_20k"], e["minimum"])
    for e in yaml.safe_load((DATA / "demo_subjects.yaml").read_text(encoding="utf-8"))
]


def subject_row(city: City, kind: str, name: str, industry: str, county: str, tags: tuple[str, ...]) -> dict:
    """One row of the subject export for a subject of ``kind`` in ``county``."""
    rng = city.rng
    number = city.next_number()
    old = kind != "C" and rng.random() < 0.005  # registered before 2015: only a registration number
    uscc = "" if old else make_uscc(kind, county, number)
    reg = make_registration_number(county, city.serial) if old or rng.random() < 0.1 else ""
    if kind == "E":
        type_text = rng.choice(ENTERPRISE_TYPES)
    else:
        type_text = {"I": "个体工商户", "C": "农民专业合作社"}[kind]
    high_risk = "高风险企业" in tags
    credit = rng.choices("ABCD", (10, 15, 50, 25) if high_risk else (55, 35, 7, 3))[0]
    status = rng.choices(["在业", "注销", "吊销", "迁出", "撤销"], (930, 35, 20, 12, 3))[0]
    term = ""
    if kind == "E" and rng.random() < 0.45:
        start = date(2003, 1, 1) + timedelta(days=rng.randrange(6500))
        term = date(start.year + rng.choice((10, 15, 20, 30)), start.month, min(start.day, 28)).isoformat()
    assessed = (date(2020, 3, 1) + timedelta(days=rng.randrange(420))).isoformat()
    return {
        "统一社会信用代码": uscc,
        "注册号": reg,
        "名称": name,
        "类型": type_text,
        "法定代表人": city.person(),
        "住所": city.address(county),
        "所属区县": city.county_names[county],
        "行业": industry,
        "联系电话": city.phone(),
        "登记状态": status,
        "营业期限至": term,
        "信用风险分类": credit,
        "分类日期": assessed,
        "标签": "、".join(tags),
    }


def _fill(pattern: str, city: City, county: str) -> str:
    place = city.by_code[county]
    return pattern.format(
        t=city.trade_name(),
        c=place.name_area,
        v=city.rng.choice(VILLAGES),
        p=place.city_short,
        pc=place.city_area,
        s=city.org.province_short,
    )


def special_counts(n: int) -> list[int]:
    counts = [max(minimum, round(per20k * n / 20000)) for *_rest, per20k, minimum in SPECIALS]
    while sum(counts) > n // 2 and any(counts):  # a tiny city: fewer of each
        counts = [c // 2 for c in counts]
    return counts


def generate_subjects(n: int, seed: int = 2021, org: DemoOrg | None = None) -> Iterator[dict]:
    """``n`` subject rows (keys: :data:`SUBJECT_HEADER`), deterministic for ``seed``, streamed."""
    city = City(seed, org)
    produced = 0
    for (tags, kind, pattern, industry, *_rest), count in zip(SPECIALS, special_counts(n)):
        for _i in range(count):
            county = city.county()
            yield subject_row(city, kind, _fill(pattern, city, county), industry, county, tags)
            produced += 1
    rng = city.rng
    while produced < n:
        county = city.county()
        roll = rng.random()
        if roll < 0.70:
            trade, industry = rng.choice(INDIVIDUAL_TRADES)
            place = city.by_code[county].shop_area
            row = subject_row(city, "I", f"{place}{city.trade_name()}{trade}", industry, county, ())
        elif roll < 0.97:
            trade, industry = rng.choice(ENTERPRISE_TRADES)
            where = city.by_code[county]
            prefix = rng.choice(
                (where.city_short, where.city_area, city.org.province_short, where.area.rstrip("区县市"))
            )
            row = subject_row(city, "E", f"{prefix}{city.trade_name()}{trade}", industry, county, ())
        else:
            product = rng.choice(COOP_PRODUCTS)
            name = f"{city.county_names[county]}{rng.choice(VILLAGES)}{city.trade_name()}{product}专业合作社"
            row = subject_row(city, "C", name, "农业", county, ())
        yield row
        produced += 1


def write_subjects_csv(path: str | Path, n: int, seed: int = 2021, org: DemoOrg | None = None) -> Path:
    """Write ``n`` generated subjects to a UTF-8 (BOM) CSV, row by row."""
    path = Path(path)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, SUBJECT_HEADER)
        writer.writeheader()
        for row in generate_subjects(n, seed, org):
            writer.writerow(row)
    return path


def subject_table(n: int, seed: int = 2021, org: DemoOrg | None = None) -> tuple[list[str], Iterator[tuple[int, list]]]:
    """The generated subjects as an importer's ``(header, (line, cells))`` stream."""
    rows = ((i + 2, [row[h] for h in SUBJECT_HEADER]) for i, row in enumerate(generate_subjects(n, seed, org)))
    return SUBJECT_HEADER, rows


# --- into the database ------------------------------------------------------------------------


def load_city(
    subject_count: int = 20000, seed: int = 2021, today: date | None = None, org: DemoOrg | None = None
) -> Iterator[str]:
    """Tags, the generated subjects and roster through the real importers, a few declared conflicts.
    Idempotent: skipped when the database already has subjects / inspectors."""
    from sqlalchemy import func, select

    from ..extensions import db
    from ..inspectors.importer import import_roster
    from ..inspectors.models import Inspector
    from ..subjects.importer import SubjectImporter
    from ..subjects.models import Subject
    from ..subjects.vocabulary import ensure_tags

    tags = ensure_tags()
    db.session.commit()
    yield _("Tags: %(count)s", count=len(tags))
    existing = db.session.scalar(select(func.count()).select_from(Subject))
    if existing:
        yield _("Subjects: %(count)s already loaded", count=existing)
    else:
        header, rows = subject_table(subject_count, seed, org)
        importer = SubjectImporter(header, source=f"demo city (seed {seed})", batch_size=5000)
        importer.feed(rows)
        report = importer.finish()
        yield _(
            "Subjects: %(created)s generated (%(rejected)s rejected)", created=report.created, rejected=report.rejected
        )
    if db.session.scalar(select(func.count()).select_from(Inspector)):
        yield _("Inspectors: already loaded")
        return
    from ..auth.unit_names import unit_by_code
    from .org import demo_org

    org = org or demo_org()
    within = unit_by_code(next(iter(org.unit_names), None))  # the roster names the demo city's units
    header, rows = roster_table(seed, today, org)
    roster = import_roster(header, rows, today=today, within=within)
    conflicts = _declare_conflicts(seed)
    yield _("Inspectors: %(count)s (%(conflicts)s declared conflicts)", count=roster.created, conflicts=conflicts)


def _declare_conflicts(seed: int) -> int:
    """A few declared conflicts (回避): a relative runs a gas station; a former classmate."""
    from sqlalchemy import select

    from ..extensions import db
    from ..inspectors.models import Inspector
    from ..inspectors.operations import declare_conflict
    from ..subjects.models import Subject, Tag

    rng = random.Random(seed)
    inspectors = list(
        db.session.scalars(select(Inspector).where(Inspector.category == "law_enforcement").order_by(Inspector.id))
    )
    stations = list(
        db.session.scalars(
            select(Subject).join(Subject.tags).where(Tag.name == "加油站").order_by(Subject.id).limit(20)
        )
    )
    conflicts = 0
    for inspector in rng.sample(inspectors, min(4, len(inspectors))):
        same_county = [s for s in stations if s.division_code == inspector.unit.division_code] or stations
        if same_county:
            declare_conflict(inspector, subject=rng.choice(same_county), reason="近亲属在该单位任职")
            conflicts += 1
    for inspector in rng.sample(inspectors, min(2, len(inspectors))):
        station = rng.choice(stations) if stations else None
        if station is not None and station.legal_representative:
            declare_conflict(inspector, person_name=station.legal_representative, reason="同学关系，申请回避")
            conflicts += 1
    db.session.commit()
    return conflicts
