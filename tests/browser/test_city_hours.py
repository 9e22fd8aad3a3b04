"""A leader marks a user-run evening and walks through the city-wide hours page."""

import csv
import io
import re

from playwright.sync_api import expect

from tests.browser.test_activities import _login
from tests.browser.test_phone_layout import DESKTOP, PHONE, axe_serious
from tests.factories import create_centre, create_district, create_user

MON, SAT = 0, 5


def test_leader_marks_user_run_and_reads_the_city_grid(page, live_server, db):
    north = create_district(code="N", name="Nordvest")
    south = create_district(code="S", name="Sydhavn")
    centre = create_centre(
        slug="solsikken",
        name="Solsikken",
        district=north,
        hours=[(d, "10:00", "16:00") for d in range(5)],
    )
    create_centre(
        slug="lygten", name="Lygten", district=south, hours=[(SAT, "12:00", "16:00")]
    )
    create_user(role="leader", centres=[centre], email="leader@example.org")
    db.session.commit()

    _login(page, live_server, "leader@example.org")
    page.goto(f"{live_server}/centres/solsikken")
    page.get_by_role("button", name="Redigér åbningstider").click()
    form = page.get_by_test_id("hours-form")
    # The first blank row (after the five weekdays): Monday 16-21, user-run.
    form.locator("[name='intervals-5-weekday']").select_option(str(MON))
    form.locator("[name='intervals-5-opens']").fill("16:00")
    form.locator("[name='intervals-5-closes']").fill("21:00")
    form.locator("[name='intervals-5-is_user_run']").check()
    page.get_by_role("button", name="Gem åbningstider").click()

    expect(page).to_have_url(f"{live_server}/centres/solsikken")
    expect(page.get_by_test_id("user-run")).to_have_count(1)
    expect(page.get_by_test_id("hours")).to_contain_text("16:00–21:00 brugerstyret")

    page.get_by_test_id("link-city-hours").click()
    expect(page).to_have_url(re.compile(r"/centres/hours/city$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Åbningstider i hele byen"
    )
    grid = page.get_by_test_id("hours-grid")
    expect(grid.locator("caption")).to_contain_text("København")
    # A real table: day columns and hour rows are headers.
    expect(grid.get_by_role("columnheader")).to_have_count(8)
    expect(grid.get_by_role("rowheader")).to_have_count(24)
    monday_evening = grid.locator("td[data-day='0'][data-hour='18']")
    expect(monday_evening).to_have_text(re.compile(r"1\s+kun BS"))
    expect(grid.locator("td[data-day='0'][data-hour='12']")).to_have_text("1")
    expect(grid.locator("td[data-day='5'][data-hour='13']")).to_have_text("1")
    expect(grid.locator("td[data-day='6'][data-hour='13']")).to_have_text(
        re.compile(r"0\s+hul")
    )
    expect(page.get_by_test_id("district-summary").locator("tbody tr")).to_have_count(2)
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        assert axe_serious(page) == [], size

    # One district: Sydhavn is open on Saturday only.
    page.get_by_label("Område").select_option("d:S")
    page.get_by_role("button", name="Vis").click()
    expect(grid).to_have_attribute("data-scope", "d:S")
    expect(page.get_by_test_id("summary-open")).to_have_text("4 / 168")
    expect(grid.locator("td[data-day='0'][data-hour='12']")).to_have_text(
        re.compile(r"0\s+hul")
    )
    for size in (PHONE, DESKTOP):
        page.set_viewport_size(size)
        assert axe_serious(page) == [], size

    with page.expect_download() as download:
        page.get_by_test_id("download-csv").click()
    text = download.value.path().read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text.split("\n#")[0])))
    cell = next(
        r
        for r in rows
        if r["code"] == "København" and r["weekday"] == "1" and r["hour"] == "18:00"
    )
    assert (cell["open"], cell["staffed"], cell["user_run"]) == ("1", "0", "1")
