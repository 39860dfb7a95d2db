"""The one access policy (``fieldapp/auth/access.py``): a user reaches their bureau's subtree at any
depth; anything outside it is a 404 on every kind of detail page; and no module but the policy
filters a query by county (a scan of the source)."""

from __future__ import annotations

import ast
from datetime import date
from pathlib import Path

import pytest
from factories import review as rf
from sqlalchemy import select
from factories.draws import draw_day  # noqa: F401 (autouse: the draw's clock)
from factories.organisation import TWO_CITIES, two_city_world

from fieldapp import clock
from fieldapp.auth import access
from fieldapp.auth.models import Unit, User
from fieldapp.auth.organisation import load_organisation
from fieldapp.draws.models import JointInvitation
from fieldapp.extensions import db as _db
from fieldapp.jobs.models import Job
from fieldapp.review.models import FollowUpCase, InspectionResult
from fieldapp.subjects.models import Subject

ROOT = Path(__file__).resolve().parent.parent

DATONG = {"140213", "140214", "140271"}
YANGQUAN = {"140302", "140321"}


# --- the policy: provincial, city and county users against units at any depth --------------------


def _units() -> dict[str, Unit]:
    return {u.code: u for u in _db.session.scalars(select(Unit))}


def _user(units: dict[str, Unit], code: str) -> User:
    return User(username=f"u-{code}", name=code, role="supervisor", unit=units[code], password_hash="x")


@pytest.mark.parametrize(
    "code, divisions",
    [
        ("sx", DATONG | YANGQUAN),  # the province: every city of its file, not the demo city
        ("sx-credit", DATONG | YANGQUAN),  # a provincial department reaches its bureau's area
        ("dt", DATONG),
        ("dt-metrology", DATONG),
        ("yq", YANGQUAN),
        ("dt-pc", {"140213"}),
        ("dt-zone", {"140271"}),  # a development-zone branch governs its own code
    ],
)
def test_a_user_reaches_the_counties_of_their_bureaus_subtree(app, code, divisions):
    load_organisation(TWO_CITIES)
    user = _user(_units(), code)
    assert access.visible_divisions(user) == divisions
    assert set(access.visible_counties(user)) == divisions
    for division in DATONG | YANGQUAN | {"140602"}:
        assert access.may_see(user, division) is (division in divisions), division


def test_units_are_reached_at_any_depth_but_never_upwards_or_sideways(app):
    load_organisation(TWO_CITIES)
    units = _units()
    sees = {code: {u for u in units if access.may_see(_user(units, code), units[u])} for code in ("sx", "dt", "dt-pc")}
    assert {"sx", "sx-credit", "dt", "dt-metrology", "dt-pc", "dt-zone", "yq", "yq-cq", "yq-pd"} <= sees["sx"]
    assert "city" not in sees["sx"] and "140602" not in sees["sx"]  # the demo city is another tree
    assert sees["dt"] == {"dt", "dt-metrology", "dt-pc", "dt-yg", "dt-zone"}
    assert sees["dt-pc"] == {"dt-pc"}  # not its city bureau, not a sibling county
    assert access.visible_unit_ids(_user(units, "dt")) == {units[c].id for c in sees["dt"]}


def test_scope_restricts_any_query_to_the_users_counties(app):
    load_organisation(TWO_CITIES)
    for division in ("140213", "140271", "140302", "140602"):
        rf.subject(division=division)
    units = _units()
    stmt = select(Subject.division_code)

    def seen(user) -> set[str]:
        return set(_db.session.scalars(access.scope(stmt, Subject.division_code, user)))

    assert seen(_user(units, "sx")) == {"140213", "140271", "140302"}
    assert seen(_user(units, "dt")) == {"140213", "140271"}
    assert seen(_user(units, "dt-zone")) == {"140271"}
    assert seen(_user(units, "140602")) == {"140602"}
    assert seen(_user(units, "city")) == {"140602"}  # the demo city: its own tree only


def test_one_organisation_reaches_everything_without_a_filter(app):
    city = _user(_units(), "city")  # the demo city alone: its bureau is the whole deployment
    assert access.visible_divisions(city) is None and access.visible_unit_ids(city) is None
    stmt = select(Subject.id)
    assert access.scope(stmt, Subject.division_code, city) is stmt


# --- one behaviour outside the area: 404 on every kind of detail page ------------------------------


@pytest.fixture
def pingcheng(app, auth):
    """平城区 (大同) owns a plan, a task, a draw, a subject, a visit with a submission, a result with
    a follow-up case, an inspector and an account."""
    plan, task, draw = two_city_world()
    units = _units()
    subject = rf.subject(name="平城区某某加油站", division="140213")
    team = [rf.inspector("平城甲", "dt-pc"), rf.inspector("平城乙", "dt-pc")]
    visit = rf.visit(subject, [task], unit_code="dt-pc", inspectors=team)
    submission = rf.submission(visit, rf.answers_body([task]))
    result = InspectionResult(
        visit_id=visit.id,
        task_id=task.id,
        subject_id=subject.id,
        division_code="140213",
        submission_id=submission.id,
        inspecting_unit_id=units["dt-pc"].id,
        task_kind="targeted",
        inspected_on=date(2021, 4, 1),
        result_code="1",
    )
    _db.session.add(result)
    _db.session.flush()
    case = FollowUpCase(result_id=result.id, subject_id=subject.id, assigned_unit_id=units["dt-pc"].id)
    _db.session.add(case)
    account = auth.create("pc-owner", "inspector", "dt-pc")
    job = Job(kind="subjects_import", owner_id=account.id, title="平城区名录导入", created_at=clock.now())
    invitation = JointInvitation(task_id=task.id, unit_id=units["dt-metrology"].id, items=["计量器具检定情况"])
    _db.session.add_all([job, invitation])
    _db.session.commit()
    return {
        "plan": plan.id,
        "number": task.number,
        "task": task.id,
        "draw": draw.id,
        "subject": subject.id,
        "visit": visit.id,
        "submission": submission.id,
        "case": case.id,
        "inspector": team[0].id,
        "user": account.id,
        "job": job.id,
        "invitation": invitation.id,
        "subject_name": subject.name,
    }


# Each record's page: its endpoint, the argument naming the record (a key of ``pingcheng``), the role.
DETAIL_PAGES = [
    ("visit", "inspections.visit", {"visit_id": "visit"}, "admin"),
    ("submission", "review.submission", {"submission_id": "submission"}, "supervisor"),
    ("subject", "subjects.detail", {"subject_id": "subject"}, "supervisor"),
    ("subject findings", "review.subject_findings", {"subject_id": "subject"}, "supervisor"),
    ("draw", "draws.detail", {"draw_id": "draw"}, "supervisor"),
    ("case", "review.case", {"case_id": "case"}, "supervisor"),
    ("plan", "plans.plan_detail", {"plan_id": "plan"}, "supervisor"),
    ("task", "draws.task_scope", {"plan_id": "plan", "number": "number"}, "supervisor"),
    ("task draws", "draws.invitations", {"task_id": "task"}, "supervisor"),
    ("inspector", "inspectors.detail", {"inspector_id": "inspector"}, "supervisor"),
    ("account", "auth.user_account", {"user_id": "user"}, "admin"),
    ("job", "jobs.detail", {"job_id": "job"}, "admin"),
]


@pytest.mark.parametrize("kind, endpoint, args, role", DETAIL_PAGES, ids=[p[0] for p in DETAIL_PAGES])
def test_a_record_outside_the_users_area_is_a_404(client_request, pingcheng, kind, endpoint, args, role):
    record = {name: pingcheng[key] for name, key in args.items()}
    client_request.login(f"pc-{role}", role, "dt-pc")  # 平城区 itself
    client_request.get_response(endpoint, **record)
    client_request.logout()
    for outsider in ("dt-yg", "yq", "city"):  # a sibling county, another city, another organisation
        client_request.login(f"{outsider}-{role}", role, outsider)
        client_request.get_response(endpoint, _expected_status=404, **record)
        client_request.logout()


def test_administrators_publish_and_answer_only_within_their_area(client_request, pingcheng):
    client_request.login("pc-admin", "admin", "dt-pc")
    assert pingcheng["subject_name"] in client_request.get_response("publication.index").get_data(as_text=True)
    client_request.logout()
    client_request.login("yq-admin", "admin", "yq")  # another city's administrator: not theirs to publish
    assert pingcheng["subject_name"] not in client_request.get_response("publication.index").get_data(as_text=True)
    # Nor may another city's bureau answer 大同's joint-inspection invitation; 大同's bureau may.
    answer = {"endpoint": "draws.respond", "invitation_id": pingcheng["invitation"], "answer": "accept"}
    client_request.post_response(**answer, _expected_status=404)
    client_request.logout()
    client_request.login("yq-sup", "supervisor", "yq")
    client_request.post_response(**answer, _expected_status=404)
    client_request.logout()
    client_request.login("dt-sup", "supervisor", "dt")
    client_request.post_response(**answer)
    assert _db.session.get(JointInvitation, pingcheng["invitation"]).status == "accepted"


def test_a_city_invites_and_previews_only_within_its_area(client_request, pingcheng):
    client_request.login("dt-sup", "supervisor", "dt")
    page = client_request.get_response("draws.invitations", task_id=pingcheng["task"]).get_data(as_text=True)
    assert "大同市局计量科" in page
    assert "阳泉市局质量科" not in page and "计量科</option>" not in page.replace("大同市局计量科</option>", "")
    preview = client_request.get("draws.task_scope", plan_id=pingcheng["plan"], number=pingcheng["number"])
    assert "平城区市场监督管理局" in preview.get_text()


def test_a_county_outside_the_area_is_a_404_by_either_parameter_name(client_request, app):
    load_organisation(TWO_CITIES)
    _db.session.commit()
    client_request.login("dt-sup", "supervisor", "dt")
    for page in ("subjects.index", "visits.index", "review.queue", "dashboards.index"):
        for name in ("division", "county"):
            client_request.get_response(page, **{name: "140213"})
            for other in ("140302", "999999"):  # another city's county, no county at all
                client_request.get_response(page, _expected_status=404, **{name: other})


# --- the scan: no county filter outside the policy -------------------------------------------------

POLICY = {"fieldapp/auth/access.py", "fieldapp/auth/organisation.py"}
# Filters that are not about who sees what, each with its reason.
ALLOWED = {
    ("fieldapp/draws/pools.py", 'Subject.division_code.in_(scope["counties"])'): "a task's own county list",
}
# The organisation's territory helpers: asked about a user, they are an access rule written by hand.
TERRITORY = {"territory_of", "divisions_under", "subtree_ids", "reachable_unit_ids"}
OLD_USER_API = {"division_codes", "may_access_division", "may_access_unit"}


def _called_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def county_filters(path: Path, source: str) -> list[str]:
    """Hand-written county filters in one module: ``X.division_code.in_(…)``, the old per-user
    methods, and territory helpers asked about a user (``territory_of(user.unit)`` …)."""
    rel = path.relative_to(ROOT).as_posix()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        text = ast.get_source_segment(source, node) or ""
        name = _called_name(node)
        func = node.func
        on_division = (
            name == "in_"
            and isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Attribute)
            and func.value.attr == "division_code"
        )
        about_user = name in TERRITORY and "user" in " ".join(ast.unparse(a) for a in node.args)
        if (on_division or about_user or name in OLD_USER_API) and (rel, text) not in ALLOWED:
            found.append(f"{rel}:{node.lineno}: {text}")
    return found


def test_no_county_filter_outside_the_access_policy():
    offenders = []
    for path in sorted((ROOT / "fieldapp").rglob("*.py")):
        if path.relative_to(ROOT).as_posix() not in POLICY:
            offenders += county_filters(path, path.read_text(encoding="utf-8"))
    assert offenders == [], "filter by county through fieldapp/auth/access.py:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    "line",
    [
        "stmt = stmt.where(Visit.division_code.in_(codes))",
        "codes = current_user.division_codes()",
        "ok = user.may_access_unit(unit)",
        "ids = reachable_unit_ids(current_user.unit)",
        "codes = territory_of(user.unit)",
        "ids = subtree_ids(bureau_of(user.unit).id)",
    ],
)
def test_the_scan_finds_a_hand_written_county_filter(line):
    assert county_filters(ROOT / "fieldapp" / "x.py", line) != []


def test_the_scan_leaves_organisation_questions_alone():
    assert county_filters(ROOT / "fieldapp" / "x.py", "codes = territory_of(focus)\nrows = divisions_under(unit)") == []


# Role questions outside the policy that are not about what a user may see or change, each with its reason.
ROLE_QUESTIONS = {
    "fieldapp/auth/models.py": "defines has_role",
    "fieldapp/auth/session.py": "which logins get a device login (an inspector's phone)",
    "fieldapp/core/nav.py": "which menu entries a user is shown",
    "fieldapp/inspections/routes_api.py": "the phone API's gate: only inspectors send submissions",
}


def _an_account(node: ast.expr) -> bool:
    """``user``, ``current_user``, ``actor``, ``self.user`` …: an account, not a visit's inspector (``vi.role``)."""
    text = ast.unparse(node)
    return "user" in text or "actor" in text


def role_rules(source: str) -> list[str]:
    """Who-may questions asked of an account's role by hand: ``user.role == …``, ``current_user.role
    != …``, ``actor.has_role(…)``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(isinstance(s, ast.Attribute) and s.attr == "role" and _an_account(s.value) for s in sides):
                found.append(f"{node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.Call) and _called_name(node) == "has_role":
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_no_role_rule_outside_the_access_policy():
    offenders = []
    for path in sorted((ROOT / "fieldapp").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        if rel not in POLICY and rel not in ROLE_QUESTIONS:
            offenders += [f"{rel}:{line}" for line in role_rules(path.read_text(encoding="utf-8"))]
    assert offenders == [], "decide who may do what in fieldapp/auth/access.py:\n" + "\n".join(offenders)


@pytest.mark.parametrize(
    "line",
    [
        'ok = user.role == "admin" and may_see(user, x)',
        "if current_user.role != Role.ADMIN: pass",
        "ok = current_user.has_role(Role.SUPERVISOR)",
        'if actor.role == "supervisor": pass',
    ],
)
def test_the_role_scan_finds_a_hand_written_role_rule(line):
    assert role_rules(line) != []
