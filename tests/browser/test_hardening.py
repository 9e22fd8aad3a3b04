"""Issue #11 in a real browser: the audit page shows downloads and revocations
made in the browser; the offline queue gives up on an item the server keeps
refusing, and shows it to staff."""

import json
import re
from datetime import UTC, datetime

from playwright.sync_api import expect

from tests.browser.test_scanner import login, open_scanner, wedge
from tests.factories import create_card, create_centre, create_user, create_visit
from vaerested.checkin.codes import format_code


def test_audit_page_shows_browser_downloads_and_revocations(page, live_server, db):
    centre = create_centre(slug="solsikken", name="Solsikken")
    card = create_card(centre)
    for hour in (9, 10, 11):
        create_visit(centre, None, datetime(2026, 2, 10, hour, tzinfo=UTC))
    admin = create_user(role="admin", email="admin@example.org")
    db.session.commit()
    login(page, live_server, email=admin.email)

    page.goto(f"{live_server}/reports/visits?start=2026-02-01&end=2026-02-28")
    with page.expect_download() as download:
        page.get_by_test_id("download-visits-csv").click()
    assert download.value.suggested_filename == "2026-02-01_2026-02-28_visits.csv"

    page.goto(f"{live_server}/checkin/solsikken/cards/revoke")
    page.get_by_label("Kortkode").fill(format_code(card.code))
    page.get_by_test_id("find-card").click()
    page.get_by_test_id("confirm").click()
    expect(page.locator(".flash-success")).to_be_visible()

    page.goto(f"{live_server}/admin/audit")
    table = page.get_by_test_id("audit-table")
    download_row = table.locator('tr[data-action="report.download"]')
    expect(download_row).to_have_count(1)
    expect(download_row).to_contain_text("Rapport hentet")
    expect(download_row).to_contain_text("admin@example.org")
    expect(download_row).to_contain_text(
        "1. feb. 2026 – 28. feb. 2026"
    )  # Babel, Danish
    revoke_row = table.locator('tr[data-action="card.revoke"]')
    expect(revoke_row).to_contain_text("Kort spærret")
    expect(revoke_row).to_contain_text("Solsikken")
    expect(revoke_row).to_contain_text(f"card {card.id}")
    expect(table).not_to_contain_text(format_code(card.code))

    # Filtering by action leaves only the revocation.
    page.get_by_label("Hvad").select_option("card.revoke")
    page.get_by_role("button", name="Filtrér").click()
    expect(page).to_have_url(re.compile(r"action=card\.revoke"))
    expect(table.locator("tbody tr")).to_have_count(1)


def test_queue_gives_up_after_bounded_retries_and_shows_the_item(page, live_server, db):
    centre = create_centre(slug="solsikken", name="Solsikken")
    card = create_card(centre)
    create_user(role="staff", centres=[centre], email="staff@example.org")
    db.session.commit()
    page.add_init_script(
        "window.VaerestedQueueOptions = {maxTries: 3, baseDelayMs: 50, maxDelayMs: 100};"
    )
    tries = []

    def fail(route):
        tries.append(route.request.url)
        route.fulfill(
            status=503,
            content_type="application/json",
            body=json.dumps(
                {
                    "ok": False,
                    "error": {"status": 503, "code": "http_error", "message": ""},
                }
            ),
        )

    login(page, live_server)
    page.route("**/api/v1/checkins", fail)
    open_scanner(page, live_server)
    wedge(page, format_code(card.code))
    failed = page.get_by_test_id("failed-items")
    for _ in range(40):  # flush as the timer would, faster
        page.wait_for_timeout(120)
        page.evaluate("() => window.VaerestedCheckin.app.flush()")
        if failed.is_visible():
            break
    expect(failed).to_be_visible()
    expect(failed.get_by_test_id("failed-item")).to_have_count(1)
    expect(page.get_by_test_id("pending-count")).to_have_text("0")
    assert len(tries) == 3
    for _ in range(5):  # given up: never sent again
        page.evaluate("() => window.VaerestedCheckin.app.flush()")
        page.wait_for_timeout(150)
    assert len(tries) == 3
    failed.get_by_role("button").click()
    expect(failed).to_be_hidden()
