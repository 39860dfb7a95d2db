"""Public result search: throughput and p99 on 1,000,000 subjects and 100,000 published results.

The app is served by a real HTTP server on 127.0.0.1 (werkzeug, threaded, as the tests' live
server) and driven by a bounded client loop (a fixed number of requests, one at a time, a fresh
connection each); a bare Flask endpoint is served the same way and measured in the same run, so
the numbers read as "search costs N× an empty request on this machine".

    python bench/bench_public_search.py
    BENCH_PUBLIC_SUBJECTS=100000 BENCH_PUBLIC_RESULTS=10000 python bench/bench_public_search.py
    DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1/fa_bench python bench/bench_public_search.py
"""

from __future__ import annotations

import http.client
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SUBJECTS = int(os.environ.get("BENCH_PUBLIC_SUBJECTS", "1000000"))
RESULTS = int(os.environ.get("BENCH_PUBLIC_RESULTS", "100000"))
REQUESTS = int(os.environ.get("BENCH_PUBLIC_REQUESTS", "300"))
TASKS = 10
DIVISIONS = ("140602", "140603", "140621", "140622", "140623", "140681", "140671")
PLACES = ("朔城区", "平鲁区", "山阴县", "应县", "右玉县", "怀仁市", "开发区", "朔州市")
WORDS = ("民福", "恒达", "金鑫", "宏远", "华隆", "利民", "鑫源", "兴盛", "德顺", "永安", "晋北", "塞外", "广源", "天成",
         "富康", "顺通", "佳和", "瑞丰", "泰和", "长城", "新华", "东方", "红旗", "开元", "博远", "聚丰", "汇通", "盛世")
TRADES = ("加油站", "眼镜店", "超市", "药店", "餐饮店", "建材有限公司", "商贸有限公司", "农资经营部", "五金店",
          "煤业有限公司", "医院", "农民专业合作社", "汽车维修部", "食品有限公司", "电梯安装有限公司")
RESULT_CODES = ("1", "1", "1", "1", "E", "A", "B", "6", "F")


def subject_name(i: int) -> str:
    return f"{PLACES[i % 8]}{WORDS[(i // 8) % len(WORDS)]}{WORDS[(i // 224) % len(WORDS)]}{TRADES[(i // 7) % len(TRADES)]}{i % 997}号"


def uscc(i: int) -> str:
    return f"91{DIVISIONS[i % 7]}MA{i:07d}{'0123456789ABCDEFGHJKLMNPQRTUWXY'[i % 31]}"


def fill(db, subjects: int, results: int) -> dict:
    from sqlalchemy import insert, select

    from fieldapp.auth.models import Unit
    from fieldapp.inspections.models import Submission
    from fieldapp.plans.models import Plan, Task
    from fieldapp.publication.models import PublishedResult
    from fieldapp.publication.snapshot import short_hash
    from fieldapp.review.models import InspectionResult
    from fieldapp.subjects.models import Subject
    from fieldapp.visits.models import Visit

    if db.engine.dialect.name == "sqlite":
        # Bulk loading only: no fsync per commit (the benchmark's database is thrown away).
        from sqlalchemy import event

        event.listen(db.engine, "connect", lambda conn, _: conn.execute("PRAGMA synchronous=OFF"))
        db.session.remove()
        db.engine.dispose()
    units = {u.division_code: u for u in db.session.scalars(select(Unit)) if u.division_code}
    chunk = 50_000
    for start in range(0, subjects, chunk):
        rows = [
            {"id": i + 1, "ident": uscc(i), "uscc": uscc(i), "name": subject_name(i), "kind": "enterprise",
             "division_code": DIVISIONS[i % 7], "status": "在业", "credit_class": "B"}
            for i in range(start, min(subjects, start + chunk))
        ]
        db.session.execute(insert(Subject), rows)
        db.session.commit()
    plan = Plan(year=2021, unit=units["140602"].parent, title="2021年度抽查计划", status="published")
    db.session.add(plan)
    db.session.flush()
    tasks = [Task(plan=plan, number=n + 1, name=f"抽查任务{n + 1}", kind="targeted") for n in range(TASKS)]
    db.session.add_all(tasks)
    db.session.commit()
    visits = -(-results // TASKS)
    step = max(1, subjects // visits)
    for start in range(0, visits, chunk):
        stop = min(visits, start + chunk)
        db.session.execute(insert(Visit), [
            {"id": v + 1, "subject_id": v * step + 1, "executing_unit_id": units[DIVISIONS[(v * step) % 7]].id,
             "division_code": DIVISIONS[(v * step) % 7], "status": "approved"} for v in range(start, stop)])
        db.session.execute(insert(Submission), [
            {"id": v + 1, "uuid": f"00000000-0000-4000-8000-{v:012d}", "body_sha256": "0" * 64, "visit_id": v + 1,
             "body": {}, "state": "approved"} for v in range(start, stop)])
        db.session.commit()
    day0 = date(2021, 5, 1)
    for start in range(0, results, chunk):
        ir, pr = [], []
        for n in range(start, min(results, start + chunk)):
            v, t = divmod(n, TASKS)
            s = v * step
            code = RESULT_CODES[n % len(RESULT_CODES)]
            unit = units[DIVISIONS[s % 7]]
            ir.append({"id": n + 1, "visit_id": v + 1, "task_id": tasks[t].id, "subject_id": s + 1, "submission_id": v + 1,
                       "inspecting_unit_id": unit.id, "task_kind": "targeted", "inspected_on": day0 + timedelta(days=n % 180),
                       "result_code": code, "check_methods": [], "follow_up_measures": [], "findings": []})
            fields = {"subject_name": subject_name(s), "subject_ident": uscc(s), "inspecting_unit_name": unit.name,
                      "task_kind": "targeted", "task_name": tasks[t].name, "inspected_on": day0 + timedelta(days=n % 180),
                      "result_code": code, "result_label": code, "follow_up_public": "", "published_on": day0 + timedelta(days=n % 200)}
            public_id = f"{n:012x}"
            pr.append({"public_id": public_id, "version": 1, "is_current": True, "inspection_result_id": n + 1,
                       "task_id": tasks[t].id, "subject_id": s + 1, "inspecting_unit_id": unit.id,
                       "division_code": DIVISIONS[s % 7], "uscc": uscc(s), "plan_year": 2021, "result_label_en": "",
                       "short_hash": short_hash(public_id, 1, fields), **fields})
        db.session.execute(insert(InspectionResult), ir)
        db.session.execute(insert(PublishedResult), pr)
        db.session.commit()
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy import text

        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return {"step": step, "task_id": tasks[3].id}


class Server:
    def __init__(self, app):
        from werkzeug.serving import make_server

        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.thread.join(timeout=5)


HTMX = {"HX-Request": "true", "HX-Target": "results"}


def drive(port: int, paths: list[str], expect: bytes | None = None, headers: dict | None = None) -> list[float]:
    timings = []
    for path in paths:
        started = time.perf_counter()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", path, headers={"Accept-Language": "zh-CN", **(headers or {})})
        response = conn.getresponse()
        body = response.read()
        conn.close()
        timings.append(time.perf_counter() - started)
        if response.status != 200 or (expect is not None and expect not in body):
            raise SystemExit(f"bad response for {path}: {response.status}")
    return timings


def report(label: str, timings: list[float]) -> str:
    ordered = sorted(timings)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    rate = len(ordered) / sum(ordered)
    return f"{label:<34} {rate:8.1f} req/s   p50 {p50:7.1f} ms   p99 {p99:7.1f} ms   ({len(ordered)} requests)"


def query_paths(info: dict) -> dict[str, list[str]]:
    step = info["step"]
    published = [uscc(v * step) for v in range(0, RESULTS // TASKS, max(1, RESULTS // TASKS // 50))]
    fragments = [f"{w1}{w2}" for w1 in WORDS[:6] for w2 in WORDS[:6]]
    return {
        "name fragment (4 chars)": [f"/public/results?q={quote(fragments[i % len(fragments)])}" for i in range(REQUESTS)],
        "name fragment + trade (6+ chars)": [
            f"/public/results?q={quote(WORDS[i % 28] + WORDS[(i // 28) % 28] + TRADES[i % 15][:2])}" for i in range(REQUESTS)],
        # Two characters are below a trigram: every fourth one matches nothing (the worst case).
        "name fragment (2 chars)": [
            f"/public/results?q={quote(WORDS[i % len(WORDS)] if i % 4 else '号X')}" for i in range(REQUESTS // 3)],
        "exact USCC": [f"/public/results?q={published[i % len(published)]}" for i in range(REQUESTS)],
        "filters only (county, task, result)": [
            f"/public/results?county={DIVISIONS[i % 7]}&task={info['task_id']}&result=1" for i in range(REQUESTS)],
        "htmx fragment, name + county": [
            f"/public/results?q={quote(fragments[i % len(fragments)])}&county={DIVISIONS[i % 7]}" for i in range(REQUESTS)],
    }


def main() -> None:
    import logging

    from flask import Flask

    logging.getLogger("werkzeug").setLevel(logging.ERROR)

    from fieldapp import create_app
    from fieldapp.extensions import db

    url = os.environ.get("DATABASE_URL")
    tmp = None
    if not url:
        tmp = tempfile.TemporaryDirectory(prefix="bench-public-")
        url = f"sqlite:///{tmp.name}/bench.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    with app.app_context():
        from fieldapp.auth.organisation import ensure_units

        db.drop_all()
        db.create_all()
        ensure_units()
        db.session.commit()
        started = time.perf_counter()
        info = fill(db, SUBJECTS, RESULTS)
        print(f"public search: {SUBJECTS:,} subjects, {RESULTS:,} published results on {db.engine.dialect.name}"
              f" (filled in {time.perf_counter() - started:.0f} s)")
        db.session.remove()

    bare = Flask("bare")

    @bare.get("/public/results")
    def bare_endpoint():
        return "<!doctype html><title>bare</title><p>ok</p>"

    servers = {"app": Server(app), "bare": Server(bare)}
    try:
        paths = query_paths(info)
        drive(servers["app"].port, [p for group in paths.values() for p in group[:5]])  # warm up
        drive(servers["bare"].port, ["/public/results"] * 20)
        print(report("bare Flask endpoint", drive(servers["bare"].port, ["/public/results"] * REQUESTS)))
        everything = []
        for label, group in paths.items():
            timings = drive(servers["app"].port, group, expect=b'id="results"', headers=HTMX if "htmx" in label else None)
            everything += timings
            print(report(label, timings))
        print(report("all searches", everything))
    finally:
        for server in servers.values():
            server.stop()
        with app.app_context():
            db.session.remove()
            if not url.startswith("sqlite"):
                db.drop_all()
            db.engine.dispose()
        if tmp:
            tmp.cleanup()


if __name__ == "__main__":
    main()
