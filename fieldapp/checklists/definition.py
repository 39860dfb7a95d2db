"""A checklist definition: read from its YAML file (or a stored snapshot) and validated.

Every rule of ``checklists/README.md`` is checked here; all problems of a file are reported at once,
each naming the file, the item and the problem.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from collections.abc import Iterator

import yaml

from .conditions import Condition, ConditionSyntaxError, parse
from .items import MAX_HELP, Item
from .items_more import build_item
from .references import check_references
from .text import ChecklistInvalid, LocalText, Problems, read_local_text

CHECKLIST_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
SECTION_ID_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
TOP_KEYS = {
    "id",
    "version",
    "title",
    "description",
    "legal_basis",
    "applies_to",
    "covers",
    "aliases",
    "national_items",
    "sections",
}
NATIONAL_ITEM_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.\-]{0,39}$")
MAX_FILE_BYTES = 1024 * 1024

try:  # libyaml when available: the same safe loader, much faster
    SafeLoader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    SafeLoader = yaml.SafeLoader


def canonical_json(definition: dict) -> str:
    return json.dumps(definition, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def definition_sha256(definition: dict) -> str:
    """SHA-256 of the canonical JSON of a definition: the same content always hashes the same."""
    return hashlib.sha256(canonical_json(definition).encode("utf-8")).hexdigest()


def squash(text: str) -> str:
    """Text with every kind of space removed, for matching 抽查事项 text."""
    return "".join(str(text or "").split())


SECTION_KEYS = {"id", "title", "items", "relevant", "help"}


@dataclass
class Section:
    id: str
    title: LocalText
    items: list[Item]
    relevant: Condition | None = None  # the whole section is shown and asked only when it holds
    help: LocalText | None = None


@dataclass
class Checklist:
    id: str
    version: int
    title: LocalText
    legal_basis: list[str]
    tags: list[str]
    covers: list[str]
    sections: list[Section]
    definition: dict  # the file's content as loaded (JSON-safe)
    sha256: str
    source: str = ""  # the file it came from, or "snapshot"
    description: LocalText | None = None
    aliases: list[str] = field(default_factory=list)  # other wordings of the items it answers (suggestions)
    national_items: list[str] = field(default_factory=list)  # codes in 市场监管领域随机抽查事项清单
    by_id: dict[str, Item] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"<Checklist {self.id} v{self.version} {self.sha256[:8]}>"

    def applies_to_tags(self, subject_tags) -> bool:
        return not self.tags or bool(set(self.tags) & set(subject_tags or ()))

    def covers_text(self, text: str) -> bool:
        squashed = squash(text)
        return any(c and c in squashed for c in (squash(c) for c in self.covers))

    def walk(self) -> Iterator[Item]:
        """Every item, depth first, repeats before their children."""

        def walk(items):
            for item in items:
                yield item
                yield from walk(item.children())

        for section in self.sections:
            yield from walk(section.items)

    def item(self, item_id: str) -> Item | None:
        return self.by_id.get(item_id)

    def section_of(self, item_id: str) -> Section | None:
        item = self.by_id.get(item_id)
        if item is None:
            return None
        top = item.parents[0] if item.parents else item.id
        for section in self.sections:
            if any(i.id == top for i in section.items):
                return section
        return None


def build_checklist(
    data: Any, source: str, known_tags: set[str] | None = None, result_codes: set[str] | None = None
) -> Checklist:
    """Validate ``data`` (a loaded file) and build the checklist; raises ChecklistInvalid.

    ``known_tags`` and ``result_codes`` are checked when given (a stored snapshot skips them:
    it must keep rendering even after the vocabulary changed)."""
    problems = Problems(source)
    if not isinstance(data, dict):
        problems.add("checklist", "the file must be a mapping (id, version, title, …)")
        raise ChecklistInvalid(problems.items)
    try:
        data = json.loads(canonical_json(data))  # JSON-safe (a YAML date becomes text), as it will be stored
    except (TypeError, ValueError) as exc:
        problems.add("checklist", f"the file holds something other than text, numbers, lists and mappings ({exc})")
        raise ChecklistInvalid(problems.items) from None
    unknown = set(data) - TOP_KEYS
    if unknown:
        problems.add("checklist", f"unknown keys {sorted(unknown)}")
    checklist_id = data.get("id")
    if not isinstance(checklist_id, str) or not CHECKLIST_ID_RE.match(checklist_id):
        problems.add("checklist", "'id' must be lowercase a-z, 0-9 and -")
    elif source.endswith((".yaml", ".yml")) and Path(source).stem != checklist_id:
        problems.add("checklist", f"'id' {checklist_id!r} must match the file name ({Path(source).stem})")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        problems.add("checklist", "'version' must be a whole number, 1 or more")
    title = read_local_text(data.get("title"), problems, "checklist", "title")
    description = read_local_text(
        data.get("description"), problems, "checklist", "description", required=False, max_length=4000
    )
    legal_basis = data.get("legal_basis", [])
    if not isinstance(legal_basis, list) or not all(isinstance(x, str) and x.strip() for x in legal_basis):
        problems.add("checklist", "'legal_basis' must be a list of texts")
        legal_basis = []
    tags = _tags(data.get("applies_to"), known_tags, problems)
    covers = _texts(data, "covers", problems)
    aliases = _texts(data, "aliases", problems)
    national_items = _national_items(data, problems)
    sections = _sections(data.get("sections"), problems)

    checklist = Checklist(
        id=str(checklist_id),
        version=version if isinstance(version, int) else 0,
        title=title or LocalText("", ""),
        legal_basis=list(legal_basis),
        tags=tags,
        covers=list(covers),
        sections=sections,
        definition=data,
        sha256=definition_sha256(data),
        source=source,
        description=description,
        aliases=aliases,
        national_items=national_items,
    )
    check_references(checklist, problems, result_codes)
    if problems:
        raise ChecklistInvalid(problems.items)
    return checklist


def _tags(applies_to: Any, known_tags: set[str] | None, problems: Problems) -> list[str]:
    """``applies_to: {tags: [...]}`` (each tag checked against ``known_tags`` when given)."""
    if not isinstance(applies_to, dict) or set(applies_to) != {"tags"} or not isinstance(applies_to["tags"], list):
        problems.add("checklist", "'applies_to' must be {tags: [...]} ([] for any subject)")
        return []
    tags = [str(t) for t in applies_to["tags"]]
    for tag in tags:
        if known_tags is not None and tag not in known_tags:
            problems.add("checklist", f"applies_to tag {tag!r} is not in data/tags.yaml")
    return tags


def _sections(raw_sections: Any, problems: Problems) -> list[Section]:
    """The checklist's sections, each with its items (problems named by section and item)."""
    sections: list[Section] = []
    if not isinstance(raw_sections, list) or not raw_sections:
        problems.add("checklist", "'sections' must be a non-empty list")
        raw_sections = []
    section_ids: set[str] = set()
    for n, raw in enumerate(raw_sections, 1):
        where = f"section {raw.get('id')!r}" if isinstance(raw, dict) else f"section {n}"
        if not isinstance(raw, dict) or set(raw) - SECTION_KEYS:
            problems.add(where, "a section must be {id, title: {zh, en}, items} (optionally relevant and help)")
            continue
        sid = raw.get("id")
        if not isinstance(sid, str) or not SECTION_ID_RE.match(sid):
            problems.add(where, "the section id must be lowercase letters, digits and _")
        elif sid in section_ids:
            problems.add(where, "this section id appears twice")
        section_ids.add(str(sid))
        stitle = read_local_text(raw.get("title"), problems, where, "title")
        raw_items = raw.get("items")
        if not isinstance(raw_items, list) or not raw_items:
            problems.add(where, "a section needs 'items' (a non-empty list)")
            raw_items = []
        items = [build_item(r, (), problems, where) for r in raw_items]
        shelp = read_local_text(raw.get("help"), problems, where, "help", required=False, max_length=MAX_HELP)
        sections.append(
            Section(
                str(sid),
                stitle or LocalText("", ""),
                [i for i in items if i is not None],
                _section_condition(raw.get("relevant"), where, problems),
                shelp,
            )
        )
    return sections


def _national_items(data: dict, problems: Problems) -> list[str]:
    codes = _texts(data, "national_items", problems)
    for code in codes:
        if not NATIONAL_ITEM_RE.match(code):
            problems.add("checklist", f"national item code {code!r} must be letters, digits, '.' and '-'")
    return codes


def _texts(data: dict, key: str, problems: Problems) -> list[str]:
    """An optional list of non-empty, distinct texts (``covers``, ``aliases``, ``national_items``)."""
    values = data.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, str) and squash(v) for v in values):
        problems.add("checklist", f"'{key}' must be a list of non-empty texts")
        return []
    seen = [squash(v) for v in values]
    if len(set(seen)) != len(seen):
        problems.add("checklist", f"'{key}' lists the same text twice")
    return list(values)


def _section_condition(text: Any, where: str, problems: Problems) -> Condition | None:
    if text is None:
        return None
    if not isinstance(text, str):
        problems.add(where, "'relevant' must be a quoted condition")
        return None
    try:
        condition = parse(text)
    except ConditionSyntaxError as exc:
        problems.add(where, f"'relevant' does not parse: {exc} in {text!r}")
        return None
    if condition.uses_self:
        problems.add(where, "'relevant' cannot use '.' (refer to items with ${id})")
    return condition


def read_yaml(path: Path) -> Any:
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ChecklistInvalid([_problem(path, "the file is larger than 1 MB")])
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=SafeLoader)  # noqa: S506 (a safe loader)
    except UnicodeDecodeError:
        raise ChecklistInvalid([_problem(path, "the file is not UTF-8 text")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "file"
        raise ChecklistInvalid([_problem(path, f"not valid YAML: {getattr(exc, 'problem', exc)}", where)]) from None


def _problem(path: Path, message: str, where: str = "file"):
    from .text import Problem

    return Problem(str(path), where, message)


def load_file(
    path: Path, known_tags: set[str] | None, result_codes: set[str] | None, display_path: str | None = None
) -> Checklist:
    data = read_yaml(path)
    return build_checklist(data, display_path or str(path), known_tags, result_codes)


def load_directory(
    folder: Path, known_tags: set[str] | None, result_codes: set[str] | None, root: Path | None = None
) -> dict[str, Checklist]:
    """Every ``*.yaml`` directly in ``folder`` (not ``_drafts/`` or ``tests/``); raises
    ChecklistInvalid listing the problems of every broken file."""
    found: dict[str, Checklist] = {}
    problems = []
    for path in sorted(list(folder.glob("*.yaml")) + list(folder.glob("*.yml"))):
        shown = str(path.relative_to(root)) if root and path.is_relative_to(root) else str(path)
        try:
            checklist = load_file(path, known_tags, result_codes, shown)
        except ChecklistInvalid as exc:
            problems.extend(exc.problems)
            continue
        if checklist.id in found:
            problems.append(
                _problem(
                    path, f"checklist id {checklist.id!r} is also used by {found[checklist.id].source}", "checklist"
                )
            )
            continue
        found[checklist.id] = checklist
    if problems:
        raise ChecklistInvalid(problems)
    return found
