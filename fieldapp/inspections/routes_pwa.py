"""The installable app: web app manifest, service worker (served at ``/sw.js`` so its scope is
``/``) and the offline fallback page.

The service worker is a template: the app-shell precache list (every file under ``static/`` the
pages need, each with a content hash as its revision) and a version string are filled in here.
A new version replaces only Workbox's precache; offline-marked visits live in a cache the
service worker never deletes, drafts and the outbox in IndexedDB.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from flask import current_app, jsonify, make_response, render_template, url_for
from flask_babel import gettext as _

from ..core.web import static_folder
from .routes import bp
from .schema import MAX_PHOTOS_PER_FIELD

# Files under static/ kept out of the app shell (test and build tools).
EXCLUDED = {"vendor/axe.min.js"}
SHELL_DIRS = ("css", "js", "vendor", "img")
# The cache of pages kept for offline use, named here only: the service worker and every page
# (base.html's meta tag, read by static/js/pwa/util.js) are given it. Never renamed: renaming would
# orphan offline visits.
VISITS_CACHE = "fieldapp-visits-v1"


@bp.app_context_processor
def offline_cache_name() -> dict:
    return {"visits_cache": VISITS_CACHE, "max_photos_per_field": MAX_PHOTOS_PER_FIELD}


@lru_cache(maxsize=4)
def _static_manifest(static_folder: str, stamp: float) -> tuple[tuple[str, str], ...]:
    root = Path(static_folder)
    entries = []
    for folder in SHELL_DIRS:
        for path in sorted((root / folder).rglob("*")):
            rel = path.relative_to(root).as_posix()
            if not path.is_file() or rel in EXCLUDED or path.suffix in {".map", ".svg~"}:
                continue
            entries.append((rel, hashlib.sha256(path.read_bytes()).hexdigest()[:16]))
    return tuple(entries)


def _stamp(static_folder: str) -> float:
    root = Path(static_folder)
    return max((p.stat().st_mtime for d in SHELL_DIRS for p in (root / d).rglob("*") if p.is_file()), default=0)


def precache_entries() -> list[dict]:
    static = static_folder()
    entries = [
        {"url": url_for("static", filename=rel), "revision": rev}
        for rel, rev in _static_manifest(static, _stamp(static))
    ]
    return entries


def sw_version(entries: list[dict]) -> str:
    configured = current_app.config.get("PWA_VERSION")
    if configured:
        return str(configured)
    digest = hashlib.sha256("".join(e["url"] + e["revision"] for e in entries).encode())
    return digest.hexdigest()[:12]


@bp.get("/sw.js")
def service_worker():
    entries = precache_entries()
    version = sw_version(entries)
    entries.append({"url": url_for("inspections.offline"), "revision": version})
    body = render_template(
        "inspections/sw.js",
        entries=entries,
        version=version,
        visits_cache=VISITS_CACHE,
        workbox_prefix=url_for("static", filename="vendor/workbox/"),
        workbox_sw=url_for("static", filename="vendor/workbox/workbox-sw.js"),
    )
    response = make_response(body)
    response.mimetype = "text/javascript"
    # Browsers check for a new service worker at least daily; never let a proxy serve a stale one.
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    data = {
        "id": "/",
        "name": "双随机、一公开 检查",
        "short_name": "双随机检查",
        "description": _("Spot checks at the site: the inspector's visits and checklists, online or offline."),
        "lang": "zh-CN",
        "start_url": url_for("inspections.my_visits"),
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": "#1f4e79",
        "background_color": "#f6f7f8",
        "icons": [
            {
                "src": url_for("static", filename=f"img/icon{'-maskable' if purpose == 'maskable' else ''}-{size}.png"),
                "sizes": f"{size}x{size}",
                "type": "image/png",
                "purpose": purpose,
            }
            for purpose in ("any", "maskable")
            for size in (192, 512)
        ],
    }
    response = jsonify(data)
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/offline")
def offline():
    return render_template("inspections/offline.html")
