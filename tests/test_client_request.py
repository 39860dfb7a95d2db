"""The page helper itself: URLs by endpoint name, statuses asserted, pages parsed."""

from __future__ import annotations

import pytest


def test_builds_urls_by_endpoint_with_the_rest_as_query_string(client_request):
    assert client_request.url_for("dashboards.index", year=2026) == "/dashboard/?year=2026"


def test_a_page_is_parsed_and_its_status_checked(client_request):
    client_request.login("city-sup", "supervisor", "city")
    page = client_request.get("dashboards.index", year=2026)
    assert page.select_one("h1")
    with pytest.raises(AssertionError, match="200, expected 404"):
        client_request.get("dashboards.index", _expected_status=404)


def test_a_post_expects_a_redirect_and_where_it_goes(client_request):
    client_request.login("city-sup", "supervisor", "city")
    with pytest.raises(AssertionError, match="went to /"):
        client_request.post_response("auth.logout", _expected_redirect="/elsewhere")
    client_request.login("city-sup", "supervisor", "city")
    client_request.post_response("auth.logout", _expected_redirect="/")
