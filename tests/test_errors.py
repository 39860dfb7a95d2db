"""One DomainError hierarchy: each domain error has its status, and one handler answers the ones no
view caught with the message and that status (JSON under /api/), never a 500."""

from __future__ import annotations

import pytest

from fieldapp.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied


@pytest.mark.parametrize(
    "error, status",
    [
        ("fieldapp.plans.operations:PlanError", 422),
        ("fieldapp.draws.rules:DrawRefused", 422),
        ("fieldapp.publication.operations:PublicationError", 422),
        ("fieldapp.review.operations:InvalidDecision", 422),
        ("fieldapp.review.operations:ReviewConflict", 409),
        ("fieldapp.inspections.operations:SubmissionConflict", 409),
        ("fieldapp.inspections.operations:VisitNotFound", 404),
        ("fieldapp.subjects.tables:TableError", 422),
        ("fieldapp.subjects.fields:BadValue", 422),
        ("fieldapp.checklists.results:ResultChoiceInvalid", 422),
    ],
)
def test_domain_errors_share_one_base(error, status):
    from importlib import import_module

    module, name = error.split(":")
    cls = getattr(import_module(module), name)
    assert issubclass(cls, DomainError) and cls.status == status


def test_invalid_input_is_still_a_value_error():
    assert isinstance(InvalidInput("x"), ValueError)
    assert str(InvalidInput("too late", field="day")) == "too late"
    assert InvalidInput("too late", field="day").field == "day"


@pytest.fixture
def raising(app):
    errors = {
        "invalid": InvalidInput("The reason is missing.", field="reason"),
        "missing": NotFound(),
        "conflict": Conflict("Someone else decided first."),
        "denied": PermissionDenied(),
    }

    def view(kind):
        raise errors[kind]

    app.add_url_rule("/test-errors/<kind>", "test_errors", view, methods=["GET", "POST"])
    app.add_url_rule("/api/v1/test-errors/<kind>", "test_errors_api", view)
    return app


@pytest.mark.parametrize(
    "kind, status, text",
    [
        ("invalid", 422, "The reason is missing."),
        ("missing", 404, "This page does not exist."),
        ("conflict", 409, "Someone else decided first."),
        ("denied", 403, "You do not have access to this page."),
    ],
)
def test_uncaught_domain_errors_get_their_status_and_message(raising, client, kind, status, text):
    for headers in ({}, {"HX-Request": "true"}):
        response = client.post(f"/test-errors/{kind}", headers={**headers, "Accept-Language": "en"})
        assert response.status_code == status
        assert text in response.get_data(as_text=True) or status in (403, 404)


def test_api_errors_are_json(raising, client):
    response = client.get("/api/v1/test-errors/invalid")
    assert response.status_code == 422
    assert response.get_json() == {"error": "The reason is missing.", "field": "reason"}
