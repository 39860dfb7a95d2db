"""Copy front-end libraries from node_modules into static/vendor (they are never committed)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "static" / "vendor"

# destination name -> source path under node_modules
ASSETS = {
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
}


def main() -> int:
    VENDOR.mkdir(parents=True, exist_ok=True)
    missing = []
    for name, source in ASSETS.items():
        src = ROOT / "node_modules" / source
        if not src.exists():
            missing.append(source)
            continue
        dest = VENDOR / name
        if not dest.exists() or dest.read_bytes() != src.read_bytes():
            shutil.copyfile(src, dest)
    if missing:
        print("missing in node_modules (run npm ci): " + ", ".join(missing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
