"""Provincial scale on PostgreSQL (``make bench PROVINCE=1``; the ordinary ``make bench`` skips it).

A province bureau over 11 cities (110 county bureaus, ``bench/province_data.py``) with 5,000,000
subjects from the demo generator and 500,000 inspection results (90% published), bulk-loaded with
COPY. Then, each beside its baseline with its goal and met / not met:

- public result search under gunicorn (2 workers × 4 threads, wrk -c4) beside a bare endpoint in the
  same server: goal ≥ 40% of bare and p99 ≤ 50 ms (as ``bench_public_search.py`` at city scale);
- a city-level draw (a city bureau's own task, its pool the city's whole territory, 5%, four
  classes, inspector matching): CPU time beside reading the pool's ids, goal ≤ 3× (as
  ``bench_draw.py``);
- the provincial supervisor's dashboard (11 cities' rows), and a city's and a county's, beside
  one GROUP BY count of the directory's operating enterprises: goal ≤ 1 s.

The machine may be shared: ``PROVINCE_SCALE=0.1`` runs a tenth (500,000 subjects, 50,000 results);
the load average is printed with the figures. Needs a PostgreSQL server (``BENCH_POSTGRES_URL``,
default the local one); the database made for the run is dropped however it ends (kept, for a look
with EXPLAIN, with ``PROVINCE_KEEP_DB=1``; drop it yourself).
"""

from __future__ import annotations

import os
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent), str(HERE)]

SCALE = float(os.environ.get("PROVINCE_SCALE", "1"))
SUBJECTS = int(5_000_000 * SCALE)
RESULTS = int(500_000 * SCALE)
REQUESTS = 300
DRAW_TASK = 100
DASHBOARD_GOAL_MS = 1000.0
TABLES = ["subject", "subject_tag", "visit", "visit_task", "submission", "inspection_result", "published_result"]


def load() -> str:
    return "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())


def build(app, org_path: Path) -> dict:
    from sqlalchemy import select, text

    from fieldapp.auth.models import Unit, User
    from fieldapp.auth.organisation import load_organisation
    from fieldapp.demo.generator import SUBJECT_HEADER
    from fieldapp.draws.models import TaskDrawSettings
    from fieldapp.extensions import db
    from fieldapp.inspectors.models import Inspector
    from fieldapp.plans.models import Plan, Task
    from fieldapp.subjects.importer import SubjectImporter
    from province_data import load_results, load_subjects, reset_sequences, secondary_indexes

    db.create_all()
    load_organisation(org_path)
    db.session.commit()
    importer = SubjectImporter(SUBJECT_HEADER, source="bench")  # tags and search DDL first
    db.session.commit()
    pooled = db.engine.raw_connection()  # held: dropped, it would go back to the pool under the session
    raw = pooled.driver_connection
    indexes = secondary_indexes(raw, TABLES)
    with raw.cursor() as cursor:
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    raw.commit()
    started = time.perf_counter()
    count = load_subjects(raw, importer, org_path, SUBJECTS)
    subjects_s = time.perf_counter() - started
    info = load_results(db, raw, SUBJECTS, RESULTS)
    db.session.commit()
    results_s = time.perf_counter() - started - subjects_s
    with raw.cursor() as cursor:
        for _, definition in indexes:
            cursor.execute(definition)
    reset_sequences(raw, TABLES[:1] + TABLES[2:])
    raw.commit()
    pooled.close()
    indexes_s = time.perf_counter() - started - subjects_s - results_s
    print(
        f"  loaded {count:,} subjects in {subjects_s:.0f} s ({count / subjects_s:,.0f}/s, generated and parsed), "
        f"{RESULTS:,} results ({info['published']:,} published, {info['cases']:,} cases) in {results_s:.0f} s, "
        f"{len(indexes)} indexes in {indexes_s:.0f} s",
        flush=True,
    )
    units = {u.code: u for u in db.session.scalars(select(Unit))}
    for username, unit in (("bench-province", "sx"), ("bench-city", "ty"), ("bench-county", "ty-01")):
        user = User(username=username, name=username, role="supervisor", unit=units[unit])
        user.set_password("bench-password")
        db.session.add(user)
    plan = Plan(year=info["year"], unit=units["ty"], title="太原市本级抽查计划", status="published")
    task = Task(
        plan=plan,
        number=DRAW_TASK,
        name="市局本级计量抽查",
        guiding_department="计量科指导",
        executes_city=True,
        executes_county=False,
        scope_rule={"kinds": [], "tags_any": [], "status": "在业", "confirmed": True},
        ratio=Decimal("0.05"),
        window_start_month=1,
        window_end_month=12,
    )
    db.session.add_all([plan, task, TaskDrawSettings(task=task, workload_cap=SUBJECTS)])
    for i in range(12):
        db.session.add(
            Inspector(
                name=f"市局检查员{i}",
                certificate_number=f"BENCHTY{i:04d}",
                certificate_valid_until=date(info["year"] + 3, 12, 31),
                unit=units["ty"],
                specialties=["计量"],
            )
        )
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    return info


def search_paths(info: dict) -> dict[str, list[str]]:
    from sqlalchemy import func, select

    from fieldapp.extensions import db
    from fieldapp.publication.models import PublishedResult

    rng = random.Random(3)
    sample = db.session.execute(
        select(PublishedResult.subject_name, PublishedResult.uscc, PublishedResult.division_code)
        .order_by(func.random())
        .limit(REQUESTS)
    ).all()

    def fragment(name: str, size: int) -> str:
        start = rng.randrange(max(1, len(name) - size))
        return name[start : start + size]

    return {
        "name fragment (4 chars)": [f"/public/results?q={quote(fragment(n, 4))}" for n, _, _ in sample],
        "name fragment (6 chars)": [f"/public/results?q={quote(fragment(n, 6))}" for n, _, _ in sample],
        "exact USCC": [f"/public/results?q={u}" for _, u, _ in sample if u],
        "filters only (county, task, result)": [
            f"/public/results?county={d}&task={info['task_id']}&result=1" for _, _, d in sample
        ],
        "htmx fragment, name + county": [f"/public/results?q={quote(fragment(n, 4))}&county={d}" for n, _, d in sample],
    }


def measure_search(url: str, instance: str, paths: dict[str, list[str]]) -> None:
    from bench_public_search import BASELINE, HTMX, row
    from served import Gunicorn, wrk

    server = Gunicorn(url, instance)
    try:
        for group in paths.values():
            for path in group[:4]:
                assert server.get(path)[0] == 200, path
        print(f"  public search under gunicorn, wrk -c4 10 s per kind ({load()})", flush=True)
        bare = wrk(server.port, ["/bare/"])
        print(
            f"  {'bare Flask endpoint (same server)':<36} {bare['rate']:8.1f} req/s   p99 {bare['p99']:6.1f} ms",
            flush=True,
        )
        baseline = BASELINE["postgresql"]["share"].split(" (")[0] + " (1M)"
        for label, group in paths.items():
            figure = wrk(server.port, group, HTMX if "htmx" in label else None)
            print(row(label, figure, bare["rate"], baseline), flush=True)
    finally:
        server.stop()


def cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def measure_draw(info: dict) -> None:
    """The city bureau's own task: its pool is the whole city (every county under it)."""
    from sqlalchemy import select

    from fieldapp.auth.models import Unit
    from fieldapp.auth.territory import divisions_under
    from fieldapp.draws.commitments import commit
    from fieldapp.draws.operations import run_draw
    from fieldapp.extensions import db
    from fieldapp.plans.models import Plan, Task
    from fieldapp.subjects.models import Subject

    city = db.session.scalar(select(Unit).where(Unit.code == "ty"))
    codes = sorted(divisions_under(city))
    read_sql = select(Subject.ident).where(Subject.status == "在业", Subject.division_code.in_(codes))
    reads = []
    for _ in range(3):
        t0, c0 = time.perf_counter(), cpu()
        ids = db.session.execute(read_sql).scalars().all()
        reads.append((cpu() - c0, time.perf_counter() - t0))
    db.session.commit()
    read_cpu, read_wall = min(reads)
    task = db.session.scalar(select(Task).join(Plan).where(Task.number == DRAW_TASK, Plan.year == info["year"]))
    print(f"  city-level draw ({load()})", flush=True)
    t0, c0 = time.perf_counter(), cpu()
    draw, _ = run_draw(commit(task, 1, city, exception_reason="基准测试"), witness="bench witness")
    db.session.commit()
    draw_cpu, draw_wall = cpu() - c0, time.perf_counter() - t0
    ratio = draw_cpu / read_cpu if read_cpu else float("inf")
    print(f"  read the city's pool ids     {read_cpu:8.3f} s CPU ({read_wall:.3f} s wall, {len(ids):,} ids)")
    print(
        f"  draw, pool {draw.pool_size:,}, {draw.selected_count:,} drawn  {draw_cpu:8.3f} s CPU ({draw_wall:.3f} s wall)"
        f" = {ratio:.1f}x the read   baseline: the read   goal ≤ 3x: {'met' if ratio <= 3 else 'NOT met'}",
        flush=True,
    )


def measure_dashboards(app, info: dict) -> None:
    from sqlalchemy import func, select

    from fieldapp.extensions import db
    from fieldapp.subjects.models import Subject

    def timed(fn, repeat: int = 5) -> float:
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            fn()
            times.append((time.perf_counter() - started) * 1000)
        return statistics.median(times)

    count_sql = (
        select(Subject.division_code, func.count())
        .where(Subject.kind == "enterprise", Subject.status == "在业")
        .group_by(Subject.division_code)
    )
    baseline = timed(lambda: db.session.execute(count_sql).all())
    db.session.commit()
    print(f"  dashboards, median of 5 ({load()})", flush=True)
    print(f"  {'one GROUP BY count of the directory':<36} {baseline:8.1f} ms   (baseline)", flush=True)
    client = app.test_client()
    for username, label, query in (
        ("bench-province", "provincial dashboard (11 cities)", ""),
        ("bench-province", "a city's dashboard (10 counties)", "&unit=ty"),
        ("bench-province", "a county's dashboard", "&unit=ty-01"),
    ):
        client.post("/login", data={"username": username, "password": "bench-password"})
        url = f"/dashboard/?year={info['year']}{query}"
        assert client.get(url).status_code == 200, url
        figure = timed(lambda url=url: client.get(url))
        met = "met" if figure <= DASHBOARD_GOAL_MS else "NOT met"
        print(
            f"  {label:<36} {figure:8.1f} ms = {figure / baseline:.1f}x the count   goal ≤ 1 s: {met}",
            flush=True,
        )


def main() -> None:
    from fieldapp import create_app
    from fieldapp.extensions import db
    from bench_public_search import databases, drop
    from province_data import write_org

    print(
        f"province bench: 11 cities, {SUBJECTS:,} subjects, {RESULTS:,} results (PROVINCE_SCALE={SCALE:g}); {load()}",
        flush=True,
    )
    found = [(d, u) for d, u in databases() if d == "postgresql"]
    if not found:
        raise SystemExit("the province bench needs PostgreSQL (BENCH_POSTGRES_URL)")
    url = found[0][1]
    with tempfile.TemporaryDirectory(prefix="bench-province-") as tmp:
        org_path = write_org(Path(tmp) / "province.yaml")
        os.environ["ORGANISATION_FILE"] = str(org_path)  # the served app and the draw read it
        try:
            app = create_app(
                {
                    "SQLALCHEMY_DATABASE_URI": url,
                    "SECRET_KEY": "bench",
                    "RATELIMIT_ENABLED": False,
                    "WTF_CSRF_ENABLED": False,
                    "ORGANISATION_FILE": str(org_path),
                }
            )
            with app.app_context():
                info = build(app, org_path)
                paths = search_paths(info)
                measure_draw(info)
                measure_dashboards(app, info)
                db.session.remove()
                db.engine.dispose()
            measure_search(url, tmp, paths)
        finally:
            if os.environ.get("PROVINCE_KEEP_DB"):
                print(f"  database kept: {url}")
            else:
                drop(url)


if __name__ == "__main__":
    main()
