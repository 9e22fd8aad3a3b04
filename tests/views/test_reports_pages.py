"""Report pages and downloads: same numbers as the files, leaders scoped, SVG charts."""

import csv
import io
import re

import pytest

from tests.presented import shown_rows
from tests.test_reports import GOLDEN, golden_world

PERIOD = "start=2024-01-08&end=2024-01-10"


@pytest.fixture
def app_config(app_config):
    """Pages use EXPORT_MIN_CELL: 3 makes the golden min-cell-3 files apply."""
    return {**app_config, "EXPORT_MIN_CELL": 3, "EXPORT_MIN_CELL_FLOOR": 3}


def table_rows(html: str, name: str) -> list[list[str]]:
    """Return the body cells of the table ``data-testid="table-<name>"``."""
    match = re.search(rf'data-testid="table-{name}">(.*?)</table>', html, flags=re.S)
    assert match, f"no table {name}"
    body = match.group(1).split("<tbody>")[1]
    return [
        [
            re.sub(r"<[^>]+>", "", cell).strip().replace("&lt;", "<")
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    ]


def golden_rows(name: str) -> list[list[str]]:
    text = (GOLDEN / "min_cell_3" / f"{name}.csv").read_text(encoding="utf-8")
    # The last line of a protected file is its note ("# …"), not a row.
    return [r for r in csv.reader(io.StringIO(text)) if not r[0].startswith("#")][1:]


@pytest.mark.parametrize(
    ("report", "tables"),
    [
        ("visits", ["visits"]),
        ("coverage", ["coverage", "coverage_centres", "flows"]),
        (
            "mobility",
            [
                "mobility_matrix",
                "mobility_centres",
                "mobility_summary",
                "mobility_months",
            ],
        ),
    ],
)
def test_admin_pages_show_the_file_numbers(client, auth, db, report, tables):
    """Every page cell is its file's cell, as a person reads it (Danish by default):
    names for slugs and district codes, labels for codes, Danish numbers."""
    world = golden_world()
    auth.login_as("admin")
    response = client.get(f"/reports/{report}?{PERIOD}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for name in tables:
        assert table_rows(html, name) == shown_rows(name, golden_rows(name)), name
        assert f"{name}.csv" not in html  # tables are titled, not named by file
    alpha, d1 = world["alpha"], world["alpha"].district
    if report == "visits":  # Jan 8 at alpha: 4 visits, 2 with a card (golden)
        assert table_rows(html, "visits")[0] == [
            "8. jan. 2024",
            alpha.name,
            "4",
            "<3",
            "<3",
        ]
        assert ">tally_visits<" not in html and ">card_visits<" not in html
        assert ">Besøg uden kort</th>" in html
    if report == "coverage":  # district 1: target 1000 / 2 centres = 500.0
        assert table_rows(html, "coverage")[0][:7] == [
            d1.name,
            "2",
            "2",
            "1",
            "0",
            "1.000",
            "500,0",
        ]
        assert [r[0] for r in table_rows(html, "flows")][-1] == "Ukendt"
    if report == "mobility":  # 3 of 6 cards at two or more centres: 0.5
        assert table_rows(html, "mobility_summary") == [["6", "3", "0,50"]]
        assert table_rows(html, "mobility_months")[0][:3] == [
            "jan. 2024",
            "8. jan. 2024",
            "10. jan. 2024",
        ]
    for slug in ("alpha", "beta", "gamma"):
        assert f">{slug}<" not in html  # names, never slugs, in cells and labels
    assert "style=" not in html  # the CSP forbids inline styles
    for tag in re.findall(r"<script[^>]*>", html):  # no inline script (CSP)
        assert " src=" in tag or 'type="application/json"' in tag, tag


def test_visits_chart_has_its_numbers_in_a_table(client, auth, db):
    golden_world()
    auth.login_as("admin")
    html = client.get(f"/reports/visits?{PERIOD}").get_data(as_text=True)
    assert 'data-testid="visits-chart"' in html
    # Daily totals: Jan 8 = 4 + 2 + 1 + 2 = 9, Jan 9 = 1 + 1 + 4 = 6,
    # Jan 10 = 1 + 3 + 1 = 5 (none below 3, so none suppressed).
    assert table_rows(html, "daily") == [
        ["8. jan. 2024", "9"],
        ["9. jan. 2024", "6"],
        ["10. jan. 2024", "5"],
    ]
    assert html.count('class="bar"') == 3


def test_mobility_heat_map(client, auth, db):
    world = golden_world()
    auth.login_as("admin")
    html = client.get(f"/reports/mobility?{PERIOD}").get_data(as_text=True)
    assert 'data-testid="mobility-heatmap"' in html
    # alpha, beta, gamma: 3 x 3 cells; the 5 non-empty off-diagonal cells
    # hold 1 or 2 transitions, all suppressed at min-cell 3.
    assert html.count("heat-suppressed") == 5
    assert html.count("heat-diagonal") == 3
    alpha, beta = world["alpha"].name, world["beta"].name
    assert f"<title>{alpha} → {beta}: &lt;3</title>" in html


def test_leader_sees_only_own_centres(client, auth, db):
    world = golden_world()
    auth.login_as("leader", centres=[world["beta"]])
    html = client.get(f"/reports/visits?{PERIOD}").get_data(as_text=True)
    beta = world["beta"].name
    assert [r[1] for r in table_rows(html, "visits")] == [beta, beta, beta]
    assert 'value="alpha"' not in html  # not even offered as a filter
    assert world["alpha"].name not in html
    assert client.get(f"/reports/visits?{PERIOD}&centre=alpha").status_code == 403
    response = client.get(f"/reports/download?report=visits&format=csv&{PERIOD}")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == (
        "date,centre,visits,card_visits,tally_visits\n"
        "2024-01-08,beta,<3,<3,0\n"
        "2024-01-09,beta,<3,<3,0\n"
        "2024-01-10,beta,3,3,0\n"
        + (GOLDEN / "min_cell_3" / "visits.csv").read_text().splitlines(True)[-1]
    )
    # Coverage: the leader's part is administration's view filtered to the
    # leader's centre, and never mentions another centre.
    leader_files = {}
    html = client.get(f"/reports/coverage?{PERIOD}").get_data(as_text=True)
    assert "alpha" not in html and world["alpha"].name not in html
    assert beta in html
    assert client.get(f"/reports/coverage?{PERIOD}&centre=alpha").status_code == 403
    # Mobility: beta's row and column of the city's matrix, the other centres
    # named (a>b, b>g, g>b; never a>g or g>a), beta's row of mobility_centres
    # only, and its city-wide share (4 cards, 2 multi: <3 at min-cell 3). The
    # files keep the slugs; the page shows names (never a slug).
    alpha, gamma = world["alpha"].name, world["gamma"].name
    html = client.get(f"/reports/mobility?{PERIOD}").get_data(as_text=True)
    assert not re.search(r"\b(alpha|gamma)\b", html)
    matrix = [
        ["alpha", "beta", "<3", "<3"],
        ["beta", "gamma", "<3", "<3"],
        ["gamma", "beta", "<3", "<3"],
    ]
    centres = [["beta", "4", "<3", ""]]
    summary = [["4", "<3", ""]]
    assert table_rows(html, "mobility_matrix") == [
        [alpha, beta, "<3", "<3"],
        [beta, gamma, "<3", "<3"],
        [gamma, beta, "<3", "<3"],
    ]
    assert table_rows(html, "mobility_matrix") == shown_rows("mobility_matrix", matrix)
    assert table_rows(html, "mobility_centres") == [[beta, "4", "<3", ""]]
    assert table_rows(html, "mobility_centres") == shown_rows(
        "mobility_centres", centres
    )
    assert table_rows(html, "mobility_summary") == [["4", "<3", ""]]
    assert table_rows(html, "mobility_summary") == shown_rows(
        "mobility_summary", summary
    )
    # Named: to alpha none, from alpha a>b; to and from gamma b>g, g>b.
    assert sorted(table_rows(html, "mobility_connections_beta")) == sorted(
        [
            [alpha, "0", "0", "<3", "<3"],
            [gamma, "<3", "<3", "<3", "<3"],
        ]
    )
    # In the heat map the cells a>g and g>a are blank, not part of the view.
    assert html.count('class="heat-hidden"') == 2
    assert f"<title>{alpha} → {gamma}: ikke en del af denne visning</title>" in html
    assert f"<title>{gamma} → {alpha}: ikke en del af denne visning</title>" in html
    assert f"{alpha} → {gamma}: &lt;" not in html
    assert f"{gamma} → {alpha}: &lt;" not in html
    assert client.get(f"/reports/mobility?{PERIOD}&centre=alpha").status_code == 403
    for report, table in (
        ("coverage", "flows"),
        ("mobility", "mobility_centres"),
        ("mobility", "mobility_matrix"),
        ("mobility", "mobility_months"),
    ):
        url = f"/reports/download?report={report}&format=csv&table={table}&{PERIOD}"
        leader_files[url] = client.get(url).get_data(as_text=True)
    auth.logout()
    auth.login_as("admin")
    for url, text in leader_files.items():
        assert client.get(url + "&centre=beta").get_data(as_text=True) == text
        assert client.get(url).get_data(as_text=True) != text  # admin sees more


@pytest.mark.parametrize(
    ("report", "table"),
    [("visits", "visits"), ("coverage", "flows"), ("mobility", "mobility_centres")],
)
def test_download_csv_equals_the_export(client, auth, db, report, table):
    golden_world()
    auth.login_as("admin")
    url = f"/reports/download?report={report}&format=csv&table={table}&{PERIOD}"
    response = client.get(url)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="2024-01-08_2024-01-10_{table}.csv"'
    )
    assert response.get_data(as_text=True) == (
        GOLDEN / "min_cell_3" / f"{table}.csv"
    ).read_text(encoding="utf-8")


def test_download_xlsx_and_geojson(client, auth, db):
    from openpyxl import load_workbook

    golden_world()
    user = auth.login_as("admin")
    response = client.get(f"/reports/download?report=coverage&format=xlsx&{PERIOD}")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.data), read_only=True)
    assert workbook.sheetnames == [
        "Om udtrækket", "coverage", "coverage_centres", "flows"
    ]  # fmt: skip
    rows = list(workbook["coverage"].iter_rows(values_only=True))
    # Danish headers and district names (the factory names districts "District N").
    assert rows[0][:2] == ("Bydel", "Væresteder")
    assert rows[1][1] == 2 and rows[1][0].startswith("District ")
    assert rows[1][rows[0].index("Kort med bopæl i bydelen")] == "<3"
    about = [r for r in workbook["Om udtrækket"].iter_rows(values_only=True)]
    assert ("Dannet af", f"Bruger {user.display_name}") in [r[:2] for r in about]
    response = client.get(f"/reports/download?report=coverage&format=geojson&{PERIOD}")
    assert response.status_code == 200
    assert response.json["features"][0]["id"] == "1"
    assert response.json["features"][0]["properties"]["name"].startswith("District ")
    # No district of the visits report has a map: 404, not a 500.
    response = client.get(f"/reports/download?report=visits&format=geojson&{PERIOD}")
    assert response.status_code == 404


def test_bad_input_never_fails(client, auth, db):
    golden_world()
    auth.login_as("admin")
    client.post("/language", data={"lang": "en"})  # the messages below are English
    html = client.get("/reports/visits?start=2024-01-10&end=2024-01-08").get_data(
        as_text=True
    )
    assert "The period must not end before it starts." in html
    assert 'data-testid="table-visits"' not in html
    html = client.get("/reports/coverage?start=x&end=2024-01-08&district=zz").get_data(
        as_text=True
    )
    assert "Not a valid date value." in html
    assert client.get("/reports/download?start=x").status_code == 400
    response = client.get(f"/reports/download?format=pdf&{PERIOD}")
    assert response.status_code == 400  # and says which formats there are
    assert "Unknown file format pdf: choose one of csv, csv_da" in response.text
    assert client.get(f"/reports/download?report=nope&{PERIOD}").status_code == 404
    url = f"/reports/download?report=visits&table=flows&{PERIOD}"
    assert client.get(url).status_code == 404


def test_index_lists_reports_per_role(client, auth, db):
    world = golden_world()
    auth.login_as("leader", centres=[world["alpha"]])
    html = client.get("/reports/").get_data(as_text=True)
    for report in ("dashboard", "visits", "coverage", "mobility"):
        assert f'data-testid="report-{report}"' in html
    assert 'data-testid="link-schedules"' not in html  # exports: administration
