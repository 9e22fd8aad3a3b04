"""Log in, land on the role's page, switch language: in a real browser."""

import re

from playwright.sync_api import expect

from tests.factories import DEFAULT_PASSWORD, create_centre, create_user


def _login(page, base, email):
    page.goto(f"{base}/")
    expect(page).to_have_url(re.compile(r"/auth/login"))
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Adgangskode").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log ind").click()


def test_staff_logs_in_lands_on_scanner_and_switches_language(page, live_server, db):
    centre = create_centre(slug="solsikken", name="Solsikken")
    create_user(role="staff", centres=[centre], email="staff@example.org")
    db.session.commit()

    _login(page, live_server, "staff@example.org")
    expect(page).to_have_url(f"{live_server}/checkin/solsikken/")
    expect(page.locator("html")).to_have_attribute("lang", "da")
    expect(page.get_by_test_id("bar-centre")).to_have_text("Solsikken")

    page.get_by_test_id("menu").click()  # the centre page is one tap away
    page.get_by_role("link", name="Solsikken").click()
    expect(page).to_have_url(f"{live_server}/centres/solsikken")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Solsikken")

    page.get_by_test_id("lang-en").click()
    expect(page).to_have_url(f"{live_server}/centres/solsikken")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_test_id("logout")).to_have_text("Log out")

    page.get_by_test_id("lang-da").click()
    expect(page.get_by_test_id("logout")).to_have_text("Log ud")


def test_admin_lands_on_centre_list(page, live_server, db):
    create_user(role="admin", email="admin@example.org")
    db.session.commit()
    _login(page, live_server, "admin@example.org")
    expect(page).to_have_url(f"{live_server}/centres/")


def test_wrong_password_shows_generic_error(page, live_server, db):
    create_user(role="admin", email="admin@example.org")
    db.session.commit()
    page.goto(f"{live_server}/auth/login")
    page.get_by_label("E-mail").fill("admin@example.org")
    page.get_by_label("Adgangskode").fill("not the password")
    page.get_by_role("button", name="Log ind").click()
    expect(page.locator(".flash-error")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/auth/login"))
