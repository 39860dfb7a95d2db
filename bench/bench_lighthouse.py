"""Lighthouse 12 (npm, Debian's Chromium, mobile emulation and throttling) on the inspector's
task list, visit and form pages of a running app, logged in as an inspector. Prints each
category's score per page; the goal is ≥ 0.95 each.

    python bench/bench_lighthouse.py
"""

from __future__ import annotations

import logging

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from inspection_app import Auth, inspection_app

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
GOAL = 0.95
# One user agent for the login and for Lighthouse: the session is bound to it ("strong" protection).
USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/127.0.0.0 Mobile Safari/537.36"
)


def login(base: str, username: str, password: str) -> str:
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    page = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode({"username": username, "password": password, "csrf_token": token}).encode()
    opener.open(base + "/login", data=data).read()
    return "; ".join(f"{c.name}={c.value}" for c in jar)


def lighthouse(url: str, cookie: str, out: Path) -> dict[str, float]:
    cmd = [
        str(LIGHTHOUSE),
        url,
        f"--chrome-path={CHROMIUM}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu --disable-dev-shm-usage",
        "--form-factor=mobile",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--emulatedUserAgent={USER_AGENT}",
        "--extra-headers",
        json.dumps({"Cookie": cookie}),
        "--output=json",
        f"--output-path={out}",
        "--quiet",
        "--locale=zh",
    ]
    subprocess.run(cmd, check=True, timeout=300, capture_output=True)
    report = json.loads(out.read_text())
    scores = {name: report["categories"][name]["score"] for name in CATEGORIES}
    # What cost points: audits that count and did not pass, with performance's main metrics.
    lost = []
    for name in CATEGORIES:
        for ref in report["categories"][name]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref.get("weight") and audit.get("score") is not None and audit["score"] < 1:
                lost.append(f"{ref['id']} {audit['score']:.2f} {audit.get('displayValue', '')}".strip())
    scores["_lost"] = lost
    return scores


def main() -> None:
    from werkzeug.serving import make_server

    with tempfile.TemporaryDirectory(prefix="bench-lighthouse-") as tmpdir:
        tmp = Path(tmpdir)
        app = inspection_app(tmp, os.environ.get("BENCH_CHECKLISTS_DIR"))
        with app.app_context():
            from factories.inspection import build_world

            world = build_world(Auth())
            visit_id = world.visit.id
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no request log among the figures
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            cookie = login(base, "zhang", Auth.PASSWORD)
            pages = {
                "my visits": "/my/visits",
                "visit": f"/my/visits/{visit_id}",
                "form": f"/my/visits/{visit_id}/form",
            }
            print(f"   {'page':<10} " + " ".join(f"{c:>15}" for c in CATEGORIES))
            below = []
            for label, path in pages.items():
                scores = lighthouse(base + path, cookie, tmp / f"{label.replace(' ', '-')}.json")
                print(f"   {label:<10} " + " ".join(f"{scores[c]:>15.2f}" for c in CATEGORIES), flush=True)
                if os.environ.get("BENCH_VERBOSE"):
                    print("      lost: " + "; ".join(scores["_lost"]))
                below += [f"{label}/{c}={scores[c]:.2f}" for c in CATEGORIES if scores[c] is None or scores[c] < GOAL]
            print(f"   goal ≥ {GOAL} each: " + ("met" if not below else "NOT met: " + ", ".join(below)))
        finally:
            server.shutdown()


if __name__ == "__main__":
    main()
