"""Subject files for the job tests (generated rows with some bad codes and some repeated rows), and the
settings of a real job queue for the tests that start worker processes."""

from __future__ import annotations

import csv
from pathlib import Path


def real_queue_config(tmp_path: Path) -> dict:
    """The app on a real queue: SQLite storage shared with the consumer processes a test starts."""
    return {
        "HUEY_IMMEDIATE": False,
        "HUEY_SQLITE_PATH": str(tmp_path / "huey.sqlite"),
        "JOBS_ROOT": str(tmp_path / "jobs"),
    }


def subject_file_with_rejects(path: Path, n: int, seed: int = 14) -> tuple[Path, set[str], set[int]]:
    """``n`` rows; every 997th has a broken code and every 1009th repeats an earlier row's code.

    Returns the file, the codes that must be imported (each exactly once) and the rejected lines."""
    from fieldapp.demo.generator import SUBJECT_HEADER, generate_subjects

    rows = [dict(row) for row in generate_subjects(n, seed)]
    code, reg = SUBJECT_HEADER[0], SUBJECT_HEADER[1]
    assert (code, reg) == ("统一社会信用代码", "注册号")
    rejected: set[int] = set()
    for i, row in enumerate(rows):
        if i % 997 == 5 and row[code]:
            row[code] = row[code][:-1] + ("0" if row[code][-1] != "0" else "1")  # check digit wrong
            rejected.add(i + 2)
        elif i % 1009 == 7 and i > 100 and i - 50 + 2 not in rejected:
            row[code], row[reg] = rows[i - 50][code], rows[i - 50][reg]
            rejected.add(i + 2)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, SUBJECT_HEADER)
        writer.writeheader()
        writer.writerows(rows)
    valid = {row[code] or row[reg] for i, row in enumerate(rows) if i + 2 not in rejected}
    assert len(valid) == n - len(rejected)
    return path, valid, rejected


def reject_lines(path: Path) -> list[int]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [int(row["行号"]) for row in csv.DictReader(fh)]


def upload_subjects(client_request, path, name="subjects.csv"):
    """Upload a subject file through the page: the import is queued as a job and the answer leads to its page."""
    with path.open("rb") as fh:
        return client_request.post_response(
            "subjects.import_file", _data={"file": (fh, name)}, _content_type="multipart/form-data"
        )
