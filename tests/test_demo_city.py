"""The demo city: deterministic, plausible, valid codes, every tag with a pool, a roster with its exceptions."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date

import pytest
import yaml
from sqlalchemy import func, select
from stdnum.cn import uscc
from stdnum.iso7064 import mod_11_10

from fieldapp.auth.models import Unit, User
from fieldapp.auth.organisation import DEFAULT_FILE, OrganisationError, ensure_units
from fieldapp.demo.org import demo_org
from fieldapp.demo.accounts import ensure_demo_accounts
from fieldapp.demo.generator import SUBJECT_HEADER, generate_roster, generate_subjects, load_city, write_subjects_csv
from fieldapp.inspectors.models import Inspector
from fieldapp.subjects.models import Subject
from fieldapp.subjects.vocabulary import tag_vocabulary

TODAY = date(2021, 6, 1)


def test_same_seed_same_city_other_seed_other_city():
    first = list(generate_subjects(3000, seed=7))
    assert first == list(generate_subjects(3000, seed=7))
    assert first != list(generate_subjects(3000, seed=8))
    assert list(generate_roster(7, TODAY)) == list(generate_roster(7, TODAY))


def test_subjects_look_like_shuozhou():
    rows = list(generate_subjects(20000, seed=2021))
    assert len(rows) == 20000
    codes = [r["统一社会信用代码"] or r["注册号"] for r in rows]
    assert len(set(codes)) == len(codes)
    name_to_code = {c.area: c.code for c in demo_org().counties}
    for row in rows:
        code = row["统一社会信用代码"]
        county = name_to_code[row["所属区县"]]
        if code:
            assert uscc.is_valid(code) and code[2:8] == county
            assert code[1] == {"个体工商户": "2", "农民专业合作社": "3"}.get(row["类型"], "1")
        else:
            assert mod_11_10.is_valid(row["注册号"]) and row["注册号"][:6] == county
    kinds = Counter(r["类型"] for r in rows)
    assert kinds["个体工商户"] > 0.6 * len(rows) and 0 < kinds["农民专业合作社"] < 0.05 * len(rows)
    assert sum(1 for r in rows if not r["统一社会信用代码"]) >= 20  # a few 15-digit registration numbers only
    counties = Counter(r["所属区县"] for r in rows)
    assert set(counties) == set(name_to_code) and counties["朔城区"] == max(counties.values())
    classes = Counter(r["信用风险分类"] for r in rows)
    assert classes["A"] + classes["B"] > 0.85 * len(rows) and classes["C"] > 0 and classes["D"] > 0
    assert any(r["营业期限至"] and r["营业期限至"] < "2021-01-01" for r in rows)  # some past their term
    assert Counter(r["登记状态"] for r in rows)["在业"] > 0.9 * len(rows)
    tags = Counter(t for r in rows for t in r["标签"].split("、") if t)
    assert set(tags) == {t["name"] for t in tag_vocabulary()}  # every tag has a pool
    assert 30 <= tags["加油站"] <= 100 and 1 <= tags["法定计量检定机构"] <= 3


def test_a_small_city_still_has_every_tag():
    rows = list(generate_subjects(500, seed=1))
    assert len(rows) == 500
    assert {t for r in rows for t in r["标签"].split("、") if t} == {t["name"] for t in tag_vocabulary()}


def test_roster():
    roster = list(generate_roster(2021, TODAY))
    assert 140 <= len(roster) <= 160
    assert len({r["执法证号"] for r in roster if r["执法证号"]}) == sum(1 for r in roster if r["执法证号"])
    statuses = Counter(r["状态"] for r in roster)
    assert statuses["调离"] >= 2 and statuses["退休"] >= 2
    assert sum(1 for r in roster if r["有效期至"] and r["有效期至"] < TODAY.isoformat()) >= 3
    assert sum(1 for r in roster if r["类别"] != "执法人员") >= 3


def test_csv_is_written_row_by_row(tmp_path):
    path = write_subjects_csv(tmp_path / "city.csv", 1000, seed=3)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == SUBJECT_HEADER
        assert list(reader) == [{k: v for k, v in r.items()} for r in generate_subjects(1000, seed=3)]


def test_load_city_through_the_importers_is_idempotent(app, db):
    ensure_demo_accounts()
    db.session.commit()
    lines = list(load_city(subject_count=2000, seed=5, today=TODAY))
    assert any("2000" in line for line in lines), lines
    assert db.session.scalar(select(func.count()).select_from(Subject)) == 2000
    inspectors = list(db.session.scalars(select(Inspector)))
    assert 140 <= len(inspectors) <= 160
    linked = {i.user.username: i for i in inspectors if i.user}
    assert set(linked) == {"shuocheng-inspector", "shuocheng-inspector2", "pinglu-inspector", "city-inspector"}
    assert linked["shuocheng-inspector"].unit.division_code == "140602"
    assert all(i.is_eligible_on(TODAY) for i in linked.values())
    assert sum(1 for i in inspectors if not i.is_eligible_on(TODAY) and not i.is_assistant) >= 5
    assert sum(len(i.conflicts) for i in inspectors) >= 3
    transferred = next(i for i in inspectors if i.status == "调离")
    assert transferred.changes and transferred.changes[0].field == "status"

    list(load_city(subject_count=2000, seed=5, today=TODAY))
    assert db.session.scalar(select(func.count()).select_from(Subject)) == 2000
    assert db.session.scalar(select(func.count()).select_from(Inspector)) == len(inspectors)


def test_generate_command_writes_a_csv(runner, tmp_path):
    result = runner.invoke(
        args=["demo", "generate", "--subjects", "300", "--seed", "4", "--csv", str(tmp_path / "x.csv")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "x.csv").read_text(encoding="utf-8-sig").count("\n") == 301


@pytest.mark.parametrize(
    ("account", "message"),
    [
        (["city supervisor", "贾一英", "supervisor", "city"], "用户名"),  # a space the login form strips
        (["-admin", "系统管理员", "admin", "city"], "用户名"),
        (["x" * 65, "某某", "inspector", "city"], "用户名"),
        (["chief", "某某", "chief", "city"], "chief"),
        (["nobody-here", "某某", "inspector", "140699"], "140699"),
    ],
)
def test_the_demo_accounts_follow_the_account_rules(app, tmp_path, account, message):
    # The demo block makes accounts as `flask users create` and the accounts page do: one username rule.
    data = yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8"))
    data["demo"]["accounts"].append(account)
    path = tmp_path / "org.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        with pytest.raises(OrganisationError, match=message):
            demo_org(path)
    assert [a[0] for a in demo_org(DEFAULT_FILE).accounts][:2] == ["admin", "city-supervisor"]


def test_a_demo_account_is_found_whatever_the_case_of_its_username(app, db):
    ensure_units()
    admin = User(username="ADMIN", name="管理员", role="admin", unit=db.session.scalar(select(Unit)))
    admin.set_password("another-password")
    db.session.add(admin)
    db.session.flush()
    accounts = ensure_demo_accounts()
    assert [u.username for u in accounts].count("ADMIN") == 1
    assert db.session.scalar(select(func.count()).select_from(User).where(func.lower(User.username) == "admin")) == 1
