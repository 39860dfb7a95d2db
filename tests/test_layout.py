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
