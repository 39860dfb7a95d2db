"""Adversarial authorization probes: every staff route, asked by users to whom its record does not
belong. 平城区 (大同) owns one of everything (plan, task, draw, commitment, visit with a submission, a
photo and a signature, result, follow-up case, inspector with a conflict, account with a device, a
finished import with its rejects file); a sibling county, another city, another organisation, an
inspector of the same unit who is not on the visit and an anonymous visitor ask for each by its id.
The answer is always the project's refusal (404 outside the area, 403 for a role the route is not
for, the login page or 401 when signed out), never the record, never a 500. The routes are read from
the app, so a new route is probed without being listed here."""

from __future__ import annotations

from datetime import date

import pytest
from factories import review as rf
from factories.draws import draw_day  # noqa: F401 (autouse: the draw's clock)
from factories.draws import declare_conflict
from factories.inspection import World, add_visit, build_world, submission_body
from factories.organisation import two_city_world
from sqlalchemy import func, select

from fieldapp import clock
from fieldapp.auth import access, devices
from fieldapp.auth.models import Unit, User
from fieldapp.draws.models import Draw, DrawAssignment, DrawCommitment, JointInvitation
from fieldapp.extensions import db as _db
from fieldapp.jobs import files as job_files
from fieldapp.jobs.models import Job, JobStatus
from fieldapp.inspectors.models import Inspector
from fieldapp.plans.models import InspectionItem, Task
from fieldapp.inspections.models import MediaFile, Submission
from fieldapp.publication.models import PublishedResult
from fieldapp.review.models import AbnormalListingProposal, FollowUpCase, InspectionResult
from fieldapp.subjects.models import Subject
from fieldapp.visits.models import Visit

SUBJECT_NAME = "平城区某某加油站"
CLIENT = {"X-Fieldapp-Client": "pwa"}


def _units() -> dict[str, Unit]:
    return {u.code: u for u in _db.session.scalars(select(Unit))}


@pytest.fixture
def owned(app, auth):
    """One of every record 平城区 owns; the URL arguments that name them."""
    plan, task, draw = two_city_world()
    units = _units()
    task.items.append(InspectionItem(number=1, text="计量器具检定情况"))
    subject = rf.subject(name=SUBJECT_NAME, division="140213")
    team = [rf.inspector("平城甲", "dt-pc"), rf.inspector("平城乙", "dt-pc")]
    visit = rf.visit(subject, [task], unit_code="dt-pc", inspectors=team)
    submission = rf.submission(visit, rf.answers_body([task]))
    photo = rf.media(submission, app.config["MEDIA_ROOT"], b"\xff\xd8\xff pingcheng photo")
    rf.media(submission, app.config["MEDIA_ROOT"], b"\xff\xd8\xff pingcheng signature", kind="signature")
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
    proposal = AbnormalListingProposal(
        result_id=result.id, subject_id=subject.id, unit_id=units["dt-pc"].id, reason_code="1"
    )
    conflict = declare_conflict(team[0], person="平城某人")
    account = auth.create("pc-owner", "inspector", "dt-pc")
    device, _cookie = devices.issue(account, "phone")
    job = Job(
        kind="subjects.import",
        owner_id=account.id,
        title="平城区名录导入",
        created_at=clock.now(),
        status=JobStatus.DONE,
        result={"files": ["rejects.csv"]},
    )
    invitation = JointInvitation(task_id=task.id, unit_id=units["dt-metrology"].id, items=["计量器具检定情况"])
    _db.session.add_all([case, proposal, job, invitation])
    _db.session.commit()
    folder = job_files.folder_of(job.id)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "rejects.csv").write_text(f"行号,拒绝原因\n2,{SUBJECT_NAME}\n", encoding="utf-8-sig")
    return {
        "visit_id": visit.id,
        "submission_id": submission.id,
        "subject_id": subject.id,
        "draw_id": draw.id,
        "case_id": case.id,
        "proposal_id": proposal.id,
        "plan_id": plan.id,
        "number": task.number,
        "item_id": task.items[0].id,
        "task_id": task.id,
        "round_": draw.round,
        "unit_code": "dt-pc",
        "commitment_id": _db.session.scalar(select(DrawCommitment.id).where(DrawCommitment.task_id == task.id)),
        "assignment_id": _db.session.scalar(select(DrawAssignment.id)),
        "inspector_id": team[0].id,
        "conflict_id": conflict.id,
        "user_id": account.id,
        "device_id": device.id,
        "job_id": job.id,
        "name": "rejects.csv",
        "invitation_id": invitation.id,
        "answer": "accept",
        "decision": "approve",
        "media_id": photo.id,
        "result_id": result.id,
        "uuid": submission.uuid,
        "sha256": photo.sha256,
    }


# A route is about a record when its rule names one of these; the rest (lists, imports, forms for
# new records, the checklist library, the calendar) are the user's own area's and probed for leaks.
RECORD_ARGS = {
    "visit_id", "submission_id", "subject_id", "draw_id", "case_id", "plan_id", "item_id", "task_id",
    "commitment_id", "assignment_id", "inspector_id", "conflict_id", "user_id", "device_id", "job_id",
    "invitation_id", "media_id", "result_id", "uuid", "proposal_id",
}  # fmt: skip
# Nobody's in particular: the public pages, the app shell, signing in and out.
OPEN_ENDPOINTS = {"static", "auth.login", "auth.logout", "calendar.moved"}
OPEN_PREFIXES = ("core.", "inspections.openapi", "inspections.service_worker", "inspections.manifest")


def _record_routes(app) -> list[tuple[str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in OPEN_ENDPOINTS or rule.rule.startswith("/public") or not set(rule.arguments) & RECORD_ARGS:
            continue
        routes += [(rule.endpoint, method) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return routes


def _staff_routes(app) -> list[tuple[str, str, set[str]]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if (
            rule.endpoint in OPEN_ENDPOINTS
            or rule.endpoint.startswith(OPEN_PREFIXES)
            or rule.rule.startswith("/public")
        ):
            continue
        if rule.endpoint == "inspections.offline":
            continue
        routes += [
            (rule.endpoint, method, set(rule.arguments)) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
        ]
    return routes


def _ask(client_request, endpoint: str, method: str, args: dict, htmx: bool = False):
    url = client_request.url_for(endpoint, **args)
    headers = CLIENT if url.startswith("/api/") else {"HX-Request": "true"} if htmx else {}
    return client_request._client.open(url, method=method, headers=headers, data={})


# Who asks: (username, role, unit). None of them may reach 平城区's records.
OUTSIDERS = [
    ("yg-sup", "supervisor", "dt-yg"),  # a sibling county of the same city
    ("yg-admin", "admin", "dt-yg"),
    ("yq-sup", "supervisor", "yq"),  # another city's bureau
    ("yq-admin", "admin", "yq"),
    ("city-admin", "admin", "city"),  # another organisation of the deployment
    ("yq-auditor", "auditor", "yq"),  # a read-only auditor of another city
    ("yg-insp", "inspector", "dt-yg"),  # an inspector of another county
    ("pc-insp", "inspector", "dt-pc"),  # an inspector of 平城区 itself, on none of its visits
]


@pytest.mark.parametrize("who, role, unit", OUTSIDERS, ids=[o[0] for o in OUTSIDERS])
def test_no_route_hands_another_areas_record_to_an_outsider(app, client_request, owned, who, role, unit):
    client_request.login(who, role, unit)
    answered = {}
    for endpoint, method in _record_routes(app):
        rule_args = next(r.arguments for r in app.url_map.iter_rules() if r.endpoint == endpoint)
        for htmx in (False, True):  # the full page and the partial htmx asks for
            response = _ask(client_request, endpoint, method, {a: owned[a] for a in rule_args}, htmx)
            answered[(endpoint, method, htmx)] = response.status_code
            assert SUBJECT_NAME not in response.get_data(as_text=True), (endpoint, method, htmx)
    reached = {k: v for k, v in answered.items() if v not in (403, 404, 405)}
    assert reached == {}, f"{who} reached 平城区's records"
    assert len(answered) > 80  # every record route and method (50 today), twice: not an empty list


def test_the_owner_reaches_what_outsiders_are_refused(client_request, owned):
    client_request.login("pc-sup", "supervisor", "dt-pc")
    for endpoint in ("review.submission", "review.media", "review.case", "draws.detail", "draws.classed_pool"):
        rule_args = {"submission_id", "media_id", "case_id", "draw_id"}  # the arguments these pages take
        client_request.get_response(endpoint, **{k: v for k, v in owned.items() if k in rule_args})
    page = client_request.get_response("review.submission", submission_id=owned["submission_id"])
    assert SUBJECT_NAME in page.get_data(as_text=True)
    client_request.logout()
    client_request.login("pc-owner", "inspector", "dt-pc")
    download = client_request.get_response("jobs.download", job_id=owned["job_id"], name="rejects.csv")
    assert SUBJECT_NAME in download.get_data(as_text=True)
    client_request.logout()
    client_request.login("pc-admin", "admin", "dt-pc")  # an administrator of the owner's area
    client_request.get_response("jobs.download", job_id=owned["job_id"], name="rejects.csv")
    client_request.logout()
    client_request.login("dt-auditor", "auditor", "dt")  # 大同's auditor: the classed pool, nothing to edit
    client_request.get_response("draws.classed_pool", draw_id=owned["draw_id"])
    client_request.get_response("review.submission", _expected_status=403, submission_id=owned["submission_id"])


@pytest.mark.parametrize("who, role, unit", OUTSIDERS, ids=[o[0] for o in OUTSIDERS])
def test_no_list_partial_or_export_shows_another_areas_subject(app, client_request, owned, who, role, unit):
    """Lists, htmx partials (asked with HX-Request) and the phone's state API, in the outsider's own
    area: 平城区's subject never appears, and nothing is a 500."""
    client_request.login(who, role, unit)
    for endpoint, method, args in _staff_routes(app):
        if args or method != "GET":
            continue
        url = client_request.url_for(endpoint)
        for headers in ({}, {"HX-Request": "true"}, CLIENT):
            response = client_request._client.get(url, headers=headers)
            assert response.status_code < 500, (endpoint, headers)
            assert SUBJECT_NAME not in response.get_data(as_text=True), (endpoint, headers)


def test_anonymous_visitors_reach_no_staff_route_photo_or_file(app, client, owned):
    for endpoint, method, args in _staff_routes(app):
        url = client_request_url(app, endpoint, {a: owned.get(a, 1) for a in args})
        headers = CLIENT if url.startswith("/api/") else {}
        response = client.open(url, method=method, headers=headers, data={})
        if url.startswith("/api/"):
            assert response.status_code == 401, (endpoint, method)
        else:
            login = response.status_code == 302 and "/login" in response.location
            assert login or response.status_code == 404, (endpoint, method, response.status_code)
        assert SUBJECT_NAME not in response.get_data(as_text=True)


def client_request_url(app, endpoint: str, args: dict) -> str:
    from conftest import path_for

    return path_for(app, endpoint, **args)


@pytest.mark.parametrize("how", ["deactivated", "device revoked"])
def test_a_deactivated_account_or_revoked_device_is_signed_out(client_request, owned, how):
    client_request.login("pc-lead", "inspector", "dt-pc")
    user = _db.session.scalar(select(User).where(User.username == "pc-lead"))
    client_request.get_response("inspections.my_visits")
    if how == "deactivated":
        user.is_active_account = False
    else:
        for device in devices.devices_of(user):
            devices.revoke(device, "admin")
    _db.session.commit()
    client_request.get_response("inspections.my_visits", _expected_status=302)
    response = client_request.get_response("inspections.api_visit_states", _expected_status=401, _headers=CLIENT)
    assert "visits" not in response.get_json()


# --- the phone's API with ids changed in the body -----------------------------------------------


@pytest.fixture
def two_visits(app, auth):
    """Two visits of one county unit, each with a task of its own: 张 and 李 on the first, 王 and 赵
    on the second."""
    mine = build_world(auth)
    users = [auth.create(u, "inspector", "140602", name=n) for u, n in (("wang", "王检查"), ("zhao", "赵协查"))]
    team = [
        Inspector(name=u.name, certificate_number=f"1406029{i}", unit=mine.lead.unit, user_id=u.id)
        for i, u in enumerate(users)
    ]
    task = Task(plan=mine.task.plan, number=4, name="加油机计量专项检查", executes_county=True)
    task.items.append(InspectionItem(number=1, text="加油站在用强检计量器具"))
    _db.session.add_all([task, *team])
    theirs = World(users[0], users[1], mine.visit, task, mine.subject, team[0], team[1])
    theirs.visit = add_visit(theirs, name="朔州市王家加油站有限公司", window_end=mine.visit.window_end)
    return mine, theirs


@pytest.fixture
def app_config():
    from factories.inspection import CHECKLIST_DIR

    return {"CHECKLISTS_DIR": str(CHECKLIST_DIR)}


def _post(client, body: dict):
    return client.post("/api/v1/submissions", json=body, headers=CLIENT)


@pytest.mark.parametrize(
    "change",
    [
        "another visit of my unit",
        "a task the visit does not contain",
        "replacing another visit's submission",
        "a signature by an inspector of another visit",
    ],
)
def test_the_phone_cannot_reach_another_visit_by_changing_ids(client, auth, two_visits, change):
    mine, theirs = two_visits
    auth.login("wang", "inspector", "140602")
    theirs_first = _post(client, submission_body(theirs))
    assert theirs_first.status_code in (200, 201), theirs_first.get_json()
    auth.logout()
    auth.login("zhang", "inspector", "140602")
    body = submission_body(mine)
    if change == "another visit of my unit":
        body = submission_body(theirs)
    elif change == "a task the visit does not contain":
        t = theirs.task.id
        body["task_ids"] = [t]
        body["answers"] = {k.replace(f"a.{mine.task.id}.", f"a.{t}."): v for k, v in body["answers"].items()}
        body["photos"] = {k.replace(f"a.{mine.task.id}.", f"a.{t}."): v for k, v in body["photos"].items()}
        for m in body["media"]:
            m["field"] = m["field"].replace(f"a.{mine.task.id}.", f"a.{t}.")
    elif change == "replacing another visit's submission":
        body["replaces"] = theirs_first.get_json()["uuid"]
    else:
        body["signatures"][1]["inspector_id"] = theirs.member.id
    response = _post(client, body)
    assert response.status_code in (404, 422), (change, response.status_code, response.get_json())
    assert response.mimetype == "application/problem+json"
    if change == "a signature by an inspector of another visit":
        assert "签名中有不属于本次检查的检查人员。" in response.get_json()["errors"]
    # And the stored submission of the other visit is not readable by its UUID.
    other = client.get(f"/api/v1/submissions/{theirs_first.get_json()['uuid']}", headers=CLIENT)
    assert other.status_code == 404


def test_a_county_reads_only_its_own_units_work_in_its_county(app, client_request, owned):
    """A city department's visit in 平城区: its answers, photos and record PDF are the city's to
    read, not the county bureau's (review's pages refused it, the record PDF did not)."""
    task = _db.session.get(Task, owned["task_id"])
    subject = rf.subject(name="平城区市局抽查加油站", division="140213")
    visit = rf.visit(subject, [task], unit_code="dt-metrology", inspectors=[rf.inspector("计量甲", "dt-metrology")])
    submission = rf.submission(visit, rf.answers_body([task]))
    photo = rf.media(submission, app.config["MEDIA_ROOT"], b"\xff\xd8\xff city photo")
    _db.session.commit()
    pages = [
        ("review.submission", {"submission_id": submission.id}),
        ("review.media", {"media_id": photo.id}),
        ("publication.visit_record_pdf", {"visit_id": visit.id}),
    ]
    client_request.login("pc-sup", "supervisor", "dt-pc")
    for endpoint, args in pages:
        client_request.get_response(endpoint, _expected_status=404, **args)
    client_request.logout()
    client_request.login("pc-admin", "admin", "dt-pc")
    client_request.get_response("inspections.visit", _expected_status=404, visit_id=visit.id)
    client_request.logout()
    client_request.login("dt-sup", "supervisor", "dt-metrology")
    for endpoint, args in pages:
        client_request.get_response(endpoint, **args)


def test_ids_in_posted_forms_are_checked_like_ids_in_addresses(client_request, owned):
    """Another area's result ticked on the publication form; an inspector moved to another city's
    unit by the edit form's unit field."""
    yq = _units()["yq"]
    client_request.login("yq-sup", "supervisor", "yq")
    for endpoint in ("publication.preview", "publication.publish"):
        client_request.post_response(endpoint, _data={"result_ids": [owned["result_id"]]}, _expected_status=404)
    assert not _db.session.scalar(select(PublishedResult.id))
    mine = rf.inspector("阳泉甲", "yq")
    _db.session.commit()
    client_request.logout()
    client_request.login("pc-sup", "supervisor", "dt-pc")
    form = {
        "name": "平城甲",
        "category": "law_enforcement",
        "status": "在岗",
        "unit": yq.id,
        "effective_on": "2021-05-01",
    }
    client_request.post_response(
        "inspectors.edit", _data=form, _expected_status=422, inspector_id=owned["inspector_id"]
    )
    assert _db.session.get(Inspector, owned["inspector_id"]).unit_id == _units()["dt-pc"].id
    # …nor may 平城区 edit 阳泉's inspector into its own unit.
    form["unit"] = _units()["dt-pc"].id
    client_request.post_response("inspectors.edit", _data=form, _expected_status=404, inspector_id=mine.id)
    assert _db.session.get(Inspector, mine.id).unit_id == yq.id


SEQUENTIAL = [
    ("review.submission", "submission_id", Submission),
    ("review.media", "media_id", MediaFile),
    ("publication.visit_record_pdf", "visit_id", Visit),
    ("subjects.detail", "subject_id", Subject),
    ("draws.detail", "draw_id", Draw),
    ("draws.classed_pool", "draw_id", Draw),
    ("jobs.detail", "job_id", Job),
    ("jobs.progress", "job_id", Job),
]


@pytest.mark.parametrize("endpoint, arg, model", SEQUENTIAL, ids=[s[0] for s in SEQUENTIAL])
def test_guessed_ids_answer_the_same_for_a_record_and_for_none(client_request, owned, endpoint, arg, model):
    """Walking the ids as another city's supervisor: 404 for 平城区's records as for ids no record
    has, so guessing tells nothing about what exists."""
    client_request.login("yq-admin", "admin", "yq")
    user = _db.session.scalar(select(User).where(User.username == "yq-admin"))
    last = _db.session.scalar(select(func.max(model.id)))
    walked = 0
    for ident in range(1, last + 3):
        record = _db.session.get(model, ident)
        if record is not None and access.may_see(user, _decides(record)):
            continue  # 阳泉's own
        client_request.get_response(endpoint, _expected_status=404, **{arg: ident})
        walked += 1
    assert walked >= 3


def _decides(record):
    """What decides who sees ``record``: a photo its submission, a job its owner's account."""
    if isinstance(record, MediaFile):
        return record.submission
    return record.owner if isinstance(record, Job) else record


def test_a_roster_upload_writes_only_the_uploaders_units(client_request):
    """大同's roster naming the province bureau, or carrying 阳泉's inspector's certificate number
    under 平城区: both rows refused, 阳泉's inspector left where it is; 平城区's own row imported."""
    from io import BytesIO

    from factories.organisation import TWO_CITIES

    from fieldapp.auth.organisation import load_organisation

    load_organisation(TWO_CITIES)
    theirs = rf.inspector("阳泉甲", "yq-cq")
    _db.session.commit()
    rows = [
        "姓名,执法证号,有效期至,单位",
        "省局某人,1402000001,2030-12-31,山西省市场监督管理局（测试）",
        f"阳泉甲,{theirs.certificate_number},2030-12-31,平城区市场监督管理局",
        "平城某人,1402000003,2030-12-31,平城区市场监督管理局",
    ]
    upload = {"file": (BytesIO("\n".join(rows).encode()), "roster.csv")}
    client_request.login("dt-sup", "supervisor", "dt")
    client_request.post_response("inspectors.import_file", _data=upload, _content_type="multipart/form-data")
    stored = {i.name: i.unit.code for i in _db.session.scalars(select(Inspector))}
    assert stored == {"阳泉甲": "yq-cq", "平城某人": "dt-pc"}
    job = _db.session.scalar(select(Job))
    rejects = (job_files.folder_of(job.id) / "rejects.csv").read_text(encoding="utf-8-sig")
    assert "山西省市场监督管理局（测试） 不在本单位辖区内" in rejects
    assert "阳泉市城区市场监督管理局 不在本单位辖区内" in rejects
