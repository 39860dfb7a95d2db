"""Chinese text uses full-width punctuation after Chinese characters (：，；！？（）): every zh
translation and the literal text of every template. English source strings (the msgids inside
``_()``) are not Chinese text and are left out of the template scan."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CJK = r"[\u3400-\u9fff\uf900-\ufaff]"
HALF_WIDTH_AFTER_CJK = re.compile(rf"{CJK}[:,;!?()]|\({CJK}")
GETTEXT_CALL = re.compile(r"""\b_l?\(\s*(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')""")
JINJA_COMMENT = re.compile(r"\{#.*?#\}", re.S)


def offending(text: str) -> list[str]:
    return [text[max(0, m.start() - 12) : m.end() + 12] for m in HALF_WIDTH_AFTER_CJK.finditer(text)]


def test_the_rule_catches_half_width_punctuation():
    assert offending("承诺值 SHA-256(种子)") and offending("检查日期:2021") and offending("名称,地址")
    assert not offending("承诺值（种子）：检查，地址") and not offending("Version 2 (draft): ok")
    assert not offending(GETTEXT_CALL.sub("", '{{ _("File (备案)") }}'))


def test_zh_catalogues_use_full_width_punctuation():
    problems = []
    for po in sorted(ROOT.glob("fieldapp/*/translations/zh_Hans_CN/LC_MESSAGES/messages.po")):
        with po.open("rb") as fh:
            catalog = read_po(fh)
        for message in catalog:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for text in strings:
                problems += [f"{po.relative_to(ROOT)}: {bad!r}" for bad in offending(text or "")]
    assert problems == []


def test_templates_use_full_width_punctuation():
    problems = []
    for template in sorted((ROOT / "templates").rglob("*.html")):
        text = GETTEXT_CALL.sub("", JINJA_COMMENT.sub("", template.read_text(encoding="utf-8")))
        problems += [f"{template.relative_to(ROOT)}: {bad!r}" for bad in offending(text)]
    assert problems == []
