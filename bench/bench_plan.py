"""Plan import speed: the seed table (21 tasks), and a large table of 500 tasks (a city plan has
20–100; a province's joint plan a few hundred).

Goals: parsing the seed takes under 50 ms; importing the 500-task CSV into an empty database
under 5 s and re-importing it unchanged (nothing written) under 2 s, under 300 MB.
Runs alone (``python bench/bench_plan.py``) or from bench/run.py.

    DATABASE_URL=postgresql+psycopg://… python bench/bench_plan.py
"""

from __future__ import annotations

import csv
import io
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SEED = ROOT / "data" / "plan-2021-shuozhou.txt"
TASKS = int(os.environ.get("BENCH_PLAN_TASKS", "500"))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def big_table(n: int) -> bytes:
    """``n`` task rows made from the seed's 21, renumbered, blank merged cells and all."""
    from fieldapp.plans.columns import find_header
    from fieldapp.plans.tables import read_plan_file

    source = read_plan_file(SEED.read_bytes(), SEED.name)
    header = next(r.cells for r in source.rows if find_header(r.cells))
    rows = [r.cells for r in source.rows if len(r.filled) > 1 and not find_header(r.cells) and r.cells[0].isdigit()]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    for i in range(n):
        row = list(rows[i % len(rows)])
        row[0] = str(i + 1)
        writer.writerow(row)
    return buffer.getvalue().encode("utf-8")


def main() -> None:
    from fieldapp import create_app
    from fieldapp.auth.organisation import ensure_units
    from fieldapp.extensions import db
    from fieldapp.plans.importer import import_plan
    from fieldapp.plans.parsing import parse_plan_table
    from fieldapp.plans.tables import read_plan_file

    data = SEED.read_bytes()
    parse_plan_table(read_plan_file(data, SEED.name).rows)  # warm up: the tag vocabulary is read once
    started = time.perf_counter()
    for _ in range(20):
        parsed = parse_plan_table(read_plan_file(data, SEED.name).rows)
    per_parse = (time.perf_counter() - started) / 20
    print(f"   seed: {len(parsed.tasks)} tasks parsed in {per_parse * 1000:.1f} ms (goal < 50 ms)")

    url = os.environ.get("DATABASE_URL")
    tmp = None
    if not url:
        tmp = tempfile.TemporaryDirectory(prefix="bench-plan-")
        url = f"sqlite:///{tmp.name}/bench.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
    table = big_table(TASKS)
    with app.app_context(), app.test_request_context():
        db.drop_all()
        db.create_all()
        units = ensure_units()
        db.session.commit()
        for label, goal in (("first import", 5), ("re-import, unchanged", 2)):
            started = time.perf_counter()
            report = import_plan(table, "big.csv", year=2030, unit=units["city"])
            db.session.commit()
            elapsed = time.perf_counter() - started
            print(
                f"   {label}: {report.tasks.total} tasks, {report.items} items, "
                f"{report.tasks.created} new, {report.tasks.updated} changed in {elapsed:.2f} s (goal < {goal} s)"
            )
        db.session.remove()
        db.drop_all()
    print(f"   peak memory {peak_mb():.0f} MB (goal < 300 MB)")
    if tmp:
        tmp.cleanup()


if __name__ == "__main__":
    main()
