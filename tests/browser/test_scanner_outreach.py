"""The scanner's optional outreach tap in a real browser: after a scan, one tap
records who came along; scanning goes on meanwhile (wedge included)."""

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser import test_scanner
from tests.browser.test_scanner import WELCOME, login, open_scanner, watch_errors, wedge
from vaerested.checkin.codes import format_code
from vaerested.models import Visit

world = test_scanner.world  # the scanner tests' centre, two cards and a staff user


def outreach_by_card(db) -> dict:
    db.session.rollback()  # see what the server committed
    return dict(db.session.execute(select(Visit.card_id, Visit.outreach)).all())


def test_tap_an_outreach_choice_after_a_scan(page, live_server, db, world):  # noqa: F811
    first, second = world["cards"]
    errors = watch_errors(page)
    login(page, live_server)
    open_scanner(page, live_server)
    box = page.get_by_test_id("outreach")
    expect(box).to_be_hidden()  # nothing to ask before a scan

    wedge(page, format_code(first.code))
    expect(page.get_by_test_id("feedback-text")).to_have_text(WELCOME)
    expect(box).to_be_visible()
    expect(box).to_contain_text("Kom med opsøgende medarbejder?")
    expect(page.get_by_test_id("code-input")).to_be_focused()  # never blocks

    expect(page.get_by_test_id("outreach-street_worker")).to_be_hidden()  # folded
    page.get_by_test_id("outreach-open").click()
    page.get_by_test_id("outreach-street_worker").click()
    expect(page.get_by_test_id("outreach-status")).to_contain_text("Gemt")
    expect(box).to_have_attribute("data-saved", "street_worker")
    assert outreach_by_card(db) == {first.id: "street_worker"}
    expect(page.get_by_test_id("code-input")).to_be_focused()

    # A wedge scan while a choice has the focus is a scan, not a tap.
    page.get_by_test_id("outreach-skp").focus()
    page.keyboard.type(format_code(second.code))
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("today-count")).to_have_attribute("data-server", "2")
    assert outreach_by_card(db) == {first.id: "street_worker", second.id: None}
    expect(box).to_be_visible()  # asked again, for the second card

    expect(box).not_to_have_attribute("data-saved", "street_worker")

    # Keyboard: Tab to a choice, Enter answers, for the second card only (a
    # space is kept from the buttons: a scanner's text must not press them).
    page.get_by_test_id("outreach-open").click()
    page.get_by_test_id("outreach-home_guide").focus()
    page.keyboard.press("Enter")
    expect(box).to_have_attribute("data-saved", "home_guide")
    assert outreach_by_card(db) == {first.id: "street_worker", second.id: "home_guide"}
    assert errors == []
