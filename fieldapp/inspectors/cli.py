"""``flask --app wsgi inspectors …``: the inspector roster from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask_babel import gettext as _

from ..auth.unit_names import unit_by_code
from ..commands import CommandError, in_language
from ..extensions import db
from ..subjects.tables import TableError
from .importer import import_roster_file


@click.group("inspectors")
def cli() -> None:
    """The inspector roster (执法检查人员名录库)."""


@cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--rejects", "reject_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--unit",
    "unit_code",
    help="Read the units' names within this unit's organisation (its city or province), by its code; "
    "default: every unit loaded.",
)
@in_language
def import_command(path: Path, reject_path: Path | None, unit_code: str | None) -> None:
    """Import the roster from CSV, .xlsx or .xls (姓名, 执法证号, 有效期至, 单位, 执法领域, 状态, 类别 …)."""
    within = unit_by_code(unit_code)
    if unit_code and within is None:
        raise CommandError(_("--unit: no unit with the code %(code)s (see the organisation file)", code=unit_code))
    reject_path = reject_path or path.with_name(path.stem + ".rejects.csv")
    if reject_path.exists():
        reject_path.unlink()
    try:
        report = import_roster_file(path, reject_path, within=within)
    except TableError as exc:
        raise CommandError(str(exc)) from None
    db.session.commit()
    for line in report.summary():
        click.echo(line)
    for reject in report.rejects[:50]:
        click.echo(f"  {reject.where}: {reject.name} {reject.ident} — {'；'.join(reject.reasons)}")
    if report.rejected:
        click.echo(_("Rejected rows: %(path)s", path=reject_path))
