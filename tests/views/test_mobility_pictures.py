"""Mobility pictures and the flows matrix: the page's numbers are the download's.

The world (``mobility_world``), period 2024-01-01 .. 2024-03-31, min-cell 3.
Centres ama and bis lie in district 1, val in district 2; visits at 10:00 UTC.

January: k1, k2, k3 ama (2nd), bis (3rd), ama (4th); k4 ama (2nd), val (5th);
k5, k6, k7 ama (2nd); k8 val (6th); a tally at val (6th) from district 2.
February: nothing. March: k1 ama (1st); k2 bis (1st); k3 bis (5th), ama (6th);
k5 ama (2nd), val (3rd); k6 ama (1st), bis (2nd).

Months: Jan 8 active (k1..k8), 4 multi (k1..k4) -> 0.5; Feb 0, 0 -> empty;
Mar 5 active (k1, k2, k3, k5, k6), 3 multi (k3, k5, k6) -> 0.6.
Whole period: k1 a>b b>a; k2 a>b b>a a>b; k3 a>b b>a a>b b>a; k4 a>v; k5 a>v;
k6 a>b. Cells ama>bis 4 cards 6 transitions; bis>ama 3, 4; ama>val 2, 2
(suppressed). Summary 8 active, 6 multi (k1..k6) -> 0.75. Centres: ama 7
active, 6 multi -> 0.8571; bis 4, 4 -> 1.0; val 3, 2 -> <3, share empty.

Flows (cards, visits) by home (k1, k2, k5, k6, k7: 1; k3: 2; k8: 3; k4: none)
and centre district: (1,1) 5, 4+4+2+3+1 = 14; (1,2) k5 1, 1; (2,1) k3 1, 5;
(2,2) tally 0, 1; (3,2) k8 1, 1; (unknown,1) k4 1, 1; (unknown,2) k4 1, 1.
"""

import csv
import io
import re
from datetime import UTC, datetime

import pytest

from tests.factories import create_card, create_centre, create_district, create_visit
from tests.presented import shown_rows
from tests.views.test_reports_pages import table_rows
from vaerested.reports.pages.pictures import CONNECTION_COLUMNS

PERIOD = "start=2024-01-01&end=2024-03-31"
AMA, BIS, VAL = "Amagerhuset", "Bispebjerg Café", "Valby Værested"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "EXPORT_MIN_CELL": 3, "EXPORT_MIN_CELL_FLOOR": 3}


def at(month: int, day: int) -> datetime:
    return datetime(2024, month, day, 10, tzinfo=UTC)


def mobility_world() -> dict:
    d1 = create_district("1", name="Bispebjerg")
    d2 = create_district("2", name="Vesterbro")
    d3 = create_district("3", name="Østerbro")
    # Names sort as the slugs do: the pictures order centres by name.
    val = create_centre("val", d2, name="Valby Værested")
    bis = create_centre("bis", d1, name="Bispebjerg Café")
    ama = create_centre("ama", d1, name="Amagerhuset")
    k1, k2, k5, k6, k7 = (create_card(home_district_id=d1.id) for _ in range(5))
    k3 = create_card(home_district_id=d2.id)
    k4 = create_card()
    k8 = create_card(home_district_id=d3.id)
    for card in (k1, k2, k3):
        for centre, day in ((ama, 2), (bis, 3), (ama, 4)):
            create_visit(centre, card, at(1, day))
    for centre, card, moment in [
        (ama, k4, at(1, 2)),
        (val, k4, at(1, 5)),
        (ama, k5, at(1, 2)),
        (ama, k6, at(1, 2)),
        (ama, k7, at(1, 2)),
        (val, k8, at(1, 6)),
        (ama, k1, at(3, 1)),
        (bis, k2, at(3, 1)),
        (bis, k3, at(3, 5)),
        (ama, k3, at(3, 6)),
        (ama, k5, at(3, 2)),
        (val, k5, at(3, 3)),
        (ama, k6, at(3, 1)),
        (bis, k6, at(3, 2)),
        # outside the period
        (bis, k7, datetime(2023, 12, 31, 10, tzinfo=UTC)),
        (val, k7, datetime(2024, 4, 1, 10, tzinfo=UTC)),
    ]:
        create_visit(centre, card, moment)
    create_visit(val, None, at(1, 6), home_district_id=d2.id)
    return {"ama": ama, "bis": bis, "val": val}


def download(client, report: str, table: str, extra: str = "") -> list[list[str]]:
    url = f"/reports/download?report={report}&format=csv&table={table}&{PERIOD}{extra}"
    response = client.get(url)
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[-1][0].startswith("# ")  # a protected file ends with its note
    return rows[1:-1]


def svg(html: str, testid: str) -> str:
    match = re.search(rf'<svg[^>]*data-testid="{testid}".*?</svg>', html, flags=re.S)
    assert match, testid
    return match.group(0)


def test_mobility_page_numbers_and_pictures(client, auth, db):
    mobility_world()
    auth.login_as("admin")
    html = client.get(f"/reports/mobility?{PERIOD}").get_data(as_text=True)
    # Whole months (last: days_in_period, partial): 31, 29 (leap year), 31 days.
    months = [
        ["2024-01", "2024-01-01", "2024-01-31", "8", "4", "0.5", "31", "0"],
        ["2024-02", "2024-02-01", "2024-02-29", "0", "0", "", "29", "0"],
        ["2024-03", "2024-03-01", "2024-03-31", "5", "3", "0.6", "31", "0"],
    ]
    centres = [
        ["ama", "7", "6", "0.8571"],
        ["bis", "4", "4", "1.0"],
        ["val", "3", "<3", ""],
    ]
    matrix = [
        ["ama", "bis", "4", "6"],
        ["ama", "val", "<3", "<3"],
        ["bis", "ama", "3", "4"],
    ]
    expected = {
        "mobility_months": months,
        "mobility_centres": centres,
        "mobility_matrix": matrix,
        "mobility_summary": [["8", "6", "0.75"]],
    }
    # The page shows the file's rows as a person reads them (Danish by default).
    shown = {
        "mobility_months": [
            [
                "jan. 2024",
                "1. jan. 2024",
                "31. jan. 2024",
                "8",
                "4",
                "0,50",
                "31",
                "Nej",
            ],
            ["feb. 2024", "1. feb. 2024", "29. feb. 2024", "0", "0", "", "29", "Nej"],
            [
                "mar. 2024",
                "1. mar. 2024",
                "31. mar. 2024",
                "5",
                "3",
                "0,60",
                "31",
                "Nej",
            ],
        ],
        "mobility_centres": [
            [AMA, "7", "6", "85,7 %"],
            [BIS, "4", "4", "100,0 %"],
            [VAL, "3", "<3", ""],
        ],
        "mobility_matrix": [
            [AMA, BIS, "4", "6"],
            [AMA, VAL, "<3", "<3"],
            [BIS, AMA, "3", "4"],
        ],
        "mobility_summary": [["8", "6", "0,75"]],
    }
    for name, rows in expected.items():
        assert table_rows(html, name) == shown[name] == shown_rows(name, rows), name
        assert download(client, "mobility", name) == rows, name
    # Strongest links: the suppressed ama > val is never drawn.
    links = [[AMA, BIS, "6", "4"], [BIS, AMA, "4", "3"]]
    assert table_rows(html, "mobility_links") == links
    assert all(link[:2] + link[3:1:-1] in shown["mobility_matrix"] for link in links)
    diagram = svg(html, "mobility-links")
    titles = re.findall(r'<path [^>]*class="link"[^>]*><title>(.*?)</title>', diagram)
    assert titles == [
        f"{AMA} → {BIS}: 6 skift, 4 kort",
        f"{BIS} → {AMA}: 4 skift, 3 kort",
    ]
    for slug in ("ama", "bis", "val"):
        assert f">{slug}<" not in html  # centre names in tables and pictures
    widths = [float(w) for w in re.findall(r'stroke-width="([\d.]+)"', diagram)]
    assert widths[0] > widths[1]
    assert diagram.count("<circle") == 3  # ama, bis, val
    # Heat map: 3 x 3 cells, ama > val suppressed.
    heat = svg(html, "mobility-heatmap")
    assert heat.count("<rect") == 9
    assert heat.count('class="heat-suppressed"') == 1
    # Index: points for January and March, no line across the empty February.
    chart = svg(html, "mobility-index-chart")
    assert re.findall(r'class="point"><title>(.*?)</title>', chart) == [
        "jan. 2024: 0,50",
        "mar. 2024: 0,60",
    ]
    assert "<polyline" not in chart
    # Shares: two bars and val's suppressed share as a hatched stub.
    shares = svg(html, "mobility-share-chart")
    assert re.findall(r'class="(bar[^"]*)"><title>(.*?)</title>', shares) == [
        ("bar", f"{AMA}: 85,7 %"),
        ("bar", f"{BIS}: 100,0 %"),
        ("bar suppressed", f"{VAL}: –"),
    ]
    assert "style=" not in html


def test_flows_matrix_equals_the_flows_download(client, auth, db):
    mobility_world()
    auth.login_as("admin")
    html = client.get(f"/reports/coverage?{PERIOD}").get_data(as_text=True)
    flows = [
        ["1", "1", "5", "14"],
        ["1", "2", "<3", "<3"],
        ["2", "1", "<3", "5"],
        ["2", "2", "0", "<3"],
        ["3", "2", "<3", "<3"],
        ["unknown", "1", "<3", "<3"],
        ["unknown", "2", "<3", "<3"],
    ]
    assert download(client, "coverage", "flows") == flows
    district = {
        "1": "Bispebjerg",
        "2": "Vesterbro",
        "3": "Østerbro",
        "unknown": "Ukendt",
    }
    assert table_rows(html, "flows") == [
        [district[h], district[c], cards, visits] for h, c, cards, visits in flows
    ]
    match = re.search(r'data-testid="flows-matrix">(.*?)</table>', html, flags=re.S)
    assert match
    head, body = match.group(1).split("<tbody>")
    columns = [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r"<th[^>]*>(.*?)</th>", head)
    ]
    assert columns[1:] == ["Bispebjerg", "Vesterbro"]
    cells = [
        [
            c.strip().replace("&lt;", "<")
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r)
        ]
        for r in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    ]
    assert cells == [
        ["Bispebjerg", "5", "<3"],
        ["Vesterbro", "<3", "0"],
        ["Østerbro", "", "<3"],
        ["Ukendt", "<3", "<3"],
    ]
    # Every cell is the cards of its flows row (blank: no row).
    from_csv = {(district[h], district[c]): cards for h, c, cards, _ in flows}
    for row in cells:
        for there, shown in zip(columns[1:], row[1:], strict=True):
            assert shown == from_csv.get((row[0], there), "")
    assert html.count('class="num heat-suppressed"') == 5
    assert 'class="num heat-none"' in html and 'class="num heat-5"' in html


def test_empty_period_shows_empty_states(client, auth, db):
    mobility_world()
    auth.login_as("admin")
    client.post("/language", data={"lang": "en"})
    html = client.get("/reports/mobility?start=2025-01-01&end=2025-01-31").get_data(
        as_text=True
    )
    assert html.count("No transitions in this period.") == 2  # heat map, links
    assert "No mobility index in this period." in html
    assert "No card visits in this period." in html
    assert table_rows(html, "mobility_months") == [
        ["Jan 2025", "Jan 1, 2025", "Jan 31, 2025", "0", "0", "", "31", "No"]
    ]
    html = client.get("/reports/coverage?start=2025-01-01&end=2025-01-31").get_data(
        as_text=True
    )
    assert 'data-testid="flows-matrix"' not in html
    assert "No visits in this period." in html


def test_leader_sees_own_centre_row_and_column(client, auth, db):
    world = mobility_world()
    auth.login_as("leader", centres=[world["bis"]])
    html = client.get(f"/reports/mobility?{PERIOD}").get_data(as_text=True)
    # bis's row and column of the city's matrix (see the module docstring):
    # ama>bis 4 cards 6 transitions, bis>ama 3, 4; val never met bis, and
    # ama>val (no bis at either end) is not part of the leader's view. The
    # files keep the slugs, the page names the centres.
    assert not re.search(r"\b(ama|val)\b", html)
    assert VAL not in html
    matrix = [["ama", "bis", "4", "6"], ["bis", "ama", "3", "4"]]
    assert download(client, "mobility", "mobility_matrix") == matrix
    assert table_rows(html, "mobility_matrix") == [
        [AMA, BIS, "4", "6"],
        [BIS, AMA, "3", "4"],
    ]
    assert table_rows(html, "mobility_matrix") == shown_rows("mobility_matrix", matrix)
    # The other centre named (its name, as every page table shows centres),
    # both directions: to ama 3 cards / 4 transitions, from ama 4 / 6.
    connections = [["ama", "3", "4", "4", "6"]]
    assert table_rows(html, "mobility_connections_bis") == [[AMA, "3", "4", "4", "6"]]
    assert table_rows(html, "mobility_connections_bis") == shown_rows(
        "mobility_connections_bis", connections, columns=CONNECTION_COLUMNS
    )
    # bis's cards k1, k2, k3, k6, each also seen at ama: 4 of 4, city-wide.
    centres = [["bis", "4", "4", "1.0"]]
    summary = [["4", "4", "1.0"]]
    assert download(client, "mobility", "mobility_centres") == centres
    assert download(client, "mobility", "mobility_summary") == summary
    assert table_rows(html, "mobility_centres") == [[BIS, "4", "4", "100,0 %"]]
    assert table_rows(html, "mobility_centres") == shown_rows(
        "mobility_centres", centres
    )
    assert table_rows(html, "mobility_summary") == [["4", "4", "1,00"]]
    assert table_rows(html, "mobility_summary") == shown_rows(
        "mobility_summary", summary
    )
    share = re.search(
        r'data-testid="connections-share-bis">(.*?)</p>', html, flags=re.S
    ).group(1)
    assert f"Af de 4 kort med et besøg på {BIS} har 4 også besøgt" in share
    assert "100,0 %" in share
    # Months: January bis k1, k2, k3 (each at ama too); March bis k2 (only
    # bis that month), k3, k6 (also ama): 3 active, 2 multi (<3).
    months = [
        ["2024-01", "2024-01-01", "2024-01-31", "3", "3", "1.0", "31", "0"],
        ["2024-02", "2024-02-01", "2024-02-29", "0", "0", "", "29", "0"],
        ["2024-03", "2024-03-01", "2024-03-31", "3", "<3", "", "31", "0"],
    ]
    assert table_rows(html, "mobility_months") == [
        ["jan. 2024", "1. jan. 2024", "31. jan. 2024", "3", "3", "1,00", "31", "Nej"],
        ["feb. 2024", "1. feb. 2024", "29. feb. 2024", "0", "0", "", "29", "Nej"],
        ["mar. 2024", "1. mar. 2024", "31. mar. 2024", "3", "<3", "", "31", "Nej"],
    ]
    assert table_rows(html, "mobility_months") == shown_rows("mobility_months", months)
    assert download(client, "mobility", "mobility_months") == months
    assert table_rows(html, "mobility_links") == [
        [AMA, BIS, "6", "4"],
        [BIS, AMA, "4", "3"],
    ]
    assert client.get(f"/reports/mobility?{PERIOD}&centre=ama").status_code == 403
    html = client.get(f"/reports/coverage?{PERIOD}").get_data(as_text=True)
    # Visits at bis: k1 Jan 3, k2 Jan 3 + Mar 1, k6 Mar 2 (home 1: 3 cards, 4
    # visits); k3 Jan 3 + Mar 5 (home 2: 1 card, 2 visits).
    flows = [["1", "1", "3", "4"], ["2", "1", "<3", "<3"]]
    assert download(client, "coverage", "flows") == flows
    assert table_rows(html, "flows") == [
        ["Bispebjerg", "Bispebjerg", "3", "4"],
        ["Vesterbro", "Bispebjerg", "<3", "<3"],
    ]
    assert table_rows(html, "flows") == shown_rows("flows", flows)


@pytest.mark.parametrize("extra", ["", "&centre=bis", "&district=1", "&district=2"])
def test_leader_never_sees_cells_without_own_centre(client, auth, db, extra):
    """Permission boundary: whatever the filter, a leader's matrix and rows all
    have the leader's centre at one end; a district without it shows nothing."""
    world = mobility_world()
    auth.login_as("leader", centres=[world["bis"]])
    matrix = download(client, "mobility", "mobility_matrix", extra)
    centres = download(client, "mobility", "mobility_centres", extra)
    assert all("bis" in row[:2] for row in matrix)
    assert all(row[0] == "bis" for row in centres)
    if extra == "&district=2":  # bis lies in district 1: nothing of it there
        assert matrix == centres == []
        summary = download(client, "mobility", "mobility_summary", extra)
        assert summary == [["0", "0", ""]]
    else:
        assert len(matrix) == 2 and len(centres) == 1
    html = client.get(f"/reports/mobility?{PERIOD}{extra}").get_data(as_text=True)
    assert not re.search(
        rf"({AMA} → {VAL}|{VAL} → {AMA}): (?!ikke en del af denne visning)", html
    )


def test_staff_and_anonymous_are_refused(client, auth, db):
    world = mobility_world()
    assert client.get(f"/reports/mobility?{PERIOD}").status_code in (302, 401)
    auth.login_as("staff", centres=[world["ama"]])
    assert client.get(f"/reports/mobility?{PERIOD}").status_code == 403
    assert client.get(f"/reports/coverage?{PERIOD}").status_code == 403
    url = f"/reports/download?report=mobility&table=mobility_months&{PERIOD}"
    assert client.get(url).status_code == 403


@pytest.mark.parametrize(
    "query",
    [
        "start=2024-03-01&end=2024-01-01",
        "start=nonsense&end=2024-01-01",
        "start=2021-01-01&end=2024-12-31",
        "start=2024-01-01&end=2024-03-31&district=zz",
        "start=2024-01-01&end=2024-03-31&centre=nope",
    ],
)
def test_bad_input_is_never_a_500(client, auth, db, query):
    mobility_world()
    auth.login_as("admin")
    response = client.get(f"/reports/mobility?{query}")
    assert response.status_code == 400  # the page, with its errors (issue #11)
    assert 'data-testid="table-mobility_months"' not in response.get_data(as_text=True)


def test_long_period_has_a_row_per_month(client, auth, db):
    mobility_world()
    auth.login_as("admin")
    html = client.get("/reports/mobility?start=2023-12-15&end=2024-04-10").get_data(
        as_text=True
    )
    rows = table_rows(html, "mobility_months")
    assert [r[:3] for r in rows] == [
        ["dec. 2023", "15. dec. 2023", "31. dec. 2023"],
        ["jan. 2024", "1. jan. 2024", "31. jan. 2024"],
        ["feb. 2024", "1. feb. 2024", "29. feb. 2024"],
        ["mar. 2024", "1. mar. 2024", "31. mar. 2024"],
        ["apr. 2024", "1. apr. 2024", "10. apr. 2024"],
    ]
    # December: k7 at bis only; April: k7 at val only -> 1 active each, suppressed.
    # December 15..31 is 17 of its 31 days, April 1..10 10 of 30: partial.
    assert [r[3:] for r in rows] == [
        ["<3", "0", "", "17", "Ja"],
        ["8", "4", "0,50", "31", "Nej"],
        ["0", "0", "", "29", "Nej"],
        ["5", "3", "0,60", "31", "Nej"],
        ["<3", "0", "", "10", "Ja"],
    ]


def test_heat_map_titles_write_counts_for_the_locale(app):
    """A heat-map cell's title is a page number like any other: Babel-formatted;
    protected markers stay as they are, a cell outside the view says so."""
    from flask_babel import force_locale

    from vaerested.reports.pages.charts import heatmap

    values = {("A", "B"): 1234, ("B", "A"): "<3", ("B", "C"): 5}
    with app.test_request_context("/"):
        with force_locale("da"):
            heat = heatmap(["A", "B", "C"], values, shown={"B"})
        titles = {c.title: (c.shown, c.css) for c in heat.cells}
        assert titles["A → B: 1.234"] == (1234, "heat-5")
        assert titles["B → A: <3"] == ("<3", "heat-suppressed")
        assert titles["A → C: ikke en del af denne visning"] == ("", "heat-hidden")
        with force_locale("en"):
            heat = heatmap(["A", "B"], values)
        assert "A → B: 1,234" in {c.title for c in heat.cells}
