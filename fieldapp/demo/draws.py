"""The demo's draws: a few tasks of the 2021 plan drawn for the counties with demo accounts, with their visits,
so that the demo inspector accounts have work on their phones. Idempotent."""

from __future__ import annotations

from flask_babel import gettext as _

from collections.abc import Generator, Iterator

from sqlalchemy import func, select

from ..auth.models import Unit, User
from ..auth.territory import unit_for_division
from ..extensions import db
from ..inspectors.models import Inspector
from ..plans.models import Plan, Task
from ..visits.models import Visit, VisitInspector
from ..draws.models import Draw
from ..draws.operations import DrawRefused, commit, current_draw, run_draw
from .org import DemoOrg, demo_county_supervisors, demo_field_inspectors, demo_org

DEMO_TASKS = (1, 21, 19)  # metrology (gas stations, markets …), the 1+X enterprise check, high risk
# The demo draws the seed's 2021 plan today, with its proposed scope rules: a written reason.
DEMO_REASON = "演示数据：按导入时提出的抽查范围规则抽取，抽取日期不在任务的抽取时间内。"
DEMO_REDRAW_REASON = "演示数据：重新抽取，使每个演示检查员账号都有待检查的任务。"
MAX_REDRAWS = 40  # each redraw is an independent chance; a small directory rarely needs more than a few


def load_demo_draws(year: int = 2021) -> Iterator[str]:
    if db.session.scalar(select(func.count()).select_from(Draw)):
        yield _("Draws: already drawn")
        return
    plan = db.session.scalar(select(Plan).where(Plan.year == year).order_by(Plan.id))
    if plan is None:
        yield _("Draws: no plan to draw")
        return
    org = demo_org()  # read once: the redraws and the visit counts ask it many times
    accounts = demo_field_inspectors(org)
    divisions = sorted(demo_county_supervisors(org))
    units = [unit for code in divisions if (unit := unit_for_division(code)) is not None]
    county_tasks = db.session.scalars(
        select(Task).where(Task.plan_id == plan.id, Task.executes_county.is_(True)).order_by(Task.number)
    ).all()
    # The demo tasks first, then further county tasks (each drawn once, never re-drawn) until
    # every demo inspector account has a visit.
    ordered = [t for n in DEMO_TASKS for t in county_tasks if t.number == n]
    ordered += [t for t in county_tasks if t.number not in DEMO_TASKS]
    made = 0
    for index, task in enumerate(ordered):
        if index >= len(DEMO_TASKS) and all(_visit_counts(accounts).values()):
            break
        for unit in units:
            try:
                draw, _created = run_draw(
                    commit(task, 1, unit, exception_reason=DEMO_REASON), witness=f"演示数据 {unit.name}"
                )
            except DrawRefused as exc:
                db.session.rollback()
                yield _(
                    "Draws: task %(task)s %(unit)s: %(message)s", task=task.number, unit=unit.name, message=exc.message
                )
                continue
            made += 1
            yield _(
                "Draws: task %(task)s %(unit)s: %(selected)s of %(pool)s subjects",
                task=task.number,
                unit=unit.name,
                selected=len(draw.selections),
                pool=draw.pool_size,
            )
    made += yield from _redraw_for_idle_accounts(ordered, units, org)
    visits = db.session.scalar(select(func.count()).select_from(Visit))
    counts = ", ".join(f"{name} {count}" for name, count in _visit_counts(accounts).items())
    yield _("Draws: %(draws)s draws, %(visits)s visits (%(counts)s)", draws=made, visits=visits, counts=counts)


def _redraw_for_idle_accounts(tasks: list[Task], units: list[Unit], org: DemoOrg) -> Generator[str, None, int]:
    """On a small directory the matching can leave a demo inspector account without a visit after every
    county task is drawn. Redraw (publicly, with a written reason) a task of that account's county until
    every account has one: the draws stay random and verifiable; nothing picks the team by hand."""
    accounts = demo_field_inspectors(org)
    division_of_account = {u: org.division_of.get(unit) for u, _name, role, unit in org.accounts if role == "inspector"}
    unit_of_division = {u.division_code: u for u in units}
    redrawn = 0
    for attempt in range(MAX_REDRAWS if tasks else 0):
        idle = [name for name, count in _visit_counts(accounts).items() if not count]
        name, unit = next(
            (
                (name, unit_of_division[division])
                for name in idle
                if (division := division_of_account.get(name)) in unit_of_division
            ),
            ("", None),
        )
        if unit is None:
            break
        certificate = db.session.scalar(
            select(Inspector.certificate_number).join(User, User.id == Inspector.user_id).where(User.username == name)
        )
        # The tasks whose team holds the idle account, most visits per team member first.
        chances = sorted(((_chance(t, unit, certificate), t.number, t) for t in tasks), key=lambda c: (-c[0], c[1]))
        likely = [t for chance, _order, t in chances if chance > 0][:3] or tasks
        task = likely[attempt % len(likely)]
        try:
            draw, _created = run_draw(
                commit(task, 1, unit, redraw_reason=DEMO_REDRAW_REASON, exception_reason=DEMO_REASON),
                witness=f"演示数据 {unit.name}",
            )
        except DrawRefused as exc:
            db.session.rollback()
            yield _("Draws: task %(task)s %(unit)s: %(message)s", task=task.number, unit=unit.name, message=exc.message)
            continue
        redrawn += 1
        yield _(
            "Draws: task %(task)s %(unit)s redrawn: %(selected)s of %(pool)s subjects",
            task=task.number,
            unit=unit.name,
            selected=len(draw.selections),
            pool=draw.pool_size,
        )
    return redrawn


def _chance(task: Task, unit: Unit, certificate: str | None) -> float:
    """Visits per eligible team member in the task's current draw, if the account is in the team."""
    draw = current_draw(task, 1, unit)
    if draw is None or certificate is None:
        return 0.0
    team = [i["certificate"] for t in draw.teams for i in t.get("inspectors", [])]
    return len(draw.selections) / len(team) if certificate in team else 0.0


def _visit_counts(accounts: list[str]) -> dict[str, int]:
    """Visits per demo inspector account, in the accounts' order (0 for an account with none)."""
    rows = db.session.execute(
        select(User.username, func.count())
        .select_from(VisitInspector)
        .join(Inspector, Inspector.id == VisitInspector.inspector_id)
        .join(User, User.id == Inspector.user_id)
        .where(User.username.in_(accounts))
        .group_by(User.username)
    ).all()
    counts = {username: int(count) for username, count in rows}
    return {username: counts.get(username, 0) for username in accounts}
