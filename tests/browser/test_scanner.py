"""The scanner and the kiosk in a real browser: camera, keyboard wedge, offline queue."""

import re

import pytest
from babel.support import Translations
from playwright.sync_api import expect
from sqlalchemy import func, select

from tests.browser.fake_camera import camera_args, write_qr_y4m
from tests.factories import DEFAULT_PASSWORD, create_card, create_centre, create_user
from vaerested import ROOT
from vaerested.api.tokens import create_access_token
from vaerested.checkin.codes import (
    InvalidCode,
    format_code,
    generate_code,
    normalise_code,
)
from vaerested.models import Visit, VisitSource

WELCOME = "Velkommen"
ALREADY = "Allerede tjekket ind i dag"
#: Exact wording from the Danish catalogue (it may still be polished).
QUEUED = Translations.load(str(ROOT / "translations"), ["da"]).gettext(
    "Saved – will be sent when online"
)


@pytest.fixture
def world(db):
    centre = create_centre(slug="solsikken", name="Solsikken")
    cards = [create_card(centre) for _ in range(2)]
    create_user(role="staff", centres=[centre], email="staff@example.org")
    db.session.commit()
    return {"centre": centre, "cards": cards}


def visits(db, source=None) -> int:
    db.session.rollback()  # see what the server committed
    query = select(func.count()).select_from(Visit)
    if source is not None:
        query = query.where(Visit.source == source)
    return db.session.scalar(query)


def login(page, base, email="staff@example.org"):
    page.goto(f"{base}/auth/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Adgangskode").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page).to_have_url(re.compile(r"/(checkin|centres)/"))


def open_scanner(page, base):
    page.goto(f"{base}/checkin/solsikken/")
    expect(page.locator("#checkin-app")).to_have_attribute("data-ready", "yes")


def watch_errors(page) -> list:
    """Collect uncaught script errors and CSP refusals of ``page``."""
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "console",
        lambda m: (
            errors.append(m.text) if "Content Security Policy" in m.text else None
        ),
    )
    return errors


def wedge(page, code: str):
    """Type like a keyboard-wedge scanner: characters, then Enter."""
    page.get_by_test_id("code-input").press_sequentially(code)
    page.keyboard.press("Enter")


def test_camera_reads_a_real_qr_code(launch_browser, live_server, db, world, tmp_path):
    code = format_code(world["cards"][0].code)
    video = write_qr_y4m(tmp_path / "qr.y4m", code)
    context = launch_browser(camera_args(video))
    page = context.pages[0] if context.pages else context.new_page()
    page.set_default_timeout(10_000)
    blocked = []
    page.on(
        "console",
        lambda m: (
            blocked.append(m.text) if "Content Security Policy" in m.text else None
        ),
    )
    login(page, live_server)
    open_scanner(page, live_server)
    sent = []
    page.on("request", lambda r: sent.append(r.url) if "/checkins" in r.url else None)

    page.get_by_test_id("camera-toggle").click()
    expect(page.locator("#camera-view video")).to_be_visible()
    expect(page.get_by_test_id("feedback-text")).to_have_text(WELCOME, timeout=30_000)
    expect(page.get_by_test_id("feedback")).to_have_attribute("data-state", "new")
    expect(page.get_by_test_id("today-count")).to_have_text("1")
    assert visits(db, VisitSource.SCAN) == 1
    assert blocked == []  # html5-qrcode's DOM works under the CSP

    # The card stays in view and the camera keeps reading it (10 frames/s): it is
    # ignored client-side, so the page neither says "already checked in" nor
    # sends it again. Proving an absence needs a wait: longer than the 3 s window.
    page.wait_for_timeout(3500)
    expect(page.get_by_test_id("recent").locator("li")).to_have_count(1)
    assert len(sent) == 1
    page.get_by_test_id("camera-toggle").click()
    expect(page.locator("#checkin-app")).to_have_attribute("data-camera", "off")
    assert visits(db) == 1


def test_keyboard_wedge_scan_then_duplicate(page, live_server, db, world):
    code = format_code(world["cards"][0].code)
    errors = watch_errors(page)
    login(page, live_server)
    open_scanner(page, live_server)
    expect(page.get_by_test_id("code-input")).to_be_focused()

    wedge(page, code)
    expect(page.get_by_test_id("feedback-text")).to_have_text(WELCOME)
    expect(page.get_by_test_id("today-count")).to_have_text("1")
    assert visits(db, VisitSource.SCAN) == 1

    # Focus elsewhere: the scanner's typing still lands in the code field.
    page.locator("#code-help").click()
    page.keyboard.type(code.lower())
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("feedback-text")).to_have_text(ALREADY)
    expect(page.get_by_test_id("feedback")).to_have_attribute("data-state", "duplicate")
    expect(page.get_by_test_id("today-count")).to_have_text("1")
    assert visits(db) == 1

    # A typo (wrong check symbol) is caught before anything is sent.
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    wedge(page, wrong)
    expect(page.get_by_test_id("feedback")).to_have_attribute("data-state", "invalid")
    expect(page.get_by_test_id("pending-count")).to_have_text("0")
    assert visits(db) == 1
    assert errors == []


def test_offline_scans_and_tallies_are_queued_then_sent_once(
    page, live_server, db, world
):
    codes = [format_code(card.code) for card in world["cards"]]
    errors = watch_errors(page)
    login(page, live_server)
    open_scanner(page, live_server)

    page.context.set_offline(True)
    for code in codes:
        wedge(page, code)
        expect(page.get_by_test_id("feedback-text")).to_have_text(QUEUED)
    for n in range(3):
        page.get_by_test_id("tally").click()
        expect(page.get_by_test_id("pending-count")).to_have_text(str(3 + n))
    # Undoing a tally that was never sent just drops it from the queue.
    page.get_by_test_id("taps").get_by_role("button").first.click()
    expect(page.get_by_test_id("feedback")).to_have_attribute("data-state", "undone")
    expect(page.get_by_test_id("pending-count")).to_have_text("4")
    expect(page.get_by_test_id("offline")).to_be_visible()
    assert visits(db) == 0

    page.context.set_offline(False)
    expect(page.get_by_test_id("pending-count")).to_have_text("0", timeout=30_000)
    expect(page.get_by_test_id("today-count")).to_have_text("4")
    assert visits(db, VisitSource.SCAN) == 2
    assert visits(db, VisitSource.TALLY) == 2

    # A reload flushes the (empty) queue again: nothing is sent twice.
    posts = []
    page.on(
        "request",
        lambda r: (
            posts.append(r.url) if r.method == "POST" and "/api/" in r.url else None
        ),
    )
    with page.expect_response(re.compile(r"/api/v1/centres/solsikken/today")):
        page.reload()
    expect(page.locator("#checkin-app")).to_have_attribute("data-ready", "yes")
    page.wait_for_function("() => !window.VaerestedCheckin.app.flushing")
    expect(page.get_by_test_id("pending-count")).to_have_text("0")
    expect(page.get_by_test_id("today-count")).to_have_text("4")
    assert posts == []
    assert visits(db) == 4
    assert errors == []


def test_tally_with_attributes_and_undo(page, live_server, db, world):
    login(page, live_server)
    open_scanner(page, live_server)
    page.get_by_text("Oplysninger (valgfrit)").or_(
        page.locator(".tally summary")
    ).first.click()
    page.get_by_test_id("tally-age").select_option("60_plus")
    page.get_by_test_id("tally").click()
    expect(page.get_by_test_id("today-count")).to_have_text("1")
    expect(page.get_by_test_id("tally-age")).to_have_value("")  # back to unknown
    page.get_by_test_id("tally").click()
    count = page.get_by_test_id("today-count")
    expect(count).to_have_text("2")  # the server count plus any still waiting
    expect(count).to_have_attribute("data-server", "2")  # the server has it
    db.session.rollback()
    ages = sorted(str(v.age_band) for v in db.session.scalars(select(Visit)))
    assert ages == ["60_plus", "None"]

    # Undo the latest tap (listed first).
    page.get_by_test_id("taps").get_by_role("button").first.click()
    expect(page.get_by_test_id("feedback")).to_have_attribute("data-state", "undone")
    expect(count).to_have_text("1")
    expect(count).to_have_attribute("data-server", "1")
    db.session.rollback()
    assert [str(v.age_band) for v in db.session.scalars(select(Visit))] == ["60_plus"]


def test_kiosk_with_token_records_a_scan(launch_browser, live_server, db, world):
    _token, plaintext = create_access_token(
        "kiosk", centre=world["centre"], label="Door"
    )
    db.session.commit()
    context = launch_browser()
    page = context.pages[0] if context.pages else context.new_page()
    page.set_default_timeout(10_000)

    page.goto(f"{live_server}/checkin/kiosk#token={plaintext}&centre=solsikken")
    expect(page).to_have_url(f"{live_server}/checkin/kiosk")  # token left the URL
    expect(page.get_by_test_id("kiosk-missing")).to_be_hidden()
    expect(page.get_by_test_id("code-input")).to_be_focused()
    expect(page.locator("a:not(.skip-link)")).to_have_count(0)  # no way out

    wedge(page, format_code(world["cards"][1].code))
    expect(page.get_by_test_id("feedback-text")).to_have_text(WELCOME)
    db.session.rollback()
    visit = db.session.scalars(select(Visit)).one()
    assert (visit.card_id, visit.centre_id) == (
        world["cards"][1].id,
        world["centre"].id,
    )

    # The device remembers the token across reloads.
    page.reload()
    expect(page.get_by_test_id("code-input")).to_be_visible()
    wedge(page, format_code(world["cards"][1].code))
    expect(page.get_by_test_id("feedback-text")).to_have_text(ALREADY)


def test_kiosk_without_token_explains(page, live_server, db):
    page.goto(f"{live_server}/checkin/kiosk")
    expect(page.get_by_test_id("kiosk-missing")).to_be_visible()
    expect(page.get_by_test_id("code-input")).to_be_hidden()


def test_revoke_by_camera_then_scan_says_blocked(
    launch_browser, live_server, db, world, tmp_path
):
    card = world["cards"][0]
    code = format_code(card.code)
    context = launch_browser(camera_args(write_qr_y4m(tmp_path / "qr.y4m", code)))
    page = context.pages[0] if context.pages else context.new_page()
    page.set_default_timeout(10_000)
    login(page, live_server)
    page.goto(f"{live_server}/checkin/solsikken/cards/revoke")
    page.get_by_test_id("revoke-camera-toggle").click()
    expect(page.get_by_test_id("card-code")).to_have_text(code, timeout=30_000)
    page.get_by_test_id("confirm").click()
    # The flash message travels in the session cookie: it names no code.
    expect(page.locator(".flash-success")).to_contain_text("Kortet er spærret")
    expect(page.locator(".flash-success")).not_to_contain_text(code)
    db.session.rollback()
    assert db.session.get(type(card), card.id).is_revoked is True

    open_scanner(page, live_server)
    wedge(page, code)
    expect(page.get_by_test_id("feedback")).to_have_attribute("data-state", "revoked")
    expect(page.get_by_test_id("feedback-text")).to_have_text("Kort spærret")
    assert visits(db) == 0


def _python_normalise(text: str):
    try:
        return normalise_code(text)
    except InvalidCode:
        return None


def test_browser_code_check_matches_the_server(page, live_server, db, world):
    """The page rejects exactly the codes the server would reject as malformed."""
    import random

    rng = random.Random(104)
    samples = []
    for _ in range(150):
        code = generate_code()
        samples.append(format_code(code))
        samples.append(code.lower())
        samples.append(code.replace("0", "o").replace("1", "l"))
        samples.append(format_code(code).replace("-", "+"))  # Danish layout
        i = rng.randrange(17)
        samples.append(
            code[:i] + rng.choice("0123456789ABCDEFGHJKMNPQRSTVWXYZ") + code[i + 1 :]
        )
        samples.append(code[:i] + code[i + 1 :])
        j = rng.randrange(16)
        samples.append(code[:j] + code[j + 1] + code[j] + code[j + 2 :])
    samples += ["", "hello", "K7Q2-9XMD-F3AB-CD5E-Q", "U" * 17, "0" * 17, "æøå" * 6]
    login(page, live_server)
    open_scanner(page, live_server)
    got = page.evaluate("s => s.map(window.VaerestedCheckin.normaliseCode)", samples)
    assert got == [_python_normalise(s) for s in samples]


def test_logged_out_scans_are_kept_until_login(page, live_server, db, world):
    """A 401/CSRF answer is not the scan's fault: it stays queued, never dropped."""
    code = format_code(world["cards"][0].code)
    login(page, live_server)
    open_scanner(page, live_server)
    page.context.clear_cookies()  # the session ends (expired, or logged out)
    wedge(page, code)
    expect(page.get_by_test_id("feedback")).to_have_attribute("data-state", "auth")
    expect(page.get_by_test_id("pending-count")).to_have_text("1")
    assert visits(db) == 0

    login(page, live_server)
    open_scanner(page, live_server)  # the queue is flushed on page load
    expect(page.get_by_test_id("pending-count")).to_have_text("0")
    expect(page.get_by_test_id("today-count")).to_have_text("1")
    assert visits(db, VisitSource.SCAN) == 1


def test_kiosk_reloads_offline_and_sends_the_queued_scan(
    launch_browser, live_server, db, world
):
    _token, plaintext = create_access_token(
        "kiosk", centre=world["centre"], label="Door"
    )
    db.session.commit()
    context = launch_browser()
    page = context.pages[0] if context.pages else context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{live_server}/checkin/kiosk#token={plaintext}&centre=solsikken")
    expect(page.get_by_test_id("code-input")).to_be_visible()
    # Wait until the service worker has cached the page and its files.
    expect(page.locator("#checkin-app")).to_have_attribute("data-offline-ready", "yes")

    context.set_offline(True)
    page.reload()  # served from the service worker's cache
    expect(page.get_by_test_id("code-input")).to_be_visible()
    wedge(page, format_code(world["cards"][0].code))
    expect(page.get_by_test_id("pending-count")).to_have_text("1")
    assert visits(db) == 0

    context.set_offline(False)
    expect(page.get_by_test_id("pending-count")).to_have_text("0", timeout=20_000)
    assert visits(db) == 1
    page.reload()
    expect(page.get_by_test_id("pending-count")).to_have_text("0")
    assert visits(db) == 1


def test_card_sheets_are_never_cached_by_the_service_worker(
    page, live_server, db, world
):
    login(page, live_server)
    open_scanner(page, live_server)
    expect(page.locator("#checkin-app")).to_have_attribute("data-offline-ready", "yes")
    page.goto(f"{live_server}/checkin/solsikken/cards/new")
    page.get_by_role("button", name=re.compile("kort", re.I)).last.click()
    expect(page.locator("svg").first).to_be_visible()
    cached = page.evaluate(
        """async () => {
            const cache = await caches.open("vaerested-checkin-v1");
            return (await cache.keys()).map(r => new URL(r.url).pathname);
        }"""
    )
    assert "/checkin/solsikken/" in cached
    assert not [p for p in cached if "/cards/" in p]
