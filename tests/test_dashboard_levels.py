"""Dashboards at any level: a province over two cities (tests/data/organisations/two-cities.yaml).

The provincial supervisor sees one row per city with its legal-clock figures and drills down to a
city's counties, then to a county; a city or county supervisor reaches no area outside their own.
"""

from __future__ import annotations


import pytest

from factories.organisation import province_results


# Pages compute legal clocks from today in China: every test runs on the frozen clock (2026-11-27 10:00).
pytestmark = pytest.mark.usefixtures("frozen_clock")


@pytest.fixture
def province(app, auth):
    province_results(auth)


def area_rows(page) -> dict[str, dict[str, str]]:
    rows = {}
    for tr in page.select("#area-table tbody tr"):
        cells = {td["class"][0]: td.get_text(" ", strip=True) for td in tr.select("td")}
        rows[tr.select_one("th").get_text(strip=True)] = cells
    return rows


def test_the_province_shows_its_cities_and_drills_down_to_a_county(client_request, province):
    client_request.login("sx-supervisor", unit="sx")
    page = client_request.get("dashboards.index", year=2026)
    assert "山西省" in page.select_one("h1").get_text()
    assert page.select_one("#kpi-coverage .kpi__value").get_text() == "3.3%"  # 4 of 120
    assert page.select_one("#kpi-overdue .kpi__value").get_text() == "3"  # 4 results, 1 published
    rows = area_rows(page)
    assert list(rows) == ["大同市", "阳泉市"]
    assert rows["大同市"]["area-coverage"] == "4.3% (3/70) 达标"
    assert rows["阳泉市"]["area-coverage"] == "2.0% (1/50) 未达标"
    assert rows["大同市"]["area-publication"] == "33% (1/3) 未达标"
    assert (rows["大同市"]["area-overdue"], rows["阳泉市"]["area-overdue"]) == ("2", "1")
    assert (rows["大同市"]["area-cases"], rows["阳泉市"]["area-cases"]) == ("1", "0")
    bars = page.select("#chart-coverage rect.chart__bar")
    assert [b.find_previous("text").get_text() for b in bars] == ["大同市", "阳泉市"]
    assert "chart__bar--bad" in bars[1]["class"]
    tasks = page.select_one("#task-table").get_text()
    assert "省局计量抽查" in tasks and "阳泉市局广告抽查" in tasks

    link = page.select_one("#area-table a:-soup-contains('大同市')")
    city = client_request.get_url(link["href"])
    assert "大同市" in city.select_one("h1").get_text()
    assert [li.get_text(strip=True) for li in city.select("#trail li")] == ["山西省", "大同市"]
    rows = area_rows(city)
    assert list(rows) == ["平城区", "云冈区", "大同开发区"]
    assert rows["平城区"]["area-coverage"] == "10.0% (2/20) 达标"
    assert rows["云冈区"]["area-coverage"] == "2.0% (1/50) 未达标"
    assert rows["大同开发区"]["area-coverage"] == "0.0% (0/0)"  # nothing to inspect: no verdict
    assert rows["平城区"]["area-publication"] == "50% (1/2) 未达标"
    assert "阳泉市局广告抽查" not in city.select_one("#task-table").get_text()  # another city's plan

    link = city.select_one("#area-table a:-soup-contains('平城区')")
    county = client_request.get_url(link["href"])
    assert "平城区" in county.select_one("h1").get_text()
    assert [li.get_text(strip=True) for li in county.select("#trail li")] == ["山西省", "大同市", "平城区"]
    assert not county.select("#area-table")
    assert county.select_one("#kpi-coverage .kpi__value").get_text() == "10.0%"
    assert county.select_one("#kpi-overdue .kpi__value").get_text() == "1"
    assert len(county.select("#chart-coverage rect.chart__bar")) == 1


def test_drilling_down_with_htmx_swaps_only_the_dashboard(client_request, province):
    client_request.login("sx-supervisor", unit="sx")
    page = client_request.get("dashboards.index", year=2026)
    link = page.select_one("#area-table a:-soup-contains('阳泉市')")
    assert link["hx-get"] == link["href"] and link["hx-target"] == "#dashboard"
    part = client_request.get_url(link["hx-get"], _headers={"HX-Request": "true", "HX-Target": "dashboard"})
    assert "<html" not in str(part) and "<nav class" not in str(part)
    assert part.select_one("#dashboard h1") and list(area_rows(part)) == ["阳泉城区", "平定县"]
    # The area picker lists the whole subtree; without JavaScript the form leads to the same page.
    options = [o["value"] for o in page.select("select[name=unit] option")]
    assert options[:2] == ["sx", "dt"] and "dt-credit" not in options and "yq-pd" in options
    assert "平定县" in str(client_request.get("dashboards.index", unit="yq-pd", year=2026))


def test_no_area_outside_ones_own_is_reachable(client_request, province):
    client_request.login("dt-supervisor", unit="dt")
    page = client_request.get("dashboards.index", year=2026)
    assert list(area_rows(page)) == ["平城区", "云冈区", "大同开发区"]
    assert not page.select("#trail")  # the top of this user's area
    assert "sx" not in [o["value"] for o in page.select("select[name=unit] option")]
    for key, value in (
        ("unit", "yq"),
        ("unit", "sx"),
        ("unit", "yq-cq"),
        ("division", "140302"),
        ("unit", "dt-metrology"),
        ("unit", "x"),
    ):
        client_request.get("dashboards.index", _expected_status=404, **{key: value})
    client_request.get("dashboards.index", _expected_status=400, unit="\x00")  # a NUL anywhere is a bad request
    client_request.get("dashboards.index", unit="dt-zone")
    client_request.logout()
    client_request.login("pc-supervisor", unit="dt-pc")
    page = client_request.get("dashboards.index", year=2026)
    assert "平城区" in page.select_one("h1").get_text() and not page.select("#area-table")
    assert not page.select("select[name=unit]")
    for key, value in (("unit", "dt"), ("unit", "dt-yg"), ("division", "140214")):
        client_request.get("dashboards.index", _expected_status=404, **{key: value})
