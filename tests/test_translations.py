"""zh_CN is the default language: every message in code and templates has a Chinese translation."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))

import i18n  # noqa: E402


@pytest.mark.parametrize("package", i18n.packages())
def test_every_message_has_a_chinese_translation(package):
    assert i18n.missing(package) == [], f"run `python tools/i18n.py update {package}` and translate"


def test_every_source_file_belongs_to_a_catalog():
    """A file no package extracts from would lose its translations at the next `i18n.py update`."""
    root = Path(i18n.ROOT)
    owned = {path.resolve() for package in i18n.packages() for _, path in i18n.source_files(package)}
    sources = [*(root / "fieldapp").rglob("*.py"), *(root / "templates").rglob("*.html")]
    assert sources and [str(p.relative_to(root)) for p in sources if p.resolve() not in owned] == []


def test_no_message_is_hidden_inside_an_f_string():
    """The extractor does not look inside f-strings: a message there is never put in a catalog, and
    an update drops its translation (北京时间 was lost so). Call it outside and put the result in."""
    import ast

    names = {"_", "_l", "gettext", "lazy_gettext", "ngettext"}
    hidden = []
    for path in (Path(i18n.ROOT) / "fieldapp").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) and inner.func.id in names:
                        hidden.append(f"{path.name}:{inner.lineno}")
    assert hidden == []
