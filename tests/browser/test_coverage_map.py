"""The coverage map in a real browser: districts, markers, shading and popups."""

from datetime import timedelta
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_activities import _login
from tests.factories import (
    create_card,
    create_centre,
    create_district,
    create_user,
    create_visit,
)
from vaerested.models.base import utcnow
from vaerested.services.boundaries import assign_schematic

#: code, target population, reference point (lat, lon)
DISTRICTS = [
    ("1", 1000, 55.680, 12.580),
    ("2", 2000, 55.710, 12.575),
    ("3", 1500, 55.696, 12.545),
    ("4", None, 55.663, 12.538),  # no target population: no value for most measures
]
#: slug, district, categories, place (None: no coordinates), visits
CENTRES = [
    ("nord", "2", (1, 2), (55.712, 12.574), 9),
    ("syd", "1", (1,), (55.679, 12.581), 2),  # suppressed at min-cell 5
    ("vest", "3", (1, 2, 3), (55.697, 12.546), 0),
    ("skjult", "3", (2,), None, 6),
]


def small_world() -> tuple[int, int]:
    """Create the districts and centres; return (districts with boundaries, markers)."""
    districts = {
        code: create_district(
            code, name=f"Bydel {code}", target_population=pop, ref_lat=lat, ref_lon=lon
        )
        for code, pop, lat, lon in DISTRICTS
    }
    assign_schematic(districts.values())
    now = utcnow() - timedelta(hours=1)
    for slug, code, cats, place, visits in CENTRES:
        centre = create_centre(
            slug,
            districts[code],
            name=slug.capitalize(),
            hours=[(d, "10:00", "20:00") for d in range(6)],
            is_cat1=1 in cats,
            is_cat2=2 in cats,
            is_cat3=3 in cats,
            lat=place[0] if place else None,
            lon=place[1] if place else None,
        )
        for _ in range(visits):
            create_visit(centre, create_card(centre), now)
    return len(DISTRICTS), sum(1 for c in CENTRES if c[3] is not None)


def test_coverage_map(page, live_server, db):
    n_districts, n_markers = small_world()
    create_user(role="admin", email="admin@example.org")
    db.session.commit()
    try:
        _login(page, live_server, "admin@example.org")
        page.goto(f"{live_server}/reports/coverage")
        map_el = page.get_by_test_id("coverage-map")
        expect(map_el).to_have_attribute("data-ready", "1")
        districts = page.locator("#coverage-map path.district")
        markers = page.locator("#coverage-map path.centre")
        expect(districts).to_have_count(n_districts)
        expect(markers).to_have_count(n_markers)
        expect(page.get_by_test_id("map-schematic")).to_be_visible()
        # District 4 has no target population: no value, hatched.
        expect(
            page.locator('path.district.shade-none[data-district="4"]')
        ).to_have_count(1)
        before = [districts.nth(i).get_attribute("class") for i in range(n_districts)]
        assert all("shade-" in c for c in before)

        page.get_by_test_id("map-measure").select_option("cat2_centres")
        expect(map_el).to_have_attribute("data-measure", "cat2_centres")
        after = [districts.nth(i).get_attribute("class") for i in range(n_districts)]
        assert after != before
        expect(
            page.locator(".legend-classes[data-measure=cat2_centres]")
        ).to_be_visible()
        expect(
            page.locator(".legend-classes[data-measure=target_population_per_centre]")
        ).to_be_hidden()

        # A click on a district (4 has no centre on top) opens its figures.
        page.locator('path.district[data-district="4"]').click()
        popup = page.get_by_test_id("map-popup")
        expect(popup).to_be_visible()
        expect(popup).to_contain_text("Bydel 4 (4)")
        page.locator(".leaflet-popup-close-button").click()
        expect(popup).to_have_count(0)
        # A centre opens by keyboard too.
        markers.first.focus()
        page.keyboard.press("Enter")
        expect(page.get_by_test_id("map-popup")).to_contain_text("Nord (nord)")
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "coverage-map.png"), full_page=True)


def test_coverage_map_with_the_official_copenhagen_layer(page, live_server, db, runner):
    """The published layer, imported unchanged (UTM 32N), draws real boundaries."""
    layer = Path(__file__).parents[1] / "data" / "official_kbh_bydel_25832.geojson"
    result = runner.invoke(args=["districts", "import", str(layer)])
    assert result.exit_code == 0, result.output
    create_user(role="admin", email="admin@example.org")
    db.session.commit()
    try:
        _login(page, live_server, "admin@example.org")
        response = page.goto(f"{live_server}/reports/coverage")
        assert len(response.body()) < 300_000  # simplified boundaries keep it small
        map_el = page.get_by_test_id("coverage-map")
        expect(map_el).to_have_attribute("data-ready", "1")
        expect(page.locator("#coverage-map path.district")).to_have_count(10)
        expect(page.get_by_test_id("map-schematic")).to_have_count(0)
        page.locator('path.district[data-district="6"]').click()
        expect(page.get_by_test_id("map-popup")).to_contain_text("Vanløse (6)")
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(
            path=str(ARTIFACTS / "coverage-map-official.png"), full_page=True
        )
