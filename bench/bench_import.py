"""Subject import speed and memory: N generated subjects (default 1,000,000) from a CSV file.

Each size runs in a fresh process (peak RSS is per process) on a fresh database: SQLite in
``instance/bench/`` unless ``BENCH_DATABASE_URL`` names another (e.g. PostgreSQL). Memory at
100,000 and at N rows shows whether it stays flat as the file grows. ``BENCH_SUBJECTS`` sets N.
The 1,000,000-subject SQLite database is kept for bench_search.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "instance" / "bench"


def sizes() -> list[int]:
    n = int(os.environ.get("BENCH_SUBJECTS", "1000000"))
    return sorted({min(100_000, n), n})


def csv_for(n: int, seed: int = 2021) -> Path:
    path = BENCH_DIR / f"subjects-{n}-{seed}.csv"
    if not path.exists():
        from fieldapp.demo.generator import write_subjects_csv

        BENCH_DIR.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        write_subjects_csv(path.with_suffix(".tmp"), n, seed)
        path.with_suffix(".tmp").rename(path)
        print(
            f"   generated {n:,} subjects in {time.perf_counter() - started:.0f} s "
            f"({path.stat().st_size / 2**20:.0f} MiB CSV)",
            flush=True,
        )
    return path


def database_for(n: int) -> str:
    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{BENCH_DIR / f'subjects-{n}.sqlite'}"


def child(n: int, path: str, url: str) -> None:
    """In a fresh process: empty database, import, print the figures as JSON."""
    import resource

    from sqlalchemy import text

    from fieldapp import create_app
    from fieldapp.extensions import db
    from fieldapp.subjects.importer import import_subject_file

    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.drop_all()
        db.create_all()
        from fieldapp.auth.organisation import ensure_units

        ensure_units()
        db.session.commit()
        started, cpu_started = time.perf_counter(), time.process_time()
        report = import_subject_file(path, BENCH_DIR / f"rejects-{n}.csv", batch_size=5000)
        seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as conn:
                conn.execute(text("ANALYZE subject"))
        maxrss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(
            json.dumps(
                {
                    "rows": report.rows,
                    "created": report.created,
                    "rejected": report.rejected,
                    "seconds": seconds,
                    "cpu_seconds": cpu_seconds,
                    "dialect": db.engine.dialect.name,
                    "peak_mib": maxrss_kib / 1024,
                }
            )
        )


def measure(n: int) -> dict:
    path = csv_for(n)
    url = database_for(n)
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(n), str(path), url],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    results = {}
    for n in sizes():
        figures = measure(n)
        results[n] = figures
        cpu = figures.get("cpu_seconds") or figures["seconds"]
        print(
            f"   import {n:>9,} subjects: {figures['seconds']:7.1f} s, {figures['rows'] / figures['seconds']:8,.0f} rows/s "
            f"({figures['rows'] / cpu:,.0f} rows per CPU-second of this process: the machine may be shared), "
            f"peak memory {figures['peak_mib']:6.0f} MiB ({figures['created']:,} created, {figures['rejected']} rejected)",
            flush=True,
        )
    if len(results) == 2:
        small, large = (results[k] for k in sorted(results))
        print(
            f"   memory {sorted(results)[1] // sorted(results)[0]}x the rows: peak {large['peak_mib'] / small['peak_mib']:.2f}x "
            f"(flat means streaming)",
            flush=True,
        )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        sys.path.insert(0, str(ROOT))
        child(int(sys.argv[2]), sys.argv[3], sys.argv[4])
    else:
        sys.path.insert(0, str(ROOT))
        main()
