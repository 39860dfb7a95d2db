"""``flask --app wsgi draw …``: scripted draws and verification."""

from __future__ import annotations

import json
import sys

import click
from sqlalchemy import select

from ..extensions import db
from ..plans.models import Plan, Task
from .models import Draw

cli = click.Group("draw", help="Double-random draws: run one, verify one.")


def find_task(number: int, year: int | None) -> Task:
    stmt = select(Task).join(Plan).where(Task.number == number)
    if year:
        stmt = stmt.where(Plan.year == year)
    task = db.session.scalars(stmt.order_by(Plan.year.desc(), Plan.id.desc())).first()
    if task is None:
        raise click.ClickException(f"no task {number}" + (f" in the {year} plan" if year else ""))
    return task


@cli.command("run")
@click.argument("task_number", type=int)
@click.option("--round", "round_", type=int, default=1, show_default=True)
@click.option("--witness", default="", help="The witness string typed at the draw.")
@click.option("--unit", "unit_code", help="Executing unit code (from the organisation file); default: every one.")
@click.option("--year", type=int, help="Plan year (default: the latest plan with that task).")
@click.option("--reason", default="", help="Written reason: required to redraw a drawn round.")
@click.option(
    "--exception-reason",
    default="",
    help="Written reason to draw despite warnings (rules unconfirmed, empty pool, over capacity, outside the window).",
)
def run_command(task_number, round_, witness, unit_code, year, reason, exception_reason):
    """Publish a commitment and draw TASK_NUMBER's round at once (scripted use; the draw date is
    today in Beijing, and the witness string W is marked as typed, not a lottery result)."""
    from .operations import DrawRefused, commit, run_draw
    from .pools import executing_units

    task = find_task(task_number, year)
    units = executing_units(task)
    if unit_code:
        units = [u for u in units if u.code == unit_code]
        if not units:
            raise click.ClickException(f"unit {unit_code} does not execute task {task_number}")
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

        click.echo(
            f"{unit.code} {unit.name}: draw {draw.id} (number {draw.number}), commitment #{commitment.sequence} "
            f"{commitment.commitment_hex}, pool {draw.pool_size} sha256 {draw.pool_ids_sha256 or draw.pool_sha256}, "
            f"selected {draw.selected_count}" + ("" if created else " (already drawn)")
        )
        latest = head()
        assert latest is not None, "the draw has just been recorded in the chain"
        click.echo(f"chain head {latest.sha256}")
    if failed:
        sys.exit(1)


@cli.command("verify")
@click.argument("draw_id", type=int)
@click.option("--head", "anchor", help="A chain head hash held outside the system (from /public/draws or a notice).")
def verify_command(draw_id, anchor):
    """Recompute draw DRAW_ID from its frozen files; check the public chain; report OK or differences."""
    from .verify import verify_stored

    draw = db.session.get(Draw, draw_id)
    if draw is None:
        raise click.ClickException(f"no draw {draw_id}")
    report = verify_stored(draw, anchor)
    click.echo(
        f"draw {draw.id}: task {draw.task.number} round {draw.round} {draw.unit.name}, "
        f"pool {draw.pool_size} sha256 {draw.pool_sha256}"
    )
    for position, sel in enumerate(report.selection, start=1):
        click.echo(f"{position:6d} {sel.ident} {sel.credit_class} {sel.key.hex()[:16]}{' top-up' if sel.topup else ''}")
    if report.ok:
        click.echo("OK")
        return
    for problem in report.problems:
        click.echo(f"DIFFERENCE: {problem}")
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
def bundle_command(draw_id, pool_path, inspectors_path, classed_path):
    """Print the public JSON bundle of DRAW_ID (as /public/draws/<id>/bundle.json serves it)."""
    from .bundle import build_bundle
    from .operations import pool_bytes, public_pool_bytes

    draw = db.session.get(Draw, draw_id)
    if draw is None:
        raise click.ClickException(f"no draw {draw_id}")
    click.echo(json.dumps(build_bundle(draw), ensure_ascii=False, indent=1))
    for path, data in (
        (pool_path, public_pool_bytes),
        (inspectors_path, lambda d: d.inspectors_file or b""),
        (classed_path, pool_bytes),
    ):
        if path:
            with open(path, "wb") as fh:
                fh.write(data(draw))


@cli.command("units")
@click.argument("task_number", type=int)
@click.option("--year", type=int)
def units_command(task_number, year):
    """List the units that draw TASK_NUMBER."""
    from .pools import executing_units

    for unit in executing_units(find_task(task_number, year)):
        click.echo(f"{unit.code}\t{unit.name}")


@cli.command("settings")
@click.argument("task_number", type=int)
@click.option("--year", type=int)
@click.option(
    "--specialty",
    "specialties",
    multiple=True,
    help="A specialty the task needs (repeat); overrides the one derived from the guiding department.",
)
@click.option("--derive", is_flag=True, help="Forget the override: derive specialties from the guiding department.")
@click.option("--cap", type=int, help="Workload cap: subjects per inspector per round.")
def settings_command(task_number, year, specialties, derive, cap):
    """Show or set TASK_NUMBER's draw settings (specialties needed, workload cap)."""
    from .models import TaskDrawSettings
    from ..subjects.vocabulary import specialty_names
    from .teams import required_specialties, settings_for, workload_cap

    task = find_task(task_number, year)
    known = specialty_names()
    unknown = [s for s in specialties if s not in known]
    if unknown:
        raise click.ClickException(f"unknown specialty {', '.join(unknown)}; known: {'、'.join(known)}")
    if cap is not None and cap < 1:
        raise click.ClickException("the workload cap must be at least 1")
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
    click.echo(f"task {task.number} {task.name}: guiding department {task.guiding_department!r}")
    click.echo(f"specialties: {'、'.join(required_specialties(task)) or '(any)'}")
    click.echo(f"workload cap: {workload_cap(task)} subjects per inspector per round")
