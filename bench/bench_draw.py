"""Draw speed: a 1,000,000-subject pool, 5 %, four classes, with inspector matching.

Reported beside the time to merely read the pool's ids from the same database in the same run.
Goal: the draw (pool read with classes, canonical file, hash, counts, ranking, matching) takes at
most 3× that read, under 3 s, under 500 MB. Storing the result (selections, assignments, visits)
is reported separately. Runs alone (``python bench/bench_draw.py``) or from bench/run.py.

    BENCH_DRAW_SUBJECTS=200000 python bench/bench_draw.py     # a smaller pool
    DATABASE_URL=postgresql+psycopg://… python bench/bench_draw.py
"""

from __future__ import annotations

import os
import resource
import sys
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SUBJECTS = int(os.environ.get("BENCH_DRAW_SUBJECTS", "1000000"))
INSPECTORS = int(os.environ.get("BENCH_DRAW_INSPECTORS", "12"))
CLASS_SHARES = (("A", 0.2), ("B", 0.5), ("C", 0.2), ("D", 0.1))
DIVISION = "140602"
DAY = date(2021, 4, 10)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fill(db, n: int) -> None:
    from sqlalchemy import insert

    from fieldapp.subjects.models import Subject

    classes = []
    for cls, share in CLASS_SHARES:
        classes += [cls] * int(round(share * 1000))
    chunk = 50_000
    for start in range(0, n, chunk):
        rows = [
            {
                "ident": f"91{DIVISION}{i:09d}X",
                "uscc": f"91{DIVISION}{i:09d}X",
                "name": f"主体{i}",
                "kind": "enterprise",
                "division_code": DIVISION,
                "credit_class": classes[(i * 7919) % len(classes)],
                "status": "在业",
                "legal_representative": f"法人{i}",
            }
            for i in range(start, min(n, start + chunk))
        ]
        db.session.execute(insert(Subject), rows)
        db.session.commit()


def prepare(url: str) -> None:
    """A fresh database with the subjects, a county's inspectors and the task."""
    from fieldapp import create_app
    from fieldapp.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        from sqlalchemy import select, text

        from fieldapp.auth.models import Unit
        from fieldapp.auth.units import ensure_units
        from fieldapp.draws.models import TaskDrawSettings
        from fieldapp.inspectors.models import Inspector
        from fieldapp.plans.models import Plan, Task

        db.drop_all()
        db.create_all()
        ensure_units()
        t0 = time.perf_counter()
        fill(db, SUBJECTS)
        print(f"  fill database            {time.perf_counter() - t0:8.2f} s ({SUBJECTS} subjects)")
        county = db.session.scalar(select(Unit).where(Unit.division_code == DIVISION))
        plan = Plan(year=2021, unit=db.session.scalar(select(Unit).where(Unit.code == "city")), status="published")
        task = Task(plan=plan, number=1, name="bench", guiding_department="计量科指导", executes_county=True,
                    scope_rule={"kinds": [], "tags_any": [], "status": "在业"}, ratio=Decimal("0.05"))
        db.session.add_all([plan, task])
        for i in range(INSPECTORS):
            db.session.add(Inspector(name=f"检查员{i}", certificate_number=f"BENCH{i:04d}",
                                     certificate_valid_until=date(2030, 1, 1), unit=county, specialties=["计量"]))
        db.session.add(TaskDrawSettings(task=task, workload_cap=SUBJECTS))
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()


def measure(url: str) -> None:
    """In a process of its own, so that its peak memory is the draw's."""
    from fieldapp import create_app
    from fieldapp.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context():
        from sqlalchemy import select

        from fieldapp.auth.models import Unit
        from fieldapp.draws import operations
        from fieldapp.plans.models import Task

        county = db.session.scalar(select(Unit).where(Unit.division_code == DIVISION))
        task = db.session.scalar(select(Task).where(Task.name == "bench"))
        commitment = operations.commit(task, 1, county)
        subject = db.metadata.tables["subject"]
        read_sql = select(subject.c.ident).where(subject.c.status == "在业", subject.c.division_code == DIVISION)
        # Warm the cache without keeping the ids (the draw's peak memory is measured first).
        for _ in db.session.connection().execute(read_sql).partitions(50_000):
            pass
        rss_before = peak_mb()
        t0 = time.perf_counter()
        result = operations._compute(task, 1, county, commitment, "bench witness", DAY)
        draw_s = time.perf_counter() - t0
        rss_draw = peak_mb()
        selected = len(result["selected"])
        matched = sum(1 for m in result["matches"].values() if all(not t.reason for t in m))
        del result
        t0 = time.perf_counter()
        ids = db.session.execute(read_sql).scalars().all()
        read_s = time.perf_counter() - t0
        count = len(ids)
        del ids
        t0 = time.perf_counter()
        draw, _ = operations.run_draw(commitment, "bench witness", day=DAY)
        full_s = time.perf_counter() - t0
        stored = len(draw.selections)
        verdict = "met" if draw_s <= 3 * read_s and draw_s < 3 else "NOT met"
        print(f"  read pool ids            {read_s:8.3f} s ({count} ids)")
        print(f"  draw (pool+rank+match)   {draw_s:8.3f} s = {draw_s / read_s:.2f}x the read "
              f"(goal <= 3x and < 3 s: {verdict})")
        print(f"  selected / matched       {selected} / {matched}")
        print(f"  peak RSS                 {rss_draw:8.0f} MB (before the draw {rss_before:.0f} MB; goal < 500 MB: "
              f"{'met' if rss_draw < 500 else 'NOT met'})")
        print(f"  draw again, stored       {full_s:8.2f} s ({stored} selections with their assignments and visits)")
        print(f"  peak RSS after storing   {peak_mb():8.0f} MB")


def main() -> None:
    import subprocess

    url = os.environ.get("DATABASE_URL")
    tmp = None
    if not url:
        tmp = tempfile.TemporaryDirectory(prefix="bench-draw-")
        url = f"sqlite:///{tmp.name}/bench.sqlite"
    print(f"draw bench: {SUBJECTS} subjects in one county, 5 %, classes A/B/C/D 20/50/20/10 %, "
          f"{INSPECTORS} inspectors; {url.split(':')[0]}", flush=True)
    try:
        prepare(url)
        sys.stdout.flush()
        subprocess.run([sys.executable, __file__, "--measure", url], check=True)
    finally:
        if tmp is not None:
            tmp.cleanup()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        measure(sys.argv[2])
    else:
        main()
