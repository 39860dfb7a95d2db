"""Package boundaries: a lower feature package never imports a higher one (at module level or inside a
function). Where a lower package must tell a higher one something (a draw made → visits built), it sends
an event (``fieldapp/events.py``) and the higher package subscribes."""

from __future__ import annotations

import ast
from pathlib import Path

from fieldapp import create_app, events

FIELDAPP = Path(__file__).resolve().parent.parent / "fieldapp"

# Every package of fieldapp, lowest first: each may import those before it, never those after it.
# auth, jobs and core serve every feature (core: cells, bulk inserts, parameters, the error pages);
# calendar and checklists are rules the features read.
LAYERS = (
    "auth",
    "jobs",
    "core",
    "calendar",
    "checklists",
    "subjects",
    "inspectors",
    "plans",
    "draws",
    "visits",
    "inspections",
    "review",
    "publication",
    "dashboards",
    "demo",
)
# The modules beside the packages: foundations any package may import (and which import none), and
# the entry points that put the app together.
FOUNDATIONS = ("audit", "clock", "commands", "config", "errors", "events", "extensions", "search_objects")
ENTRY_POINTS = ("__init__", "models", "serve", "worker")
# Known imports upwards, each with its module and why; the test fails when one is no longer needed.
ALLOWED: dict[tuple[str, str], str] = {}


def _imported_packages(path: Path, root: Path = FIELDAPP) -> set[str]:
    """The fieldapp packages ``path`` (under ``root``, the fieldapp folder) imports, wherever the
    import statement stands."""
    package = list(path.relative_to(root.parent).parts[:-1])  # ["fieldapp", "draws", …]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[list[str]] = []
        if isinstance(node, ast.Import):
            names = [alias.name.split(".") for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = base + (node.module.split(".") if node.module else [])
            names = [module] if node.module else [module + [alias.name] for alias in node.names]
        for name in names:
            if len(name) > 1 and name[0] == "fieldapp":
                found.add(name[1])
    return found


def _upward_imports(root: Path = FIELDAPP) -> set[tuple[str, str]]:
    rank = {name: i for i, name in enumerate(LAYERS)}
    upward = set()
    for name in LAYERS:
        for path in sorted((root / name).rglob("*.py")):
            module = path.relative_to(root).as_posix()
            for other in _imported_packages(path, root):
                if other in rank and rank[other] > rank[name]:
                    upward.add((module, other))
    return upward


def test_the_scan_sees_relative_and_function_level_imports(tmp_path):
    root = tmp_path / "fieldapp"
    (root / "draws").mkdir(parents=True)
    sample = root / "draws" / "sample.py"
    sample.write_text(
        "from ..plans import models\n"
        "def f():\n    from ..visits.operations import add_draw_to_visits\n"
        "    from .. import review\n    import fieldapp.publication.routes\n",
        encoding="utf-8",
    )
    assert _imported_packages(sample, root) == {"plans", "visits", "review", "publication"}
    assert _upward_imports(root) == {
        ("draws/sample.py", "visits"),
        ("draws/sample.py", "review"),
        ("draws/sample.py", "publication"),
    }


def test_no_lower_package_imports_a_higher_one():
    upward = _upward_imports()
    unexpected = sorted(upward - set(ALLOWED))
    assert not unexpected, "a lower package imports a higher one (send an event instead): " + ", ".join(
        f"{module} imports {other}" for module, other in unexpected
    )
    stale = sorted(set(ALLOWED) - upward)
    assert not stale, f"no longer needed, remove from ALLOWED: {stale}"


def test_every_package_and_module_has_its_place():
    packages = {p.name for p in FIELDAPP.iterdir() if (p / "__init__.py").is_file()}
    assert packages == set(LAYERS), "add the package to LAYERS, in its place"
    modules = {p.stem for p in FIELDAPP.glob("*.py")}
    assert modules == set(FOUNDATIONS) | set(ENTRY_POINTS), (
        "a module beside the packages is a foundation or an entry point"
    )


def test_foundations_import_no_package():
    for name in FOUNDATIONS:
        found = _imported_packages(FIELDAPP / f"{name}.py") & set(LAYERS)
        assert not found, f"fieldapp/{name}.py imports {sorted(found)}"


def test_the_scan_catches_the_upward_imports_once_written(tmp_path):
    """The imports that were upwards before the audit log, the safe ``next`` check, the scope page and the
    item mapping moved to their owners (calendar → review, auth → core, plans → draws, checklists → plans)."""
    root = tmp_path / "fieldapp"
    for module, line in (
        ("calendar/operations.py", "from ..review import audit\n"),
        ("auth/routes.py", "from ..core.i18n import is_safe_next\n"),
        ("plans/routes_scope.py", "from ..draws.readiness import preview\n"),
        ("checklists/queries.py", "from ..plans.models import Task\n"),
    ):
        (root / module).parent.mkdir(parents=True, exist_ok=True)
        (root / module).write_text(line, encoding="utf-8")
    assert _upward_imports(root) == {
        ("calendar/operations.py", "review"),
        ("auth/routes.py", "core"),
        ("plans/routes_scope.py", "draws"),
        ("checklists/queries.py", "plans"),
    }


def test_draws_never_import_visits():
    for path in (FIELDAPP / "draws").rglob("*.py"):
        assert "visits" not in _imported_packages(path), path


def test_create_app_subscribes_visits_to_the_draws_events():
    create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    for signal in (
        events.draw_made,
        events.draw_superseded,
        events.inspector_replaced,
        events.draw_fieldwork_started,
        events.draw_fieldwork_approved,
    ):
        receivers = [getattr(r, "__module__", "") for r in signal.receivers_for(object())]
        assert "fieldapp.visits.subscribers" in receivers, signal.name
