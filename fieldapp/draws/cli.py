"""``flask --app wsgi draw …``: scripted draws and verification."""

from __future__ import annotations

import json
import sys

import click
from flask_babel import gettext as _
from sqlalchemy import select

from ..commands import CommandError, in_language
from ..extensions import db
from ..plans.display import plan_label
from ..plans.models import Plan, Task
from .models import Draw

cli = click.Group("draw", help="Double-random draws: run one, verify one.")


def find_task(number: int, year: int | None, unit_code: str | None = None, plan_id: int | None = None) -> Task:
    """Task ``number`` of the plan the options name: ``--plan``, else the latest year's (``--year``)
    plan — among those ``--unit`` executes when given. Several organisations (or a city and its
    counties) may each have a plan with that task in one year: that is never guessed."""
    from .pools import executing_units

    stmt = select(Task).join(Plan).where(Task.number == number)
    if plan_id:
        stmt = stmt.where(Plan.id == plan_id)
    if year:
        stmt = stmt.where(Plan.year == year)
    tasks = list(db.session.scalars(stmt.order_by(Plan.year.desc(), Plan.id.desc())))
    if not tasks:
        if year:
            raise CommandError(_("There is no task %(number)s in the %(year)s plan.", number=number, year=year))
        raise CommandError(_("There is no task %(number)s.", number=number))
    if unit_code:
        tasks = [t for t in tasks if any(u.code == unit_code for u in executing_units(t))]
        if not tasks:
            raise CommandError(_("Unit %(unit)s does not execute task %(task)s.", unit=unit_code, task=number))
    latest = [t for t in tasks if t.plan.year == tasks[0].plan.year]
    if len(latest) > 1:
        plans = "、".join(f"{t.plan.id} {t.plan.unit.name if t.plan.unit else ''} {plan_label(t.plan)}" for t in latest)
        raise CommandError(
            _(
                "Task %(number)s is in more than one %(year)s plan (%(plans)s); name the plan with --plan ID "
                "(flask --app wsgi plan list).",
                number=number,
                year=latest[0].plan.year,
                plans=plans,
            )
        )
    return latest[0]


_PLAN = click.option(
    "--plan", "plan_id", type=int, help="Plan id (flask --app wsgi plan list), when several plans have the task."
)


@cli.command("run")
@click.argument("task_number", type=int)
@click.option("--round", "round_", type=int, default=1, show_default=True)
@click.option("--witness", default="", help="The witness string typed at the draw.")
@click.option("--unit", "unit_code", help="Executing unit code (from the organisation file); default: every one.")
@click.option("--year", type=int, help="Plan year (default: the latest plan with that task).")
@_PLAN
@click.option("--reason", default="", help="Written reason: required to redraw a drawn round.")
@click.option(
    "--exception-reason",
    default="",
    help="Written reason to draw despite warnings (rules unconfirmed, empty pool, over capacity, outside the window).",
)
@in_language
def run_command(task_number, round_, witness, unit_code, year, plan_id, reason, exception_reason):
    """Publish a commitment and draw TASK_NUMBER's round at once (scripted use; the draw date is
    today in Beijing, and the witness string W is marked as typed, not a lottery result)."""
    from .operations import DrawRefused, commit, run_draw
    from .pools import executing_units

    task = find_task(task_number, year, unit_code, plan_id)
    units = [u for u in executing_units(task) if not unit_code or u.code == unit_code]
    failed = False
    for unit in units:
        try:
            commitment = commit(task, round_, unit, redraw_reason=reason, exception_reason=exception_reason)
            draw, created = run_draw(commitment, witness)
        except DrawRefused as exc:
            click.echo(f"{unit.code} {unit.name}: {exc.message}", err=True)
            failed = True
            continue
        from .chain import head

        said = _(
            "%(unit)s: draw %(id)s (number %(number)s), commitment #%(sequence)s %(commitment)s, pool %(pool)s "
            "sha256 %(sha)s, selected %(selected)s",
            unit=unit.code + " " + unit.name,
            id=draw.id,
            number=draw.number,
            sequence=commitment.sequence,
            commitment=commitment.commitment_hex,
            pool=draw.pool_size,
            sha=draw.pool_ids_sha256 or draw.pool_sha256,
            selected=draw.selected_count,
        )
        click.echo(said if created else _("%(line)s (already drawn)", line=said))
        latest = head()
        assert latest is not None, "the draw has just been recorded in the chain"
        click.echo(_("Chain head %(sha)s", sha=latest.sha256))
    if failed:
        sys.exit(1)


@cli.command("verify")
@click.argument("draw_id", type=int)
@click.option("--head", "anchor", help="A chain head hash held outside the system (from /public/draws or a notice).")
@in_language
def verify_command(draw_id, anchor):
    """Recompute draw DRAW_ID from its frozen files; check the public chain; report OK or differences."""
    from .verify import verify_stored

    draw = _draw(draw_id)
    report = verify_stored(draw, anchor)
    said = _(
        "Draw %(id)s: task %(task)s round %(round)s %(unit)s, pool %(pool)s sha256 %(sha)s",
        id=draw.id,
        task=draw.task.number,
        round=draw.round,
        unit=draw.unit.name,
        pool=draw.pool_size,
        sha=draw.pool_sha256,
    )
    click.echo(said)
    topup = _("top-up")
    for position, sel in enumerate(report.selection, start=1):
        click.echo(
            f"{position:6d} {sel.ident} {sel.credit_class} {sel.key.hex()[:16]}{' ' + topup if sel.topup else ''}"
        )
    if report.ok:
        click.echo(_("OK: the draw recomputes as recorded."))
        return
    for problem in report.problems:
        click.echo(_("DIFFERENCE: %(problem)s", problem=problem))
    sys.exit(1)


@cli.command("bundle")
@click.argument("draw_id", type=int)
@click.option(
    "--pool", "pool_path", type=click.Path(dir_okay=False, writable=True), help="Also write the public pool file."
)
@click.option(
    "--inspectors",
    "inspectors_path",
    type=click.Path(dir_okay=False, writable=True),
    help="Also write the eligible-inspector file.",
)
@click.option(
    "--classed",
    "classed_path",
    type=click.Path(dir_okay=False, writable=True),
    help="Also write the classed pool file (restricted: not for publication).",
)
@in_language
def bundle_command(draw_id, pool_path, inspectors_path, classed_path):
    """Print the public JSON bundle of DRAW_ID (as /public/draws/<id>/bundle.json serves it)."""
    from .bundle import build_bundle
    from .operations import pool_bytes, public_pool_bytes

    draw = _draw(draw_id)
    click.echo(json.dumps(build_bundle(draw), ensure_ascii=False, indent=1))
    for path, data in (
        (pool_path, public_pool_bytes),
        (inspectors_path, lambda d: d.inspectors_file or b""),
        (classed_path, pool_bytes),
    ):
        if path:
            with open(path, "wb") as fh:
                fh.write(data(draw))


def _draw(draw_id: int) -> Draw:
    draw = db.session.get(Draw, draw_id)
    if draw is None:
        raise CommandError(_("There is no draw %(id)s.", id=draw_id))
    return draw


@cli.command("units")
@click.argument("task_number", type=int)
@click.option("--year", type=int)
@_PLAN
@in_language
def units_command(task_number, year, plan_id):
    """List the units that draw TASK_NUMBER."""
    from .pools import executing_units

    for unit in executing_units(find_task(task_number, year, plan_id=plan_id)):
        click.echo(f"{unit.code}\t{unit.name}")


@cli.command("settings")
@click.argument("task_number", type=int)
@click.option("--year", type=int)
@_PLAN
@click.option(
    "--specialty",
    "specialties",
    multiple=True,
    help="A specialty the task needs (repeat); overrides the one derived from the guiding department.",
)
@click.option("--derive", is_flag=True, help="Forget the override: derive specialties from the guiding department.")
@click.option("--cap", type=int, help="Workload cap: subjects per inspector per round.")
@in_language
def settings_command(task_number, year, plan_id, specialties, derive, cap):
    """Show or set TASK_NUMBER's draw settings (specialties needed, workload cap)."""
    from .models import TaskDrawSettings
    from ..subjects.vocabulary import specialty_names
    from .teams import required_specialties, settings_for, workload_cap

    task = find_task(task_number, year, plan_id=plan_id)
    known = specialty_names()
    unknown = [s for s in specialties if s not in known]
    if unknown:
        raise CommandError(
            _("Unknown specialty %(unknown)s; known: %(known)s", unknown="、".join(unknown), known="、".join(known))
        )
    if cap is not None and cap < 1:
        raise CommandError(_("The workload cap must be at least 1."))
    if specialties or derive or cap is not None:
        settings = settings_for(task) or TaskDrawSettings(task_id=task.id)
        db.session.add(settings)
        if specialties:
            settings.specialties = list(dict.fromkeys(specialties))
        if derive:
            settings.specialties = None
        if cap is not None:
            settings.workload_cap = cap
        db.session.commit()
    department = task.guiding_department or "—"
    click.echo(
        _(
            "Task %(number)s %(name)s: guiding department %(department)s",
            number=task.number,
            name=task.name,
            department=department,
        )
    )
    click.echo(_("Specialties: %(names)s", names="、".join(required_specialties(task)) or _("(any)")))
    click.echo(_("Workload cap: %(cap)s subjects per inspector per round", cap=workload_cap(task)))
