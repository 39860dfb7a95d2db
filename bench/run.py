"""Run every ``bench/bench_*.py`` (each has ``main()`` printing its figures): ``make bench``.

The provincial bench (``bench_province.py``: millions of rows on PostgreSQL) runs only when asked:
``make bench PROVINCE=1`` (environment ``PROVINCE=1``) runs it alone, or name it
(``python bench/run.py province``)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


OPT_IN = {"bench_province"}


def main(argv: list[str]) -> int:
    wanted = set(argv) or ({"province"} if os.environ.get("PROVINCE", "") not in ("", "0") else set())
    failures = 0
    for path in sorted(HERE.glob("bench_*.py")):
        if wanted and path.stem not in wanted and path.stem.removeprefix("bench_") not in wanted:
            continue
        if not wanted and path.stem in OPT_IN:
            continue
        print(f"== {path.stem}", flush=True)
        started = time.perf_counter()
        # Each bench in a process of its own: its peak memory is its own, not its predecessors'.
        result = subprocess.run([sys.executable, str(path)], cwd=HERE.parent)
        if result.returncode != 0:  # one broken bench must not hide the others' figures
            failures += 1
            print(f"   FAILED (exit {result.returncode})", flush=True)
        print(f"   ({time.perf_counter() - started:.0f} s)", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
