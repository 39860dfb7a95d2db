"""The page helper itself: URLs by endpoint name, statuses asserted, pages parsed."""

from __future__ import annotations

import re
from pathlib import Path

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


# Page-test modules converted to endpoint names, with the addresses they still write out on purpose
# (an old address kept working, tested as such; the phone's API, whose addresses are its contract; a link
# a page gives, followed in the browser).
CONVERTED = {
    "test_access.py": 0,
    "test_beijing_dates.py": 0,
    "test_browser_smoke.py": 0,
    "test_calendar_admin.py": 1,
    "test_checklist_browser.py": 0,
    "test_checklist_conditions.py": 0,
    "test_checklist_content.py": 0,
    "test_checklist_definitions.py": 0,
    "test_checklist_forms.py": 0,
    "test_checklist_sections.py": 0,
    "test_dashboard_levels.py": 0,
    "test_dashboard_levels_browser.py": 0,
    "test_dashboards.py": 0,
    "test_device_login.py": 0,
    "test_draw_browser.py": 0,
    "test_draw_pages.py": 0,
    "test_errors.py": 1,
    "test_export.py": 0,
    "test_followup.py": 0,
    "test_foundation.py": 0,
    "test_inspection_api.py": 8,
    "test_inspection_pages.py": 0,
    "test_inspectors.py": 0,
    "test_job_browser.py": 0,
    "test_job_files.py": 0,
    "test_jobs.py": 0,
    "test_login_throttle.py": 0,
    "test_media_limits.py": 3,
    "test_merged_visit_browser.py": 0,
    "test_my_visits_cache.py": 0,
    "test_not_applicable.py": 1,
    "test_not_applicable_browser.py": 0,
    "test_nul_characters.py": 0,
    "test_office_pages_axe_browser.py": 0,
    "test_one_name.py": 0,
    "test_organisation.py": 0,
    "test_pdf.py": 0,
    "test_plain_words.py": 0,
    "test_plan_browser.py": 0,
    "test_plan_csrf.py": 0,
    "test_plan_mapping.py": 0,
    "test_plan_pages.py": 0,
    "test_plan_scope.py": 0,
    "test_plan_scope_browser.py": 0,
    "test_property_based.py": 0,
    "test_public_browser.py": 1,
    "test_public_pages.py": 0,
    "test_public_search_cache.py": 0,
    "test_publication_web.py": 0,
    "test_pwa_accessibility.py": 0,
    "test_pwa_browser.py": 0,
    "test_pwa_fuel_dispensers.py": 0,
    "test_pwa_session_browser.py": 0,
    "test_pwa_versions_browser.py": 0,
    "test_review.py": 0,
    "test_review_browser.py": 0,
    "test_review_concurrency.py": 0,
    "test_review_demo.py": 0,
    "test_review_engine.py": 0,
    "test_review_versions.py": 0,
    "test_safe_spreadsheets.py": 0,
    "test_sessions_and_proxies.py": 0,
    "test_subject_browser.py": 0,
    "test_subject_import.py": 0,
    "test_subject_search.py": 0,
    "test_submission_rendering.py": 2,
    "test_submission_schema.py": 7,
    "test_subtree_lists.py": 0,
    "test_task_results.py": 2,
    "test_visits.py": 0,
}
# Markup parsed outside a request, on purpose (a template macro rendered in a test's app context).
PARSED_OUTSIDE_A_REQUEST = {
    "test_checklist_content.py": 1,
    "test_checklist_forms.py": 1,
    "test_checklist_sections.py": 1,
    "test_not_applicable.py": 3,
}
HARD_CODED = re.compile(r"""client\.(get|post|put|delete)\(\s*f?["']/|live_server\.url\s*\+|\{live_server\.url\}/""")


@pytest.mark.parametrize("module", sorted(CONVERTED))
def test_converted_page_tests_name_endpoints_not_addresses(module):
    source = (Path(__file__).parent / module).read_text(encoding="utf-8")
    assert len(HARD_CODED.findall(source)) == CONVERTED[module], f"{module}: use client_request and an endpoint"
    parsed = source.count("BeautifulSoup(")
    assert parsed == PARSED_OUTSIDE_A_REQUEST.get(module, 0), f"{module}: client_request returns the parsed page"


def test_the_address_scan_finds_a_hard_coded_address():
    assert HARD_CODED.search('page = soup(client.get(f"/review/submissions/{sub.id}"))')
    assert HARD_CODED.search('page.goto(live_server.url + "/my/visits")')
    assert HARD_CODED.search('page.goto(f"{live_server.url}/my/visits/{visit.id}")')
    assert not HARD_CODED.search('page.goto(live_server.url_for("inspections.my_visits"))')
    assert not HARD_CODED.search('client_request.get("review.submission", submission_id=sub.id)')
