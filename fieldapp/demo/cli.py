"""``flask --app wsgi demo …``: demo data for a developer's machine."""

from __future__ import annotations

from pathlib import Path

import click
from flask_babel import gettext as _

from ..commands import CommandError, ensure_command, in_language
from ..extensions import db
from .accounts import DEMO_PASSWORD, ensure_demo_accounts


@click.group("demo")
def cli() -> None:
    """Demo accounts and the demo city."""


cli.add_command(
    ensure_command(
        "accounts",
        ensure_demo_accounts,
        lambda count: _("%(count)s demo accounts (password %(password)s)", count=count, password=DEMO_PASSWORD),
        "Create the demo accounts",
    )
)


@cli.command("load")
@click.option("--subjects", "subject_count", default=20000, show_default=True, help="Subjects in the demo city")
@click.option("--seed", default=2021, show_default=True)
@in_language
def load_command(subject_count: int, seed: int) -> None:
    """Everything `make run` needs: units, demo accounts, the seed plan, the demo city (idempotent)."""
    from .loader import load_demo

    for line in load_demo(subject_count=subject_count, seed=seed):
        click.echo(line)


@cli.command("generate")
@click.option("--subjects", "subject_count", default=20000, show_default=True, help="Subjects to generate")
@click.option("--seed", default=2021, show_default=True)
@click.option(
    "--csv", "csv_path", type=click.Path(dir_okay=False), help="Write the subjects to this CSV instead of the database"
)
@click.option(
    "--org",
    "org_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Organisation file (default: the configured one); its units are loaded first",
)
@in_language
def generate_command(subject_count: int, seed: int, csv_path: str | None, org_path: Path | None) -> None:
    """A deterministic demo of any organisation: subjects and the inspector roster (skipped if loaded)."""
    from ..auth.organisation import OrganisationError, load_organisation
    from .generator import load_city, write_subjects_csv
    from .org import demo_org

    try:
        org = demo_org(org_path)
        if org_path and not csv_path:
            load_organisation(org_path)
    except OrganisationError as exc:
        db.session.rollback()
        raise (CommandError.in_file(org_path.name, exc) if org_path else CommandError(str(exc))) from None
    if csv_path:
        write_subjects_csv(csv_path, subject_count, seed, org)
        click.echo(_("%(count)s subjects written to %(path)s", count=subject_count, path=csv_path))
        return
    db.session.commit()
    for line in load_city(subject_count=subject_count, seed=seed, org=org):
        click.echo(line)
