"""The tag vocabulary (data/tags.yaml) in the Tag table, and the specialties vocabulary (data/specialties.yaml)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy import select

from ..extensions import db
from .models import Tag

DATA = Path(__file__).resolve().parent.parent.parent / "data"
TAGS_FILE = DATA / "tags.yaml"
SPECIALTIES_FILE = DATA / "specialties.yaml"


@lru_cache(maxsize=1)
def tag_vocabulary() -> tuple[dict, ...]:
    """The tags of ``data/tags.yaml`` in file order: ``{name, en, group, scope_words, holding, item_words}``."""
    with TAGS_FILE.open(encoding="utf-8") as fh:
        entries = yaml.safe_load(fh) or []
    return tuple(
        {
            "name": str(e["name"]),
            "en": str(e.get("en", "")),
            "group": str(e.get("group", "")),
            "scope_words": [str(w) for w in e.get("scope_words") or []],
            "holding": bool(e.get("holding")),
            "item_words": [str(w) for w in e.get("item_words") or []],
        }
        for e in entries
    )


@lru_cache
def specialty_vocabulary() -> tuple[dict, ...]:
    """Entries of data/specialties.yaml: ``{name, en, units, departments, aliases}``."""
    with SPECIALTIES_FILE.open(encoding="utf-8") as fh:
        return tuple(yaml.safe_load(fh) or [])


def specialty_names() -> list[str]:
    return [entry["name"] for entry in specialty_vocabulary()]


@lru_cache(maxsize=1)
def _specialty_spellings() -> dict[str, str]:
    spellings: dict[str, str] = {}
    for entry in specialty_vocabulary():
        for spelling in (entry["name"], *entry.get("aliases", ())):
            spellings.setdefault(str(spelling), entry["name"])
    return spellings


def specialty_named(text: str) -> str | None:
    """The enforcement field (执法领域) ``text`` names — its name or one of the ways rosters write it
    (特种设备安全, 食品经营 …), with a trailing 领域 or 监管 dropped; None when it names none."""
    text = (text or "").strip()
    spellings = _specialty_spellings()
    for candidate in (text, text.removesuffix("领域"), text.removesuffix("监管")):
        if candidate in spellings:
            return spellings[candidate]
    return None


def ensure_tags() -> dict[str, Tag]:
    """Create or update the Tag rows from data/tags.yaml (safe to run again). Returns tags by name.

    Tags no longer in the file are kept: subjects may still carry them."""
    existing = {t.name: t for t in db.session.scalars(select(Tag))}
    for entry in tag_vocabulary():
        tag = existing.get(entry["name"])
        if tag is None:
            tag = Tag(name=entry["name"])
            db.session.add(tag)
            existing[tag.name] = tag
        tag.name_en = entry.get("en", "")
        tag.group = entry.get("group", "")
    db.session.flush()
    return existing
