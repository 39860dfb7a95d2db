"""Property-based suites: Schemathesis against ``/api/v1/openapi.json`` signed in as an inspector
with real visit ids, and Hypothesis strategies for the form without JavaScript. Neither may find
a 5xx, a response outside its documented schema, or a stored row a review page cannot render.
Examples are bounded so the whole run stays a small part of ``make test``."""

from __future__ import annotations

import io

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlalchemy import select

from fieldapp.extensions import db
from fieldapp.inspections.models import Submission
from factories.inspection import API_HEADERS, form_fields, png_bytes
from factories.inspection import app_config, world  # noqa: F401  (fixtures: the test checklists, the world with zhang signed in)

FUZZ = settings(
    max_examples=60, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)


def _reviewable(app, auth) -> list[int]:
    """Every stored submission that review shows renders (returns the ids that did not)."""
    reviewer = app.test_client()
    auth.create("fuzz-reviewer", "supervisor", "city")
    reviewer.post("/login", data={"username": "fuzz-reviewer", "password": auth.PASSWORD})
    broken = []
    for sub in db.session.scalars(select(Submission)):
        if sub.state == "incomplete":
            continue
        if reviewer.get(f"/review/submissions/{sub.id}").status_code != 200:
            broken.append(sub.id)
    return broken


def test_the_api_gives_no_server_error_and_keeps_its_schema(world, client, app, auth):
    api = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 5
    cookie = client.get_cookie("session").value
    statuses = set()

    @FUZZ
    @given(case=st.one_of([operation.as_strategy() for operation in operations]))
    def call(case):
        # Real visit ids half of the time (even generated numbers), so the checks past 404 run too.
        if (
            isinstance(case.body, dict)
            and isinstance(case.body.get("visit_id"), int)
            and case.body["visit_id"] % 2 == 0
        ):
            case.body["visit_id"] = world.visit.id
        params = case.path_parameters or {}
        if str(params.get("visit_id", "x")).isdigit() and int(params["visit_id"]) % 2 == 0:
            params["visit_id"] = world.visit.id
        response = case.call(headers=dict(API_HEADERS), cookies={"session": cookie})
        statuses.add(response.status_code)
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

    call()
    assert statuses & {200, 201, 404, 422}, statuses  # signed in: past the 401/403 gate
    assert _reviewable(app, auth) == []


TEXT = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)
NUMBERISH = st.one_of(TEXT, st.integers().map(str), st.floats(allow_nan=True, allow_infinity=True).map(str))


@st.composite
def form_posts(draw, task_id: int):
    prefix = f"a.{task_id}.fuel-dispensers-test."
    items = ["pledge", "seals", "dispenser-0-_block", "dispenser-0-serial", "dispenser-0-error_pct", "nonsense"]
    data = {
        prefix + item: draw(st.one_of(st.sampled_from(["符合", "不符合", "1", ""]), NUMBERISH))
        for item in draw(st.lists(st.sampled_from(items), unique=True, max_size=len(items)))
    }
    data["uuid"] = draw(st.one_of(st.uuids().map(str), TEXT))
    data["check_methods"] = draw(st.lists(st.one_of(st.sampled_from(["实地检查", "书面检查"]), TEXT), max_size=3))
    data["result_code"] = draw(st.one_of(st.sampled_from(["", "1", "A", "E"]), TEXT))
    data["override_reason"] = draw(TEXT)
    data["replaces"] = draw(st.one_of(st.just(""), st.uuids().map(str), TEXT))
    data["rep_name"] = draw(TEXT)
    if draw(st.booleans()):
        data.update(rep_refused="1", rep_reason=draw(TEXT))
    if draw(st.booleans()):
        data.update(lat=draw(NUMBERISH), lng=draw(NUMBERISH), accuracy=draw(NUMBERISH))
    if draw(st.booleans()):
        data["sigfile.lead.0"] = (io.BytesIO(png_bytes(1)), "lead.png")
        data["sigfile.member.1"] = (io.BytesIO(png_bytes(2)), "member.png")
    if draw(st.booleans()):
        payload = draw(st.sampled_from([b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"", b"GIF89a", png_bytes(3)]))
        data[f"photo.{prefix}seals"] = (io.BytesIO(payload), draw(st.sampled_from(["x.svg", "..", ".", "p.png"])))
    return data


def test_form_posts_give_no_server_error_and_every_stored_row_renders(world, client, client_request, app, auth):
    form = client_request.url_for("inspections.submit_form", visit_id=world.visit.id)

    @FUZZ
    @given(form_posts(world.task.id))
    def post(data):
        response = client.post(form, data=data, content_type="multipart/form-data")
        assert response.status_code < 500
        assert response.status_code in (200, 302, 400, 413, 422), response.status_code

    post()
    assert _reviewable(app, auth) == []


def test_a_valid_form_post_is_found_by_the_strategy_too(world, client_request, db):
    """The strategy can reach the stored path (else the review check above proves nothing)."""
    data = form_fields(world)
    client_request.post(
        "inspections.submit_form", visit_id=world.visit.id, _data=data, _content_type="multipart/form-data"
    )
    assert db.session.scalar(select(Submission)) is not None
