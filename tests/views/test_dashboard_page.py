"""The dashboard page: same numbers as the downloads, charts, scopes, bad input."""

import io
import re

import pytest

from tests.presented import download_rows, shown_rows
from tests.test_dashboard_report import dashboard_world
from tests.views.test_reports_pages import table_rows
from vaerested.reports.tables.build import REPORTS

PERIOD = "start=2024-02-26&end=2024-03-10"


def csv_rows(client, table: str, args: str = PERIOD) -> list[list[str]]:
    return download_rows(client, "dashboard", table, args)


def figure(html: str, key: str) -> str:
    marker = f'data-testid="summary-{key}">'
    return html.split(marker, 1)[1].split("<", 1)[0]


@pytest.mark.parametrize("by", ["week", "day"])
def test_page_tables_equal_the_downloads(client, auth, db, by):
    world = dashboard_world(db)
    auth.login_as("admin")
    response = client.get(f"/reports/dashboard?{PERIOD}&by={by}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for name in REPORTS["dashboard"]:
        rows = csv_rows(client, name)
        assert table_rows(html, name) == shown_rows(name, rows), name
        assert f"{name}.csv" not in html
    # Default min-cell 5: south's 3 visits and its ratios are hidden alike.
    south, d1 = world["south"], world["south"].district
    assert [south.name, d1.name, "", "1", "<5", "", ""] in table_rows(
        html, "dashboard_centres"
    )
    for slug in ("north", "south", "east"):
        assert f">{slug}<" not in html
    assert "style=" not in html  # the CSP forbids inline styles
    for tag in re.findall(r"<script[^>]*>", html):  # no inline script (CSP)
        assert " src=" in tag, tag
    for chart in ("time-chart", "centre-chart", "district-chart", "cards-chart"):
        assert f'data-testid="{chart}"' in html
    assert 'data-testid="housing-chart"' in html
    assert 'data-testid="activity-chart"' in html


def test_summary_and_visits_over_time(client, auth, db):
    dashboard_world(db)
    auth.login_as("admin")
    html = client.get(f"/reports/dashboard?{PERIOD}").get_data(as_text=True)
    # Visits 11 + 3 + 9; cards A-E; new cards 6 (each cell below 5, the sum
    # not); sessions 2 + 3; attendance 6 + 9.
    assert [figure(html, k) for k in ("visits", "centres", "cards")] == ["23", "3", "5"]
    assert [figure(html, k) for k in ("new-cards", "sessions", "attendance")] == [
        "6",
        "5",
        "15",
    ]
    # Weeks: Feb 26 = north 5 + east 8; Mar 4 = north 6 + south 3 + east 1.
    assert table_rows(html, "over-time") == [
        ["26. feb. 2024", "13"],
        ["4. mar. 2024", "10"],
    ]
    # Two weeks, east and north per open day, two districts, three categories.
    charts, reach = html.split('id="reach-title"')
    assert charts.count('class="bar"') == 2 + 2 + 2 + 3
    assert charts.count('class="bar suppressed"') == 1  # south: no ratio
    # No visitor gave an age band or a gender: four shares, all empty.
    reach = reach.split("</figure>")[0]
    assert reach.count('class="bar suppressed"') == 4
    # Typical-daily-users markers for north (25) and east (50), not for south.
    assert html.count('class="marker"') == 2 + 2  # centres, then districts
    # Charts show enum values by their translated labels (Danish by default).
    assert "Henvist af psykiatrien" in html and "Egen bolig" in html
    client.post("/language", data={"lang": "en"})
    html = client.get(f"/reports/dashboard?{PERIOD}").get_data(as_text=True)
    assert "Referred by psychiatry" in html and "Own home" in html

    html = client.get(f"/reports/dashboard?{PERIOD}&by=day").get_data(as_text=True)
    days = dict(table_rows(html, "over-time"))
    assert len(days) == 14
    # Feb 26 north 4; Feb 27 north 1; Feb 28 east 6; Mar 1 east 2; Mar 4 north 6;
    # Mar 8 south 3; Mar 10 east 1 (dates in English now).
    assert {d: v for d, v in days.items() if v != "0"} == {
        "Feb 26, 2024": "<5",
        "Feb 27, 2024": "<5",
        "Feb 28, 2024": "6",
        "Mar 1, 2024": "<5",
        "Mar 4, 2024": "6",
        "Mar 8, 2024": "<5",
        "Mar 10, 2024": "<5",
    }


def test_leader_sees_only_own_centres(client, auth, db):
    world = dashboard_world(db)
    auth.login_as("leader", centres=[world["north"]])
    response = client.get(f"/reports/dashboard?{PERIOD}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    north = world["north"].name
    assert [r[0] for r in table_rows(html, "dashboard_centres")] == [north]
    assert [r[1] for r in table_rows(html, "dashboard_weeks")] == [north, north]
    assert table_rows(html, "activity_categories") == [
        ["Kategori 1", "2", "6", "1"],
        ["Kategori 2", "1", "<5", "1"],
        ["Kategori 3", "0", "0", "0"],
    ]
    for name in REPORTS["dashboard"]:
        rows = csv_rows(client, name)
        assert table_rows(html, name) == shown_rows(name, rows), name
    assert world["east"].name not in html
    assert 'value="east"' not in html
    assert client.get(f"/reports/dashboard?{PERIOD}&centre=east").status_code == 403
    url = f"/reports/download?report=dashboard&format=csv&{PERIOD}&centre=east"
    assert client.get(url).status_code == 403


def test_staff_and_anonymous_are_refused(client, auth, db):
    world = dashboard_world(db)
    assert client.get(f"/reports/dashboard?{PERIOD}").status_code in (302, 401)
    auth.login_as("staff", centres=[world["north"]])
    assert client.get(f"/reports/dashboard?{PERIOD}").status_code == 403
    url = f"/reports/download?report=dashboard&format=csv&{PERIOD}"
    assert client.get(url).status_code == 403


def test_bad_input_is_never_a_server_error(client, auth, db):
    dashboard_world(db)
    auth.login_as("admin")
    assert client.get(f"/reports/dashboard?{PERIOD}&by=xyz").status_code == 400
    for args in (
        "start=2024-13-01&end=2024-03-10",
        "start=2024-03-10&end=2024-02-26",
        "start=2020-01-01&end=2024-03-10",
        f"{PERIOD}&district=nowhere",
        f"{PERIOD}&centre=nowhere",
        "start=2024-13-01&end=x&by=xyz",
    ):
        response = client.get(f"/reports/dashboard?{args}")
        assert response.status_code == 400, args  # the page, with its errors
        html = response.get_data(as_text=True)
        assert 'data-testid="table-dashboard_centres"' not in html, args
        url = f"/reports/download?report=dashboard&format=csv&{args}"
        assert client.get(url).status_code == 400, args
    url = f"/reports/download?report=dashboard&format=csv&table=visits&{PERIOD}"
    assert client.get(url).status_code == 404


def test_empty_period_and_xlsx(client, auth, db):
    dashboard_world(db)
    auth.login_as("admin")
    client.post("/language", data={"lang": "en"})
    response = client.get("/reports/dashboard?start=2023-06-01&end=2023-06-30")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "No cards were issued in this period." in html
    assert "No activity sessions were held in this period." in html
    assert table_rows(html, "dashboard_weeks") == [["No data in this period."]]
    assert figure(html, "visits") == "0"
    response = client.get(f"/reports/download?report=dashboard&format=xlsx&{PERIOD}")
    assert response.status_code == 200
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    assert workbook.sheetnames == ["Om udtrækket", *REPORTS["dashboard"]]
