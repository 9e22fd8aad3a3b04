"""The coverage map's data: the numbers of the downloads, scoped, never a 500."""

import csv
import json
import re

import pytest

from tests.presented import shown_rows
from tests.test_reports import golden_world
from tests.views.test_reports_pages import PERIOD, table_rows
from vaerested import create_app
from vaerested.extensions import db as _db
from vaerested.models import District
from vaerested.reports.pages.maps import MEASURES, shade_classes
from vaerested.security import tile_source

#: District 2's (schematic) boundary; district 1 has the golden, surveyed one.
SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[12.5, 55.6], [12.6, 55.6], [12.6, 55.7], [12.5, 55.7], [12.5, 55.6]]
    ],
}
#: alpha, beta and gamma get coordinates; delta (inactive) has none.
PLACES = {"alpha": (55.69, 12.55), "beta": (55.70, 12.56), "gamma": (55.65, 12.57)}


@pytest.fixture
def app_config(app_config):
    """Min-cell 3, as the golden files."""
    return {**app_config, "EXPORT_MIN_CELL": 3, "EXPORT_MIN_CELL_FLOOR": 3}


def map_world(db) -> dict:
    world = golden_world()
    for slug, (lat, lon) in PLACES.items():
        world[slug].lat, world[slug].lon = lat, lon
    d2 = world["gamma"].district
    d2.boundary_geojson = json.dumps(SQUARE)
    d2.is_boundary_schematic = True
    world["alpha"].typical_daily_users = 25
    db.session.commit()
    return world


def map_data(html: str) -> dict:
    match = re.search(
        r'<script type="application/json" id="coverage-map-data">(.*?)</script>',
        html,
        flags=re.S,
    )
    assert match, "no map data"
    return json.loads(match.group(1))


def cell(value) -> str:
    """A JSON value as the CSV writes it."""
    return "" if value is None else str(value)


def download(client, table: str, query: str = PERIOD) -> list[dict]:
    url = f"/reports/download?report=coverage&format=csv&table={table}&{query}"
    response = client.get(url)
    assert response.status_code == 200
    lines = response.get_data(as_text=True).splitlines(True)
    assert lines[-1].startswith("# ")  # a protected file ends with its note
    return list(csv.DictReader(lines[:-1]))


def test_map_data_equals_the_downloads(client, auth, db):
    map_world(db)
    auth.login_as("admin")
    response = client.get(f"/reports/coverage?{PERIOD}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    data = map_data(html)

    coverage = {r["district"]: r for r in download(client, "coverage")}
    features = data["districts"]["features"]
    assert [f["id"] for f in features] == ["1", "2"]  # district 3 has no boundary
    for feature in features:
        props = feature["properties"]
        row = coverage[feature["id"]]
        assert {c: cell(props[c]) for c in row} == row
    assert features[0]["geometry"]["type"] == "Polygon"
    assert features[1]["geometry"] == SQUARE
    assert [f["properties"]["schematic"] for f in features] == [False, True]
    names = {d.code: d.name for d in db.session.query(District)}
    assert [f["properties"]["name"] for f in features] == [names["1"], names["2"]]
    # Visits per 1,000: 12.0 (district 1) < 26.67 (district 2); resident share
    # is empty in both (2 residents each: suppressed at min-cell 3).
    assert [f["properties"]["classes"]["visits_per_1000_target"] for f in features] == [
        0,
        4,
    ]
    assert [f["properties"]["classes"]["resident_share"] for f in features] == [
        None,
        None,
    ]

    centres = {r["centre"]: r for r in download(client, "coverage_centres")}
    assert sorted(centres) == ["alpha", "beta", "delta", "gamma"]
    markers = data["centres"]
    assert [m["centre"] for m in markers] == [
        "alpha",
        "beta",
        "gamma",
    ]  # delta: no place
    for marker in markers:
        row = centres[marker["centre"]]
        assert {c: cell(marker[c]) for c in row} == row
        assert (marker["latitude"], marker["longitude"]) == PLACES[marker["centre"]]
    assert [m["visits"] for m in markers] == [6, 6, 7]
    assert [m["profile"] for m in markers] == ["12", "1", "23"]
    assert markers[2]["radius"] == 18 and markers[0]["radius"] < 18  # gamma most
    assert centres["delta"]["visits"] == "<3"

    # The page's tables are the downloads too.
    # (as a person reads them: names, Danish numbers), and so are the popups.
    for name, rows in (("coverage", coverage), ("coverage_centres", centres)):
        assert table_rows(html, name) == shown_rows(name, list(rows.values()))
    for marker in markers:
        row = centres[marker["centre"]]
        assert [marker["text"][c] for c in row] == shown_rows(
            "coverage_centres", [row]
        )[0]
    assert [f["properties"]["text"]["target_population"] for f in features] == [
        "1.000",
        "300",
    ]
    assert 'data-testid="map-schematic"' in html
    assert data["measure"] == "target_population_per_centre"
    assert set(data["labels"]["names"]) >= set(MEASURES)
    assert data["tiles"] == {"url": "", "attribution": ""}
    assert "vendor/leaflet/leaflet.js" in html and "js/coverage-map.js" in html


def test_measure_choice_and_legend(client, auth, db):
    map_world(db)
    auth.login_as("admin")
    html = client.get(f"/reports/coverage?{PERIOD}&measure=cat2_centres").get_data(
        as_text=True
    )
    assert map_data(html)["measure"] == "cat2_centres"
    assert '<option value="cat2_centres" selected>' in html
    # One legend per measure; only the chosen one shows.
    assert html.count('class="legend-classes"') == len(MEASURES)
    assert re.search(r'data-measure="cat2_centres">', html)
    assert re.search(r'data-measure="centres" hidden>', html)


def test_leader_sees_only_own_markers(client, auth, db):
    world = map_world(db)
    auth.login_as("leader", centres=[world["beta"]])
    html = client.get(f"/reports/coverage?{PERIOD}").get_data(as_text=True)
    data = map_data(html)
    assert [m["centre"] for m in data["centres"]] == ["beta"]
    assert "alpha" not in html and "gamma" not in html
    # District 1's figures count beta's visits only: the leader's download.
    coverage = {r["district"]: r for r in download(client, "coverage")}
    for feature in data["districts"]["features"]:
        props = feature["properties"]
        assert {c: cell(props[c]) for c in coverage[feature["id"]]} == coverage[
            feature["id"]
        ]
    assert data["districts"]["features"][0]["properties"]["visits"] == 6
    assert data["districts"]["features"][1]["properties"]["visits"] == 0
    url = f"/reports/coverage?{PERIOD}&centre=gamma"
    assert client.get(url).status_code == 403


def test_staff_get_403(client, auth, db):
    world = map_world(db)
    auth.login_as("staff", centres=[world["beta"]])
    assert client.get(f"/reports/coverage?{PERIOD}").status_code == 403
    url = (
        f"/reports/download?report=coverage&format=csv&table=coverage_centres&{PERIOD}"
    )
    assert client.get(url).status_code == 403


@pytest.mark.parametrize(
    "query",
    [
        f"{PERIOD}&measure=nope",
        f"{PERIOD}&measure=%3Cscript%3E",
        f"{PERIOD}&measure=",
        f"{PERIOD}&measure=visits&measure=centres",
        f"{PERIOD}&district=zz&measure=nope",
        f"{PERIOD}&centre=nobody",
        "start=2024-01-10&end=2024-01-08",
        "start=x&end=%00&measure=%FF",
        "start=2024-02-30",
    ],
)
def test_garbage_never_fails(client, auth, db, query):
    map_world(db)
    auth.login_as("admin")
    response = client.get(f"/reports/coverage?{query}")
    # An invalid period, district or centre shows the page with its errors, as a
    # 400; a NUL byte is refused before any view (issue #11).
    assert response.status_code in (200, 400)
    html = response.get_data(as_text=True)
    if "coverage-map-data" in html:
        measure = map_data(html)["measure"]
        assert measure in MEASURES
        assert "&lt;script&gt;" not in html and "<script>" not in html


def test_nothing_to_draw(client, auth, db):
    golden_world()  # district 1 has a boundary: remove it
    for district in db.session.query(District):
        district.boundary_geojson = None
    db.session.commit()
    auth.login_as("admin")
    html = client.get(f"/reports/coverage?{PERIOD}").get_data(as_text=True)
    assert 'data-testid="map-empty"' in html
    assert 'id="coverage-map"' not in html
    assert 'data-testid="map-schematic"' not in html
    data = map_data(html)
    assert data["districts"]["features"] == [] and data["centres"] == []


def test_tile_layer_config(app, app_config, client, auth, db):
    map_world(db)
    auth.login_as("admin")
    app.config["MAP_TILE_URL"] = "https://{s}.tile.example.org/{z}/{x}/{y}.png"
    app.config["MAP_TILE_ATTRIBUTION"] = "© Example & co"
    html = client.get(f"/reports/coverage?{PERIOD}").get_data(as_text=True)
    assert map_data(html)["tiles"] == {
        "url": "https://{s}.tile.example.org/{z}/{x}/{y}.png",
        "attribution": "© Example & co",
    }
    # The CSP is fixed when the app starts: a new app allows the tile host.
    other = create_app(
        {**app_config, "MAP_TILE_URL": "https://{s}.tile.example.org/{z}/{x}/{y}.png"}
    )
    try:
        csp = other.test_client().get("/auth/login").headers["Content-Security-Policy"]
    finally:
        with other.app_context():
            _db.engine.dispose()
    assert "img-src 'self' https://*.tile.example.org data: blob:" in csp
    default = client.get("/auth/login").headers["Content-Security-Policy"]
    assert "img-src 'self' data: blob:;" in default


def test_tile_source():
    assert tile_source("") == ""
    assert tile_source("https://tiles.local:8080/{z}/{x}/{y}.png") == (
        "https://tiles.local:8080"
    )
    assert tile_source("javascript:alert(1)") == ""
    assert tile_source("https://a.org; script-src *") == ""


def test_shade_classes():
    assert shade_classes([]) == []
    assert shade_classes(["", "<5", None]) == [None, None, None]
    assert shade_classes([3, 3.0]) == [0, 0]
    assert shade_classes([0, 1, 2, ""]) == [0, 2, 4, None]
    assert shade_classes(range(10)) == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert shade_classes([5, 1]) == [4, 0]


def test_unescaped_names_are_safe(client, auth, db):
    world = map_world(db)
    world["alpha"].name = "</script><b>x</b>"
    db.session.commit()
    auth.login_as("admin")
    html = client.get(f"/reports/coverage?{PERIOD}").get_data(as_text=True)
    assert "</script><b>" not in html
    names = {m["centre"]: m["name"] for m in map_data(html)["centres"]}
    assert names["alpha"] == "</script><b>x</b>"
