"""Command-line pieces shared by the packages' ``cli.py`` groups (beside the packages: auth, the lowest, uses
them too)."""

from __future__ import annotations

from collections.abc import Callable, Sized

import click

from .extensions import db


def ensure_command(name: str, ensure: Callable[[], Sized], said: str, what: str) -> click.Command:
    """A command that runs ``ensure`` (it creates what is missing from its source, so the command is
    safe to run again), commits, and says how many there are: ``said`` with ``{count}``."""

    def command() -> None:
        count = len(ensure())
        db.session.commit()
        click.echo(said.format(count=count))

    return click.Command(name, callback=command, help=f"{what} (safe to run again).")
