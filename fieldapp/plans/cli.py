"""``flask --app wsgi plan …``: import a plan table, publish a plan."""

from __future__ import annotations

from functools import wraps
from pathlib import Path

import click
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..auth.models import Unit
from ..auth.organisation import ensure_units
from ..extensions import db
from .importer import ReasonRequired, import_plan
from .models import Plan
from .operations import PlanError, publish_plan
from .problems import PlanFileError, describe


@click.group("plan")
def cli() -> None:
    """The annual spot-check plan."""


def _unit(code: str | None) -> Unit | None:
    if not code:
        return None
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None:
        raise click.BadParameter(f"unknown unit {code!r} (see the organisation file)", param_hint="--unit")
    return unit


def in_language(command):
    """Messages in the language asked for (--lang), outside of any web request."""

    @click.option(
        "--lang",
        type=click.Choice(["zh_CN", "en"]),
        default="zh_CN",
        show_default=True,
        help="Language of the summary and warnings",
    )
    @wraps(command)
    def wrapped(*args, lang: str, **kwargs):
        with current_app.test_request_context(), force_locale(lang):
            return command(*args, **kwargs)

    return wrapped


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--year", type=int, help="The plan's year (read from the file when it says)")
@click.option(
    "--unit", "unit_code", help="Issuing unit code from the organisation file (read from the file when it says)"
)
@click.option("--reason", default="", help="Why a published plan changes (needed when it does)")
@click.option("--publish", is_flag=True, help="Publish the plan after importing it, if it is a draft")
@click.option("--dry-run", is_flag=True, help="Read and check the file, print the summary, save nothing")
@in_language
def import_command(
    file: Path, year: int | None, unit_code: str | None, reason: str, publish: bool, dry_run: bool
) -> None:
    """Import (or re-import) a plan table: the seed's .txt, CSV or .xlsx."""
    ensure_units()
    unit = _unit(unit_code)
    try:
        report = import_plan(file.read_bytes(), file.name, year=year, unit=unit, reason=reason)
    except PlanFileError as exc:
        db.session.rollback()
        raise click.ClickException(f"{file.name}: {exc}") from None
    except ReasonRequired as exc:
        db.session.rollback()
        if dry_run:
            click.echo(
                _("The plan is published; this file would change it in %(count)s places:", count=len(exc.changes))
            )
            for change in exc.changes:
                click.echo(f"  {change['task']} {change['field']}: {change['old']!r} → {change['new']!r}")
            return
        raise click.ClickException(
            _(
                "The plan is published and this file changes it in %(count)s places: give --reason.",
                count=len(exc.changes),
            )
        ) from None
    plan = report.plan
    if publish and not plan.is_published and not dry_run:
        try:
            publish_plan(plan)
        except PlanError as exc:
            db.session.rollback()
            raise click.ClickException(str(exc.message)) from None
    header = f"{plan.year} {plan.unit.name} {plan.doc_number}".strip()
    status = _("Status: published (version %(version)s)", version=plan.version) if plan.is_published else ""
    if dry_run:
        db.session.rollback()
        header += " — " + _("dry run: nothing was saved")
    else:
        db.session.commit()
    click.echo(header)
    click.echo(
        _(
            "%(tasks)s tasks (%(created)s new, %(updated)s changed, %(unchanged)s unchanged), %(items)s inspection items",
            tasks=report.tasks,
            created=report.tasks_created,
            updated=report.tasks_updated,
            unchanged=report.tasks_unchanged,
            items=report.items,
        )
    )
    if report.version:
        click.echo(_("Published plan adjusted: version %(version)s", version=report.version))
    if publish and status:
        click.echo(status)
    click.echo(_("%(count)s warnings", count=len(report.problems)))
    for problem in report.problems:
        click.echo("  " + describe(problem))


@cli.command("list")
def list_command() -> None:
    """The plans in the database."""
    for plan in db.session.scalars(select(Plan).order_by(Plan.year, Plan.unit_id)):
        click.echo(f"{plan.id}\t{plan.year}\t{plan.unit.name}\t{plan.status}\tv{plan.version}\t{len(plan.tasks)}")
