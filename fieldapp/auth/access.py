"""Who sees what ("谁管辖、谁负责"): the one access policy of fieldapp.

A user reaches their bureau's subtree (a department's staff: their bureau's), at any depth: a
provincial supervisor every city, a city supervisor that city's counties, a county supervisor that
county. ``territory.py`` reads the organisation (units, subtrees, division codes); this module
decides, from it, what a user sees. Pages, queries, exports and dashboards ask it and never filter
by county themselves (``tests/test_access.py`` scans the source):

- ``visible_divisions(user)`` / ``visible_unit_ids(user)``: the counties / units in reach
  (``None``: everything, no filter needed); ``visible_counties(user)`` for a county picker.
- ``scope(stmt, column, user)`` restricts any Select to the user's counties (a division-code
  column); ``scope_units`` to the units of the subtree; ``scope_plans`` to the plans they read;
  ``within(stmt, column, divisions)`` to a set of counties already checked (a dashboard's scope).
- ``may_see(user, target)``: a division code, a unit or a record (subject, visit, submission,
  result, draw, case, proposal, plan, task, inspector, account).
- ``may_read_work(user, visit)``: a visit's answers, photos and signatures (county units: their own
  visits only).
- ``may_work_on(user, visit)``: the phone's visit pages and API (its inspectors; administrators).
- ``may_see_job(user, job)``: a job and its files (rejects, exports, PDFs): its owner and the
  administrators of the owner's area.
- ``may_publish(user, result)`` / ``scope_publishing(stmt, …)``: 谁检查、谁公开 — the inspecting unit's
  supervisors publish and correct its results; administrators those of their area.
- ``may_see_draw_classes(user, draw)``: a draw's classed pool file (credit classes are not public).
- ``may_revoke_device(user, device)``: a phone's device login (its owner; administrators of the area).
- ``may_manage_account(user, account)`` / ``may_reset_password`` / ``may_deactivate`` /
  ``may_create_account_in(user, unit)``: the accounts page (administrators of the area; not on
  themselves); ``account_units(user)``: the units a new account may belong to.
- ``may_answer_invitation(user, invitation)``: a joint-check invitation (the invited department, or a
  bureau over it or an administrator of its area on its behalf).
- ``units_beyond_reach(user, codes, before, after)``: the units of an organisation file an
  administrator may not load (their bureau's subtree only, their bureau not moved).
- ``require(target)`` / ``visible_or_404(Model, id)``: one behaviour for anything outside the
  user's area, a 404 (not a 403, never silently dropped: do not reveal what exists).
- ``chosen_division()``: the county a page is asked for, by the query parameter ``division``
  (the older ``county`` is still read, so saved links keep working); 404 outside the area.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from functools import wraps
from typing import Any

from flask import abort, request
from flask_login import current_user, login_required
from sqlalchemy import Select, select

from ..extensions import db
from . import territory
from .models import Role, Unit, UnitKind

DIVISION_PARAM = "division"
OLD_DIVISION_PARAMS = ("county",)  # read too: published links and bookmarks carry it

# How a record reaches a county or a unit: its own division code, or one step to what decides.
_BY_DIVISION = {"Subject", "Visit", "InspectionResult", "PublishedResult"}
_BY_PATH = {
    "Submission": "visit",
    "Task": "plan",
    "Draw": "unit",
    "DrawCommitment": "unit",
    "JointInvitation": "unit",
    "FollowUpCase": "assigned_unit",
    "AbnormalListingProposal": "unit",
    "Inspector": "unit",
    "User": "unit",
}


def role_required(*roles: Role | str):
    """Logged in, with one of ``roles`` (administrators pass every role check). The view keeps its
    ``roles`` (pages answered before Flask check the same ones)."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.roles = roles  # type: ignore[attr-defined]
        return wrapped

    return decorator


def roles_of(view: Any) -> tuple[Role | str, ...] | None:
    """The roles :func:`role_required` checks for ``view`` (None: it checks none)."""
    return vars(view).get("roles")


def _user(user: Any = None) -> Any:
    return current_user if user is None else user


# --- what is in reach ----------------------------------------------------------------------------


def visible_divisions(user: Any = None) -> set[str] | None:
    """The division codes of the counties in the user's reach; ``None`` when that is every county."""
    return territory.territory_of(_user(user).unit)


def visible_unit_ids(user: Any = None) -> set[int] | None:
    """The ids of the units of the user's bureau's subtree; ``None`` when that is every unit."""
    return territory.reachable_unit_ids(_user(user).unit)


def sees_everything(user: Any = None) -> bool:
    return visible_divisions(user) is None


def only_division(user: Any = None) -> str | None:
    """The user's one county when they reach exactly one (a county user), else ``None``."""
    codes = visible_divisions(user)
    return next(iter(codes)) if codes is not None and len(codes) == 1 else None


def visible_counties(user: Any = None) -> dict[str, str]:
    """Division code → short name of the counties in reach, by code (for county pickers)."""
    codes = visible_divisions(user)
    return {c: n for c, n in territory.county_names().items() if codes is None or c in codes}


def readable_plan_unit_ids(user: Any = None) -> set[int]:
    """The units whose plans a user reads: those that apply in their area. Another branch's plans
    do not exist for them."""
    return plan_issuer_ids(_user(user).unit)


def plan_issuer_ids(unit: Unit) -> set[int]:
    """The units whose plans apply in ``unit``'s area: its bureau's subtree and the bureaus above
    it (a higher plan applies below it)."""
    bureau = territory.bureau_of(unit)
    found = territory.subtree_ids(bureau.id)
    current = bureau.parent
    while current is not None:
        found.add(current.id)
        current = current.parent
    return found


# --- restricting queries -------------------------------------------------------------------------


def within(stmt: Select, column: Any, values: Collection[str] | Collection[int] | None) -> Select:
    """``stmt`` restricted to ``values`` of ``column``: counties or unit ids of a scope already
    checked against the user (a dashboard's county, a user's area); ``None``: no restriction."""
    return stmt if values is None else stmt.where(column.in_(sorted(values)))


def scope(stmt: Select, column: Any, user: Any = None) -> Select:
    """``stmt`` restricted to the counties the user (default: the current user) may see;
    ``column`` holds a division code (``Subject.division_code``, ``Visit.division_code`` …)."""
    return within(stmt, column, visible_divisions(user))


def scope_units(stmt: Select, column: Any, user: Any = None) -> Select:
    """``stmt`` restricted to records of the units in the user's subtree (``column``: a unit id)."""
    ids = visible_unit_ids(user)
    return stmt if ids is None else stmt.where(column.in_(sorted(ids)))


def scope_plans(stmt: Select, column: Any, user: Any = None) -> Select:
    """``stmt`` restricted to the plans the user reads (``column``: the issuing unit's id)."""
    return stmt.where(column.in_(sorted(readable_plan_unit_ids(user))))


# --- single checks -------------------------------------------------------------------------------


def may_see_division(user: Any, code: str | None) -> bool:
    """A user who reaches every county sees records without one too; others only their counties'."""
    codes = visible_divisions(user)
    return codes is None or (code is not None and code in codes)


def may_see_unit(user: Any, unit: Unit | None) -> bool:
    return unit_reaches(_user(user).unit, unit)


def unit_reaches(own: Unit, unit: Unit | None) -> bool:
    """Whether someone of ``own`` reaches ``unit``: a unit of their bureau's subtree (a job run for
    an uploader knows their unit, not the account)."""
    return unit is not None and unit.id in territory.subtree_ids(territory.bureau_of(own).id)


def may_see(user: Any, target: Any) -> bool:
    """Whether ``user`` (``None``: the current user) may see ``target``: a division code, a unit,
    or a record. A record with a county (subject, visit, result) is seen in that county; a plan by
    the bureaus under and above its issuer; what belongs to a unit (draw, case, proposal,
    inspector, account) through that unit; a submission through its visit, a task its plan."""
    user = _user(user)
    if target is None:
        return False
    if isinstance(target, str):
        return may_see_division(user, target)
    if isinstance(target, Unit):
        return may_see_unit(user, target)
    kind = type(target).__name__
    if kind == "Plan":
        return target.unit_id in readable_plan_unit_ids(user)
    if kind in _BY_DIVISION:
        return may_see_division(user, target.division_code)
    if kind in _BY_PATH:
        return may_see(user, getattr(target, _BY_PATH[kind]))
    raise TypeError(f"no access rule for {kind}")


def may_read_work(user: Any, visit: Any) -> bool:
    """Whether ``user`` reads a visit's work (its answers, photos, signatures, record PDF): a visit in
    their area, and for a county-level unit only the visits it executed (the city reads its
    counties' work; a county does not read the work a city department did in it)."""
    user = _user(user)
    if visit is None or not may_see(user, visit):
        return False
    return not user.unit.is_county_level or visit.executing_unit_id == user.unit_id


def may_work_on(user: Any, visit: Any) -> bool:
    """Whether ``user`` opens, starts and submits ``visit`` on the phone: one of its inspectors (not
    every inspector of the unit), or an administrator who reads its work."""
    user = _user(user)
    if visit is None:
        return False
    if any(vi.inspector.user_id == user.id for vi in visit.inspectors):
        return True
    return user.role == Role.ADMIN and may_read_work(user, visit)


def units_beyond_reach(
    user: Any, codes: Collection[str], before: Mapping[str, str | None], after: Mapping[str, str | None]
) -> list[str]:
    """The units among ``codes`` (an organisation file's) that ``user``, an administrator, may not
    load: one of another bureau now, one that would not be in their bureau's subtree afterwards, and
    their own bureau when the file would move it (``before`` / ``after``: unit code → parent code,
    now and as the file would leave them). Empty: they may load it."""
    own = territory.bureau_of(_user(user).unit).code

    def under_own(code: str | None, parents: Mapping[str, str | None]) -> bool:
        seen: set[str] = set()
        while code is not None and code not in seen:
            if code == own:
                return True
            seen.add(code)
            code = parents.get(code)
        return False

    return [
        code
        for code in codes
        if (code in before and not under_own(code, before))
        or not under_own(code, after)
        or (code == own and before.get(code) != after.get(code))
    ]


def may_see_job(user: Any, job: Any) -> bool:
    """A job (an import, an export, a PDF) and its files: its owner's, or an administrator's of the
    owner's area (a job without an owner: any administrator's)."""
    user = _user(user)
    if job.owner_id is not None and job.owner_id == user.id:
        return True
    return user.has_role(Role.ADMIN) and (job.owner is None or may_see(user, job.owner))


def may_publish(user: Any, result: Any) -> bool:
    """谁检查、谁录入、谁公开: a supervisor of the inspecting unit publishes (and corrects) a result; an
    administrator any result in their area."""
    user = _user(user)
    if user.role == Role.ADMIN:
        return may_see(user, result)
    return user.role == Role.SUPERVISOR and result.inspecting_unit_id == user.unit_id


def scope_publishing(stmt: Select, unit_column: Any, division_column: Any, user: Any = None) -> Select:
    """``stmt`` restricted to what ``user`` publishes (:func:`may_publish`): their unit's results (an
    administrator: their area's), by the inspecting unit's and the county's columns."""
    user = _user(user)
    if user.role == Role.ADMIN:
        return scope(stmt, division_column, user)
    return stmt.where(unit_column == user.unit_id)


def may_see_draw_classes(user: Any, draw: Any) -> bool:
    """A draw's classed pool (credit-risk grades, not public): signed-in supervisors, administrators
    and the read-only auditors whose area the draw is in."""
    user = _user(user)
    return user.is_authenticated and user.has_role(Role.SUPERVISOR, Role.AUDITOR) and may_see(user, draw)


def may_revoke_device(user: Any, device: Any) -> bool:
    """A phone's device login is logged out by its owner, or by an administrator who sees the owner."""
    user = _user(user)
    if device is None:
        return False
    return device.user_id == user.id or (user.role == Role.ADMIN and may_see(user, device.user))


def may_manage_account(user: Any, account: Any) -> bool:
    """The accounts pages: an administrator sees and changes the accounts of the units in reach."""
    user = _user(user)
    return account is not None and user.role == Role.ADMIN and may_see(user, account)


def may_reset_password(user: Any, account: Any) -> bool:
    """An administrator resets another account's password (their own they change with the current one)."""
    return may_manage_account(user, account) and account.id != _user(user).id


def may_deactivate(user: Any, account: Any) -> bool:
    """An administrator deactivates or reactivates another account of the area, never their own."""
    return may_manage_account(user, account) and account.id != _user(user).id


def may_create_account_in(user: Any, unit: Unit | None) -> bool:
    """An administrator creates accounts in their bureau's subtree (never above it), in open units."""
    user = _user(user)
    return user.role == Role.ADMIN and unit is not None and unit.closed_on is None and may_see_unit(user, unit)


def account_units(user: Any = None) -> list[Unit]:
    """The units a new account of ``user``'s may belong to (:func:`may_create_account_in`), by code."""
    user = _user(user)
    if user.role != Role.ADMIN:
        return []
    stmt = scope_units(select(Unit).where(Unit.closed_on.is_(None)), Unit.id, user)
    return list(db.session.scalars(stmt.order_by(Unit.code)))


def may_answer_invitation(user: Any, invitation: Any) -> bool:
    """The invited department answers a joint-check invitation; a bureau over it (not a department)
    or an administrator of its area answers on its behalf."""
    user = _user(user)
    if user.unit_id == invitation.unit_id:
        return True
    on_behalf = user.unit.kind != UnitKind.DEPARTMENT or user.role == Role.ADMIN
    return on_behalf and may_see(user, invitation)


def require(target: Any) -> None:
    """404 (not 403: do not reveal what exists) unless the current user may see ``target``."""
    if not may_see(current_user, target):
        abort(404)


def require_division(division_code: str | None) -> None:
    if not may_see_division(current_user, division_code):
        abort(404)


def require_unit(unit: Unit | None) -> None:
    if not may_see_unit(current_user, unit):
        abort(404)


def visible_or_404(model: type, ident: Any) -> Any:
    """The record ``model`` ``ident`` when the current user may see it; 404 when missing or outside."""
    record: Any = db.get_or_404(model, ident)
    require(record)
    return record


# --- the county parameter ------------------------------------------------------------------------


def division_param(args: Mapping[str, str] | None = None) -> str | None:
    """The raw county asked for by ``division`` (or the older ``county``), stripped; ``None`` if blank."""
    args = request.args if args is None else args
    for name in (DIVISION_PARAM, *OLD_DIVISION_PARAMS):
        value = (args.get(name) or "").strip()
        if value:
            return value
    return None


def chosen_division(args: Mapping[str, str] | None = None, *, default_own: bool = False) -> str | None:
    """The county a page is asked for; 404 when it is no county of the organisation or outside the
    user's area. Without one: ``None``, or with ``default_own`` the user's county if they have one."""
    value = division_param(args)
    if value is None:
        return only_division() if default_own else None
    if value not in territory.county_names() or not may_see_division(current_user, value):
        abort(404)
    return value
