"""Test modules share their data and helpers through ``tests/factories/`` and the helper modules named for
what they hold (``pdf_reading``, ``phone_app``, ``checklist_answers`` …), never by importing another test
module: a helper imported from a test module runs that module's tests' imports and fixtures too, and
moves with it."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent


def _test_modules_imported(source: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            last = name.split(".")[-1]
            if last.startswith("test_") or name.startswith("tests.test_"):
                found.add(name)
    return found


def test_the_scan_sees_both_ways_of_importing_a_test_module():
    source = "from test_pdf import pdf_text\nimport test_pwa_browser as pwa\nfrom tests.test_x import y\n"
    assert _test_modules_imported(source) == {"test_pdf", "test_pwa_browser", "tests.test_x"}
    assert _test_modules_imported("from pdf_reading import pdf_text\nfrom factories import unit\n") == set()


def test_no_module_under_tests_imports_a_test_module():
    offenders = {
        path.name: sorted(found)
        for path in sorted(TESTS.rglob("*.py"))
        if (found := _test_modules_imported(path.read_text(encoding="utf-8")))
    }
    assert offenders == {}, "move the helper to tests/factories/ or a helper module named for what it holds"
