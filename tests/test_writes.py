"""One owner for writes: operations flush, the request (or CLI command, or job) commits.

A ``.commit()`` in fieldapp stands in a view module (``routes*.py``), a command module (``cli.py``), a
job handler module (``jobs.py``) or the demo loader (run by its command), or in a function named in
``ALLOWED`` with the reason it must commit mid-way. The test fails on any other commit, and on an
entry no longer needed."""

from __future__ import annotations

import ast
from pathlib import Path

FIELDAPP = Path(__file__).resolve().parent.parent / "fieldapp"

# "module" or "module:function" (its qualified name: Class.method, outer.inner) → why it commits.
ALLOWED: dict[str, str] = {
    "auth/session.py:init_login.load_user_from_device": "Flask-Login's loader writes a device's last use "
    "before the view runs (a GET view commits nothing)",
    "commands.py:ensure_command.command": "the body of the `ensure` CLI commands built here",
    "core/early.py:read_row": "a raw DBAPI connection of the early public pages: ends its read, writes nothing",
    "draws/commitments.py:publish": "a commitment is durable in the public chain before its draw is run; "
    "a concurrent append is retried",
    "draws/commitments.py:abandon": "the abandonment and its seed are appended to the public chain at once, "
    "retried on a concurrent append",
    "draws/operations.py:run_draw": "each attempt to append the draw to the public chain commits or rolls back "
    "alone (retried on a concurrent append)",
    "inspections/media_receipt.py:receive_media": "each chunk of a phone's file is durable as it arrives, so "
    "an upload resumes after it",
    "jobs/runtime.py": "the job runner records each job's state (queued, claimed, progress, finished) apart "
    "from the handler's work",
    "jobs/files.py:purge_expired": "the worker's housekeeping: no request or command around it",
    "subjects/importer.py": "a directory import commits each batch with its checkpoint: progress shows and "
    "a killed worker resumes",
    "subjects/import_report.py:SeenKeys": "the import's private SQLite file of keys seen, not the database",
}


def is_caller(module: str) -> bool:
    """A module that owns its transaction: a view, a command, a job handler, the demo loader."""
    name = module.rsplit("/", 1)[-1]
    return name.startswith("routes") or name in ("cli.py", "jobs.py") or module.startswith("demo/")


def commits(path: Path, root: Path = FIELDAPP) -> list[str]:
    """``module:function`` of each ``.commit()`` call in ``path`` (``module:`` at module level)."""
    module = path.relative_to(root).as_posix()
    found: list[str] = []

    def walk(node: ast.AST, names: list[str]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                walk(child, [*names, child.name])
                continue
            if isinstance(child, ast.Call) and isinstance(child.func, ast.Attribute) and child.func.attr == "commit":
                found.append(f"{module}:{'.'.join(names)}")
            walk(child, names)

    walk(ast.parse(path.read_text(encoding="utf-8")), [])
    return found


def allowed_by(place: str) -> str | None:
    """The ALLOWED entry that covers ``place``: the module, the function or a class around it."""
    module, _, function = place.partition(":")
    parts = function.split(".")
    for key in [module] + [f"{module}:{'.'.join(parts[:n])}" for n in range(1, len(parts) + 1)]:
        if key in ALLOWED:
            return key
    return None


def commit_problems(root: Path = FIELDAPP) -> tuple[list[str], set[str]]:
    """The commits outside the callers and ALLOWED, and the ALLOWED entries that cover no commit."""
    places = [place for path in sorted(root.rglob("*.py")) for place in commits(path, root)]
    outside = [place for place in places if not is_caller(place.partition(":")[0]) and allowed_by(place) is None]
    used = {allowed_by(place) for place in places}
    return outside, set(ALLOWED) - used


def test_operations_flush_and_their_callers_commit():
    outside, unused = commit_problems()
    assert outside == [], "flush in the operation and commit in its view, command or job (or name it in ALLOWED)"
    assert unused == set(), "these no longer commit: take them out of ALLOWED"


def test_the_commit_scan_can_fail(tmp_path):
    (tmp_path / "review").mkdir()
    (tmp_path / "review" / "operations.py").write_text(
        "def approve():\n    db.session.flush()\n    db.session.commit()\n", encoding="utf-8"
    )
    (tmp_path / "review" / "routes.py").write_text("def view():\n    db.session.commit()\n", encoding="utf-8")
    (tmp_path / "jobs").mkdir()
    (tmp_path / "jobs" / "runtime.py").write_text(
        "class JobRun:\n    def progress(self):\n        db.session.commit()\n", encoding="utf-8"
    )
    outside, unused = commit_problems(tmp_path)
    assert outside == ["review/operations.py:approve"]
    assert "jobs/runtime.py" not in unused and "draws/operations.py:run_draw" in unused
