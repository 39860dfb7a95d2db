"""``flask --app wsgi subjects …``: the subject directory from the command line."""

from __future__ import annotations

import time
from pathlib import Path

import click
from flask_babel import gettext as _

from ..commands import CommandError, ensure_command, in_language
from ..extensions import db
from .importer import import_subject_file
from .tables import TableError
from .vocabulary import ensure_tags


@click.group("subjects")
def cli() -> None:
    """The subject directory (检查对象名录库)."""


cli.add_command(
    ensure_command(
        "tags",
        ensure_tags,
        lambda count: _("%(count)s tags", count=count),
        "Load the tag vocabulary from data/tags.yaml",
    )
)


@cli.command("search-index")
@in_language
def search_index_command() -> None:
    """Create the name-search index (pg_trgm / FTS5) where the database lacks it, and write the
    names' search form where it is not their name's (a rename by plain SQL; safe to run again)."""
    from .search_ddl import ensure_search_ddl, refresh_name_keys

    refreshed = refresh_name_keys(db.session.connection())
    created = ensure_search_ddl(db.session.connection())
    db.session.commit()
    click.echo(_("Search index created") if created else _("Search index present"))
    if refreshed:
        click.echo(_("Search form of %(count)s names written again", count=refreshed))


@cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--rejects",
    "reject_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the rejected rows (default: FILE.rejects.csv next to the file).",
)
@click.option("--batch-size", default=2000, show_default=True)
@click.option("--quiet", is_flag=True, help="No progress lines.")
@in_language
def import_command(path: Path, reject_path: Path | None, batch_size: int, quiet: bool) -> None:
    """Import subjects from a CSV (UTF-8 or GB18030), .xlsx or .xls file; upserts by USCC / registration number."""
    reject_path = reject_path or path.with_name(path.stem + ".rejects.csv")
    if reject_path.exists():
        reject_path.unlink()
    started = time.perf_counter()
    last = [started]

    def progress(report):
        now = time.perf_counter()
        if not quiet and now - last[0] > 5:
            last[0] = now
            rate = f"{report.rows / (now - started):.0f}"
            click.echo("… " + _("%(rows)s rows (%(rate)s rows/s)", rows=report.rows, rate=rate), err=True)

    try:
        report = import_subject_file(path, reject_path, batch_size=batch_size, progress=progress)
    except TableError as exc:
        raise CommandError(str(exc)) from None
    rejects = [f"  {r.where}: {r.ident} {r.name} — {'；'.join(r.reasons)}" for r in report.rejects[:20]]
    elapsed = time.perf_counter() - started
    for line in [*report.summary(), *rejects]:
        click.echo(line)
    if report.rejected > 20:
        click.echo("  … " + _("%(count)s more", count=report.rejected - 20))
    if report.reject_file:
        click.echo(_("Rejected rows: %(path)s", path=report.reject_file))
    seconds, rate = f"{elapsed:.1f}", f"{report.rows / elapsed if elapsed else 0:.0f}"
    click.echo(_("%(seconds)s s, %(rate)s rows/s", seconds=seconds, rate=rate))
