"""Reading a posted checklist form back into an answer set.

Field names: ``{prefix}{key}`` where key is the answer's path joined with '-'
(``pledge``, ``dispenser-0-serial``, ``dispenser-0-nozzle-1-error_pct``). Per repeat,
each block posts ``{prefix}{block key}-_block`` (e.g. ``dispenser-0-_block``); the buttons
``{prefix}_add`` (value: a repeat key) and ``{prefix}_remove`` (value: a block key, e.g.
``dispenser-1``) add and remove blocks without JavaScript. Location items post ``{name}-lat``,
``{name}-lng``, ``{name}-accuracy``; photo items post one ``{name}`` per media reference.
"""

from __future__ import annotations

import copy
import re

from .definition import Checklist
from .items import Item
from .items_more import RepeatItem

BLOCK_KEY_RE = re.compile(r"^([a-z][a-z0-9_]*)(?:-(\d+)-([a-z][a-z0-9_]*))*$")


def field_name(prefix: str, key: str) -> str:
    return f"{prefix}{key}"


def _block_indices(item: RepeatItem, formdata, name: str) -> list[int]:
    """Indices of the blocks present in the form (each block posts ``{name}-{i}-_block``), in
    order; gaps left by blocks removed in the browser close up."""
    pattern = re.compile(re.escape(name) + r"-(\d+)-")
    found = set()
    for key in formdata.keys():
        match = pattern.match(key)
        if match and len(match.group(1)) <= 4:
            found.add(int(match.group(1)))
    return sorted(found)[: item.max]


def _parse_items(items: list[Item], formdata, prefix: str, key_prefix: str) -> dict:
    block: dict = {}
    for item in items:
        name = f"{prefix}{key_prefix}{item.id}"
        if isinstance(item, RepeatItem):
            blocks = [
                _parse_items(item.children(), formdata, prefix, f"{key_prefix}{item.id}-{index}-")
                for index in _block_indices(item, formdata, name)
            ]
            if blocks:
                block[item.id] = blocks
            continue
        value = item.form_value(formdata, name)
        if isinstance(value, str):
            value = value.strip()
        if value not in (None, "", []):
            block[item.id] = value
    return block


def parse_form(checklist: Checklist, formdata, prefix: str = "") -> dict:
    """The answers posted for ``checklist`` (a MultiDict such as ``request.form``). Values are kept
    as typed, even when wrong, so the form can show them again; ``evaluate`` judges them."""
    return _parse_items([i for s in checklist.sections for i in s.items], formdata, prefix, "")


def _locate(answers: dict, key: str):
    """The list of blocks for a repeat key like ``dispenser-0-nozzle`` (created when missing)."""
    parts = key.split("-")
    current = answers
    for i in range(0, len(parts) - 1, 2):
        rows = current.setdefault(parts[i], [])
        index = int(parts[i + 1])
        while len(rows) <= index:
            rows.append({})
        current = rows[index]
    return current.setdefault(parts[-1], [])


def apply_form_action(checklist: Checklist, answers: dict, formdata, prefix: str = "") -> str | None:
    """Apply an "add another" or "remove" button press to ``answers``; returns the key of the block
    added or removed (to focus it), or None when the form was not submitted by such a button."""
    for action in ("add", "remove"):
        key = formdata.get(f"{prefix}_{action}")
        if not key or not BLOCK_KEY_RE.match(key.rsplit("-", 1)[0] if action == "remove" else key):
            continue
        if action == "add":
            repeat = checklist.item(key.split("-")[-1])
            if not isinstance(repeat, RepeatItem):
                return None
            blocks = _locate(answers, key)
            if len(blocks) < repeat.max:
                blocks.append(_new_block(repeat))
            return f"{key}-{len(blocks) - 1}"
        repeat_key, _, index = key.rpartition("-")
        repeat = checklist.item(repeat_key.split("-")[-1])
        if not isinstance(repeat, RepeatItem) or not index.isdigit():
            return None
        blocks = _locate(answers, repeat_key)
        if int(index) < len(blocks):
            del blocks[int(index)]
        return repeat_key
    return None


def _new_block(repeat: RepeatItem) -> dict:
    """An empty block whose nested repeats hold the blocks they require."""
    block: dict = {}
    for child in repeat.children():
        if isinstance(child, RepeatItem):
            block[child.id] = [_new_block(child) for _ in range(max(child.min, 1))]
    return block


def initial_answers(checklist: Checklist, answers: dict | None = None) -> dict:
    """Answers with every visible repeat holding at least ``max(min, 1)`` blocks, for a new form."""
    answers = copy.deepcopy(answers or {})

    def fill(items: list[Item], block: dict) -> None:
        for item in items:
            if isinstance(item, RepeatItem):
                rows = block.setdefault(item.id, [])
                while len(rows) < max(item.min, 1):
                    rows.append({})
                for row in rows:
                    fill(item.children(), row)

    fill([i for s in checklist.sections for i in s.items], answers)
    return answers
