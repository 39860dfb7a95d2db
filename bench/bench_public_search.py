"""Public result search: throughput and p99 on 1,000,000 subjects and 100,000 published results.

The app is served as ``make run`` serves it (gunicorn, gunicorn.conf.py, 2 workers × 4 threads)
with a bare Flask endpoint mounted in the same server, and driven by wrk with 4 connections for 10 s
per query kind; each figure is printed beside the bare endpoint's, the baseline and the goal
(≥ 40% of bare, p99 ≤ 50 ms), on SQLite and on PostgreSQL (when a server answers).

    python bench/bench_public_search.py
    BENCH_PUBLIC_SUBJECTS=100000 BENCH_PUBLIC_RESULTS=10000 python bench/bench_public_search.py
    BENCH_DATABASES=sqlite python bench/bench_public_search.py
    BENCH_LIST_ONLY=1 python bench/bench_public_search.py     # the inspector's list alone
    BENCH_CACHES=warm python bench/bench_public_search.py     # the kept pages only (or cold)
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SUBJECTS = int(os.environ.get("BENCH_PUBLIC_SUBJECTS", "1000000"))
RESULTS = int(os.environ.get("BENCH_PUBLIC_RESULTS", "100000"))
REQUESTS = int(os.environ.get("BENCH_PUBLIC_REQUESTS", "300"))
LIST_ONLY = os.environ.get("BENCH_LIST_ONLY", "") == "1"  # only the inspector's list (and the bare endpoint)
CACHES = os.environ.get("BENCH_CACHES", "cold,warm").split(",")
TASKS = 10
DIVISIONS = ("140602", "140603", "140621", "140622", "140623", "140681", "140671")
PLACES = ("朔城区", "平鲁区", "山阴县", "应县", "右玉县", "怀仁市", "开发区", "朔州市")
WORDS = (
    "民福",
    "恒达",
    "金鑫",
    "宏远",
    "华隆",
    "利民",
    "鑫源",
    "兴盛",
    "德顺",
    "永安",
    "晋北",
    "塞外",
    "广源",
    "天成",
    "富康",
    "顺通",
    "佳和",
    "瑞丰",
    "泰和",
    "长城",
    "新华",
    "东方",
    "红旗",
    "开元",
    "博远",
    "聚丰",
    "汇通",
    "盛世",
)
TRADES = (
    "加油站",
    "眼镜店",
    "超市",
    "药店",
    "餐饮店",
    "建材有限公司",
    "商贸有限公司",
    "农资经营部",
    "五金店",
    "煤业有限公司",
    "医院",
    "农民专业合作社",
    "汽车维修部",
    "食品有限公司",
    "电梯安装有限公司",
)
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
    from fieldapp.search_objects import search_key
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
            {
                "id": i + 1,
                "ident": uscc(i),
                "uscc": uscc(i),
                "name": subject_name(i),
                "kind": "enterprise",
                "division_code": DIVISIONS[i % 7],
                "status": "在业",
                "credit_class": "B",
            }
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
        db.session.execute(
            insert(Visit),
            [
                {
                    "id": v + 1,
                    "subject_id": v * step + 1,
                    "executing_unit_id": units[DIVISIONS[(v * step) % 7]].id,
                    "division_code": DIVISIONS[(v * step) % 7],
                    "status": "approved",
                }
                for v in range(start, stop)
            ],
        )
        db.session.execute(
            insert(Submission),
            [
                {
                    "id": v + 1,
                    "uuid": f"00000000-0000-4000-8000-{v:012d}",
                    "body_sha256": "0" * 64,
                    "visit_id": v + 1,
                    "body": {},
                    "state": "approved",
                }
                for v in range(start, stop)
            ],
        )
        db.session.commit()
    day0 = date(2021, 5, 1)
    for start in range(0, results, chunk):
        ir, pr = [], []
        for n in range(start, min(results, start + chunk)):
            v, t = divmod(n, TASKS)
            s = v * step
            code = RESULT_CODES[n % len(RESULT_CODES)]
            unit = units[DIVISIONS[s % 7]]
            ir.append(
                {
                    "id": n + 1,
                    "visit_id": v + 1,
                    "task_id": tasks[t].id,
                    "subject_id": s + 1,
                    "submission_id": v + 1,
                    "inspecting_unit_id": unit.id,
                    "task_kind": "targeted",
                    "inspected_on": day0 + timedelta(days=n % 180),
                    "result_code": code,
                    "check_methods": [],
                    "follow_up_measures": [],
                    "findings": [],
                }
            )
            fields = {
                "subject_name": subject_name(s),
                "subject_ident": uscc(s),
                "inspecting_unit_name": unit.name,
                "task_kind": "targeted",
                "task_name": tasks[t].name,
                "inspected_on": day0 + timedelta(days=n % 180),
                "result_code": code,
                "result_label": code,
                "follow_up_public": "",
                "published_on": day0 + timedelta(days=n % 200),
            }
            public_id = f"{n:012x}"
            pr.append(
                {
                    "public_id": public_id,
                    "version": 1,
                    "is_current": True,
                    "inspection_result_id": n + 1,
                    "task_id": tasks[t].id,
                    "subject_id": s + 1,
                    "inspecting_unit_id": unit.id,
                    "division_code": DIVISIONS[s % 7],
                    "uscc": uscc(s),
                    "plan_year": 2021,
                    "result_label_en": "",
                    "short_hash": short_hash(public_id, 1, fields),
                    "subject_name_key": search_key(subject_name(s)),  # as the model sets it (bulk rows skip it)
                    **fields,
                }
            )
        db.session.execute(insert(InspectionResult), ir)
        db.session.execute(insert(PublishedResult), pr)
        db.session.commit()
    if db.engine.dialect.name == "postgresql":
        from sqlalchemy import text

        db.session.execute(text("ANALYZE"))
        db.session.commit()
    return {"step": step, "task_id": tasks[3].id}


HTMX = {"HX-Request": "true", "HX-Target": "results"}
INSPECTOR_VISITS = 60
WARM_ROUNDS = 8
GOAL_SHARE, GOAL_P99 = 0.40, 50.0
# Measured before this bench ran under gunicorn (issue #14: gunicorn, 2 workers, wrk -c4).
BASELINE = {
    "sqlite": {"share": "4-11%", "p99": "85-125 ms"},
    "postgresql": {"share": "1-3% (names), 7-9% (USCC, filters)", "p99": "98-227 ms"},
}


# The inspector's list before it was answered before Flask (100,000 subjects, 10,000 results).
LIST_BASELINE = {
    "sqlite": {"cold": "4.2%", "warm": "8.8%, p99 91 ms"},
    "postgresql": {"cold": "1.5%", "warm": "5.1%, p99 148 ms"},
}


def query_paths(info: dict) -> dict[str, list[str]]:
    step = info["step"]
    published = [uscc(v * step) for v in range(0, RESULTS // TASKS, max(1, RESULTS // TASKS // 50))]
    fragments = [f"{w1}{w2}" for w1 in WORDS[:6] for w2 in WORDS[:6]]
    return {
        "name fragment (4 chars)": [
            f"/public/results?q={quote(fragments[i % len(fragments)])}" for i in range(REQUESTS)
        ],
        "name fragment + trade (6+ chars)": [
            f"/public/results?q={quote(WORDS[i % 28] + WORDS[(i // 28) % 28] + TRADES[i % 15][:2])}"
            for i in range(REQUESTS)
        ],
        # Two characters are below a trigram: every fourth one matches nothing (the worst case).
        "name fragment (2 chars)": [
            f"/public/results?q={quote(WORDS[i % len(WORDS)] if i % 4 else '号X')}" for i in range(REQUESTS // 3)
        ],
        "exact USCC": [f"/public/results?q={published[i % len(published)]}" for i in range(REQUESTS)],
        "filters only (county, task, result)": [
            f"/public/results?division={DIVISIONS[i % 7]}&task={info['task_id']}&result=1" for i in range(REQUESTS)
        ],
        "htmx fragment, name + county": [
            f"/public/results?q={quote(fragments[i % len(fragments)])}&division={DIVISIONS[i % 7]}"
            for i in range(REQUESTS)
        ],
    }


def add_inspector(db, visits: int) -> str:
    """An inspector with ``visits`` visits on the list (their 我的任务 page)."""
    from sqlalchemy import insert, select

    from fieldapp.auth.models import Unit, User
    from fieldapp.inspectors.models import Inspector
    from fieldapp.visits.models import Visit, VisitInspector

    unit = db.session.scalar(select(Unit).where(Unit.division_code == "140602"))
    user = User(username="bench-inspector", name="张伟", role="inspector", unit=unit)
    user.set_password("bench-password")
    db.session.add(user)
    db.session.flush()
    inspector = Inspector(name="张伟", certificate_number="14060200001", unit_id=unit.id, user_id=user.id)
    db.session.add(inspector)
    db.session.flush()
    ids = list(db.session.scalars(select(Visit.id).order_by(Visit.id).limit(visits)))
    db.session.execute(insert(VisitInspector), [{"visit_id": v, "inspector_id": inspector.id} for v in ids])
    for n, visit_id in enumerate(ids):  # some still to do, some overdue, some done
        visit = db.session.get(Visit, visit_id)
        visit.status = "approved" if n % 3 == 0 else "planned"
        visit.window_end = date(2021, 5, 1) + timedelta(days=n * 3)
    db.session.commit()
    return user.username


def row(label: str, figure: dict, bare: float, baseline: str = "") -> str:
    share = figure["rate"] / bare
    failed = figure["non2xx"] or figure["socket_errors"]
    met = share >= GOAL_SHARE and figure["p99"] <= GOAL_P99 and not failed
    errors = f"  ({figure['non2xx']} non-2xx!)" if figure["non2xx"] else ""
    errors += f"  ({figure['socket_errors']}!)" if figure["socket_errors"] else ""
    return (
        f"  {label:<36} {figure['rate']:8.1f} req/s {share:6.1%} of bare   p99 {figure['p99']:6.1f} ms"
        f"   baseline {baseline or '-'}   goal ≥40% & ≤50 ms: {'met' if met else 'NOT MET'}{errors}"
    )


def baseline_of(dialect: str) -> str:
    found = BASELINE.get(dialect)
    return f"{found['share']}, p99 {found['p99']}" if found else ""


def run_on(url: str, instance: str) -> None:
    from fieldapp import create_app
    from fieldapp.extensions import db
    from served import Gunicorn

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False})
    with app.app_context():
        from fieldapp.auth.organisation import ensure_units

        db.drop_all()
        db.create_all()
        ensure_units()
        db.session.commit()
        started = time.perf_counter()
        info = fill(db, SUBJECTS, RESULTS)
        inspector = add_inspector(db, INSPECTOR_VISITS)
        dialect = db.engine.dialect.name
        print(
            f"{SUBJECTS:,} subjects, {RESULTS:,} published results, an inspector with {INSPECTOR_VISITS} visits"
            f" on {dialect} (filled in {time.perf_counter() - started:.0f} s)",
            flush=True,
        )
        db.session.remove()
        db.engine.dispose()
    # Cold: the public page cache off, so every request builds its page (what a query nobody asked
    # since the last publication costs). Warm: the cache on, after one pass over the same queries.
    for cache, env in (("cold", {"PUBLIC_PAGE_CACHE_SIZE": "0", "MY_VISITS_PAGE_CACHE_SIZE": "0"}), ("warm", {})):
        if cache not in CACHES:
            continue
        server = Gunicorn(url, instance, env=env)
        try:
            measure(server, info, inspector, dialect, cache)
        finally:
            server.stop()


def measure(server, info: dict, inspector: str, dialect: str, cache: str) -> None:
    from served import wrk

    paths = {} if LIST_ONLY else query_paths(info)
    cookie = server.login(inspector, "bench-password")
    status, body, _ = server.get("/my/visits", {"Cookie": cookie})
    assert status == 200 and "张伟".encode() in body, status
    # Cold: every worker answers once. Warm: each worker keeps its own cache and takes whichever new
    # connection it accepts first, so every query is asked WARM_ROUNDS times (each worker misses one
    # with odds 1 in 2**WARM_ROUNDS; a miss in the run is a page built, as on a server just started).
    for label, group in paths.items():
        for path in group[:4] if cache == "cold" else group * WARM_ROUNDS:
            assert server.get(path, HTMX if "htmx" in label else None)[0] == 200, path
    bare = wrk(server.port, ["/bare/"])
    label = {
        "cold": "cold: page caches off, every page built",
        "warm": f"warm: page caches on, every query asked {WARM_ROUNDS} times before",
    }[cache]
    print(f"  -- {label}", flush=True)
    print(
        f"  {'bare Flask endpoint (same server)':<36} {bare['rate']:8.1f} req/s   p99 {bare['p99']:6.1f} ms",
        flush=True,
    )
    baseline = baseline_of(dialect)
    for label, group in paths.items():
        figure = wrk(server.port, group, HTMX if "htmx" in label else None)
        print(row(label, figure, bare["rate"], baseline), flush=True)
    if cache == "warm" and paths:
        status, _, response = server.get(paths["exact USCC"][0])
        etag, session = response.getheader("ETag"), response.getheader("Set-Cookie").split(";")[0]
        figure = wrk(server.port, paths["exact USCC"][:1], {"If-None-Match": etag, "Cookie": session})
        print(row("repeat visit, If-None-Match → 304", figure, bare["rate"]), flush=True)
    # Cold: rendered for every request; warm: nothing on it changed, so kept from the first request.
    figure = wrk(server.port, ["/my/visits"], {"Cookie": cookie})
    print(
        row(
            f"inspector's list ({INSPECTOR_VISITS} visits)",
            figure,
            bare["rate"],
            LIST_BASELINE.get(dialect, {}).get(cache, ""),
        ),
        flush=True,
    )


def databases() -> list[tuple[str, str]]:
    """SQLite always; PostgreSQL when a server answers (BENCH_POSTGRES_URL, default the local one)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    found = [("sqlite", "")]
    base = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    try:
        engine = create_engine(base, isolation_level="AUTOCOMMIT")
        name = f"fieldapp_bench_{os.getpid()}"
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        found.append(("postgresql", make_url(base).set(database=name).render_as_string(hide_password=False)))
    except Exception as exc:  # no server: say so, SQLite's figures still count
        print(f"(PostgreSQL not reachable, its figures are skipped: {type(exc).__name__})")
    return found


def drop(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    engine = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    engine.dispose()


def main() -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    wanted = os.environ.get("BENCH_DATABASES", "sqlite,postgresql").split(",")
    print("public search and the inspector's list under gunicorn (2 workers × 4 threads), wrk -c4 10 s per kind")
    found = databases()
    try:
        for dialect, url in found:
            if dialect in wanted:
                with tempfile.TemporaryDirectory(prefix="bench-public-") as tmp:
                    run_on(url or f"sqlite:///{tmp}/bench.sqlite", tmp)
    finally:  # every database made for the bench goes, whatever stopped it
        for _, url in found:
            if url:
                drop(url)


if __name__ == "__main__":
    main()
