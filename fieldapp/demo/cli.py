"""``flask --app wsgi demo …``: demo data for a developer's machine."""

from __future__ import annotations

import click

from ..extensions import db
from .accounts import DEMO_PASSWORD, ensure_demo_accounts


@click.group("demo")
def cli() -> None:
    """Demo accounts and the demo city."""


@cli.command("accounts")
def accounts_command() -> None:
    """Create the demo accounts (safe to run again)."""
    users = ensure_demo_accounts()
    db.session.commit()
    click.echo(f"{len(users)} demo accounts (password {DEMO_PASSWORD})")


@cli.command("load")
@click.option("--subjects", "subject_count", default=20000, show_default=True, help="Subjects in the demo city")
@click.option("--seed", default=2021, show_default=True)
def load_command(subject_count: int, seed: int) -> None:
    """Everything `make run` needs: units, demo accounts, the seed plan, the demo city (idempotent)."""
    from .loader import load_demo

    for line in load_demo(subject_count=subject_count, seed=seed):
        click.echo(line)
