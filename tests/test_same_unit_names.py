"""Two cities in one database, each with a 计量科, a county bureau with a 城关市场监管所 and the demo
city's 开发区分局 beside 安阳's: unit names are unique within a city only (codes across the database).
Every file that names a unit — a roster, a plan — is read in the importing user's city; a name
two units of that scope share is refused in Chinese with the advice to write the unit's code.
Files: tests/data/organisations/hebi.yaml and anyang.yaml (the demo city is loaded already)."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from factories.draws import DRAW_DAY, draw_day  # noqa: F401  (fixture: the server's clock on DRAW_DAY)
from factories.draws import make_subjects
from factories.plans import HEADER, to_csv
from fieldapp.auth.models import Unit, UnitKind
from fieldapp.auth.organisation import load_organisation
from fieldapp.auth.unit_names import unit_label
from fieldapp.extensions import db
from fieldapp.inspectors.models import Inspector
from fieldapp.plans.models import Plan

ORGANISATIONS = Path(__file__).resolve().parent / "data" / "organisations"
CITIES = {"hb": "鹤壁市市场监督管理局", "ay": "安阳市市场监督管理局"}
PREFIX = {"hb": "41062", "ay": "41052"}  # each city's certificate numbers
SUBJECTS_IN = {"hb": "410621", "ay": "410526"}  # 浚县, 滑县


@pytest.fixture
def cities(app):
    """鹤壁 and 安阳 loaded beside the demo city."""
    for name in ("hebi.yaml", "anyang.yaml"):
        load_organisation(ORGANISATIONS / name)
    db.session.commit()
    return {u.code: u for u in db.session.scalars(select(Unit))}


def _roster(city: str) -> bytes:
    """A city's roster as its bureau writes it: the city's 计量科 and a county's station by short name."""
    rows = [["姓名", "执法证号", "有效期至", "单位", "执法领域"]]
    rows += [[f"{city}计量{i}", f"{PREFIX[city]}0{i}", "2030-12-31", "计量科", "计量"] for i in range(4)]
    rows.append([f"{city}城关", f"{PREFIX[city]}09", "2030-12-31", "城关所", "食品"])
    return to_csv(rows)


def _cli(runner, *args):
    result = runner.invoke(args=[str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.output


def _people() -> dict[str, str]:
    return {i.name: i.unit.code for i in db.session.scalars(select(Inspector))}


def test_two_cities_hold_the_same_names_and_the_database_keeps_siblings_apart(cities):
    metrology = sorted(u.code for u in cities.values() if u.name == "计量科")
    assert metrology == ["ay-metrology", "city-metrology", "hb-metrology"]
    assert sorted(u.code for u in cities.values() if u.name == "城关市场监管所") == [
        "ay-hx-chengguan",
        "hb-xx-chengguan",
    ]
    # Lists show the city with a repeated name, the plain name otherwise.
    assert unit_label(cities["ay-metrology"]) == "安阳市 计量科"
    assert unit_label(cities["ay-hx-chengguan"]) == "滑县 城关市场监管所"  # a county's station: its county
    assert unit_label(cities["ay-food"]) == "食品生产科" and unit_label(cities["ay"]) == "安阳市市场监督管理局"
    # Two children of one parent with one name: the database refuses it as well as the loader.
    db.session.add(Unit(code="ay-metrology-2", name="计量科", kind=UnitKind.DEPARTMENT, parent=cities["ay"]))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_each_citys_roster_lands_on_its_own_units(cities, runner, tmp_path):
    for city in ("hb", "ay"):
        path = tmp_path / f"{city}.csv"
        path.write_bytes(_roster(city))
        output = _cli(runner, "inspectors", "import", path, "--unit", city, "--lang", "zh_CN")
        assert "新增 5" in output and "拒绝 0" in output
    people = _people()
    for city in ("hb", "ay"):
        assert {people[f"{city}计量{i}"] for i in range(4)} == {f"{city}-metrology"}
    assert people["hb城关"] == "hb-xx-chengguan" and people["ay城关"] == "ay-hx-chengguan"


def test_a_roster_upload_reads_names_in_the_uploaders_city(cities, client_request):
    from fieldapp.jobs.models import Job

    client_request.login("ay-supervisor", "supervisor", "ay")
    client_request.post_response(
        "inspectors.import_file",
        _data={"file": (BytesIO(_roster("ay")), "安阳名录.csv")},
        _content_type="multipart/form-data",
    )
    job = db.session.scalar(select(Job))
    assert job.status == "done" and job.params["unit"] == "ay"
    assert set(_people().values()) == {"ay-metrology", "ay-hx-chengguan"}


def test_an_ambiguous_unit_name_is_refused_in_chinese_and_the_code_is_taken(cities, runner, tmp_path):
    """Without a city (the command line without --unit) 计量科 is three units: the row is refused with
    the units and the advice to write the code; the code, or the bureau before the name, is taken."""
    path = tmp_path / "roster.csv"
    rows = [["姓名", "执法证号", "有效期至", "单位", "执法领域"]]
    rows += [["甲", "A001", "2030-12-31", "计量科", "计量"], ["乙", "A002", "2030-12-31", "ay-metrology", "计量"]]
    rows += [["丙", "A003", "2030-12-31", "鹤壁市局计量科", "计量"]]
    path.write_bytes(to_csv(rows))
    output = runner.invoke(args=["inspectors", "import", str(path), "--lang", "zh_CN"]).output
    assert "新增 2" in output and "拒绝 1" in output
    assert "“计量科”是多个单位的名称（ay-metrology（安阳市 计量科）、city-metrology（朔州市 计量科）、" in output
    assert "请改填单位代码" in output
    assert _people() == {"乙": "ay-metrology", "丙": "hb-metrology"}
    rejects = (tmp_path / "roster.rejects.csv").read_text(encoding="utf-8-sig")
    assert "甲" in rejects and "请改填单位代码" in rejects
    # A city no one has.
    result = runner.invoke(args=["inspectors", "import", str(path), "--unit", "nowhere", "--lang", "zh_CN"])
    assert result.exit_code == 1 and "没有代码为 nowhere 的单位" in result.output


def _plan_csv(city: str) -> bytes:
    title = [f"{CITIES[city]}{DRAW_DAY.year}年度双随机抽查工作计划"]
    row = [
        "1",
        "计量器具监督抽查",
        "定向",
        "计量器具检定情况",
        "加油站",
        "10%",
        "全年",
        "市局组织发起/计量科指导",
        "市局",
    ]
    return to_csv([title, HEADER, row])


def test_each_citys_plan_and_draw_use_its_own_metrology_inspectors(cities, runner, tmp_path, draw_day):  # noqa: F811
    from fieldapp.draws.commitments import commit
    from fieldapp.draws.operations import run_draw
    from fieldapp.draws.pools import executing_units

    draws = {}
    for city in ("hb", "ay"):
        roster, plan_file = tmp_path / f"{city}.csv", tmp_path / f"{city}-plan.csv"
        roster.write_bytes(_roster(city))
        plan_file.write_bytes(_plan_csv(city))
        _cli(runner, "inspectors", "import", roster, "--unit", city)
        _cli(runner, "plan", "import", plan_file, "--publish")  # the issuer from the title, in no city
        make_subjects({"A": 20}, division=SUBJECTS_IN[city], start=100 if city == "ay" else 0)
    for city in ("hb", "ay"):
        plan = db.session.scalar(select(Plan).join(Unit, Plan.unit_id == Unit.id).where(Unit.code == city))
        task = plan.tasks[0]
        assert task.guiding_department == "计量科" and [u.code for u in executing_units(task)] == [city]
        task.scope_rule = {
            "confirmed": True,
            "kinds": [],
            "tags_any": [],
            "status": "在业",
            "past_business_term": False,
        }
        task.ratio = Decimal("0.1")
        db.session.flush()
        draws[city], _ = run_draw(commit(task, 1, cities[city], exception_reason="测试"), witness=f"{city}见证人")
    db.session.commit()
    for city, draw in draws.items():
        team = draw.teams[0]
        assert team["unit"] == city
        assert {p["unit"] for p in team["inspectors"]} == {f"{city}-metrology"}  # not the other city's 计量科
        assigned = {a.inspector.certificate_number for s in draw.selections for a in s.assignments}
        assert assigned and all(c.startswith(PREFIX[city]) for c in assigned)


def test_a_plan_naming_a_bureau_two_cities_have_needs_its_code(cities, runner, tmp_path):
    """开发区分局 is the demo city's branch and 安阳's: the command refuses to guess, in Chinese;
    with --unit the plan is the one named; a supervisor's upload is read in their own city."""
    path = tmp_path / "zone.csv"
    title = ["开发区分局2023年度双随机抽查工作计划"]
    row = ["1", "计量器具监督抽查", "定向", "计量器具检定情况", "加油站", "10%", "全年", "计量科", "本局"]
    path.write_bytes(to_csv([title, HEADER, row]))
    result = runner.invoke(args=["plan", "import", str(path), "--lang", "zh_CN"])
    assert result.exit_code != 0
    assert "发文单位是 开发区分局，但有多个单位同名（140671、ay-zone）；请用 --unit 指定发文单位的代码" in result.output
    assert db.session.scalar(select(func.count()).select_from(Plan)) == 0
    _cli(runner, "plan", "import", path, "--unit", "ay-zone")
    assert db.session.scalar(select(Plan)).unit.code == "ay-zone"


def test_a_supervisors_plan_upload_names_a_bureau_of_their_own_city(cities, client_request):
    """The demo city's 开发区分局 imports a plan its title names so: in its own city the name is its
    own (安阳's branch of that name is not taken for it), so no mismatch is reported."""
    client_request.login("zone-supervisor", "supervisor", "140671")
    title = ["开发区分局2023年度双随机抽查工作计划"]
    row = ["1", "计量器具监督抽查", "定向", "计量器具检定情况", "加油站", "10%", "全年", "计量科", "本局"]
    page = client_request.post(
        "plans.import_file",
        _data={"file": (BytesIO(to_csv([title, HEADER, row])), "zone.csv"), "action": "import"},
        _content_type="multipart/form-data",
        _expected_status=200,
    )
    assert "发文单位" not in page.select_one("#import-report").get_text()
    assert db.session.scalar(select(Plan)).unit.code == "140671"


def test_a_registration_authority_two_cities_have_names_no_county(cities):
    """The subject directory's 登记机关 开发区分局 is the demo city's branch and 安阳's: no county is
    guessed for it; with its city before it, or by its own area, it is the one."""
    from fieldapp.subjects.fields import division_from_authority

    assert division_from_authority("开发区分局") is None
    assert division_from_authority("安阳市开发区分局") == "410571"
    assert division_from_authority("安阳开发区市场监管局") == "410571"
    assert division_from_authority("开发区市场监督管理局") == "140671"  # the demo city's area 开发区


def test_a_branch_of_another_citys_bureau_is_not_this_citys_area_of_the_same_name(app):
    """Only the demo city is loaded: 安阳's 开发区分局 written in full is no county of the demo city
    (its 开发区 shares the branch's words); the demo city's own branch written so is its 开发区."""
    from fieldapp.subjects.fields import division_from_authority

    assert division_from_authority("安阳市市场监督管理局开发区分局") is None
    assert division_from_authority("朔州市市场监督管理局开发区分局") == "140671"
    assert division_from_authority("朔州市市场监督管理局朔城区分局") == "140602"


def test_a_branch_is_read_within_its_own_city(cities):
    from fieldapp.subjects.fields import division_from_authority

    assert division_from_authority("安阳市市场监督管理局开发区分局") == "410571"
    assert division_from_authority("朔州市市场监督管理局开发区分局") == "140671"
    assert division_from_authority("鹤壁市市场监督管理局浚县分局") == "410621"
