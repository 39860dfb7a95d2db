"""Name-search latency on the 1,000,000-subject directory (the database bench_import leaves behind).

Each query is the supervisors' search box: one page of 20, newest first, with the capped count.
``BENCH_SUBJECTS`` and ``BENCH_DATABASE_URL`` as for bench_import.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_import  # noqa: E402

QUERIES = [
    ("3+ characters, common", "加油站"),
    ("3+ characters, very common", "有限公司"),
    ("3+ characters, rare", "鑫源拍卖"),
    ("4+ characters, no match", "不存在的名字"),
    ("2 characters, common", "眼镜"),
    ("2 characters, rare", "索道"),
    ("1 character", "鑫"),
    ("credit code prefix", "92140602"),
]
REPEAT = 7


def main() -> None:
    n = bench_import.sizes()[-1]
    url = bench_import.database_for(n)
    path = Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None
    if path is not None and not path.exists():
        print(f"   building the {n:,}-subject database first …", flush=True)
        bench_import.measure(n)

    from sqlalchemy import func, select

    from fieldapp import create_app
    from fieldapp.subjects.models import Subject
    from fieldapp.subjects.search import search_subjects
    from fieldapp.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        total = db.session.scalar(select(func.count()).select_from(Subject))
        whole = db.session.scalar(select(Subject.ident).order_by(Subject.id.desc()).limit(1))
        print(f"   {total:,} subjects on {db.engine.dialect.name}", flush=True)
        for label, query in [*QUERIES, ("whole credit code", whole)]:
            timings = []
            for _ in range(REPEAT):
                started = time.perf_counter()
                page = search_subjects(query)
                timings.append((time.perf_counter() - started) * 1000)
                db.session.rollback()
            found = f"{page.total:,}{'+' if page.total_capped else ''}"
            print(
                f"   {label:<28} {query:<20} median {statistics.median(timings):7.1f} ms, "
                f"max {max(timings):7.1f} ms  ({found} found)",
                flush=True,
            )


if __name__ == "__main__":
    main()
