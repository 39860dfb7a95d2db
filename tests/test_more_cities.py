"""Organisations nobody wrote the code for, loaded by the documented command and walked end to end:
a province bureau deploying for two cities (怀化, with a county-level city beside a 管理区 of nearly
the same name, autonomous counties and a 高新区 管委会 without a division code; 湘西, an autonomous
prefecture), a municipality with no prefecture level (重庆), a city whose 分局 are named after streets
and whose executing units are enforcement 支队/大队 (丹东), and a file typed in traditional characters
with full-width brackets (潮州). Files: tests/data/organisations/{hunan-two-cities,chongqing,
street-branches,traditional}.yaml; the plan is tests/data/plans/huairen-2022.csv, issued by each."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from factories import review as rf
from factories.cli import english_words
from factories.draws import set_clock
from fieldapp.auth.models import Unit, User
from fieldapp.demo.city import make_uscc
from fieldapp.extensions import db
from fieldapp.inspectors.models import Inspector
from fieldapp.plans.models import Plan
from fieldapp.subjects.models import Subject

DATA = Path(__file__).resolve().parent / "data"
ORGS = DATA / "organisations"
PLAN = DATA / "plans" / "huairen-2022.csv"


@dataclass(frozen=True)
class City:
    file: str
    top: str  # the issuing bureau
    county: str  # the unit drawn in
    other: str  # a county-level unit elsewhere in the same organisation
    subjects: tuple  # (name, USCC area, registration authority as the city writes it, address, county)
    roster: tuple  # (name, unit as the city writes it, unit code)

    def _replace_subjects(self, subjects: list) -> City:
        return City(self.file, self.top, self.county, self.other, tuple(subjects), self.roster)


HUNAN = City(
    "hunan-two-cities.yaml",
    "hh",
    "hh-my",
    "xx-js",
    (
        ("麻阳县惠民超市", "431200", "麻阳苗族自治县市场监督管理局", "", "431226"),
        ("麻阳县锦江饭店", "431200", "麻阳县市场监督管理局", "", "431226"),
        ("新晃县便民药店", "431200", "新晃县市场监督管理局", "", "431227"),
        ("洪江市黔城加油站", "431200", "洪江市市场监督管理局", "", "431281"),
        ("洪江区古商城客栈", "431200", "怀化市洪江区市场监督管理局", "", "431271"),
        ("洪江管理区老街饭店", "431200", "怀化市洪江管理区市场监督管理局", "", "431271"),
        ("吉首市湘泉酒店", "433100", "吉首市市场监督管理局", "", "433101"),
        ("凤凰县古城客栈", "433100", "湘西土家族苗族自治州凤凰县市场监督管理局", "", "433123"),
    ),
    (
        ("田甲", "麻阳县局", "hh-my"),
        ("田乙", "麻阳苗族自治县市场监管局", "hh-my"),
        ("向丙", "怀化高新技术产业开发区管理委员会市场监督管理局", "hh-gxq"),
        ("彭丁", "吉首市局", "xx-js"),
    ),
)
CHONGQING = City(
    "chongqing.yaml",
    "cq",
    "cq-sz",
    "cq-yz",
    (
        ("石柱县黄连公司", "500100", "重庆市石柱土家族自治县市场监督管理局", "", "500240"),
        ("石柱县西沱客栈", "500100", "石柱县市场监督管理局", "", "500240"),
        ("渝中区火锅店", "500100", "重庆市渝中区市场监督管理局", "", "500103"),
        ("城口县腊肉店", "500100", "", "重庆市城口县葛城街道", "500229"),
    ),
    (
        ("谭甲", "石柱县局", "cq-sz"),
        ("谭乙", "重庆市石柱土家族自治县市场监督管理局", "cq-sz"),
        ("何丙", "解放碑所", "cq-yz-jfb"),
        ("何丁", "市场监管综合行政执法总队", "cq-zongdui"),
    ),
)
STREETS = City(
    "street-branches.yaml",
    "dd",
    "dd-jsdj",
    "dd-kd",
    (
        ("锦山大街超市", "210600", "丹东市市场监督管理局锦山大街分局", "", "210602"),
        ("锦山大街药店", "210600", "丹东市市场监管局锦山大街分局", "", "210602"),
        ("兴五路药店", "210600", "丹东市市场监督管理局兴五路分局", "", "210603"),
        ("元宝区饭店", "210600", "", "辽宁省丹东市元宝区六道口", "210602"),
        ("宽甸县蜂蜜厂", "210600", "宽甸满族自治县市场监督管理局", "", "210624"),
        ("东港市草莓公司", "210600", "东港市市场监督管理局", "", "210681"),
    ),
    (
        ("于甲", "锦山大街分局", "dd-jsdj"),
        ("于乙", "丹东市局锦山大街分局", "dd-jsdj"),
        ("高丙", "宽甸县局执法大队", "dd-kd-dadui"),
        ("高丁", "稽查支队", "dd-jicha"),
    ),
)
TRADITIONAL = City(
    "traditional.yaml",
    "cz",
    "cz-zone",
    "cz-xq",
    (
        ("开发区半角括号登记", "445100", "潮州市市場監督管理局(潮州經濟開發試驗區分局)", "", "445171"),
        ("开发区全角括号登记", "445100", "潮州市市場監督管理局（潮州經濟開發試驗區分局）", "", "445171"),
        ("湘桥区简体登记", "445100", "潮州市湘桥区市场监督管理局", "", "445102"),
        ("湘橋區繁体登记", "445100", "潮州市湘橋區市場監督管理局", "", "445102"),
        ("饒平縣繁体地址", "445100", "", "廣東省潮州市饒平縣黃岡鎮", "445122"),
    ),
    (
        ("陈甲", "潮州經濟開發試驗區分局", "cz-zone"),
        ("陈乙", "潮州市市場監督管理局(潮州經濟開發試驗區分局)", "cz-zone"),
        ("林丙", "湘橋區局", "cz-xq"),
        ("林丁", "湘桥区局", "cz-xq"),
    ),
)
CITIES = [HUNAN, CHONGQING, STREETS, TRADITIONAL]


@pytest.fixture(autouse=True)
def spring_2022(monkeypatch):
    set_clock(monkeypatch, datetime(2022, 4, 11, 2, 0, 0))  # 10:00 in Beijing, in every task's window


def _cli(runner, *args, code=0):
    result = runner.invoke(args=[str(a) for a in args])
    assert result.exit_code == code, result.output
    return result.output


def _subjects_file(city: City, path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(
            ["统一社会信用代码", "企业名称", "企业类型", "法定代表人", "住所", "登记机关", "登记状态", "监管标签"]
        )
        for n, (name, area, authority, address, _) in enumerate(city.subjects):
            out.writerow(
                [make_uscc("E", area, 100 + n), name, "有限责任公司", "张三", address, authority, "存续", "食品经营者"]
            )
    return path


def _roster_file(city: City, path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["姓名", "执法证号", "有效期至", "所在单位", "执法领域", "状态"])
        for n, (name, unit, _) in enumerate(city.roster):
            out.writerow([name, f"{city.top}{n:04d}", "2027-12-31", unit, "食品、计量", "在岗"])
    return path


def _load(runner, city: City) -> str:
    return _cli(runner, "units", "import", ORGS / city.file)


# --- loading ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("city", CITIES, ids=lambda c: c.file)
def test_each_file_loads_by_the_command_and_reports_only_its_own_units(app, runner, city):
    output = _load(runner, city)
    assert "新建" in output and english_words(output) == [], output
    assert "文件中没有" not in output  # the demo city loaded beside it is not "missing from the file"
    again = _load(runner, city)
    assert "新建 0 个" in again and "文件中没有" not in again


def test_a_unit_left_out_of_the_file_is_still_reported(app, runner, tmp_path):
    _load(runner, HUNAN)
    data = yaml.safe_load((ORGS / HUNAN.file).read_text(encoding="utf-8"))
    data["units"][0]["children"][2]["children"].pop()  # 湘西's 凤凰县
    path = tmp_path / "org.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    output = _cli(runner, "units", "import", path)
    assert "文件中没有、予以保留的单位：xx-fh" in output


def _broken(source: str, old: str, new: str):
    def write(path: Path) -> Path:
        text = (ORGS / source).read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return path

    return write


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (_broken(HUNAN.file, "          - code: hh-zf", "\t  - code: hh-zf"), "第 37 行第 1 列：缩进只能用空格"),
        (_broken(HUNAN.file, "name_en: Xinhuang Dong", 'name_en: "Xinhuang Dong'), "格式有误"),
        (
            _broken(
                HUNAN.file, "Hi-tech Zone Market Bureau\n            kind: department", "x\n            kind: branch"
            ),
            "第 27 行：单位 hh-gxq：branch 类单位必须填写其管辖的行政区划代码",
        ),
        (
            _broken(HUNAN.file, 'division: "433123"', 'division: "431202"'),
            "行政区划代码 431202 被两个单位使用（第 31 行和第 92 行）",
        ),
        (_broken(HUNAN.file, "code: xx-fh", "code: xx-js"), "单位代码 xx-js 被两个单位使用（第 80 行和第 92 行）"),
        (
            _broken(HUNAN.file, "area: 泸溪县", "area: 泸溪县\n            demo: [1, 2]"),
            "第 86 行：单位 xx-lx：demo 必须是键值映射",
        ),
        (_broken(HUNAN.file, "name: 凤凰县市场监督管理局", "name: [凤凰县]"), "第 92 行：单位 xx-fh：name 必须是文字"),
        (_broken(CHONGQING.file, "name: 计量处", "name: 解放碑市场监管所"), "第 14 行：单位 cq-metrology"),
        (
            _broken(TRADITIONAL.file, "kind: county_bureau", "kind: 县局"),
            "第 15 行：单位 cz-xq：kind（单位类型）必须是",
        ),
    ],
)
def test_a_malformed_file_is_refused_in_chinese_naming_the_line(app, runner, tmp_path, write, message):
    result = runner.invoke(args=["units", "import", str(write(tmp_path / "org.yaml"))])
    assert result.exit_code == 1 and message in result.output, result.output
    assert "Traceback" not in result.output and "line" not in result.output.lower(), result.output
    assert db.session.scalar(select(Unit).where(Unit.code == "hh")) is None


def test_a_file_saved_as_gbk_or_with_a_bom_loads(app, runner, tmp_path):
    text = (ORGS / STREETS.file).read_text(encoding="utf-8")
    (tmp_path / "gbk.yaml").write_bytes(text.encode("gb18030"))
    assert "新建 9 个单位" in _cli(runner, "units", "import", tmp_path / "gbk.yaml")
    (tmp_path / "bom.yaml").write_bytes(text.encode("utf-8-sig"))
    assert "新建 0 个单位，更新 9 个" in _cli(runner, "units", "import", tmp_path / "bom.yaml")


# --- names in the city's own words ------------------------------------------------------------------


def test_registration_authorities_and_rosters_in_each_citys_words(app, runner, tmp_path):
    """Every organisation loaded side by side: each subject finds its county from the authority or
    address as that city writes it, and each roster row its unit."""
    for city in CITIES:
        _load(runner, city)
    for city in CITIES:
        output = _cli(runner, "subjects", "import", _subjects_file(city, tmp_path / f"{city.top}-subjects.csv"))
        assert "拒绝 0" in output, output
        output = _cli(runner, "inspectors", "import", _roster_file(city, tmp_path / f"{city.top}-roster.csv"))
        assert "拒绝 0" in output, output
    found = {s.name: s.division_code for s in db.session.scalars(select(Subject))}
    assert found == {name: county for city in CITIES for name, *_, county in city.subjects}
    units = {i.name: i.unit.code for i in db.session.scalars(select(Inspector))}
    assert units == {name: code for city in CITIES for name, _, code in city.roster}


def test_the_bureaus_own_enforcement_detachment_executes():
    from fieldapp.plans.cells import parse_executor

    for text in ("市场监管综合行政执法支队", "稽查支队", "市场监管综合行政执法总队"):
        executor = parse_executor(text)
        assert (executor.city, executor.county, executor.problems) == (True, False, []), text
    executor = parse_executor("市场监管综合行政执法支队、各县（市、区）执法大队")
    assert (executor.city, executor.county) == (True, True)


# --- the whole flow, in each city ----------------------------------------------------------------


def test_the_draw_command_never_guesses_between_two_cities_plans(app, runner):
    for city in (HUNAN, CHONGQING):
        _load(runner, city)
        _cli(runner, "plan", "import", PLAN, "--unit", city.top, "--publish")
    plans = {p.unit.code: p for p in db.session.scalars(select(Plan))}
    output = _cli(runner, "draw", "units", "2", "--year", "2022", code=1)
    assert "2022 年有多个计划都有第 2 项任务" in output and "--plan" in output
    assert "麻阳苗族自治县" in _cli(runner, "draw", "units", "2", "--plan", plans["hh"].id)
    from fieldapp.draws.models import Draw, TaskDrawSettings

    _cli(runner, "draw", "settings", "2", "--cap", "3", code=1)
    assert db.session.scalar(select(TaskDrawSettings)) is None  # nobody's task changed
    _cli(runner, "draw", "settings", "2", "--cap", "3", "--plan", plans["cq"].id)
    assert db.session.scalar(select(TaskDrawSettings)).task_id == plans["cq"].tasks[1].id
    _cli(runner, "draw", "run", "2", "--unit", "hh-my", "--witness", "W", "--exception-reason", "测试")
    assert db.session.scalar(select(Draw)).task.plan_id == plans["hh"].id  # the unit names its plan


@pytest.mark.parametrize("city", CITIES, ids=lambda c: c.file)
def test_plan_draw_visit_review_and_publication_in_each_city(app, auth, runner, client_request, tmp_path, city):
    from fieldapp.draws.models import Draw
    from fieldapp.publication.operations import publish
    from fieldapp.review.models import InspectionResult
    from fieldapp.review.operations import approve
    from fieldapp.visits.models import Visit

    for each in CITIES:
        _load(runner, each)  # every organisation in one database: none sees another's
    _cli(runner, "plan", "import", PLAN, "--unit", city.top, "--publish")
    for other in CITIES:
        _cli(runner, "subjects", "import", _subjects_file(other, tmp_path / f"{other.top}-subjects.csv"))
        _cli(runner, "inspectors", "import", _roster_file(other, tmp_path / f"{other.top}-roster.csv"))
    plan = db.session.scalar(select(Plan))
    output = _cli(
        runner, "draw", "run", "2", "--unit", city.county, "--witness", "见证人", "--exception-reason", "测试"
    )
    assert "抽中 " in output
    draw = db.session.scalar(select(Draw))
    county = db.session.get(Unit, draw.unit_id)
    assert county.code == city.county and draw.task.plan_id == plan.id
    in_county = [s for s in city.subjects if s[-1] == county.division_code]
    assert 0 < draw.pool_size <= len(in_county)  # none of another county's or city's
    visit = db.session.scalar(select(Visit))
    assert visit.subject.division_code == county.division_code
    lead = visit.inspectors[0].inspector
    lead.user = User(username="lead", name=lead.name, role="inspector", unit=lead.unit)
    lead.user.set_password(client_request.auth.PASSWORD if hasattr(client_request, "auth") else "password")
    db.session.commit()

    client_request.login("county-supervisor", "supervisor", city.county)
    supervisor = db.session.scalar(select(User).where(User.username == "county-supervisor"))
    sub = rf.submission(
        visit, rf.answers_body([draw.task], inspected_on=date(2022, 4, 12)), inspected_on=date(2022, 4, 12)
    )
    db.session.commit()
    approve(sub.id, sub.lock_version, supervisor)
    db.session.commit()
    result = db.session.scalar(select(InspectionResult))
    assert result.division_code == county.division_code
    publish([result], supervisor, on=date(2022, 4, 13))
    db.session.commit()
    pages = [
        ("plans.plan_detail", {"plan_id": plan.id}),
        ("draws.detail", {"draw_id": draw.id}),
        ("draws.round_page", {"task_id": draw.task_id, "round_": 1, "unit_code": city.county}),
        ("visits.index", {}),
        ("review.queue", {}),
        ("publication.index", {}),
        ("dashboards.index", {}),
    ]
    for endpoint, args in pages:
        page = client_request.get(endpoint, **args)
        assert page.select_one("main"), endpoint
    assert visit.subject.name in client_request.get("visits.index").get_text()
    client_request.logout()

    client_request.login("top-supervisor", "supervisor", city.top)  # the issuing bureau sees its county
    dashboard = client_request.get("dashboards.index").get_text()
    assert county.area_name in dashboard
    for each in CITIES:
        if each.top != city.top:
            assert db.session.scalar(select(Unit).where(Unit.code == each.county)).area_name not in dashboard
    client_request.logout()

    client_request.login("elsewhere", "supervisor", city.other)  # a county of the same organisation
    for endpoint, args in [("draws.detail", {"draw_id": draw.id}), ("review.submission", {"submission_id": sub.id})]:
        client_request.get(endpoint, _expected_status=404, **args)
    assert visit.subject.name not in client_request.get("visits.index").get_text()
    client_request.logout()
    for each in CITIES:  # another organisation's bureau
        if each.top != city.top:
            client_request.login(f"{each.top}-supervisor", "supervisor", each.top)
            client_request.get("draws.detail", _expected_status=404, draw_id=draw.id)
            client_request.get("plans.plan_detail", _expected_status=404, plan_id=plan.id)
            client_request.logout()

    page = client_request.get("publication.public_results", q=visit.subject.uscc)
    assert visit.subject.name in page.get_text()
    for endpoint, args in [
        ("plans.public_unit_plan", {"year": 2022, "unit_code": city.top}),
        ("draws.public_detail", {"draw_id": draw.id}),
        ("publication.public_task", {"task_id": draw.task_id}),
        ("publication.public_subject", {"ident": visit.subject.uscc}),
    ]:
        page = client_request.get(endpoint, **args)
        assert page.select_one("main"), endpoint
        assert county.name in page.get_text() or endpoint.startswith("plans."), endpoint


def test_public_plan_pages_of_each_organisation_list_only_their_own(app, runner, client_request):
    """The demo city is the deployment's first top bureau (/public/plan/2022); 重庆 (a second top
    bureau) and 怀化 (a city under a province) have their own addresses, PDFs included, and their
    pages list neither each other's plans nor the demo city's."""
    from fieldapp.plans.routes import public_plan_url

    for city in (HUNAN, CHONGQING):
        _load(runner, city)
        _cli(runner, "plan", "import", PLAN, "--unit", city.top, "--publish")
    _cli(runner, "plan", "import", PLAN, "--unit", "cq-sz", "--publish")  # a county's plan under 重庆
    plans = {p.unit.code: p for p in db.session.scalars(select(Plan))}
    for code in ("hh", "cq", "cq-sz"):
        page = client_request.get("plans.public_unit_plan", year=2022, unit_code=code)
        assert len(page.select("#public-tasks li.task")) == len(plans[code].tasks)
        pdf = client_request.get_response("publication.public_unit_plan_pdf", year=2022, unit_code=code)
        assert pdf.data.startswith(b"%PDF")
    links = lambda page: {a["href"] for a in page.select(".other-plans a")}  # noqa: E731
    with app.test_request_context():
        urls = {code: public_plan_url(plan) for code, plan in plans.items()}
    assert links(client_request.get("plans.public_unit_plan", year=2022, unit_code="cq")) == {urls["cq-sz"]}
    assert links(client_request.get("plans.public_unit_plan", year=2022, unit_code="cq-sz")) == {urls["cq"]}
    assert links(client_request.get("plans.public_unit_plan", year=2022, unit_code="hh")) == set()
    client_request.get("plans.public_unit_plan", year=2022, unit_code="city", _expected_status=404)


def test_an_uploaded_directory_writes_only_the_uploaders_counties(app, runner, client_request, tmp_path):
    """湘西's administrator uploads a file that also holds 怀化's subjects: those rows are refused,
    neither added nor changed (the command line, run by the deployment's operator, reaches every one)."""
    from io import BytesIO

    _load(runner, HUNAN)
    huaihua = [row for row in HUNAN.subjects if row[1] == "431200"]
    _cli(runner, "subjects", "import", _subjects_file(HUNAN._replace_subjects(huaihua[:1]), tmp_path / "hh.csv"))
    before = db.session.scalar(select(Subject)).status
    path = _subjects_file(HUNAN, tmp_path / "all.csv")
    data = path.read_text(encoding="utf-8").replace(",存续,", ",注销,")  # every subject closes
    client_request.login("xx-admin", "admin", "xx")
    client_request.post_response(
        "subjects.import_file",
        _data={"file": (BytesIO(data.encode("utf-8")), "名录.csv")},
        _content_type="multipart/form-data",
    )
    subjects = {s.name: s for s in db.session.scalars(select(Subject))}
    assert set(subjects) == {huaihua[0][0], "吉首市湘泉酒店", "凤凰县古城客栈"}
    assert subjects[huaihua[0][0]].status == before  # 怀化's: untouched
    assert subjects["吉首市湘泉酒店"].status == subjects["凤凰县古城客栈"].status != before
    from fieldapp.jobs.models import Job

    job = db.session.scalar(select(Job))
    assert job.status == "done" and job.result["counts"]["rejected"] == len(huaihua)
    rejects = (tmp_path / "jobs").rglob("*.csv")
    text = "".join(p.read_text(encoding="utf-8-sig") for p in rejects if "reject" in p.name)
    assert "麻阳苗族自治县 不在本单位辖区内" in text, text
