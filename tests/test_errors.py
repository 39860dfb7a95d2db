"""One DomainError hierarchy: each domain error has its status, and one handler answers the ones no
view caught with the message and that status (JSON under /api/), never a 500."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from fieldapp.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied


@pytest.mark.parametrize(
    "error, status",
    [
        ("fieldapp.plans.operations:PlanError", 422),
        ("fieldapp.draws.rules:DrawRefused", 422),
        ("fieldapp.publication.operations:PublicationError", 422),
        ("fieldapp.review.decisions:InvalidDecision", 422),
        ("fieldapp.review.decisions:ReviewConflict", 409),
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
def test_uncaught_domain_errors_get_their_status_and_message(raising, client_request, kind, status, text):
    for headers in ({}, {"HX-Request": "true"}):
        response = client_request.post_response(
            "test_errors", kind=kind, _headers={**headers, "Accept-Language": "en"}, _expected_status=status
        )
        assert text in response.get_data(as_text=True) or status in (403, 404)


def test_api_errors_are_json(raising, client):
    response = client.get("/api/v1/test-errors/invalid")  # under the API's address: errors answer in JSON
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"  # the phone shows the title
    body = {"status": 422, "title": "The reason is missing.", "error": "The reason is missing.", "field": "reason"}
    assert response.get_json() == body


SOURCE = Path(__file__).resolve().parent.parent / "fieldapp"
# The JSON API answers problem+json: 400 for a malformed request, 422 for a refused body.
JSON_API = {SOURCE / "inspections" / "routes_api.py"}


def _chosen_statuses(text: str) -> list[int]:
    """Lines of a view module that write 400 or 422 themselves, other than ``abort(400)`` (malformed)."""
    tree = ast.parse(text)
    allowed = {
        id(node.args[0])
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "abort" and node.args
    }
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and type(node.value) is int and node.value in (400, 422)
        if not (node.value == 400 and id(node) in allowed)
    ]


def test_views_do_not_choose_the_status_of_a_refused_form():
    views = {
        path: text
        for path in sorted(SOURCE.rglob("*.py"))
        if path not in JSON_API
        and re.search(r"^@\w+\.(get|post|route)\(", text := path.read_text(encoding="utf-8"), re.M)
    }
    assert len(views) > 10
    chosen = [f"{path.relative_to(SOURCE)}:{line}" for path, text in views.items() for line in _chosen_statuses(text)]
    assert chosen == [], "use errors.form_status() (422 for htmx and plain posts alike): " + ", ".join(chosen)


def test_the_status_scan_can_fail():
    text = "def view():\n    abort(400)\n    return page, 200 if request.htmx else 400\n\ndef other():\n    return page, 422\n"
    assert sorted(_chosen_statuses(text)) == [3, 6]


# Exceptions of fieldapp outside the hierarchy, each with why: none carries a message for the user.
NOT_DOMAIN_ERRORS = {
    "Superseded": "the job runtime's signal that a run was taken for dead (nothing is shown)",
    "ChecklistInvalid": "the checklist files shipped with the code do not validate (for developers, at start)",
    "ConditionSyntaxError": "read by the checklist validator into its own problem list",
    "RefusedURL": "WeasyPrint's fetcher refusing an address outside the app (never reaches a user)",
    "AuditLogIsAppendOnly": "a programming error: the audit log is never updated",
    "SheetUnreadable": "a signal with the sheet's title; the importers say it in their own words",
    "XlsUnreadable": "a signal with a kind; the importers say it in their own words",
    "_RunawayRecord": "the CSV reader's internal signal",
    "NotPrintable": "the PDF's image reader's signal: the box says 未打印 instead",
    "_OverBudget": "the plan PDF's page counter's signal, said as the PlanFileError pdf_too_dense",
}


def _exception_classes() -> dict[str, str]:
    """Every class of fieldapp that derives from an exception class (by name): ``{name: module}``."""
    exceptions = {"Exception", "ValueError", "RuntimeError", "LookupError", "KeyError", "TypeError"}
    found: dict[str, str] = {}
    for path in sorted(SOURCE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(ast.unparse(b).split(".")[-1] in exceptions for b in node.bases):
                found[node.name] = ".".join(path.relative_to(SOURCE.parent).with_suffix("").parts)
    return found


def test_every_error_a_user_can_read_is_a_domain_error():
    from importlib import import_module

    outside = {
        f"{module}:{name}"
        for name, module in _exception_classes().items()
        if name not in NOT_DOMAIN_ERRORS and not issubclass(getattr(import_module(module), name), DomainError)
    }
    assert outside == set(), "derive from fieldapp.errors (InvalidInput, NotFound, Conflict …): " + ", ".join(
        sorted(outside)
    )
    assert set(NOT_DOMAIN_ERRORS) <= set(_exception_classes()), "a listed exception no longer exists"
