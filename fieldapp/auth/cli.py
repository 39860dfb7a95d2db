"""``flask --app wsgi users …``: units and accounts."""

from __future__ import annotations

import click
from sqlalchemy import select

from ..extensions import db
from .models import Role, Unit, User
from .units import ensure_units


@click.group("users")
def cli() -> None:
    """Organisation units and user accounts."""


@cli.command("units")
def units_command() -> None:
    """Create the city's organisation units (safe to run again)."""
    units = ensure_units()
    db.session.commit()
    click.echo(f"{len(units)} units")


@cli.command("create")
@click.argument("username")
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--unit", "unit_code", required=True, help="Unit code, e.g. city or 140602")
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
