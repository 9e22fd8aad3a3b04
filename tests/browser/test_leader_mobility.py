"""A leader walks through their mobility view in headless Chromium (issue #14).

The world is ``tests.views.test_mobility_pictures.mobility_world`` (min-cell 3);
the leader runs bis. City-wide, ama -> bis is 4 cards / 6 transitions and bis
-> ama 3 / 4; val never meets bis. bis's cards k1, k2, k3, k6 were all also
at ama: 4 of 4, share 1.0 (DOMAIN.md, "Filters and mobility").
"""

from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_activities import _login
from tests.browser.test_mobility_pictures import _rows, app_config  # noqa: F401
from tests.browser.test_phone_layout import axe_serious
from tests.factories import create_user
from tests.views.test_mobility_pictures import mobility_world


def test_leader_sees_where_their_visitors_also_go(page, live_server, db):
    world = mobility_world()
    world["ama"].name = "Amager Værested"
    world["bis"].name = "Bispebjerg Hus"
    world["val"].name = "Valby Stue"
    create_user(role="leader", centres=[world["bis"]], email="leder@example.org")
    db.session.commit()
    try:
        _login(page, live_server, "leder@example.org")
        page.get_by_test_id("nav-reports").click()
        page.get_by_test_id("report-mobility").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Mobilitet mellem væresteder"
        )
        page.get_by_label("Fra").fill("2024-01-01")
        page.get_by_label("Til").fill("2024-03-31")
        page.get_by_role("button", name="Vis", exact=True).click()

        section = page.get_by_test_id("connections-bis")
        expect(section).to_be_visible()
        expect(section.get_by_role("heading")).to_have_text(
            "Hvor de besøgende på Bispebjerg Hus også kommer"
        )
        # The other centre named, both directions: to ama 3 cards / 4
        # transitions, from ama 4 / 6.
        assert _rows(page, "mobility_connections_bis") == [
            ["Amager Værested", "3", "4", "4", "6"]
        ]
        share = page.get_by_test_id("connections-share-bis")
        expect(share).to_contain_text("Af de 4 kort")
        expect(share).to_contain_text("4 også besøgt")
        expect(share).to_contain_text("100,0 %")
        assert _rows(page, "mobility_centres") == [
            ["Bispebjerg Hus", "4", "4", "100,0 %"]
        ]
        # bis's row and column only; never a cell without bis, nor val.
        assert _rows(page, "mobility_matrix") == [
            ["Amager Værested", "Bispebjerg Hus", "4", "6"],
            ["Bispebjerg Hus", "Amager Værested", "3", "4"],
        ]
        expect(page.get_by_text("Valby Stue")).to_have_count(0)
        heat = page.get_by_test_id("mobility-heatmap")
        expect(heat).to_be_visible()
        assert heat.locator("text.axis-label").count() == 4  # ama, bis twice

        details = page.locator("details")
        for n in range(details.count()):
            details.nth(n).evaluate("d => d.open = true")
        assert axe_serious(page) == []
    finally:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "leader-mobility.png"), full_page=True)
