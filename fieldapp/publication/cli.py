"""``flask --app wsgi publication …``: the public record from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from ..auth.models import Unit
from ..extensions import db
from .exports import national_xlsx
from .models import PublishedResult
from .search_ddl import create_search_ddl


@click.group("publication")
def cli() -> None:
    """Published spot-check results (抽查检查结果公示)."""


@cli.command("search-index")
def search_index_command() -> None:
    """Create the name-search index of published results where missing and rebuild it (safe to run again)."""
    with db.engine.begin() as connection:
        create_search_ddl(connection)
    click.echo("published results search index ready")


@cli.command("export")
@click.option(
    "--unit", "unit_code", default=None, help="Only this inspecting unit (its code in the organisation file)."
)
@click.option("--year", type=int, default=None, help="Only this plan year.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The .xlsx file to write.")
def export_command(unit_code: str | None, year: int | None, out: Path) -> None:
    """Current published results in the national credit publicity system's upload layout (.xlsx)."""
    stmt = select(PublishedResult).where(PublishedResult.is_current.is_(True)).order_by(PublishedResult.id)
    if unit_code:
        unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
        if unit is None:
            raise click.BadParameter(f"no unit with code {unit_code!r}", param_hint="--unit")
        stmt = stmt.where(PublishedResult.inspecting_unit_id == unit.id)
    if year:
        stmt = stmt.where(PublishedResult.plan_year == year)
    records = list(db.session.scalars(stmt))
    out.write_bytes(national_xlsx(records))
    click.echo(f"{len(records)} results written to {out}")
