"""Phone layout, kiosk set-up from the command line, and axe-core accessibility checks."""

import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.test_scanner import login, open_scanner
from tests.factories import (
    create_activity,
    create_card,
    create_centre,
    create_district,
    create_session,
    create_target_group,
    create_user,
)
from vaerested.api.tokens import create_access_token
from vaerested.checkin.codes import format_code
from vaerested.extensions import db as _db
from vaerested.models import ExportSchedule, Visit
from vaerested.models.base import utcnow

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
AXE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text()
MONTHS = "januar februar marts april maj juni juli august september oktober november december"


@pytest.fixture
def world(db):
    district = create_district(code="VK", name="Vesterbro/Kongens Enghave")
    centre = create_centre(
        slug="solsikken", name="Solsikken – Værested for Vesterbro", district=district
    )
    other = create_centre(slug="kastanjehuset", name="Kastanjehuset")
    create_target_group(name_da="Borgere med psykiske vanskeligheder og misbrug")
    activity = create_activity(centre, title="Fællesspisning med grøntsager fra haven")
    create_session(activity, utcnow() + timedelta(days=1))
    cards = [create_card(centre) for _ in range(2)]
    create_user(role="staff", centres=[centre], email="staff@example.org")
    create_user(role="admin", email="administrator.med.langt.navn@kommune.example.dk")
    create_access_token("kiosk", centre=centre, label="Tablet ved hoveddøren, stuen")
    _db.session.add(
        ExportSchedule(
            name="Månedlig besøgsstatistik til forvaltningen",
            report="visits",
            format="xlsx",
            cadence="monthly",
            day_of_month=1,
            min_cell=5,
        )
    )
    db.session.commit()
    return {"centre": centre, "other": other, "cards": cards, "activity": activity}


def axe_serious(page) -> list:
    """Run axe-core in ``page``; return its serious and critical violations."""
    page.evaluate(AXE)  # evaluated by the test driver: the page's CSP does not apply
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ["violations"]});
            return result.violations
              .filter(v => v.impact === "serious" || v.impact === "critical")
              .map(v => ({id: v.id, nodes: v.nodes.map(n => n.target.join(" "))}));
        }"""
    )


def test_no_page_is_wider_than_a_phone(page, live_server, world):
    page.set_viewport_size(PHONE)
    public = ["/calendar/", "/auth/login", "/checkin/kiosk"]
    slug, activity = "solsikken", world["activity"].id
    staff_pages = [
        "/centres/",
        f"/centres/{slug}",
        "/admin/users",
        "/admin/districts",
        "/admin/target-groups",
        "/reports/schedules",
        f"/activities/{slug}/",
        f"/activities/{slug}/{activity}",
        "/activities/landscape",
        f"/checkin/{slug}/",
        f"/checkin/{slug}/kiosks",
        f"/checkin/{slug}/cards/new",
        f"/checkin/{slug}/cards/revoke",
        "/reports/",
        "/calendar/",
    ]
    widths = {}
    for path in public:
        assert page.goto(live_server + path).status == 200, path
        widths[path] = page.evaluate("document.documentElement.scrollWidth")
    login(page, live_server, "administrator.med.langt.navn@kommune.example.dk")
    for path in staff_pages:
        assert page.goto(live_server + path).status == 200, path
        widths["admin " + path] = page.evaluate("document.documentElement.scrollWidth")
    assert {p: w for p, w in widths.items() if w > 390} == {}
    # Wide tables scroll inside a labelled region that the keyboard can reach.
    page.goto(live_server + "/admin/users")
    region = page.locator(".table-wrap").first
    expect(region).to_have_attribute("tabindex", "0")
    expect(region).to_have_attribute("role", "region")
    expect(region).to_have_attribute("aria-label", re.compile("."))


def test_the_first_phone_screen_has_everything_to_check_in(page, live_server, world):
    page.set_viewport_size(PHONE)
    login(page, live_server)
    open_scanner(page, live_server)
    page.get_by_test_id("tally").click()
    undo = page.get_by_test_id("taps").get_by_role("button").first
    expect(undo).to_be_visible()
    bottoms = {
        name: locator.bounding_box()["y"] + locator.bounding_box()["height"]
        for name, locator in {
            "field": page.get_by_test_id("code-input"),
            "camera": page.get_by_test_id("camera-toggle"),
            "+1": page.get_by_test_id("tally"),
            "undo": undo,
        }.items()
    }
    assert {n: b for n, b in bottoms.items() if b > PHONE["height"]} == {}, bottoms
    header = page.locator("header").bounding_box()
    assert header["height"] <= 80
    expect(page.get_by_test_id("bar-centre")).to_be_visible()
    expect(page.get_by_test_id("today-count")).to_have_text("1")


def test_kiosk_link_from_the_command_line_opens_a_working_kiosk(
    app, runner, launch_browser, live_server, db, world
):
    app.config["BASE_URL"] = live_server

    def kiosk_link(slug):
        result = runner.invoke(args=["kiosk", "create", "--centre", slug])
        assert result.exit_code == 0, result.output
        return next(line for line in result.output.splitlines() if "#token=" in line)

    link = kiosk_link("solsikken")
    assert link.startswith(f"{live_server}/checkin/kiosk#token=")
    page = launch_browser().pages[0]
    page.set_default_timeout(10_000)
    page.set_viewport_size(PHONE)
    page.goto(link)
    today = date.today()
    since = f"{today.day}. {MONTHS.split()[today.month - 1]} {today.year}"
    expect(page.get_by_test_id("kiosk-bound")).to_have_text(
        f"Kiosk for Solsikken – Værested for Vesterbro siden {since}"
    )
    code = format_code(world["cards"][0].code)
    page.get_by_test_id("code-input").press_sequentially(code)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("feedback-text")).to_have_text("Velkommen")

    # A new link pasted into the open kiosk only changes the hash: it follows it.
    other = kiosk_link("kastanjehuset")
    page.evaluate("hash => { location.hash = hash; }", other.split("#", 1)[1])
    expect(page.get_by_test_id("kiosk-bound")).to_have_text(
        f"Kiosk for Kastanjehuset siden {since}"
    )
    expect(page).to_have_url(f"{live_server}/checkin/kiosk")
    page.get_by_test_id("code-input").press_sequentially(code)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("feedback-text")).to_have_text("Velkommen")
    db.session.rollback()
    centres = sorted(db.session.scalars(select(Visit.centre_id)))
    assert centres == sorted([world["centre"].id, world["other"].id])


@pytest.mark.parametrize("size", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_check_in_and_card_pages_pass_axe(launch_browser, live_server, db, world, size):
    _token, plaintext = create_access_token("kiosk", centre=world["centre"], label="D")
    db.session.commit()
    page = launch_browser().pages[0]
    page.set_default_timeout(10_000)
    page.set_viewport_size(size)
    found = {}
    login(page, live_server)
    open_scanner(page, live_server)
    page.keyboard.type(format_code(world["cards"][0].code))
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("feedback")).to_have_attribute("data-state", "new")
    found["scanner"] = axe_serious(page)
    for name in ("cards/new", "cards/revoke"):
        page.goto(f"{live_server}/checkin/solsikken/{name}")
        found[name] = axe_serious(page)
    page.locator("#code").fill(format_code(world["cards"][1].code))
    page.get_by_test_id("find-card").click()
    expect(page.get_by_test_id("confirm")).to_be_visible()
    found["revoke confirm"] = axe_serious(page)
    page.goto(f"{live_server}/checkin/solsikken/cards/new")
    page.get_by_test_id("issue").click()
    expect(page.locator(".card-sheet")).to_be_visible()
    found["card sheet"] = axe_serious(page)
    page.goto(f"{live_server}/checkin/kiosk#token={plaintext}&centre=solsikken")
    expect(page.get_by_test_id("code-input")).to_be_visible()
    found["kiosk"] = axe_serious(page)
    assert {name: v for name, v in found.items() if v} == {}
