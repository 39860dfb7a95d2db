"""The package layout a new maintainer can rely on: where views live and what they are called."""

from __future__ import annotations

import re
from pathlib import Path

SOURCE = Path(__file__).resolve().parent.parent / "fieldapp"
VIEW = re.compile(r"^@\w+\.(get|post|put|delete|route|app_template_filter|app_template_global)\(", re.M)


def view_module_problems(paths) -> list[str]:
    """Modules that register views are ``routes.py`` or, for more views on the same blueprint, ``routes_<what>.py``."""
    return [
        str(path.relative_to(path.parent.parent))
        for path in paths
        if VIEW.search(path.read_text(encoding="utf-8")) and not re.fullmatch(r"routes(_[a-z]+)?\.py", path.name)
    ]


def test_view_modules_are_named_routes():
    paths = sorted(SOURCE.rglob("*.py"))
    assert sum(1 for p in paths if p.name.startswith("routes_")) > 5
    assert view_module_problems(paths) == []


def test_the_naming_scan_can_fail(tmp_path):
    (tmp_path / "pkg").mkdir()
    bad, good = tmp_path / "pkg" / "public_views.py", tmp_path / "pkg" / "routes_public.py"
    for path in (bad, good):
        path.write_text('@bp.get("/x")\ndef x():\n    return ""\n', encoding="utf-8")
    assert view_module_problems([bad, good]) == ["pkg/public_views.py"]


def config_keys_read(text: str) -> set[str]:
    """Keys read as ``….config["KEY"]`` or ``….config.get("KEY" …)``."""
    import ast

    keys = set()
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Subscript) and getattr(node.value, "attr", "") == "config":
            key = node.slice
        elif (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", "") == "get"
            and getattr(node.func.value, "attr", "") == "config"
            and node.args
        ):
            key = node.args[0]
        else:
            continue
        if isinstance(key, ast.Constant) and isinstance(key.value, str):
            keys.add(key.value)
    return keys


def test_every_config_key_has_its_default_in_config_py(tmp_path):
    from flask import Flask

    from fieldapp.config import default_config

    known = set(default_config(str(tmp_path))) | set(Flask.default_config)
    read = {key for path in SOURCE.rglob("*.py") for key in config_keys_read(path.read_text(encoding="utf-8"))}
    assert len(read) > 20
    assert sorted(read - known) == [], "list these in fieldapp/config.py with their defaults"
    probe = 'a = app.config["NO_DEFAULT"]\nb = current_app.config.get("ALSO_NONE", 3)\nc = other.get("X")\n'
    assert config_keys_read(probe) == {"NO_DEFAULT", "ALSO_NONE"}


def test_the_checklist_registry_is_loaded_by_create_app(monkeypatch, tmp_path):
    """Not as a side effect of registering the checklists blueprint: an app without it has the registry."""
    import fieldapp
    from fieldapp.checklists.catalog import EXTENSION

    monkeypatch.setattr(fieldapp, "FEATURES", tuple(f for f in fieldapp.FEATURES if f != "checklists"))
    app = fieldapp.create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}"})
    assert "checklists" not in app.blueprints
    assert app.extensions[EXTENSION].get("fuel-dispensers") is not None


def test_the_offline_cache_is_named_in_one_place():
    from fieldapp.inspections.routes_pwa import VISITS_CACHE

    root = SOURCE.parent
    files = [*SOURCE.rglob("*.py"), *(root / "static" / "js").rglob("*.js"), *(root / "templates").rglob("*")]
    naming = [str(p.relative_to(root)) for p in files if p.is_file() and VISITS_CACHE in p.read_text(encoding="utf-8")]
    assert naming == ["fieldapp/inspections/routes_pwa.py"]


def test_pwa_scripts_declare_no_helper_twice():
    """Helpers shared by the phone app's scripts live in static/js/pwa/util.js, declared once."""
    shared = {
        "$ helper": r"function \$\(",
        "$$ helper": r"function \$\$\(",
        "document ready": r"document\.readyState",
        "meta reader": r"meta\[name=",
        "outbox bar words": r"\[data-outbox-bar\][\s\S]{0,120}data-t-",
    }
    found = {
        what: sorted(
            p.name
            for p in (SOURCE.parent / "static" / "js" / "pwa").glob("*.js")
            if re.search(pattern, p.read_text(encoding="utf-8"))
        )
        for what, pattern in shared.items()
    }
    assert found == {what: ["util.js"] for what in shared}


def long_scripts(paths, limit: int = 400) -> list[str]:
    """Scripts over the size a module may have (the house rule: about 400 lines)."""
    return [p.name for p in paths if len(p.read_text(encoding="utf-8").splitlines()) > limit]


def test_scripts_stay_under_the_module_size(tmp_path):
    paths = sorted((SOURCE.parent / "static" / "js").rglob("*.js"))
    assert len(paths) > 10
    assert long_scripts(paths) == []
    (tmp_path / "big.js").write_text("x;\n" * 401, encoding="utf-8")
    (tmp_path / "small.js").write_text("x;\n" * 400, encoding="utf-8")
    assert long_scripts(sorted(tmp_path.glob("*.js"))) == ["big.js"]
