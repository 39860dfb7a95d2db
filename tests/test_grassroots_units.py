"""Organisations whose inspectors sit in grassroots units: 上海市浦东新区 (310115) deployed alone — the
district bureau is the top of its file, with no city or province above it, its 科室 and many 市场监督
管理所 below — and 江苏省扬州市 (3210xx) loaded beside the demo city, whose 高邮市局 has its own 股 and
所. A county bureau's draw team is the bureau and its departments: most of a county's inspectors are
in its 所. Rosters write enforcement fields as each bureau does (特种设备安全, 食品经营, 药品).
Files: tests/data/organisations/{pudong,yangzhou}.yaml, tests/data/plans/pudong-2024.csv."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from factories import review as rf
from factories.draws import set_clock
from fieldapp.demo.city import make_uscc
from fieldapp.auth.models import Unit
from fieldapp.extensions import db
from fieldapp.inspectors.models import Inspector

DATA = Path(__file__).resolve().parent / "data"
PUDONG = DATA / "organisations" / "pudong.yaml"
YANGZHOU = DATA / "organisations" / "yangzhou.yaml"
PLAN = DATA / "plans" / "pudong-2024.csv"
SHUOZHOU = ("朔州", "山西", "朔城", "140600", "Shuozhou")


@pytest.fixture
def app_config():
    return {"ORGANISATION_FILE": str(PUDONG)}


@pytest.fixture(autouse=True)
def spring_2024(monkeypatch):
    set_clock(monkeypatch, datetime(2024, 4, 15, 2, 0, 0))  # 10:00 in Beijing, in every task's window


def _cli(runner, *args, code=0):
    result = runner.invoke(args=[str(a) for a in args])
    assert result.exit_code == code, result.output
    return result.output


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(header)
        out.writerows(rows)
    return path


def _subjects(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    """(name, USCC area, registration authority, address) rows, each an elevator user."""
    header = ["统一社会信用代码", "企业名称", "企业类型", "法定代表人", "住所", "登记机关", "登记状态", "监管标签"]
    return _write(
        path,
        header,
        [
            [
                make_uscc("E", area, 300 + n),
                name,
                "有限责任公司",
                "王五",
                address,
                authority,
                "存续",
                "特种设备使用单位",
            ]
            for n, (name, area, authority, address) in enumerate(rows)
        ],
    )


def _roster(path: Path, rows: list[tuple[str, str, str]], prefix: str) -> Path:
    header = ["姓名", "执法证号", "有效期至", "所在单位", "执法领域", "状态"]
    rows_out = [
        [name, f"{prefix}{n:04d}", "2027-12-31", unit, fields, "在岗"] for n, (name, unit, fields) in enumerate(rows)
    ]
    return _write(path, header, rows_out)


PUDONG_SUBJECTS = [
    ("上海陆家嘴电梯大厦物业有限公司", "310115", "上海市浦东新区市场监督管理局", "上海市浦东新区陆家嘴环路1号"),
    ("上海张江科技园物业有限公司", "310115", "", "上海市浦东新区张江镇科苑路2号"),
    ("上海川沙商厦有限公司", "310000", "", "浦东新区川沙新镇3号"),
]
PUDONG_ROSTER = [
    ("沈一", "陆家嘴所", "特种设备安全、食品经营"),  # a station's short name; fields as the district writes them
    ("沈二", "张江市场监督管理所", "特种设备"),
    ("沈三", "上海市浦东新区市场监督管理局川沙市场监督管理所", "特种设备安全监察领域"),
    ("沈四", "特种设备安全监察科", "特设、药品"),
]


def test_a_district_deployed_alone_draws_its_stations_inspectors(app, auth, runner, client_request, tmp_path):
    """浦东's inspectors all sit in its 所 and 科: they are its draw team; the draw, the visit, the
    review and the public record name 浦东 and nothing of the demo city."""
    from fieldapp.draws.models import Draw
    from fieldapp.publication.exports import national_xlsx
    from fieldapp.publication.models import PublishedResult
    from fieldapp.publication.operations import publish
    from fieldapp.review.models import InspectionResult
    from fieldapp.review.operations import approve
    from fieldapp.visits.models import Visit

    output = _cli(runner, "subjects", "import", _subjects(tmp_path / "subjects.csv", PUDONG_SUBJECTS))
    assert "拒绝 0" in output, output
    output = _cli(runner, "inspectors", "import", _roster(tmp_path / "roster.csv", PUDONG_ROSTER, "PD"))
    assert "拒绝 0" in output, output
    people = {i.name: i for i in db.session.scalars(select(Inspector))}
    assert people["沈一"].unit.code == "pd-ljz" and people["沈一"].specialties == ["特种设备", "食品"]
    assert people["沈三"].specialties == ["特种设备"] and people["沈四"].specialties == ["特种设备", "药品"]
    _cli(runner, "plan", "import", PLAN, "--publish")
    output = _cli(runner, "draw", "run", "1", "--witness", "见证人", "--exception-reason", "测试")
    assert "抽中 " in output, output
    draw = db.session.scalar(select(Draw))
    assert draw.unit.code == "pd" and draw.pool_size == 3
    team = {i["unit"] for t in draw.teams for i in t["inspectors"]}
    assert team == {"pd-ljz", "pd-zj", "pd-cs", "pd-tzsb"}  # the stations' and the section's inspectors
    visit = db.session.scalars(select(Visit)).first()
    assert {a.inspector.unit.code for a in visit.inspectors} <= team and len(visit.inspectors) == 2

    lead = visit.inspectors[0].inspector
    lead.user = auth.create("station-inspector", "inspector", lead.unit.code)
    db.session.commit()
    client_request.login("station-inspector", "inspector", lead.unit.code)
    assert visit.subject.name in client_request.get("inspections.my_visits").get_text()
    client_request.logout()
    sub = rf.submission(
        visit, rf.answers_body([draw.task], inspected_on=date(2024, 4, 16)), inspected_on=date(2024, 4, 16)
    )
    db.session.commit()
    supervisor = client_request.login(auth.create("pd-supervisor", "supervisor", "pd"))
    approve(sub.id, sub.lock_version, supervisor)
    db.session.commit()
    result = db.session.scalar(select(InspectionResult))
    assert result.division_code == "310115"
    publish([result], supervisor, on=date(2024, 4, 17))
    db.session.commit()
    texts = [client_request.get(endpoint).get_text() for endpoint in ("dashboards.index", "review.queue")]
    assert all("浦东新区" in text for text in texts)
    pdf = client_request.get_response("publication.visit_record_pdf", visit_id=visit.id).data
    client_request.logout()

    record = db.session.scalar(select(PublishedResult))
    pages = [client_request.get_response("publication.public_record_pdf", public_id=record.public_id).data, pdf]
    text = "".join(subprocess.run(["pdftotext", "-", "-"], input=p, capture_output=True).stdout.decode() for p in pages)
    book = zipfile.ZipFile(io.BytesIO(national_xlsx([record])))
    text += "".join(book.read(n).decode("utf-8") for n in book.namelist() if n.endswith(".xml"))
    for endpoint, args in [
        ("plans.public_plan", {"year": 2024}),
        ("draws.public_detail", {"draw_id": draw.id}),
        ("publication.public_subject", {"ident": visit.subject.uscc}),
    ]:
        text += client_request.get(endpoint, **args).get_text()
    text += json.dumps(client_request.get_response("publication.open_data_json").json, ensure_ascii=False)
    assert "上海市浦东新区市场监督管理局" in text and visit.subject.name in text
    assert [word for word in SHUOZHOU if word in text] == []


def test_an_enforcement_field_the_vocabulary_lacks_is_refused_naming_the_fields(app, runner, tmp_path):
    rows = [("沈五", "陆家嘴所", "无人机"), ("沈六", "张江所", "食品生产、医疗器械经营")]
    output = _cli(runner, "inspectors", "import", _roster(tmp_path / "roster.csv", rows, "PE"))
    assert "拒绝 1" in output and "未知的执法领域：无人机（可填：计量、" in output, output
    assert db.session.scalar(select(Inspector)).specialties == ["食品", "医疗器械"]


def test_a_citys_county_stations_join_its_draw_team_and_a_city_section_the_citys(app, runner, tmp_path):
    """扬州 beside the demo city: 高邮市局's 三垛所 inspector is drawn for 高邮's task; the city's own task
    is drawn by the city bureau with its 特种设备安全监察科, never a county's 所."""
    from fieldapp.draws.models import Draw

    output = _cli(runner, "units", "import", YANGZHOU)
    assert "新建 18 个单位" in output and "文件中没有" not in output, output
    subjects = [
        ("高邮市三垛电梯物业公司", "321084", "高邮市市场监督管理局", ""),
        ("高邮市界首商厦", "321084", "", "江苏省扬州市高邮市界首镇"),
        ("扬州广陵商城", "321000", "扬州市广陵区市场监督管理局", ""),
    ]
    _cli(runner, "subjects", "import", _subjects(tmp_path / "subjects.csv", subjects))
    roster = [
        ("秦一", "三垛所", "特种设备安全"),
        ("秦二", "高邮市局界首所", "特种设备"),
        ("秦三", "扬州市局特种设备安全监察科", "特种设备安全监察"),
        ("秦四", "扬州市市场监管综合行政执法支队", "特种设备"),
    ]
    output = _cli(runner, "inspectors", "import", "--unit", "yz", _roster(tmp_path / "roster.csv", roster, "YZ"))
    assert "拒绝 0" in output, output
    plan = tmp_path / "扬州市2024年抽查计划.csv"
    plan.write_text(
        "扬州市市场监督管理局2024年度“双随机、一公开”抽查工作计划\n"
        "序号,抽查任务名称,抽查类型,抽查事项,抽查对象范围,抽查比例,抽查时间,发起部门/指导单位,实施单位\n"
        "1,电梯使用单位监督抽查,定向,使用登记情况,辖区内电梯使用单位,不低于5%,4月-10月,特种设备安全监察科,各市场监督管理所\n"
        "2,大型商场电梯抽查,定向,定期检验情况,全市大型商场,2家,4月-10月,特种设备安全监察科,市局\n",
        encoding="utf-8",
    )
    _cli(runner, "plan", "import", plan, "--unit", "yz", "--publish")
    _cli(runner, "draw", "run", "1", "--unit", "yz-gy", "--witness", "W", "--exception-reason", "测试")
    _cli(runner, "draw", "run", "2", "--unit", "yz", "--witness", "W", "--exception-reason", "测试")
    teams = {
        d.unit.code: {i["unit"] for t in d.teams for i in t["inspectors"]} for d in db.session.scalars(select(Draw))
    }
    assert teams == {"yz-gy": {"yz-gy-sjs", "yz-gy-jsz"}, "yz": {"yz-tzsb", "yz-zfzd"}}


def _with_department(tmp_path: Path, county: str, name: str) -> Path:
    data = yaml.safe_load(YANGZHOU.read_text(encoding="utf-8"))
    bureau = next(c for c in data["units"][0]["children"] if c["code"] == county)
    bureau.setdefault("children", []).append({"code": f"{county}-dept", "name": name, "kind": "department"})
    path = tmp_path / "yangzhou.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_two_counties_each_have_their_own_section_of_one_name(app, runner, tmp_path):
    """宝应县局 has a 特种设备安全监察股 as 高邮市局 does: the file loads, lists tell them apart by county,
    and a roster naming the section without its county is asked for the code; a county section named
    like the city's own 特种设备安全监察科 is still refused, naming the line and the unit."""
    from fieldapp.auth.unit_names import unit_label

    output = _cli(runner, "units", "import", _with_department(tmp_path, "yz-by", "特种设备安全监察股"))
    assert "新建 19 个单位" in output, output
    labels = {u.code: unit_label(u) for u in db.session.scalars(select(Unit).where(Unit.name == "特种设备安全监察股"))}
    assert labels == {"yz-by-dept": "宝应县 特种设备安全监察股", "yz-gy-tzsb": "高邮市 特种设备安全监察股"}
    rows = [("秦五", "特种设备安全监察股", "特种设备"), ("秦六", "宝应县局特种设备安全监察股", "特种设备")]
    output = _cli(runner, "inspectors", "import", "--unit", "yz", _roster(tmp_path / "roster.csv", rows, "YB"))
    assert "拒绝 1" in output and "“特种设备安全监察股”是多个单位的名称" in output, output
    assert db.session.scalar(select(Inspector)).unit.code == "yz-by-dept"

    result = runner.invoke(args=["units", "import", str(_with_department(tmp_path, "yz-jd", "特种设备安全监察科"))])
    assert result.exit_code == 1, result.output
    assert (
        "单位 yz-tzsb：名称“特种设备安全监察科”已是同一组织（扬州市市场监督管理局）中单位 yz-jd-dept" in result.output
    )
    assert "第 " in result.output and db.session.scalar(select(Unit).where(Unit.code == "yz-jd-dept")) is None


def test_a_municipalitys_districts_each_have_their_sections(app, runner, tmp_path):
    """A 直辖市 bureau over its districts: each district bureau has its 特种设备安全监察科 and 所."""
    district = lambda code, name, division, area: {  # noqa: E731
        "code": code,
        "name": name,
        "kind": "county_bureau",
        "division": division,
        "area": area,
        "children": [
            {"code": f"{code}-tzsb", "name": "特种设备安全监察科", "kind": "department"},
            {"code": f"{code}-spjy", "name": "食品经营监管科", "kind": "department"},
        ],
    }
    top = {"code": "sh", "name": "上海市市场监督管理局", "kind": "province_bureau", "division": "310000"}
    top |= {"area": "上海市", "children": [{"code": "sh-tzsb", "name": "特种设备安全监察处", "kind": "department"}]}
    top["children"] += [
        district("sh-xh", "上海市徐汇区市场监督管理局", "310104", "徐汇区"),
        district("sh-mh", "上海市闵行区市场监督管理局", "310112", "闵行区"),
    ]
    path = tmp_path / "shanghai.yaml"
    path.write_text(yaml.safe_dump({"name": "上海市市场监督管理局", "units": [top]}, allow_unicode=True), "utf-8")
    assert "新建 8 个单位" in _cli(runner, "units", "import", path)
