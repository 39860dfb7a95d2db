"""``flask --app wsgi publication …``: the public record from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask_babel import gettext as _
from sqlalchemy import select

from ..auth.models import Unit
from ..commands import CommandError, in_language
from ..extensions import db
from .exports import national_xlsx
from .models import PublishedResult
from .search_ddl import create_search_ddl, refresh_name_keys


@click.group("publication")
def cli() -> None:
    """Published spot-check results (抽查检查结果公示)."""


@cli.command("search-index")
@in_language
def search_index_command() -> None:
    """Create the name-search index of published results where missing and rebuild it, and write
    the names' search form where it is not their name's (safe to run again)."""
    with db.engine.begin() as connection:
        refreshed = refresh_name_keys(connection)
        create_search_ddl(connection)
    click.echo(_("The search index of published results is ready."))
    if refreshed:
        click.echo(_("Search form of %(count)s names written again", count=refreshed))


@cli.command("export")
@click.option(
    "--unit", "unit_code", default=None, help="Only this inspecting unit (its code in the organisation file)."
)
@click.option("--year", type=int, default=None, help="Only this plan year.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The .xlsx file to write.")
@in_language
def export_command(unit_code: str | None, year: int | None, out: Path) -> None:
    """Current published results in the national credit publicity system's upload layout (.xlsx)."""
    stmt = select(PublishedResult).where(PublishedResult.is_current.is_(True)).order_by(PublishedResult.id)
    if unit_code:
        unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None:
            raise CommandError(_("--unit: no unit with the code %(code)s (see the organisation file)", code=unit_code))
        stmt = stmt.where(PublishedResult.inspecting_unit_id == unit.id)
    if year:
        stmt = stmt.where(PublishedResult.plan_year == year)
    records = list(db.session.scalars(stmt))
    out.write_bytes(national_xlsx(records))
    click.echo(_("%(count)s results written to %(path)s", count=len(records), path=out))
