"""``flask --app wsgi checklists …``: validate the checklist files and resolve every inspection item."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from ..extensions import db
from .mapping import NONE, SUGGESTED
from .queries import resolve_all_items, version_conflicts
from .catalog import registry


@click.group("checklists", help="Checklists (检查表): validate files, resolve inspection items.")
def cli() -> None:
    pass


@cli.command("check")
@click.option("--dry-run", is_flag=True, help="Do not store the mapping in the database.")
@click.option("--plan", "year", type=int, help="Only the inspection items of the plans of this year.")
@with_appcontext
def check(dry_run: bool, year: int | None) -> None:
    """Validate every checklist file and map every 抽查事项 in the database to its checklists.

    The app has already refused to start on a broken file; this also maps each inspection item
    (confirmed by a supervisor, by its national code, by a checklist's wording, or suggested), lists
    the suggestions waiting for a supervisor and each item with no checklist at all (exit status 1
    if any: the general on-site checklist serves it meanwhile)."""
    reg = registry()
    click.echo(f"{len(reg.checklists)} checklists in {reg.folder} are valid:")
    for checklist in reg.all():
        click.echo(f"  {checklist.id} v{checklist.version} ({len(checklist.by_id)} items) {checklist.sha256[:12]}")
    problems = 0
    for checklist_id, version, stored_sha in version_conflicts(reg):
        problems += 1
        click.echo(
            f"CHANGED WITHOUT A NEW VERSION: {checklist_id} v{version}: the file differs from the "
            f"definition already used by answers ({stored_sha[:12]}); raise 'version'.",
            err=True,
        )
    resolution = resolve_all_items(reg, store=not dry_run, year=year)
    suggested = [(item, m) for item, m in resolution if m.state == SUGGESTED]
    unmapped = [(item, m) for item, m in resolution if m.state == NONE]
    click.echo(
        f"{len(resolution)} inspection items{f' in the {year} plans' if year else ''}: "
        f"{len(resolution) - len(suggested) - len(unmapped)} mapped, {len(suggested)} suggested, "
        f"{len(unmapped)} without a checklist."
    )
    for item, mapping in suggested:
        task = item.task
        ids = ", ".join(s["id"] for s in mapping.suggestions)
        click.echo(f"SUGGESTED (confirm on the plan page): task {task.number}, item {item.number}: {item.text} → {ids}")
    for item, _mapping in unmapped:
        task = item.task
        click.echo(f"NO CHECKLIST: task {task.number} ({task.name}), item {item.number}: {item.text}", err=True)
    if not dry_run:
        db.session.commit()
    if unmapped or problems:
        sys.exit(1)


@cli.command("resolve")
@click.argument("text")
@with_appcontext
def resolve(text: str) -> None:
    """Show which checklists an inspection item text resolves to."""
    found = registry().resolve_item(text)
    for checklist in found:
        tags = "、".join(checklist.tags) or "*"
        click.echo(f"{checklist.id}\t[{tags}]\t{checklist.title.zh}")
    if not found:
        click.echo("no checklist", err=True)
        sys.exit(1)
