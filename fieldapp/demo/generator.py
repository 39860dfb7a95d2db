"""A deterministic, plausible city (or province) of the organisation file: subjects and the inspector roster, as rows of an export.

This module makes the subjects and loads the city; its people, places and codes are in ``city.py``,
the roster in ``roster.py``.

The rows have the headers a bureau's export has, so the demo city goes through the same importers
as real files, and the same rows can be written to CSV (streamed: a million rows never sit in memory).
Same ``seed`` (and same ``today`` for the roster's dates), same city.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

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

# Tagged subjects per 20,000 (at least ``minimum`` whatever the size): a few dozen gas stations,
# markets, eyeglass shops … so that every task of the plan finds a pool.
# (tags, kind, name pattern, industry, per 20k, minimum). {t} trade name, {c} county, {v} village.
SPECIALS = [
    (("加油站",), "E", "{p}{t}石油销售有限公司{c}加油站", "零售业", 60, 3),
    (("加油站", "高风险企业"), "E", "{c}{t}加油站有限公司", "零售业", 6, 1),
    (("集贸市场", "市场交易场所"), "E", "{c}{t}农贸市场管理有限公司", "商务服务业", 25, 2),
    (("商场超市", "特种设备使用单位", "商场", "市场交易场所"), "E", "{p}{t}购物广场有限公司", "零售业", 20, 2),
    (("商场超市",), "I", "{c}{t}超市", "零售业", 40, 2),
    (("眼镜制配",), "I", "{c}{t}眼镜店", "零售业", 40, 2),
    (("眼镜制配",), "E", "{p}{t}眼镜有限公司", "零售业", 8, 1),
    (("医疗机构", "特种设备使用单位", "医院"), "E", "{p}{t}医院有限公司", "卫生", 20, 2),
    (("医疗机构",), "I", "{c}{t}诊所", "卫生", 50, 2),
    (("检验检测机构",), "E", "{s}{t}检测技术有限公司", "专业技术服务业", 12, 2),
    (("检验检测机构", "省级资质认定检验检测机构"), "E", "{p}{t}检验检测有限公司", "专业技术服务业", 8, 2),
    (("法定计量检定机构",), "E", "{pc}{t}计量检定测试有限公司", "专业技术服务业", 1, 2),
    (("拍卖企业",), "E", "{p}{t}拍卖有限公司", "商务服务业", 6, 2),
    (("广告经营者",), "E", "{p}{t}广告传媒有限公司", "商务服务业", 60, 3),
    (("广告经营者",), "I", "{c}{t}广告部", "商务服务业", 30, 2),
    (("广告发布者", "广播电台", "宣传出版"), "E", "{p}{t}广播传媒有限公司", "广播、电视、电影和录音制作业", 2, 2),
    (("广告发布者", "电视台", "宣传出版"), "E", "{p}{t}电视传媒有限公司", "广播、电视、电影和录音制作业", 2, 2),
    (("广告发布者", "报刊", "宣传出版"), "E", "{p}{t}报业传媒有限公司", "新闻和出版业", 3, 2),
    (("电子商务平台",), "E", "{p}{t}网络科技有限公司", "互联网和相关服务", 6, 2),
    (("工业产品生产许可证获证企业",), "E", "{p}{t}建材有限公司", "非金属矿物制品业", 25, 2),
    (("工业产品生产许可证获证企业", "强制性认证获证组织"), "E", "{p}{t}电缆有限公司", "电气机械和器材制造业", 6, 1),
    (("食品相关产品生产企业",), "E", "{p}{t}包装制品有限公司", "橡胶和塑料制品业", 12, 2),
    (("商标代理机构",), "E", "{p}{t}知识产权代理有限公司", "商务服务业", 5, 2),
    (("直销企业服务网点",), "E", "{t}（{p}）日用品有限公司服务网点", "零售业", 6, 2),
    (("直销经销商",), "I", "{c}{t}日化经销部", "零售业", 18, 2),
    (("自愿性认证获证组织",), "E", "{p}{t}机械制造有限公司", "专用设备制造业", 35, 2),
    (("强制性认证获证组织",), "E", "{p}{t}电器有限公司", "电气机械和器材制造业", 18, 2),
    (("特种设备使用单位", "学校", "文化教育"), "E", "{p}{t}学校有限公司", "教育", 25, 2),
    (("特种设备使用单位", "幼儿园", "文化教育"), "E", "{c}{t}幼儿园有限公司", "教育", 30, 2),
    (("特种设备使用单位", "车站"), "E", "{p}{t}汽车客运站有限公司", "道路运输业", 6, 2),
    (("特种设备使用单位", "体育馆"), "E", "{p}{t}体育文化发展有限公司", "体育", 3, 1),
    (("特种设备使用单位", "展览馆"), "E", "{p}{t}会展有限公司", "商务服务业", 2, 1),
    (("特种设备使用单位", "公园"), "E", "{p}{t}公园管理有限公司", "公共设施管理业", 5, 1),
    (("特种设备使用单位", "客运索道", "大型游乐设施"), "E", "{p}{t}旅游开发有限公司", "娱乐业", 1, 1),
    (("特种设备使用单位", "大型游乐设施"), "E", "{p}{t}游乐园有限公司", "娱乐业", 3, 1),
    (("特种设备使用单位",), "E", "{p}{t}热力有限公司", "电力、热力生产和供应业", 15, 2),
    (("高风险企业",), "E", "{p}{t}化工有限公司", "化学原料和化学制品制造业", 30, 2),
    (("专利标注产品",), "E", "{p}{t}新材料科技有限公司", "科技推广和应用服务业", 20, 2),
    (("集体商标证明商标使用人",), "C", "{c}{v}{t}杂粮专业合作社", "农业", 10, 2),
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
    counts = [max(minimum, round(per20k * n / 20000)) for *_, per20k, minimum in SPECIALS]
    while sum(counts) > n // 2 and any(counts):  # a tiny city: fewer of each
        counts = [c // 2 for c in counts]
    return counts


def generate_subjects(n: int, seed: int = 2021, org: DemoOrg | None = None) -> Iterator[dict]:
    """``n`` subject rows (keys: :data:`SUBJECT_HEADER`), deterministic for ``seed``, streamed."""
    city = City(seed, org)
    produced = 0
    for (tags, kind, pattern, industry, *_), count in zip(SPECIALS, special_counts(n)):
        for _ in range(count):
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
    yield f"tags: {len(tags)}"
    existing = db.session.scalar(select(func.count()).select_from(Subject))
    if existing:
        yield f"subjects: {existing} already loaded"
    else:
        header, rows = subject_table(subject_count, seed, org)
        importer = SubjectImporter(header, source=f"demo city (seed {seed})", batch_size=5000)
        importer.feed(rows)
        report = importer.finish()
        yield f"subjects: {report.created} generated ({report.rejected} rejected)"
    if db.session.scalar(select(func.count()).select_from(Inspector)):
        yield "inspectors: already loaded"
        return
    header, rows = roster_table(seed, today, org)
    roster = import_roster(header, rows, today=today)
    conflicts = _declare_conflicts(seed)
    yield f"inspectors: {roster.created} ({conflicts} declared conflicts)"


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
