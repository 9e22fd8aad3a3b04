"""The scanner on a phone, as staff use it: distinct results, wedge bursts on any
control, the count after the offline queue drains, sound settings, camera errors."""

import re
from types import SimpleNamespace

import pytest
from playwright.sync_api import expect

from tests.browser.test_scanner import login, open_scanner, visits
from tests.factories import (
    create_card,
    create_centre,
    create_district,
    create_user,
    create_visit,
)
from vaerested.checkin.codes import format_code
from vaerested.models import VisitSource

PHONE = {"width": 390, "height": 844}
RESULT = re.compile(r"^#(\d+) · \d\d:\d\d$")


@pytest.fixture
def world(db):
    centre = create_centre(slug="solsikken", name="Solsikken")
    create_district(code="NB", name="Nørrebro")
    cards = [create_card(centre) for _ in range(3)]
    create_user(role="staff", centres=[centre], email="staff@example.org")
    db.session.commit()
    return {"centre": centre, "cards": cards}


@pytest.fixture
def phone(page, live_server, world):
    page.set_viewport_size(PHONE)
    login(page, live_server)
    open_scanner(page, live_server)
    return page


def scan(page, code):
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def result_number(page) -> int:
    meta = page.get_by_test_id("feedback-meta").text_content()
    match = RESULT.match(meta)
    assert match, meta
    return int(match.group(1))


def test_two_cards_in_a_row_give_two_distinct_results(phone, db, world):
    first, second = (format_code(c.code) for c in world["cards"][:2])
    scan(phone, first)
    expect(phone.get_by_test_id("feedback")).to_have_attribute("data-result", "1")
    expect(phone.get_by_test_id("feedback-text")).to_have_text("Velkommen")
    assert result_number(phone) == 1
    scan(phone, second)
    expect(phone.get_by_test_id("feedback")).to_have_attribute("data-result", "2")
    expect(phone.get_by_test_id("feedback-text")).to_have_text("Velkommen")
    assert result_number(phone) == 2
    scan(phone, first)
    expect(phone.get_by_test_id("feedback")).to_have_attribute(
        "data-state", "duplicate"
    )
    assert result_number(phone) == 3
    assert visits(db, VisitSource.SCAN) == 2

    # The device's list: newest first, outcome and time only, never a code.
    items = phone.get_by_test_id("recent").locator("li")
    expect(items).to_have_count(3)
    texts = items.all_text_contents()
    assert [t.split(" · ")[0][-2:] for t in texts] == ["#3", "#2", "#1"]
    assert texts[0].endswith("Allerede tjekket ind i dag")
    assert texts[1].endswith("Velkommen") and texts[2].endswith("Velkommen")
    stored = phone.evaluate("JSON.stringify(Object.assign({}, localStorage))")
    for card in world["cards"]:
        assert card.code not in "".join(texts) + stored
        assert format_code(card.code) not in stored

    # A few seconds later the card says the page is ready again.
    expect(phone.get_by_test_id("feedback")).to_have_attribute(
        "data-state", "ready", timeout=8000
    )
    expect(phone.get_by_test_id("feedback-text")).to_have_text(
        "Klar til næste scanning"
    )
    expect(phone.get_by_test_id("feedback-meta")).to_have_text("")
    phone.reload()  # the list is kept on the device
    expect(phone.get_by_test_id("recent").locator("li")).to_have_count(3)


@pytest.mark.parametrize(
    "control", ["tally-district", "tally-age", "tally", "camera-toggle", "menu"]
)
def test_wedge_burst_on_a_control_is_recorded(phone, db, world, control):
    phone.locator(".tally summary").click()
    district = phone.get_by_test_id("tally-district")
    district.select_option("NB")
    phone.get_by_test_id(control).focus()
    before = phone.get_by_test_id(control).evaluate("el => el.value")

    scan(phone, format_code(world["cards"][0].code))
    expect(phone.get_by_test_id("feedback-text")).to_have_text("Velkommen")
    expect(phone.get_by_test_id("today-count")).to_have_text("1")
    assert visits(db, VisitSource.SCAN) == 1
    assert visits(db, VisitSource.TALLY) == 0  # Enter did not press "+1"
    # The control is as it was: focus, and a select's choice (no type-ahead).
    expect(phone.get_by_test_id(control)).to_be_focused()
    assert phone.get_by_test_id(control).evaluate("el => el.value") == before
    expect(district).to_have_value("NB")
    expect(phone.locator("#camera-view video")).to_have_count(0)


def test_typing_a_code_into_the_field_still_works(phone, db, world):
    field = phone.get_by_test_id("code-input")
    field.click()
    field.press_sequentially(format_code(world["cards"][1].code), delay=120)
    phone.get_by_test_id("code-submit").click()
    expect(phone.get_by_test_id("feedback-text")).to_have_text("Velkommen")
    assert visits(db, VisitSource.SCAN) == 1


def test_slow_typing_on_a_select_is_not_a_scan(phone, db, world):
    phone.locator(".tally summary").click()
    select = phone.get_by_test_id("tally-district")
    select.focus()
    select.press_sequentially("nørrebro", delay=350)  # a person, not a scanner
    phone.keyboard.press("Enter")
    expect(select).to_have_value("NB")  # ordinary type-ahead choice
    expect(phone.get_by_test_id("feedback")).to_have_attribute("data-state", "idle")
    assert visits(db) == 0


def test_count_after_reconnection_comes_from_the_server(phone, app, db, world):
    a, b, _c = world["cards"]
    create_visit(world["centre"], card=b)  # b checked in today at another desk
    db.session.commit()
    phone.reload()
    expect(phone.get_by_test_id("today-count")).to_have_text("1")

    phone.context.set_offline(True)
    scan(phone, format_code(a.code))
    scan(phone, format_code(b.code))  # a duplicate, but the page cannot know yet
    expect(phone.get_by_test_id("pending-count")).to_have_text("2")
    # While items wait: the server's count plus the waiting items.
    expect(phone.get_by_test_id("today-count")).to_have_text("3")
    expect(phone.get_by_test_id("today-count")).to_have_attribute("data-server", "1")
    expect(phone.locator(".bar-pending")).to_be_visible()

    # Another desk counts a visitor each time just after this phone's scan was
    # answered, so every answer's count is one short by the time it arrives.
    centre = SimpleNamespace(id=world["centre"].id)

    def other_desk_counts(route):
        response = route.fetch()
        with app.app_context():  # Playwright runs handlers outside the test's context
            create_visit(centre)
            db.session.commit()
        route.fulfill(response=response)

    phone.route(re.compile(r"/api/v1/checkins$"), other_desk_counts)
    phone.context.set_offline(False)
    expect(phone.get_by_test_id("pending-count")).to_have_text("0", timeout=30_000)
    assert visits(db) == 4  # b, a and the other desk's two; b's rescan added none
    expect(phone.get_by_test_id("today-count")).to_have_text("4")
    expect(phone.get_by_test_id("today-count")).to_have_attribute("data-server", "4")
    expect(phone.locator(".bar-pending")).to_be_hidden()


def test_sound_and_vibration_are_off_until_switched_on(phone, db, world):
    sound = phone.get_by_test_id("sound-toggle")
    expect(sound).not_to_be_checked()
    scan(phone, format_code(world["cards"][0].code))
    expect(phone.get_by_test_id("feedback")).to_have_attribute("data-state", "new")
    expect(phone.locator("#checkin-app")).not_to_have_attribute(
        "data-last-signal", re.compile(".")
    )
    sound.check()
    phone.get_by_test_id("code-input").fill("ABCD-EFGH")  # too short: invalid
    phone.get_by_test_id("code-submit").click()
    expect(phone.get_by_test_id("feedback")).to_have_attribute("data-state", "invalid")
    expect(phone.locator("#checkin-app")).to_have_attribute(
        "data-last-signal", "invalid"
    )
    phone.reload()
    expect(phone.get_by_test_id("sound-toggle")).to_be_checked()


def test_camera_errors_are_told_in_danish(phone):
    mapped = phone.evaluate(
        """() => ["NotAllowedError", "NotFoundError", "NotReadableError",
                  "OverconstrainedError", "SecurityError", "TypeError"].map(
            name => window.VaerestedCheckin.cameraProblem(new DOMException("x", name)))"""
    )
    assert mapped == [
        "camera-denied",
        "camera-missing",
        "camera-busy",
        "camera-missing",
        "camera-insecure",
        "camera-error",
    ]
    # html5-qrcode sometimes rejects with a plain string.
    text = "Error getting userMedia, error = NotAllowedError: Permission denied"
    assert phone.evaluate("t => VaerestedCheckin.cameraProblem(t)", text) == (
        "camera-denied"
    )
    # A real start without a camera (headless Chromium has none): a Danish message.
    phone.get_by_test_id("camera-toggle").click()
    message = phone.get_by_test_id("camera-message")
    expect(message).to_be_visible(timeout=15_000)
    problem = phone.locator("#checkin-app").get_attribute("data-camera-problem")
    assert problem in ("camera-denied", "camera-missing", "camera-busy")
    expected = phone.locator("#checkin-app").get_attribute(f"data-msg-{problem}")
    expect(message).to_have_text(expected)
    assert "Error" not in message.text_content()
