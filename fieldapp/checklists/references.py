"""Checks across a checklist's items: unique ids, what conditions and limits refer to (visible from
where they are used), what section conditions refer to, and no loops of relevance."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .items_measured import NumberItem
from .items_more import RepeatItem
from .text import Problems

MAX_ITEMS = 1000

if TYPE_CHECKING:
    from .definition import Checklist


def _check_section_references(checklist: Checklist, problems: Problems) -> None:
    """A section's condition may use top-level items of other sections (not its own: hidden with the
    section, they could never show it again)."""
    for section in checklist.sections:
        if section.relevant is None:
            continue
        where = f"section {section.id!r}"
        own = {item.id for item in section.items}
        for ref in sorted(section.relevant.refs):
            target = checklist.by_id.get(ref)
            if target is None:
                problems.add(where, f"relevant refers to ${{{ref}}}, which is not an item of this checklist")
            elif target.parents:
                problems.add(
                    where,
                    f"relevant refers to ${{{ref}}}, which is inside repeat {target.parents[0]!r}: "
                    f"not visible from here (use count(${{{target.parents[0]}}}))",
                )
            elif ref in own:
                problems.add(where, f"relevant refers to ${{{ref}}}, an item of this section (hidden with it)")
            elif ref in section.relevant.counted and not (
                isinstance(target, RepeatItem) or target.type == "photo" or getattr(target, "multiple", False)
            ):
                problems.add(where, f"count(${{{ref}}}) needs a repeat, a photo or a multiple choice item")


def check_references(checklist: Checklist, problems: Problems, result_codes: set[str] | None) -> None:
    """Index the items by id and check every reference between them (conditions, limits, sections)."""
    count = 0
    for item in checklist.walk():
        count += 1
        if not isinstance(item.id, str):
            continue
        if item.id in checklist.by_id:
            problems.add(item.where, "this item id is used twice (ids are unique in a checklist, repeats included)")
        checklist.by_id[item.id] = item
        if result_codes is not None and item.finding is not None and item.finding.result is not None:
            if item.finding.result not in result_codes:
                problems.add(
                    item.where, f"finding result {item.finding.result!r} is not a code in data/result_categories.yaml"
                )
    if count > MAX_ITEMS:
        problems.add("checklist", f"more than {MAX_ITEMS} items")

    for item in checklist.walk():
        for name in ("relevant", "constraint"):
            condition = getattr(item, name)
            if condition is None:
                continue
            for ref in sorted(condition.refs):
                target = checklist.by_id.get(ref)
                if target is None:
                    problems.add(item.where, f"{name} refers to ${{{ref}}}, which is not an item of this checklist")
                    continue
                if ref == item.id and name == "relevant":
                    problems.add(item.where, "relevant refers to the item itself")
                    continue
                # Visible: the target's enclosing repeats enclose the referring item too.
                if item.parents[: len(target.parents)] != target.parents:
                    problems.add(
                        item.where,
                        f"{name} refers to ${{{ref}}}, which is inside repeat {target.parents[-1]!r}: "
                        f"not visible from here (use count(${{{target.parents[0]}}}) from outside)",
                    )
                if ref in condition.counted and not (
                    isinstance(target, RepeatItem) or target.type == "photo" or getattr(target, "multiple", False)
                ):
                    problems.add(item.where, f"count(${{{ref}}}) needs a repeat, a photo or a multiple choice item")
    _check_limit_references(checklist, problems)
    _check_section_references(checklist, problems)
    _check_relevance_cycles(checklist, problems)


def _check_limit_references(checklist: Checklist, problems: Problems) -> None:
    """A limit's ``${id}`` names another number item visible from the item (as conditions see it)."""
    for item in checklist.walk():
        if not isinstance(item, NumberItem):
            continue
        for key, ref in sorted(item.limit_refs.items()):
            target = checklist.by_id.get(ref)
            if target is None or target is item or target.type != "number":
                problems.add(
                    item.where, f"limit.{key} refers to ${{{ref}}}, which is not another number item of this checklist"
                )
            elif item.parents[: len(target.parents)] != target.parents:
                problems.add(
                    item.where, f"limit.{key} refers to ${{{ref}}}, which is inside a repeat not enclosing this item"
                )
            else:
                item.limit_labels[key] = target.label


def _check_relevance_cycles(checklist: Checklist, problems: Problems) -> None:
    """An item's relevance may not depend, directly or not, on itself."""
    graph: dict[str, set[str]] = {}
    section_deps = {
        item.id: set(section.relevant.refs) - {i.id for i in section.items}  # own: refused above
        for section in checklist.sections
        if section.relevant is not None
        for item in section.items
    }
    for item in checklist.walk():
        deps = set(item.relevant.refs) if item.relevant is not None else set()
        deps |= set(item.parents[-1:])  # a block's items are hidden with their repeat
        deps |= section_deps.get(item.id, set()) if not item.parents else set()  # … and with their section
        graph[item.id] = {d for d in deps if d in checklist.by_id}
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                cycle = trail[trail.index(dep) :] + [dep] if dep in trail else [node, dep]
                problems.add(checklist.by_id[node].where, f"relevant conditions form a loop: {' → '.join(cycle)}")
            elif state.get(dep) is None:
                visit(dep, trail + [dep])
        state[node] = 2

    for node in graph:
        if state.get(node) is None:
            visit(node, [node])
