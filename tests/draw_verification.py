"""Running the stand-alone draw verifier (``tools/verify_draw.py``) as a citizen would: the bundle and
the public files written to disk, the tool in an isolated interpreter."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_verify_draw(tmp_path: Path, bundle: dict, *files: bytes) -> subprocess.CompletedProcess:
    """``tools/verify_draw.py`` on ``bundle`` and ``files`` (written to ``tmp_path``); its exit code and output."""
    paths = [tmp_path / "bundle.json"]
    paths[0].write_text(json.dumps(bundle, ensure_ascii=False))
    for number, data in enumerate(files):
        paths.append(tmp_path / f"file{number}.txt")
        paths[-1].write_bytes(data)
    return subprocess.run(
        [sys.executable, "-I", str(ROOT / "tools" / "verify_draw.py"), *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=60,
    )
