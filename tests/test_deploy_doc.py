"""docs/deploy.md names only settings that exist: each variable in its settings table is read by
fieldapp/config.py (or gunicorn.conf.py through it)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_setting_the_deployment_guide_names_is_read_by_the_code():
    guide = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    table = guide[guide.index("## Settings") : guide.index("## Install")]
    names = set(re.findall(r"^\| `([A-Z_]+)`(?:, `([A-Z_]+)`)?", table, re.M))
    variables = {n for pair in names for n in pair if n}
    env_file = set(re.findall(r"^    ([A-Z_]+)=", guide, re.M))
    assert len(variables) >= 15 and env_file <= variables | {"WORKER_THREADS"}
    config = (ROOT / "fieldapp" / "config.py").read_text(encoding="utf-8")
    missing = [v for v in sorted(variables | env_file) if f'"{v}"' not in config]
    assert missing == []
