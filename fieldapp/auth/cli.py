"""``flask --app wsgi users …``: units and accounts."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select

from ..commands import ensure_command
from ..extensions import db
from .models import Role, Unit, User
from .organisation import OrganisationError, ensure_units, load_organisation


@click.group("users")
def cli() -> None:
    """Organisation units and user accounts."""


cli.add_command(
    ensure_command("units", ensure_units, "{count} units", "Create the configured organisation's units where missing")
)


@click.group("units")
def units_cli() -> None:
    """The organisation: units at any depth, from an organisation file."""


@units_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def units_import_command(file: Path) -> None:
    """Load or update the units of FILE (nothing referenced is ever deleted)."""
    try:
        with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "zh_CN")):
            report = load_organisation(file)
    except OrganisationError as exc:
        db.session.rollback()
        raise click.ClickException(f"{file.name}: {exc}") from None
    db.session.commit()
    click.echo(f"{len(report.created)} units created, {len(report.updated)} updated")
    if report.not_in_file:
        click.echo("kept, not in the file: " + ", ".join(report.not_in_file))


@cli.command("create")
@click.argument("username")
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--unit", "unit_code", required=True, help="Unit code from the organisation file")
@click.password_option()
def create_command(username: str, name: str, role: str, unit_code: str, password: str) -> None:
    """Create or update an account."""
    ensure_units()
    unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
    if unit is None:
        raise click.BadParameter(f"unknown unit {unit_code!r}", param_hint="--unit")
    user = db.session.scalar(select(User).where(User.username == username)) or User(username=username)
    user.name, user.role, user.unit = name, role, unit
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"saved {username}")


COMMANDS = (cli, units_cli)
