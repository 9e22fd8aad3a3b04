"""The mobility page in headless Chromium: drawn cells, links and points match its tables."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_activities import _login
from tests.factories import create_user
from tests.views.test_mobility_pictures import AMA, BIS, PERIOD, mobility_world


@pytest.fixture
def app_config(app_config):
    return {**app_config, "EXPORT_MIN_CELL": 3, "EXPORT_MIN_CELL_FLOOR": 3}


def _rows(page, name: str) -> list[list[str]]:
    table = page.get_by_test_id(f"table-{name}")
    return [
        [c.strip() for c in row.locator("th, td").all_inner_texts()]
        for row in table.locator("tbody tr").all()
    ]


def test_admin_sees_mobility_pictures(page, live_server, db):
    mobility_world()
    create_user(role="admin", email="admin@example.org")
    db.session.commit()
    try:
        _login(page, live_server, "admin@example.org")
        page.goto(f"{live_server}/reports/mobility?{PERIOD}")
        heat = page.get_by_test_id("mobility-heatmap")
        expect(heat).to_be_visible()
        labels = heat.locator("text.axis-label").count() // 2
        assert labels == 3  # ama, bis, val
        for label in heat.locator("text.axis-label").all():  # names fit the drawing
            box, drawing = label.bounding_box(), heat.bounding_box()
            assert box and drawing and box["x"] >= drawing["x"] - 1
        assert heat.locator("rect").count() == labels**2
        assert heat.locator("rect.heat-suppressed").count() == 1

        links = _rows(page, "mobility_links")
        assert links == [[AMA, BIS, "6", "4"], [BIS, AMA, "4", "3"]]  # names
        diagram = page.get_by_test_id("mobility-links")
        expect(diagram).to_be_visible()
        assert diagram.locator("path.link").count() == len(links)
        assert diagram.locator("circle.node").count() == labels
        box = diagram.locator("path.link").first.bounding_box()
        assert box and box["width"] > 0  # really drawn

        months = _rows(page, "mobility_months")
        with_value = [m for m in months if m[5] != ""]
        assert [m[0] for m in with_value] == ["jan. 2024", "mar. 2024"]  # Danish
        chart = page.get_by_test_id("mobility-index-chart")
        assert chart.locator("circle.point").count() == len(with_value)
        assert chart.locator("polyline").count() == 0  # February is a gap

        centres = _rows(page, "mobility_centres")
        shares = page.get_by_test_id("mobility-share-chart")
        assert shares.locator("rect.bar").count() == len(centres)
        suppressed = [c for c in centres if c[3] == ""]
        assert shares.locator("rect.suppressed").count() == len(suppressed) == 1
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "mobility.png"), full_page=True)
