"""``flask --app wsgi subjects …``: the subject directory from the command line."""

from __future__ import annotations

import time
from pathlib import Path

import click

from ..commands import ensure_command
from ..extensions import db
from .importer import import_subject_file
from .tables import TableError, default_locale
from .vocabulary import ensure_tags


@click.group("subjects")
def cli() -> None:
    """The subject directory (检查对象名录库)."""


cli.add_command(ensure_command("tags", ensure_tags, "{count} tags", "Load the tag vocabulary from data/tags.yaml"))


@cli.command("search-index")
def search_index_command() -> None:
    """Create the name-search index (pg_trgm / FTS5) where the database lacks it (safe to run again)."""
    from .search_ddl import ensure_search_ddl

    created = ensure_search_ddl(db.session.connection())
    db.session.commit()
    click.echo("search index created" if created else "search index present")


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
def import_command(path: Path, reject_path: Path | None, batch_size: int, quiet: bool) -> None:
    """Import subjects from a CSV (UTF-8 or GB18030) or .xlsx file; upserts by USCC / registration number."""
    reject_path = reject_path or path.with_name(path.stem + ".rejects.csv")
    if reject_path.exists():
        reject_path.unlink()
    started = time.perf_counter()
    last = [started]

    def progress(report):
        now = time.perf_counter()
        if not quiet and now - last[0] > 5:
            last[0] = now
            click.echo(f"… {report.rows} rows ({report.rows / (now - started):.0f} rows/s)", err=True)

    with default_locale():
        try:
            report = import_subject_file(path, reject_path, batch_size=batch_size, progress=progress)
        except TableError as exc:
            raise click.ClickException(str(exc)) from None
        summary = report.summary()
        rejects = [f"  {r.where}: {r.ident} {r.name} — {'；'.join(r.reasons)}" for r in report.rejects[:20]]
    elapsed = time.perf_counter() - started
    for line in [*summary, *rejects]:
        click.echo(line)
    if report.rejected > 20:
        click.echo(f"  … {report.rejected - 20} more")
    if report.reject_file:
        click.echo(f"rejected rows: {report.reject_file}")
    click.echo(f"{elapsed:.1f} s, {report.rows / elapsed if elapsed else 0:.0f} rows/s")
