"""The organisation is data: units at any depth from a YAML file, nothing of one city in the code."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from factories.organisation import TWO_CITIES, two_city_world
from fieldapp.auth.models import Unit
from fieldapp.auth.organisation import DEFAULT_FILE, OrganisationError, load_organisation, read_organisation
from fieldapp.auth.territory import county_names, division_for_area, divisions_under
from fieldapp.extensions import db
from fieldapp.subjects.fields import division_from_address, division_from_authority

ROOT = Path(__file__).resolve().parent.parent


def _shuozhou_words() -> set[str]:
    """Every unit code, division code, unit name and area name of the demo organisation file."""
    words: set[str] = set()
    for spec in read_organisation(DEFAULT_FILE):
        words |= {spec.code, spec.name, spec.area, *spec.aliases}
        if spec.division:
            words.add(spec.division)
    return {w for w in words if len(w) >= 2}


def _string_literals(path: Path) -> list[tuple[int, str]]:
    """The string constants of a module, docstrings left out (they may quote a plan's wording)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
    ]


def _offenders(words: set[str]) -> list[str]:
    pattern = re.compile("|".join(sorted(map(re.escape, words), key=len, reverse=True)))
    found = []
    for path in ROOT.joinpath("fieldapp").rglob("*.py"):
        if path.name == "organisation.py" and path.parent.name == "auth":
            continue  # the loader
        for number, text in _string_literals(path):
            # A code such as "city" is an English word too: an ASCII code counts as a whole string.
            found += [
                f"{path.relative_to(ROOT)}:{number}: {m.group(0)}"
                for m in pattern.finditer(text)
                if not m.group(0).isascii() or text == m.group(0)
            ]
    for path in ROOT.joinpath("templates").rglob("*.html"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found += [
                f"{path.relative_to(ROOT)}:{number}: {m.group(0)}"
                for m in pattern.finditer(line)
                if not m.group(0).isascii()
            ]
    return found


def test_no_code_outside_the_organisation_loader_names_a_unit_of_the_demo_city():
    offenders = _offenders(_shuozhou_words())
    assert not offenders, "\n".join(offenders)


def test_the_scan_would_find_a_hard_coded_county(tmp_path, monkeypatch):
    words = _shuozhou_words()
    assert "朔城区" in words and "140602" in words and "city-metrology" in words
    fake = tmp_path / "fieldapp" / "x.py"
    fake.parent.mkdir()
    fake.write_text('"""朔城区 in a docstring is fine."""\nCOUNTY = "140602"\nNAME = "朔城区市场监督管理局"\n')
    (tmp_path / "templates").mkdir()
    monkeypatch.setattr(__import__(__name__), "ROOT", tmp_path)
    assert _offenders(words) == ["fieldapp/x.py:2: 140602", "fieldapp/x.py:3: 朔城区市场监督管理局"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["units"][0].update(kind="ministry"), "kind must be one of"),
        (lambda d: d["units"][0]["children"][2].update(division="14021"), "not a six-digit code"),
        (lambda d: d["units"][0]["children"][2].pop("division"), "needs the division code"),
        (lambda d: d["units"][0]["children"][3].update(code="dt-pc"), "code dt-pc is used by two units"),
        (lambda d: d["units"][0].update(colour="red"), "unknown field"),
    ],
)
def test_a_malformed_organisation_file_is_refused_with_a_message(tmp_path, change, message):
    data = yaml.safe_load(TWO_CITIES.read_text(encoding="utf-8"))
    city = data["units"][0]["children"][1]  # 大同
    data["units"] = [city]
    change(data)
    path = tmp_path / "org.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(OrganisationError, match=message):
        read_organisation(path)


def test_loading_again_updates_and_never_deletes(app, tmp_path):
    with app.app_context():
        load_organisation(TWO_CITIES)
        data = yaml.safe_load(TWO_CITIES.read_text(encoding="utf-8"))
        yangquan = data["units"][0]["children"][2]
        yangquan["children"] = [c for c in yangquan["children"] if c["code"] != "yq-pd"]
        yangquan["children"][0]["closed_on"] = "2026-01-01"
        yangquan["name_en"] = "Yangquan Bureau"
        path = tmp_path / "org.yaml"
        path.write_text(
            yaml.safe_dump(data, allow_unicode=True).replace("'2026-01-01'", "2026-01-01"), encoding="utf-8"
        )
        report = load_organisation(path)
        assert "yq-pd" in report.not_in_file
        assert db.session.scalar(select(Unit).where(Unit.code == "yq-pd")) is not None
        assert db.session.scalar(select(Unit).where(Unit.code == "yq")).name_en == "Yangquan Bureau"
        assert str(db.session.scalar(select(Unit).where(Unit.code == "yq-quality")).closed_on) == "2026-01-01"


def test_units_at_any_depth_govern_their_subtree(app):
    with app.app_context():
        load_organisation(TWO_CITIES)
        units = {u.code: u for u in db.session.scalars(select(Unit))}
        assert divisions_under(units["sx"]) == {"140213", "140214", "140271", "140302", "140321"}
        assert divisions_under(units["dt"]) == {"140213", "140214", "140271"}
        assert divisions_under(units["dt-metrology"]) == {"140213", "140214", "140271"}  # a department: its bureau
        assert divisions_under(units["yq-pd"]) == {"140321"}
        assert county_names()["140271"] == "大同开发区"
        # The demo city loaded by the fixtures is a tree of its own, untouched.
        assert divisions_under(units["city"]) >= {"140602", "140671"}
        assert not divisions_under(units["city"]) & divisions_under(units["sx"])


def test_subjects_find_their_county_by_authority_address_and_spelling(app):
    with app.app_context():
        load_organisation(TWO_CITIES)
        assert division_from_authority("平城区市场监督管理局") == "140213"
        assert division_from_address("山西省大同市平城区南关街道振华街12号") == "140213"
        assert division_from_address("大同经济技术开发区湖东路8号") == "140271"
        assert division_from_address("阳泉市城区上站街道1号") == "140302"
        assert division_from_address("北京市海淀区中关村大街1号") is None
        assert division_for_area("山西省阳泉市平定县") == "140321"


# --- a second organisation, end to end -----------------------------------------------------------

from factories.draws import draw_day  # noqa: E402,F401

from fieldapp.auth.models import User  # noqa: E402
from fieldapp.plans.models import Plan  # noqa: E402
from fieldapp.subjects.models import Subject  # noqa: E402


def test_a_second_organisation_draws_and_each_city_sees_only_its_own(app, client_request):
    plan, task, draw = two_city_world()
    assert draw.pool_size == 37  # only 平城区's subjects: none of 阳泉 or of the demo city
    pingcheng = db.session.scalar(select(Subject).where(Subject.division_code == "140213"))
    yangquan = db.session.scalar(select(Subject).where(Subject.division_code == "140302"))
    datong_pages = [
        ("plans.plan_detail", {"plan_id": plan.id}),
        ("draws.detail", {"draw_id": draw.id}),
        ("subjects.detail", {"subject_id": pingcheng.id}),
        ("dashboards.index", {"division": "140213"}),
        ("visits.index", {"county": "140213"}),
    ]
    client_request.login("yq-supervisor", unit="yq")
    for endpoint, args in datong_pages:
        client_request.get(endpoint, _expected_status=404, **args)
    client_request.get("subjects.detail", subject_id=yangquan.id)
    client_request.logout()
    client_request.login("sx-supervisor", unit="sx")
    for endpoint, args in datong_pages:
        client_request.get(endpoint, **args)
    client_request.get("subjects.detail", subject_id=yangquan.id)
    dashboard = str(client_request.get("dashboards.index"))
    assert "平城区" in dashboard and "阳泉城区" in dashboard and "朔城区" not in dashboard
    client_request.logout()
    client_request.login("dt-supervisor", unit="dt")
    client_request.get("subjects.detail", _expected_status=404, subject_id=yangquan.id)
    client_request.get("plans.plan_detail", plan_id=plan.id)  # a county plan filed with 大同
    # The demo city's supervisor sees neither city.
    client_request.logout()
    client_request.login("city-supervisor", unit="city")
    for endpoint, args in datong_pages:
        client_request.get(endpoint, _expected_status=404, **args)


def test_a_lower_bureaus_plan_is_filed_with_the_bureau_above(app):
    from fieldapp.auth import access
    from fieldapp.plans import queries

    load_organisation(TWO_CITIES)
    units = {u.code: u for u in db.session.scalars(select(Unit))}
    county_plan = Plan(year=2022, unit=units["dt-pc"], title="平城区计划", status="published")
    city_plan = Plan(year=2022, unit=units["dt"], title="大同市计划", status="published")
    db.session.add_all([county_plan, city_plan])
    db.session.flush()
    users = {
        code: User(username=f"u-{code}", name=code, role="supervisor", unit=units[code], password_hash="x")
        for code in ("sx", "dt", "yq", "dt-pc", "dt-metrology")
    }
    assert county_plan.is_county_plan and city_plan.is_county_plan  # both are filed upwards
    assert queries.may_acknowledge(users["dt"], county_plan) and not queries.may_acknowledge(users["sx"], county_plan)
    assert queries.may_acknowledge(users["sx"], city_plan) and not queries.may_acknowledge(users["dt"], city_plan)
    assert queries.may_edit(users["dt-metrology"], city_plan) and not queries.may_edit(users["dt-pc"], city_plan)
    assert access.may_see(users["dt-pc"], city_plan) and not access.may_see(users["yq"], city_plan)
    assert {p.title for p in queries.plans_for(users["yq"])} == set()
    assert {p.title for p in queries.plans_for(users["sx"])} == {"平城区计划", "大同市计划"}


def test_a_second_organisation_may_reuse_a_name_but_not_clash_within_a_city_or_a_county(app, runner, tmp_path):
    """The demo city's 计量科 is loaded; another city's file naming its own department 计量科 loads
    beside it. Within that city a county bureau's department named like a city department, or a
    county governed already, is refused with the unit and the reason in Chinese, nothing loaded."""
    hebi = Path(__file__).resolve().parent / "data" / "organisations" / "hebi.yaml"
    before = db.session.scalar(select(func.count()).select_from(Unit))
    data = yaml.safe_load(hebi.read_text(encoding="utf-8"))
    xunxian = next(c for c in data["units"][0]["children"] if c["code"] == "hb-xx")
    xunxian["children"].append({"code": "hb-xx-metrology", "name": "计量科", "kind": "department"})
    path = tmp_path / "org.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(args=["units", "import", str(path), "--lang", "zh_CN"])
    assert result.exit_code == 1
    assert (
        "单位 hb-metrology：名称“计量科”已是同一组织（鹤壁市市场监督管理局）中单位 hb-xx-metrology 的名称"
        in result.output
    )
    assert db.session.scalar(select(func.count()).select_from(Unit)) == before
    xunxian["children"].pop()
    data["units"][0]["children"][-1]["division"] = "140602"  # 朔城区's
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(args=["units", "import", str(path)])
    assert result.exit_code == 1 and "行政区划 140602 已由单位" in result.output
    data["units"][0]["children"][-1]["division"] = "410671"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = runner.invoke(args=["units", "import", str(path)])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Unit).where(Unit.code == "hb-zone")).division_code == "410671"
    metrology = db.session.scalars(select(Unit.code).where(Unit.name == "计量科").order_by(Unit.code)).all()
    assert metrology == ["city-metrology", "hb-metrology"]  # two cities, one name each


def test_a_unit_is_found_as_files_spell_it_and_never_guessed(app):
    from fieldapp.auth.unit_names import AmbiguousUnitName, unit_spelled

    load_organisation(TWO_CITIES)
    db.session.flush()
    spelled = {
        "dt-pc": "dt-pc",
        "平城区市场监督管理局": "dt-pc",
        "平城区市场监管局": "dt-pc",
        "平城区局": "dt-pc",
        "平城区": "dt-pc",
        "大同开发区": "dt-zone",
        "大同经济技术开发区": "dt-zone",
        "大同市局": "dt",
        "大同市市场监管局": "dt",
        "大同市市场监督管理局大同市局计量科": "dt-metrology",
        "朔州市市场监督管理局计量科": "city-metrology",
        "朔州市局计量科": "city-metrology",
        "计量科": "city-metrology",
    }
    assert {text: getattr(unit_spelled(text), "code", None) for text in spelled} == spelled
    assert unit_spelled("大同市") is None  # a city's area is no county: its bureau is 大同市局
    assert unit_spelled("不存在的局") is None
    pingding = db.session.scalar(select(Unit).where(Unit.code == "yq-pd"))
    pingding.aliases = ["城区"]  # now 阳泉城区's alias too: two units, no guess
    db.session.flush()
    with pytest.raises(AmbiguousUnitName, match="yq-cq.*yq-pd"):
        unit_spelled("城区")
    assert unit_spelled("平定县").code == "yq-pd"


def test_registration_authorities_as_the_directory_writes_them(app):
    load_organisation(TWO_CITIES)
    db.session.flush()
    for authority in (
        "平城区市场监督管理局",
        "平城区市场监管局",
        "大同市市场监督管理局平城区分局",
        "平城区工商行政管理局",  # registered before 2018
        "山西省大同市平城区市场监督管理局",
    ):
        assert division_from_authority(authority) == "140213", authority
    for authority in ("大同市工商局", "大同市市场监督管理局", "某某区市场监管局"):
        assert division_from_authority(authority) is None, authority  # a city's, or nowhere: no county
    assert division_from_address("大同市平城区") == "140213"  # the address is the county itself
