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
