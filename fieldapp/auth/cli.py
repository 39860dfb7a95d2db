"""``flask --app wsgi users …``: units and accounts."""

from __future__ import annotations

from pathlib import Path

import click
from flask_babel import gettext as _
from sqlalchemy import select

from ..commands import CommandError, ensure_command, in_language
from ..errors import InvalidInput
from ..extensions import db
from .accounts import check_password, check_username
from .models import Role, Unit, User
from .organisation import OrganisationError, ensure_units, load_organisation


@click.group("users")
def cli() -> None:
    """Organisation units and user accounts."""


cli.add_command(
    ensure_command(
        "units",
        ensure_units,
        lambda count: _("%(count)s units", count=count),
        "Create the configured organisation's units where missing",
    )
)


@click.group("units")
def units_cli() -> None:
    """The organisation: units at any depth, from an organisation file."""


@units_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@in_language
def units_import_command(file: Path) -> None:
    """Load or update the units of FILE (nothing referenced is ever deleted)."""
    try:
        report = load_organisation(file)
    except OrganisationError as exc:
        db.session.rollback()
        raise CommandError.in_file(file.name, exc) from None
    db.session.commit()
    click.echo(
        _("%(created)s units created, %(updated)s updated", created=len(report.created), updated=len(report.updated))
    )
    if report.not_in_file:
        click.echo(_("Kept, not in the file: %(units)s", units="、".join(report.not_in_file)))


@cli.command("create")
@click.argument("username")
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--unit", "unit_code", required=True, help="Unit code from the organisation file")
@click.password_option()
@in_language
def create_command(username: str, name: str, role: str, unit_code: str, password: str) -> None:
    """Create or update an account."""
    ensure_units()
    unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
    if unit is None:
        raise CommandError(_("--unit: no unit with the code %(code)s (see the organisation file)", code=unit_code))
    user = db.session.scalar(select(User).where(User.username == username))
    try:
        if user is None:  # the rule for a new username; an existing account keeps its own
            user = User(username=check_username(username))
        user.set_password(check_password(password, user.username))
    except InvalidInput as exc:
        raise CommandError(str(exc)) from None
    user.name, user.role, user.unit = name, role, unit
    db.session.add(user)
    db.session.commit()
    click.echo(_("Account %(username)s saved", username=username))


COMMANDS = (cli, units_cli)
