"""The administrator's organisation page: an organisation file uploaded, what it would change shown,
loaded only once confirmed — with the rules and the messages of ``units import``."""

from __future__ import annotations

from io import BytesIO

import pytest
import yaml
from sqlalchemy import func, select

from factories.organisation import TWO_CITIES, demo_city_changed
from fieldapp.audit import AuditEvent
from fieldapp.auth.models import Unit
from fieldapp.auth.organisation import load_organisation
from fieldapp.auth.organisation_yaml import MAX_BYTES
from fieldapp.extensions import db


def _units() -> dict[str, tuple]:
    return {
        u.code: (u.name, u.parent.code if u.parent else None, u.kind, u.division_code)
        for u in db.session.scalars(select(Unit).order_by(Unit.code))
    }


def _preview(client_request, raw: bytes, name: str = "组织机构.yaml", status: int = 200):
    return client_request.post(
        "auth.organisation_preview", _data={"file": (BytesIO(raw), name)}, _expected_status=status
    )


def _confirm_data(page) -> dict[str, str]:
    form = page.select_one("#organisation-confirm")
    assert form is not None, "no confirm button"
    return {i["name"]: i["value"] for i in form.select("input[type=hidden]") if i["name"] != "csrf_token"}


def _rows(page, table: str) -> list[str]:
    return [tr.select("td")[1].get_text() for tr in page.select(f"#{table} tbody tr")]


def test_only_administrators_reach_the_page(client_request, db):
    client_request.login("sup", "supervisor", "city")
    client_request.get("auth.organisation", _expected_status=403)
    _preview(client_request, demo_city_changed(), status=403)
    client_request.post("auth.organisation_load", _data={"content": ""}, _expected_status=403)
    client_request.logout()
    client_request.login("admin", "admin", "city")
    page = client_request.get("auth.organisation")
    assert page.select_one("#organisation-upload input[type=file]")
    assert client_request.url_for("auth.organisation") in [a["href"] for a in page.select("nav a")]


def test_upload_preview_confirm_then_loading_again_changes_nothing(client_request, db):
    client_request.login("admin", "admin", "city")
    before = _units()
    page = _preview(client_request, demo_city_changed())
    assert _units() == before  # the preview writes nothing
    assert _rows(page, "preview-added") == ["city-zf", "city-zf-1"]
    assert _rows(page, "preview-renamed") == ["city-food"]
    assert _rows(page, "preview-moved") == ["city-price"]
    assert _rows(page, "preview-changed") == ["city-food"]  # its area was its name
    assert "地区" in page.select_one("#preview-changed").get_text()
    assert "保持不变的单位：" in page.select_one("#preview-counts").get_text()
    assert "city-metrology" in page.select_one("#preview-unchanged").get_text()
    assert page.select_one("h2").get_text() == "导入 组织机构.yaml 将带来的变化"

    client_request.post("auth.organisation_load", _data=_confirm_data(page), _expected_redirect="/organisation")
    after = _units()
    assert after["city-zf-1"] == ("第一大队", "city-zf", "department", None)
    assert after["city-food"][0] == "食品安全协调处"
    assert after["city-price"][1] == "140602"
    assert len(after) == len(before) + 2
    [event] = db.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "organisation"))
    city = db.session.scalar(select(Unit).where(Unit.code == "city"))
    assert (event.action, event.actor_name, event.object_id) == ("load", "admin", city.id)
    assert event.details["added"] == ["city-zf", "city-zf-1"] and event.details["file"] == "组织机构.yaml"

    # The same file again: nothing to load, no button; the confirm sent twice writes nothing.
    again = _preview(client_request, demo_city_changed())
    assert again.select_one("#preview-nothing") and again.select_one("#organisation-confirm") is None
    assert not again.select("#preview-added, #preview-renamed, #preview-moved, #preview-changed")
    client_request.post("auth.organisation_load", _data=_confirm_data(page), _expected_redirect="/organisation")
    assert "未导入任何内容" in client_request.get("auth.organisation").get_text()
    assert _units() == after
    assert (
        db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.object_type == "organisation"))
        == 1
    )


def test_a_confirm_on_a_preview_that_no_longer_holds_shows_it_again(client_request, db):
    client_request.login("admin", "admin", "city")
    page = _preview(client_request, demo_city_changed())
    data = _confirm_data(page)
    changed = yaml.safe_load(demo_city_changed())
    changed["units"][0]["children"][-1]["name"] = "执法支队"
    load_organisation(yaml.safe_dump(changed, allow_unicode=True).encode())  # someone else, meanwhile
    db.session.commit()
    before = _units()
    page = client_request.post("auth.organisation_load", _data=data, _expected_status=409)
    assert "单位已有变动" in page.select_one("#organisation-error").get_text()
    assert _rows(page, "preview-renamed") == ["city-zf"]  # what the file would change now
    assert _units() == before
    client_request.post("auth.organisation_load", _data=_confirm_data(page), _expected_redirect="/organisation")
    assert _units()["city-zf"][0] == "综合行政执法支队"


def test_a_tampered_file_field_is_a_bad_request(client_request, db):
    client_request.login("admin", "admin", "city")
    client_request.post("auth.organisation_load", _data={"content": "not base64!", "digest": "x"}, _expected_status=400)


def _file(text: str) -> bytes:
    return text.encode("utf-8")


TOP = "units:\n  - code: city\n    name: {name}\n    kind: city_bureau\n    children:\n"
BAD_FILES = {
    "encoding": (b"units:\n  - code: \xff\xfe\xff\n", 422, "既不是 UTF-8 也不是 GBK"),
    "yaml": (_file("units:\n  - code: a\n    name: [甲\n"), 422, "列：格式有误"),
    "tabs": (_file("units:\n\t- code: a\n"), 422, "缩进只能用空格"),
    "duplicate": (
        _file(
            TOP + "      - {code: x1, name: 甲科, kind: department}\n      - {code: x1, name: 乙科, kind: department}\n"
        ),
        422,
        "单位代码 x1 被两个单位使用（第 6 行和第 7 行）",
    ),
    "missing parent": (
        _file("units:\n  - {code: x2, name: 某队, kind: department, parent: nowhere}\n"),
        422,
        "第 2 行：单位 x2：其上级单位 nowhere 既不在本文件中，也尚未导入",
    ),
    "parent below": (
        _file("units:\n  - {code: city, name: 某局, kind: city_bureau, parent: city-metrology}\n"),
        422,
        "不能放在 city-metrology 之下",
    ),
    "too large": (b"#" * (MAX_BYTES + 1), 422, "超过 2 MB"),
    "far too large": (b"#" * (3 * MAX_BYTES), 422, "超过 2 MB"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 422, "不是文本文件"),
    "aliases": (_file("a: &a [1, 2]\nunits: [*a, *a]\n"), 422, "不读取引用"),
    "empty": (b"", 422, "units"),
    "deep": (
        _file(
            "units: "
            + "".join(f"[{{code: c{i}, name: n{i}, kind: department, children: " for i in range(400))
            + "[]"
            + "}]" * 400
        ),
        422,
        "嵌套层数过多",
    ),
}


@pytest.mark.parametrize("kind", BAD_FILES)
def test_a_bad_file_is_refused_with_a_message_and_nothing_is_loaded(client_request, db, kind):
    raw, status, message = BAD_FILES[kind]
    name = db.session.scalar(select(Unit.name).where(Unit.code == "city"))
    raw = raw.replace(b"{name}", name.encode())
    client_request.login("admin", "admin", "city")
    before = _units()
    page = _preview(client_request, raw, status=status)
    error = page.select_one("#organisation-error").get_text()
    assert message in error, error
    assert page.select_one("#organisation-confirm") is None
    assert _units() == before


def test_messages_in_english_and_the_same_words_as_the_command_line(client_request, db, runner, tmp_path):
    raw = BAD_FILES["missing parent"][0]
    path = tmp_path / "org.yaml"
    path.write_bytes(raw)
    result = runner.invoke(args=["units", "import", str(path)])
    assert result.exit_code != 0 and BAD_FILES["missing parent"][2] in result.output
    client_request.login("admin", "admin", "city")
    client_request.post("core.set_language", _data={"lang": "en", "next": "/"}, _expected_redirect="/")
    page = _preview(client_request, raw, status=422)
    assert "Line 2: Unit x2: its parent nowhere is neither in this file nor loaded yet" in page.get_text()


def test_a_no_file_post_asks_for_one(client_request, db):
    client_request.login("admin", "admin", "city")
    page = client_request.post("auth.organisation_preview", _data={}, _expected_status=422)
    assert "请选择组织机构文件" in page.select_one("#organisation-error").get_text()


def test_an_administrator_loads_only_their_own_bureau(client_request, db, auth):
    """A county's administrator cannot change the city's units; a city's under a province adds its
    own units when the file places it under the province, and cannot move the city out of it."""
    client_request.login("county-admin", "admin", "140602")
    page = _preview(client_request, demo_city_changed(), status=422)
    problems = page.select_one("#preview-problems").get_text()
    assert "单位 city（" in problems and "不属于您所在的" in problems and "管理员只能导入本局的单位" in problems
    assert page.select_one("#organisation-confirm") is None

    load_organisation(TWO_CITIES)
    db.session.commit()
    data = yaml.safe_load(TWO_CITIES.read_text(encoding="utf-8"))
    datong = data["units"][0]["children"][1]
    datong["children"].append({"code": "dt-zd", "name": "大同市综合行政执法支队", "kind": "department"})
    client_request.logout()
    client_request.login("dt-admin", "admin", "dt")
    alone = yaml.safe_dump({"units": [datong]}, allow_unicode=True).encode()
    page = _preview(client_request, alone, status=422)  # without its parent the city would leave the province
    assert _rows(page, "preview-moved") == ["dt"]
    assert "单位 dt（" in page.select_one("#preview-problems").get_text()
    placed = yaml.safe_dump({"units": [{**datong, "parent": "sx"}]}, allow_unicode=True).encode()
    page = _preview(client_request, placed)
    assert _rows(page, "preview-added") == ["dt-zd"] and page.select_one("#preview-moved") is None
    assert "sx" not in page.select_one("#preview-kept").get_text() if page.select_one("#preview-kept") else True
    client_request.post("auth.organisation_load", _data=_confirm_data(page), _expected_redirect="/organisation")
    assert _units()["dt-zd"][1] == "dt" and _units()["dt"][1] == "sx"
    # Another city's unit, taken into one's own file, is not one's to load.
    data["units"][0]["children"][2]["children"][0]["code"] = "yq-quality"
    theft = {
        **datong,
        "parent": "sx",
        "children": [*datong["children"], data["units"][0]["children"][2]["children"][0]],
    }
    page = _preview(client_request, yaml.safe_dump({"units": [theft]}, allow_unicode=True).encode(), status=422)
    assert "单位 yq-quality（" in page.select_one("#preview-problems").get_text()
