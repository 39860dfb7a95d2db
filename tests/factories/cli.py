"""What a command prints, checked for English left in its zh-CN output."""

from __future__ import annotations

import re

# A word of 3+ ASCII letters standing alone: not part of an identifier, a path, an option or a hash
# (fuel-dispensers, /tmp/x.csv, --unit, sha256 and 0f3a… are data, not English sentences).
ENGLISH_WORD = re.compile(r"(?<![\w./\\-])[A-Za-z]{3,}(?![\w./\\-])")


def english_words(output: str, allowed: set[str] | frozenset[str] = frozenset()) -> list[str]:
    """The English words in ``output`` (those in ``allowed`` — a field name, a command — left out)."""
    return [word for word in ENGLISH_WORD.findall(output) if word not in allowed]
