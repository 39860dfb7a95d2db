"""The checklist catalog of one app: loaded and validated once when the app is created, never per request.

``CHECKLISTS_DIR`` (default ``<root>/checklists``) holds the files; ``TAGS_FILE`` (default
``data/tags.yaml``) the tag vocabulary that ``applies_to`` is checked against. A broken file makes
``create_app`` raise ``ChecklistInvalid`` naming the file, the item and the problem.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from collections.abc import Iterable

import yaml
from flask import Flask, current_app

from .definition import Checklist, load_directory, squash
from .results import result_table

ROOT = Path(__file__).resolve().parent.parent.parent
EXTENSION = "fieldapp.checklists"
GENERAL_ID = "onsite-general"  # the general on-site checklist (现场核查): serves items without one
_cache: dict[tuple, dict[str, Checklist]] = {}


@dataclass
class Registry:
    folder: Path
    checklists: dict[str, Checklist]  # by id, in file-name order

    def get(self, checklist_id: str) -> Checklist | None:
        return self.checklists.get(checklist_id)

    def all(self) -> list[Checklist]:
        return list(self.checklists.values())

    def by_sha256(self, sha256: str) -> Checklist | None:
        return next((c for c in self.checklists.values() if c.sha256 == sha256), None)

    def resolve_item(self, text: str) -> list[Checklist]:
        """Checklists whose ``covers`` strings occur in the 抽查事项 text (spaces removed)."""
        squashed = squash(text)
        return [c for c in self.checklists.values() if any(squash(cover) in squashed for cover in c.covers)]

    def checklists_for(self, task, subject_tags: Iterable[str]) -> list[Checklist]:
        """The checklists an inspector fills for ``task`` at a subject with ``subject_tags``.

        Each 抽查事项 resolves to its checklists (stored ``InspectionItem.checklist_ids`` when
        present, else by text); the subject's tags choose among them (a gas station in task 1 gets
        the dispenser checklist); a checklist with ``applies_to.tags: []`` fits any subject. An
        item without a checklist (unmapped, or a suggestion not yet confirmed), or a task that
        leaves the subject with none, gets the general on-site checklist."""
        tags = set(subject_tags or ())
        chosen: list[Checklist] = []
        for item in getattr(task, "items", []) or []:
            candidates = self._own_checklists(item)
            if not candidates and GENERAL_ID in self.checklists:
                candidates = [self.checklists[GENERAL_ID]]
            for checklist in candidates:
                if checklist.applies_to_tags(tags) and checklist not in chosen:
                    chosen.append(checklist)
        if not chosen and getattr(task, "items", None) and GENERAL_ID in self.checklists:
            chosen.append(self.checklists[GENERAL_ID])
        return chosen

    def _own_checklists(self, item) -> list[Checklist]:
        """The item's stored checklists, else those whose wording its text contains."""
        own = [self.checklists[i] for i in (item.checklist_ids or []) if i in self.checklists]
        return own or self.resolve_item(item.text)

    def general_items(self, task) -> list:
        """The task's items no checklist of their own answers (the general on-site checklist serves
        them): the inspector is shown what to check."""
        return [item for item in getattr(task, "items", []) or [] if not self._own_checklists(item)]


def known_tags(path: Path) -> set[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return {str(entry["name"]) for entry in data if isinstance(entry, dict) and entry.get("name")}


def _signature(folder: Path, tags_file: Path, results_file: Path | None) -> tuple:
    files = sorted(list(folder.glob("*.yaml")) + list(folder.glob("*.yml")))
    stats = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    extra = tuple((str(p), p.stat().st_mtime_ns) for p in (tags_file, results_file) if p and p.exists())
    return (str(folder), stats, extra)


def load_registry(folder: Path, tags_file: Path, results_file: Path | None = None) -> Registry:
    """Load and validate every checklist in ``folder``. Unchanged files are not parsed again in
    the same process (apps made for tests share the work)."""
    key = _signature(folder, tags_file, results_file)
    checklists = _cache.get(key)
    if checklists is None:
        codes = set(result_table(results_file).categories)
        checklists = load_directory(folder, known_tags(tags_file), codes, root=ROOT)
        _cache.clear()
        _cache[key] = checklists
    return Registry(folder, checklists)


def init_app(app: Flask) -> None:
    folder, tags_file = Path(app.config["CHECKLISTS_DIR"]), Path(app.config["TAGS_FILE"])
    results_file = app.config["RESULT_CATEGORIES_FILE"]
    app.extensions[EXTENSION] = load_registry(folder, tags_file, Path(results_file) if results_file else None)


def registry() -> Registry:
    return current_app.extensions[EXTENSION]


def get_checklist(checklist_id: str) -> Checklist | None:
    return registry().get(checklist_id)


def resolve_item(text: str) -> list[Checklist]:
    return registry().resolve_item(text)


def checklists_for(task, subject_tags: Iterable[str]) -> list[Checklist]:
    return registry().checklists_for(task, subject_tags)


def general_items(task) -> list:
    return registry().general_items(task)
