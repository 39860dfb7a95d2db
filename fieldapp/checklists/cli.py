"""``flask --app wsgi checklists …``: the group, and ``resolve`` (which checklists a text resolves to).

``checklists check`` (validate every file, then map every plan's inspection items) is added to this
group by ``plans/cli.py``: mapping a plan's items is the plan's business, and checklists sit below plans."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _

from ..commands import in_language
from .catalog import registry


@click.group("checklists", help="Checklists (检查表): validate files, resolve inspection items.")
def cli() -> None:
    pass


@cli.command("resolve")
@click.argument("text")
@with_appcontext
@in_language
def resolve(text: str) -> None:
    """Show which checklists an inspection item text resolves to."""
    found = registry().resolve_item(text)
    for checklist in found:
        tags = "、".join(checklist.tags) or "*"
        click.echo(f"{checklist.id}\t[{tags}]\t{checklist.title.zh}")
    if not found:
        click.echo(_("No checklist serves this inspection item."), err=True)
        sys.exit(1)
