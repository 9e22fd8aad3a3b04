"""A leader plans a weekly activity; staff record attendance: in a real browser."""

import re
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

from tests.factories import DEFAULT_PASSWORD, create_card, create_centre, create_user
from vaerested.models.base import utcnow

CPH = ZoneInfo("Europe/Copenhagen")


def _login(page, base, email):
    page.goto(f"{base}/auth/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Adgangskode").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log ind").click()
    expect(page).to_have_url(re.compile(r"/(checkin|centres)/"))
    menu = page.get_by_test_id("menu")
    if menu.count():  # staff land on the scanner, whose menu is folded
        menu.click()
    expect(page.get_by_test_id("logout")).to_be_visible()


def test_leader_plans_and_staff_record_attendance(page, live_server, db):
    centre = create_centre(
        slug="solsikken",
        name="Solsikken",
        hours=[(d, "09:00", "17:00") for d in range(7)],
    )
    create_user(role="leader", centres=[centre], email="leader@example.org")
    create_user(role="staff", centres=[centre], email="staff@example.org")
    card = create_card(centre)
    db.session.commit()
    today = utcnow().astimezone(CPH).date()

    _login(page, live_server, "leader@example.org")
    page.get_by_test_id("nav-activities").click()
    expect(page).to_have_url(f"{live_server}/activities/solsikken/")
    page.get_by_test_id("new-activity").click()
    form = page.get_by_test_id("activity-form")
    form.locator("[name=title]").fill("Morgenmad")
    form.locator("[name=description]").fill("Fælles morgenmad i køkkenet.")
    form.locator("[name=category]").select_option("1")
    form.locator("[name=place]").fill("Køkkenet")
    form.locator("[name=kind]").select_option("weekly")
    form.locator("[name=weekday]").select_option(str(today.weekday()))
    form.locator("[name=start_date]").fill(today.isoformat())
    form.locator("[name=start_time]").fill("10:00")
    form.locator("[name=end_time]").fill("12:00")
    page.get_by_test_id("save").click()

    expect(page).to_have_url(re.compile(r"/activities/solsikken/\d+$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Morgenmad")
    expect(page.get_by_test_id("rule")).to_contain_text("10:00–12:00")
    # Today plus every week within the 56-day horizon.
    expect(page.get_by_test_id("sessions").locator("tbody tr")).to_have_count(9)

    page.get_by_test_id("logout").click()
    _login(page, live_server, "staff@example.org")
    page.get_by_test_id("nav-activities").click()
    page.get_by_test_id("session").first.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"/activities/solsikken/sessions/\d+$"))

    attendance = page.get_by_test_id("attendance-form")
    attendance.locator("[name=headcount]").fill("6")
    attendance.locator("[name=volunteers]").fill("2")
    page.get_by_test_id("save-attendance").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.get_by_test_id("attendees")).to_have_text("6")
    expect(page.get_by_test_id("volunteers")).to_have_text("2")

    page.get_by_test_id("scan-form").locator("[name=code]").fill(card.code)
    page.get_by_test_id("save-scan").click()
    expect(page.get_by_test_id("attendees")).to_have_text("7")
    expect(page.get_by_test_id("scans")).to_have_text("1")

    page.get_by_test_id("nav-activities").click()
    expect(page.get_by_test_id("week")).to_contain_text("Morgenmad")
    expect(page.get_by_test_id("counts").first).to_contain_text("7")
