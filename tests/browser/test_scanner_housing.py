"""The optional housing tap on the staff scanner, in a real browser: offered
after a check-in, one tap records the holder's statement, skipping is the
default, and the keyboard-wedge scanner keeps working while it is shown."""

from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.test_scanner import (  # noqa: F401  (fixture)
    ALREADY,
    WELCOME,
    login,
    open_scanner,
    visits,
    watch_errors,
    wedge,
    world,
)
from vaerested.checkin.codes import format_code
from vaerested.models import Housing, HousingStatement


def stated(db) -> list:
    db.session.rollback()  # see what the server committed
    return [
        (s.card_id, s.situation)
        for s in db.session.scalars(
            select(HousingStatement).order_by(HousingStatement.id)
        )
    ]


def test_tap_a_housing_situation_after_a_scan(page, live_server, db, world):  # noqa: F811
    first, second = (format_code(c.code) for c in world["cards"])
    errors = watch_errors(page)
    login(page, live_server)
    open_scanner(page, live_server)
    panel = page.get_by_test_id("housing-tap")
    expect(panel).to_be_hidden()

    wedge(page, first)
    expect(page.get_by_test_id("feedback-text")).to_have_text(WELCOME)
    expect(panel).to_be_visible()
    expect(page.get_by_test_id("housing-open")).to_contain_text("Boligsituation?")
    # Folded: the question only, one tap opens the choices.
    expect(page.get_by_test_id("housing-transitional")).to_be_hidden()
    page.get_by_test_id("housing-open").click()
    assert "Hjemløs (uden nærmere angivelse)" not in panel.inner_text()  # legacy
    page.get_by_test_id("housing-transitional").click()
    expect(panel).to_have_attribute("data-saved", "transitional")
    expect(page.get_by_test_id("housing-status")).to_contain_text("Udslusningsbolig")
    expect(page.get_by_test_id("code-input")).to_be_focused()
    assert stated(db) == [(world["cards"][0].id, Housing.TRANSITIONAL)]

    # The next holder skips (the default): a scan while the offer is shown and
    # a button has focus still checks in, and nothing is stated.
    wedge(page, second)
    expect(page.get_by_test_id("feedback-text")).to_have_text(WELCOME)
    expect(panel).to_be_visible()
    expect(page.get_by_test_id("housing-own_home")).to_be_hidden()  # folded again
    page.get_by_test_id("housing-open").click()
    page.get_by_test_id("housing-own_home").focus()
    page.keyboard.type(first, delay=5)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("feedback-text")).to_have_text(ALREADY)
    assert visits(db) == 2
    page.get_by_test_id("housing-open").click()  # folded again for that scan
    page.get_by_test_id("housing-skip").click()
    expect(panel).to_be_hidden()
    expect(page.get_by_test_id("code-input")).to_be_focused()
    assert stated(db) == [(world["cards"][0].id, Housing.TRANSITIONAL)]

    # The same holder again today, now in an own home: the day's statement is replaced.
    wedge(page, first)
    expect(page.get_by_test_id("feedback-text")).to_have_text(ALREADY)
    page.get_by_test_id("housing-open").click()
    page.get_by_test_id("housing-own_home").click()
    expect(panel).to_have_attribute("data-saved", "own_home")
    assert stated(db) == [(world["cards"][0].id, Housing.OWN_HOME)]
    assert errors == []
