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
    # inspector app (PWA): Workbox (loaded by the service worker from here, never a CDN),
    # IndexedDB wrapper, signature canvas, and axe-core for the accessibility test.
    "workbox/workbox-sw.js": "workbox-sw/build/workbox-sw.js",
    "workbox/workbox-core.prod.js": "workbox-core/build/workbox-core.prod.js",
    "workbox/workbox-precaching.prod.js": "workbox-precaching/build/workbox-precaching.prod.js",
    "workbox/workbox-routing.prod.js": "workbox-routing/build/workbox-routing.prod.js",
    "workbox/workbox-strategies.prod.js": "workbox-strategies/build/workbox-strategies.prod.js",
    "workbox/workbox-expiration.prod.js": "workbox-expiration/build/workbox-expiration.prod.js",
    "idb.umd.js": "idb/build/umd.js",
    "signature_pad.umd.min.js": "signature_pad/dist/signature_pad.umd.min.js",
    "axe.min.js": "axe-core/axe.min.js",
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
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not dest.exists() or dest.read_bytes() != src.read_bytes():
            shutil.copyfile(src, dest)
    if missing:
        print("missing in node_modules (run npm ci): " + ", ".join(missing), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
