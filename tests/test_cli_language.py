"""The ``flask`` commands speak zh-CN by default (``--lang en`` for English), their refusals included:
``demo generate --org``, ``checklists check`` / ``resolve``, the importers and the account commands print
no English sentence (only data: codes, paths, hashes)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from factories.cli import english_words
from fieldapp.auth.models import Unit, User
from fieldapp.extensions import db
from fieldapp.inspectors.models import Inspector
from fieldapp.subjects.models import Subject

DATA = Path(__file__).resolve().parent / "data"
HEBI = DATA / "organisations" / "hebi.yaml"


def test_the_rule_finds_english_sentences_and_leaves_data_alone():
    assert english_words("3 subjects written to /tmp/x.csv") == ["subjects", "written"]
    assert english_words("fuel-dispensers 第 1 版 sha256 0f3a9c --unit /tmp/a.csv 任务 7 v2 OK") == []


@pytest.mark.db
@pytest.mark.parametrize("app_config", [{"ORGANISATION_FILE": str(HEBI)}])
def test_demo_generate_with_an_organisation_speaks_chinese(app, runner):
    result = runner.invoke(args=["demo", "generate", "--org", str(HEBI), "--subjects", "300", "--seed", "3"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("标签：") and "检查对象：生成 300 户（拒绝 0 户）" in lines
    assert lines[-1].startswith("检查人员：") and "申报回避关系" in lines[-1]
    assert english_words(result.output) == [], result.output
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Subject)) == 300
    assert db.session.scalar(select(func.count()).select_from(Inspector)) > 0
    again = runner.invoke(args=["demo", "generate", "--org", str(HEBI), "--lang", "en"])
    assert again.exit_code == 0 and "Subjects: 300 already loaded" in again.output, again.output


@pytest.mark.db
def test_demo_generate_with_a_conflicting_organisation_is_refused_in_chinese(app, runner, tmp_path):
    """鹤壁's file with a county's department named like the city's 计量科 (one city, one name twice):
    refused in Chinese, nothing loaded."""
    data = yaml.safe_load(HEBI.read_text(encoding="utf-8"))
    county = next(c for c in data["units"][0]["children"] if c["code"] == "hb-xx")
    county["children"].append({"code": "hb-xx-metrology", "name": "计量科", "kind": "department"})
    conflicting = tmp_path / "hebi.yaml"
    conflicting.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    before = db.session.scalar(select(func.count()).select_from(Unit))
    result = runner.invoke(args=["demo", "generate", "--org", str(conflicting), "--subjects", "10"])
    assert result.exit_code == 1
    assert result.output.startswith("错误：hebi.yaml：") and "计量科" in result.output, result.output
    assert english_words(result.output, allowed={"hebi", "yaml"}) == [], result.output
    db.session.remove()
    assert db.session.scalar(select(func.count()).select_from(Unit)) == before
    assert db.session.scalar(select(func.count()).select_from(Subject)) == 0
    out = tmp_path / "subjects.csv"
    result = runner.invoke(args=["demo", "generate", "--subjects", "5", "--csv", str(out)])
    assert result.output == f"已将 5 户检查对象写入 {out}\n"


def test_checklists_resolve_speaks_chinese(app, runner):
    result = runner.invoke(args=["checklists", "resolve", "完全无关的文字"])
    assert result.exit_code == 1 and result.output == "没有适用于该抽查事项的检查表。\n"
    result = runner.invoke(args=["checklists", "resolve", "完全无关的文字", "--lang", "en"])
    assert result.output == "No checklist serves this inspection item.\n"


@pytest.mark.db
def test_the_importers_speak_chinese_errors_included(app, runner, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "姓名,执法证号,有效期至,单位,状态\n张伟,1406020001,2030-12-31,朔城区市场监督管理局,在岗\n"
        '"刘"芳,1406020002,2030-12-31,朔城区市场监督管理局,在岗\n',
        encoding="utf-8",
    )
    result = runner.invoke(args=["inspectors", "import", str(roster)])
    assert result.exit_code == 0, result.output
    assert f"被拒绝的行：{tmp_path / 'roster.rejects.csv'}" in result.output and "3: 刘芳" not in result.output
    assert english_words(result.output) == [], result.output
    empty = tmp_path / "subjects.csv"
    empty.write_bytes(b"")
    result = runner.invoke(args=["subjects", "import", str(empty), "--quiet"])
    assert result.exit_code == 1 and result.output.startswith("错误：") and not english_words(result.output)
    result = runner.invoke(args=["subjects", "search-index"])
    assert result.exit_code == 0 and result.output in ("已创建检索索引\n", "检索索引已存在\n")


@pytest.mark.db
def test_the_account_commands_speak_chinese_errors_included(app, runner):
    args = ["users", "create", "wang", "--name", "王五", "--role", "inspector", "--password", "pw-123456789"]
    result = runner.invoke(args=[*args, "--unit", "nowhere"])
    assert result.exit_code == 1 and result.output == "错误：--unit：没有代码为 nowhere 的单位（见组织机构文件）\n"
    result = runner.invoke(args=[*args, "--unit", "140602"])
    assert result.exit_code == 0 and result.output == "账号 wang 已保存\n"
    db.session.remove()
    assert db.session.scalar(select(User.name).where(User.username == "wang")) == "王五"
    result = runner.invoke(args=["draw", "verify", "999"])
    assert result.exit_code == 1 and result.output == "错误：没有抽取 999。\n"
    result = runner.invoke(args=["draw", "units", "99", "--year", "2021"])
    assert result.exit_code == 1 and result.output == "错误：2021 年计划中没有任务 99。\n"
