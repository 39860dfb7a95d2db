"""The phone's outbox under loss: 100 submissions × 3 photos (plus two signatures each) queued in
the real outbox (static/js/pwa/outbox*.js, Debian's Chromium, phone-sized) while offline, then sent
to a real server on loopback when the phone comes online.

Run twice: with no faults, and with faults injected on every API request — 30 % aborted (half
before the server saw the request, half after the server had answered: the phone never hears
back) and 10 % delayed 5–10 s. Goal for the faulty run: everything on the server in ≤ 30 s, with
0 lost, 0 duplicated, 0 media missing (every file present and its SHA-256 checked).

    python bench/bench_outbox.py
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from inspection_app import Auth, inspection_app

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

SUBMISSIONS = int(os.environ.get("BENCH_OUTBOX_SUBMISSIONS", "100"))
PHOTOS = 3
GOAL_SECONDS = 30.0
ABORT_BEFORE, ABORT_AFTER, DELAY = 0.15, 0.15, 0.10
DELAY_RANGE = (5.0, 10.0)
GIVE_UP = 300.0
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Make the queued items in the page: photos drawn on a canvas (JPEG, as the phone's resize makes
# them), signatures as PNG, stored through FieldappStore like the form does, then one outbox item each.
QUEUE_JS = """
async ({visits, template, photos}) => {
  const Store = window.FieldappStore;
  async function picture(seed, type, w, h) {
    const c = document.createElement("canvas"); c.width = w; c.height = h;
    const g = c.getContext("2d");
    for (let i = 0; i < 40; i++) {
      g.fillStyle = `hsl(${(seed * 37 + i * 11) % 360}, 60%, ${30 + (i * seed) % 50}%)`;
      g.fillRect((i * 53 + seed) % w, (i * 31 + seed * 7) % h, 60 + i * 5, 40 + i * 3);
    }
    g.fillStyle = "#000"; g.font = "40px sans-serif"; g.fillText("visit " + seed, 20, 60);
    return await new Promise(r => c.toBlob(r, type, 0.85));
  }
  for (let n = 0; n < visits.length; n++) {
    const visitId = visits[n];
    const body = JSON.parse(JSON.stringify(template));
    body.uuid = Store.uuid4(); body.visit_id = visitId; body.client_submitted_at = new Date().toISOString();
    const media = [], blobIds = [], blobBySha = {};
    async function add(blob, kind, field) {
      const rec = await Store.putBlob(visitId, field, kind, blob);
      media.push({sha256: rec.sha256, size: rec.size, kind, content_type: blob.type, field});
      blobIds.push(rec.id); blobBySha[rec.sha256] = rec.id;
      return rec.sha256;
    }
    const shas = [];
    for (let p = 0; p < photos; p++) shas.push(await add(await picture(n * 10 + p + 1, "image/jpeg", 1200, 900), "photo", "photo." + body._photo_field));
    body.photos = {[body._photo_field]: shas};
    body.signatures[0].sha256 = await add(await picture(n * 10 + 7, "image/png", 320, 160), "signature", "sig.lead.0");
    body.signatures[1].sha256 = await add(await picture(n * 10 + 8, "image/png", 320, 160), "signature", "sig.member.1");
    delete body._photo_field;
    body.media = media;
    await Store.putOutbox({uuid: body.uuid, visitId, api: "/api/v1/submissions", body, blobIds, blobBySha,
                           state: "queued", attempts: 0, createdAt: new Date(Date.now() + n).toISOString()});
  }
  return (await Store.listOutbox()).map(i => ({uuid: i.uuid, shas: i.body.media.map(m => m.sha256)}));
}
"""


def build(tmp: Path):
    from factories.inspection import add_visit, build_world

    app = inspection_app(tmp)
    with app.app_context():
        world = build_world(Auth())
        visits = [world.visit.id] + [add_visit(world, name=f"朔州市测试加油站{i}号").id for i in range(1, SUBMISSIONS)]
        t = world.task.id
        prefix = f"a.{t}.fuel-dispensers-test."
        template = {
            "replaces": None,
            "check_methods": ["实地检查"],
            "task_ids": [t],
            "answers": {
                prefix + "pledge": "符合",
                prefix + "seals": "符合",
                prefix + "dispenser-0-_block": "1",
                prefix + "dispenser-0-serial": "JJ-001",
                prefix + "dispenser-0-error_pct": "0.12",
            },
            "_photo_field": prefix + "pledge",
            "position": {"lat": 39.33, "lng": 112.43, "accuracy": 12},
            "signatures": [
                {"role": "lead", "inspector_id": world.lead.id, "name": "张检查", "sha256": None},
                {"role": "member", "inspector_id": world.member.id, "name": "李协查", "sha256": None},
                {"role": "representative", "name": "王五", "sha256": None, "refused": True, "reason": "不在场"},
            ],
            "findings": [],
            "suggested_result": "1",
            "result_code": "1",
            "override_reason": "",
            "via": "app",
        }
    return app, visits, template


def server_state(app, queued: list[dict]) -> dict:
    """What arrived: submissions by UUID, duplicates, and media present with the right bytes."""
    from sqlalchemy import select

    from fieldapp.extensions import db
    from fieldapp.inspections.models import Submission

    with app.app_context():
        rows = db.session.scalars(select(Submission)).all()
        by_uuid = {r.uuid: r for r in rows}
        complete = [r for r in rows if r.state == "submitted"]
        missing_media = 0
        for item in queued:
            row = by_uuid.get(item["uuid"])
            stored = {m.sha256: m for m in row.media} if row else {}
            for sha in item["shas"]:
                m = stored.get(sha)
                path = Path(app.config["MEDIA_ROOT"]) / m.storage_key if m is not None and m.complete else None
                if path is None or not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != sha:
                    missing_media += 1
        visits = [r.visit_id for r in rows]
        return {
            "complete": len(complete),
            "lost": sum(
                1 for item in queued if item["uuid"] not in by_uuid or by_uuid[item["uuid"]].state != "submitted"
            ),
            "duplicated": len(rows)
            - len(set(visits))
            + sum(len(r.media) - len({m.sha256 for m in r.media}) for r in rows),
            "media_missing": missing_media,
        }


def arrived(app) -> int:
    """Submissions complete on the server (a cheap count; the full check comes at the end)."""
    from sqlalchemy import func, select

    from fieldapp.extensions import db
    from fieldapp.inspections.models import Submission

    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Submission).where(Submission.state == "submitted"))


async def run(faults: bool, seed: int = 2021) -> dict:
    from playwright.async_api import async_playwright
    from werkzeug.serving import make_server

    rng = random.Random(seed)
    counts = {"requests": 0, "aborted_before": 0, "aborted_after": 0, "delayed": 0}
    with tempfile.TemporaryDirectory(prefix="bench-outbox-") as tmpdir:
        app, visits, template = build(Path(tmpdir))
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_port}"
        try:
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(
                    executable_path=shutil.which("chromium"), headless=True, args=CHROMIUM_ARGS
                )
                context = await browser.new_context(
                    viewport={"width": 360, "height": 740},
                    is_mobile=True,
                    has_touch=True,
                    locale="zh-CN",
                    service_workers="block",
                )
                page = await context.new_page()
                await page.goto(base + "/login")
                await page.fill("#username", "zhang")
                await page.fill("#password", Auth.PASSWORD)
                await page.click("main form button[type=submit]")
                await page.wait_for_url(base + "/")
                await page.goto(base + "/my/visits")
                await page.wait_for_selector("html[data-app-ready]", state="attached")
                await context.set_offline(True)
                queued = await page.evaluate(QUEUE_JS, {"visits": visits, "template": template, "photos": PHOTOS})

                async def inject(route):
                    counts["requests"] += 1
                    roll = rng.random()
                    try:
                        if roll < ABORT_BEFORE:
                            counts["aborted_before"] += 1
                            await route.abort("connectionreset")
                        elif roll < ABORT_BEFORE + ABORT_AFTER:
                            counts["aborted_after"] += 1
                            await route.fetch()  # the server did the work; its answer is lost
                            await route.abort("connectionreset")
                        elif roll < ABORT_BEFORE + ABORT_AFTER + DELAY:
                            counts["delayed"] += 1
                            await asyncio.sleep(rng.uniform(*DELAY_RANGE))
                            await route.continue_()
                        else:
                            await route.continue_()
                    except Exception:  # the page gave the request up meanwhile
                        pass

                async def count_only(route):
                    counts["requests"] += 1
                    await route.continue_()

                await page.route("**/api/v1/**", inject if faults else count_only)
                started = time.perf_counter()
                await context.set_offline(False)  # the outbox sends on "online"
                elapsed = None
                while time.perf_counter() - started < GIVE_UP:
                    if await asyncio.to_thread(arrived, app) >= len(queued):
                        elapsed = time.perf_counter() - started
                        break
                    await asyncio.sleep(0.25)
                state = await asyncio.to_thread(server_state, app, queued)
                left = None
                for _ in range(120):  # the phone deletes its copies once the server confirmed them
                    left = await page.evaluate("FieldappStore.listOutbox().then(x => x.length)")
                    if left == 0:
                        break
                    await asyncio.sleep(0.25)
                await browser.close()
        finally:
            server.shutdown()
    return {"elapsed": elapsed, "queued": len(queued), "left_on_phone": left, **state, **counts}


def show(label: str, r: dict) -> None:
    took = f"{r['elapsed']:.1f} s" if r["elapsed"] is not None else f"> {GIVE_UP:.0f} s"
    print(
        f"   {label:<10} {took:>9}  arrived {r['complete']}/{r['queued']}  lost {r['lost']}  duplicated {r['duplicated']}"
        f"  media missing {r['media_missing']}  left on phone {r['left_on_phone']}  requests {r['requests']}"
        f" (aborted {r['aborted_before']} before + {r['aborted_after']} after the server answered, delayed {r['delayed']})",
        flush=True,
    )


def main() -> None:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    print(f"   {SUBMISSIONS} submissions × {PHOTOS} photos + 2 signatures, queued offline, sent on 'online'")
    clean = asyncio.run(run(faults=False))
    show("no faults", clean)
    faulty = asyncio.run(run(faults=True))
    show("faults", faulty)
    ok = (
        faulty["elapsed"] is not None
        and faulty["elapsed"] <= GOAL_SECONDS
        and faulty["lost"] == 0
        and faulty["duplicated"] == 0
        and faulty["media_missing"] == 0
    )
    print(
        f"   faults: 30 % aborted (half after the server answered), 10 % delayed {DELAY_RANGE[0]:.0f}–{DELAY_RANGE[1]:.0f} s;"
        f" goal ≤ {GOAL_SECONDS:.0f} s, 0 lost, 0 duplicated, 0 media missing: {'met' if ok else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
