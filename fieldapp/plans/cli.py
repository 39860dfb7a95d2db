"""``flask --app wsgi plan …``: import a plan table, publish a plan; and ``flask --app wsgi checklists check``
(every checklist file valid, every plan's inspection items mapped to their checklists)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext as _
from sqlalchemy import select

from ..auth.models import Unit
from ..auth.organisation import ensure_units
from ..auth.unit_names import unit_label
from ..checklists.catalog import registry
from ..checklists.cli import cli as checklists_cli
from ..checklists.mapping import NONE, SUGGESTED
from ..checklists.queries import version_conflicts
from ..commands import CommandError, in_language
from ..extensions import db
from .display import FIELD_LABELS, PLAN_KIND_LABELS, PLAN_STATUS_LABELS, plan_label
from .queries import resolve_all_items
from .identity import DocumentChoice, document_label
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
        raise CommandError(_("--unit: no unit with the code %(code)s (see the organisation file)", code=code))
    return unit


@cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--year", type=int, help="The plan's year (read from the file when it says)")
@click.option(
    "--unit", "unit_code", help="Issuing unit code from the organisation file (read from the file when it says)"
)
@click.option("--reason", default="", help="Why a published plan changes (needed when it does)")
@click.option("--publish", is_flag=True, help="Publish the plan after importing it, if it is a draft")
@click.option("--dry-run", is_flag=True, help="Read and check the file, print the summary, save nothing")
@click.option(
    "--new-version",
    is_flag=True,
    help="The file is a new version of the unit's only plan of the year, though its title or 文号 differs",
)
@click.option(
    "--plan",
    "plan_id",
    type=int,
    help="The file is a new version of this plan (flask --app wsgi plan list), whatever its title or 文号",
)
@click.option(
    "--new-plan",
    is_flag=True,
    help="The file is another document than the unit's plans of the year: a plan of its own, whatever its title",
)
@in_language
def import_command(
    file: Path,
    year: int | None,
    unit_code: str | None,
    reason: str,
    publish: bool,
    dry_run: bool,
    new_version: bool,
    plan_id: int | None,
    new_plan: bool,
) -> None:
    """Import (or re-import) a plan table: .docx, .xlsx, .xls, a text PDF, CSV, a saved web page (.html) or .txt.
    A unit's plans of a year are one per document (本部门, 部门联合): the file updates the one it names,
    or is a new plan."""
    ensure_units()
    unit = _unit(unit_code)
    try:
        report = import_plan(
            file.read_bytes(),
            file.name,
            year=year,
            unit=unit,
            reason=reason,
            new_version=new_version,
            plan_id=plan_id,
            new_plan=new_plan,
        )
    except PlanFileError as exc:
        db.session.rollback()
        raise CommandError.in_file(file.name, exc) from None
    except DocumentChoice as exc:
        db.session.rollback()
        raise CommandError(str(exc) + " " + _("Name the plan with --plan ID, or give --new-plan.")) from None
    except ReasonRequired as exc:
        db.session.rollback()
        if dry_run:
            click.echo(
                _("The plan is published; this file would change it in %(count)s places:", count=len(exc.changes))
            )
            for change in exc.changes:
                click.echo("  " + _change_line(change))
            return
        raise CommandError(
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
            raise CommandError(str(exc.message)) from None
    header = f"{plan.year} {unit_label(plan.unit)} {plan.doc_number}".strip()
    if report.created and report.beside:
        header += "\n" + _(
            "A new plan: this file is another document than %(plans)s.",
            plans="、".join(plan_label(p) for p in report.beside),
        )
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
            tasks=report.tasks.total,
            items=report.items,
            **report.tasks.named(),
        )
    )
    if report.version:
        click.echo(_("Published plan adjusted: version %(version)s", version=report.version))
    if publish and status:
        click.echo(status)
    click.echo(_("%(count)s warnings", count=len(report.problems)))
    for problem in report.problems:
        click.echo("  " + describe(problem))


def _change_line(change: dict) -> str:
    field = change["field"]
    return _(
        "Task %(task)s, %(field)s: %(old)s → %(new)s",
        task=change["task"],
        field=FIELD_LABELS.get(field, field),
        old=repr(change["old"]),
        new=repr(change["new"]),
    )


@cli.command("list")
@in_language
def list_command() -> None:
    """The plans in the database: id, year, unit, kind, status, version, tasks, title (文号)."""
    for plan in db.session.scalars(select(Plan).order_by(Plan.year, Plan.unit_id, Plan.id)):
        status = PLAN_STATUS_LABELS.get(plan.status, plan.status)
        kind = PLAN_KIND_LABELS.get(plan.kind, plan.kind)
        document = document_label(plan.title, plan.doc_number)
        click.echo(
            f"{plan.id}\t{plan.year}\t{unit_label(plan.unit)}\t{kind}\t{status}\tv{plan.version}\t{len(plan.tasks)}"
            f"\t{document}"
        )


@checklists_cli.command("check")
@click.option("--dry-run", is_flag=True, help="Do not store the mapping in the database.")
@click.option("--plan", "year", type=int, help="Only the inspection items of the plans of this year.")
@with_appcontext
@in_language
def check(dry_run: bool, year: int | None) -> None:
    """Validate every checklist file and map every 抽查事项 in the database to its checklists.

    The app has already refused to start on a broken file; this also maps each inspection item
    (confirmed by a supervisor, by its national code, by a checklist's wording, or suggested), lists
    the suggestions waiting for a supervisor and each item with no checklist at all (exit status 1
    if any: the general on-site checklist serves it meanwhile)."""
    reg = registry()
    problems = _check_files(reg)
    resolution = resolve_all_items(reg, store=not dry_run, year=year)
    unmapped = _report_mapping(resolution, year)
    if not dry_run:
        db.session.commit()
    if unmapped or problems:
        sys.exit(1)


def _check_files(reg) -> int:
    """Lists the valid checklist files and says which changed without a new version (how many)."""
    click.echo(_("%(count)s checklists in %(folder)s are valid:", count=len(reg.checklists), folder=reg.folder))
    for checklist in reg.all():
        click.echo(
            "  "
            + _(
                "%(id)s v%(version)s (%(items)s items) %(sha)s",
                id=checklist.id,
                version=checklist.version,
                items=len(checklist.by_id),
                sha=checklist.sha256[:12],
            )
        )
    problems = 0
    for checklist_id, version, stored_sha in version_conflicts(reg):
        problems += 1
        said = _(
            "CHANGED WITHOUT A NEW VERSION: %(id)s v%(version)s: the file differs from the definition already used "
            "by answers (%(sha)s); raise 'version'.",
            id=checklist_id,
            version=version,
            sha=stored_sha[:12],
        )
        click.echo(said, err=True)
    return problems


def _report_mapping(resolution, year: int | None) -> int:
    """Says how the inspection items map, lists the suggested and the unmapped ones; how many are unmapped."""
    suggested = [(item, m) for item, m in resolution if m.state == SUGGESTED]
    unmapped = [(item, m) for item, m in resolution if m.state == NONE]
    counts = {
        "count": len(resolution),
        "mapped": len(resolution) - len(suggested) - len(unmapped),
        "suggested": len(suggested),
        "unmapped": len(unmapped),
    }
    if year:
        said = _(
            "%(count)s inspection items in the %(year)s plans: %(mapped)s mapped, %(suggested)s suggested, "
            "%(unmapped)s without a checklist.",
            year=year,
            **counts,
        )
    else:
        said = _(
            "%(count)s inspection items: %(mapped)s mapped, %(suggested)s suggested, %(unmapped)s without a checklist.",
            **counts,
        )
    click.echo(said)
    for item, mapping in suggested:
        ids = ", ".join(s["id"] for s in mapping.suggestions)
        said = _(
            "SUGGESTED (confirm on the plan page): task %(task)s, item %(item)s: %(text)s → %(ids)s",
            task=item.task.number,
            item=item.number,
            text=item.text,
            ids=ids,
        )
        click.echo(said)
    for item, _mapping in unmapped:
        said = _(
            "NO CHECKLIST: task %(task)s (%(name)s), item %(item)s: %(text)s",
            task=item.task.number,
            name=item.task.name,
            item=item.number,
            text=item.text,
        )
        click.echo(said, err=True)
    return len(unmapped)
