"""Report pages read as a person's, in Danish and in English (issue #13).

In headless Chromium an administrator opens the dashboard, visits, coverage
and mobility pages, switches to Danish with the page's own language buttons
and checks every report table: no ``snake_case`` header, names (not slugs or
district codes) in the centre and district columns, tables titled by name
(not ``dashboard_weeks.csv``), Danish numbers and dates ("29.707", "0,50",
"4. mar. 2024"); then the same pages in English ("29,707", "Mar 4, 2024").
"""

import re
from datetime import UTC, date, datetime

import pytest
from playwright.sync_api import expect

from tests.browser.test_activities import _login
from tests.factories import (
    create_card,
    create_centre,
    create_district,
    create_user,
    create_visit,
)
from vaerested.reports.tables.present import CENTRE_COLUMNS, DISTRICT_COLUMNS

START, END = date(2024, 3, 4), date(2024, 3, 31)
PERIOD = f"start={START.isoformat()}&end={END.isoformat()}"
CENTRES = {"aeblehaven": "Æblehaven", "solsikken": "Solsikken Værested"}
CENTRES["fyrtaarnet"] = "Fyrtårnet"
DISTRICTS = {"101": "Indre By", "102": "Østerbro"}
SNAKE = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")
DANISH_DATE = re.compile(r"^\d{1,2}\. [a-zæøå]{3,4}\.? \d{4}$")
ENGLISH_DATE = re.compile(r"^[A-Z][a-z]{2} \d{1,2}, \d{4}$")


@pytest.fixture
def app_config(app_config):
    return {**app_config, "EXPORT_MIN_CELL": 3, "EXPORT_MIN_CELL_FLOOR": 3}


def language_world() -> None:
    """Two districts (one with 29,707 in its target group), three centres, and
    cards that visit two or three of them on weekdays of March 2024."""
    inner = create_district("101", name="Indre By", target_population=29707)
    east = create_district("102", name="Østerbro", target_population=12000)
    centres = [
        create_centre("aeblehaven", inner, name="Æblehaven", typical_daily_users=4),
        create_centre("solsikken", inner, name="Solsikken Værested"),
        create_centre("fyrtaarnet", east, name="Fyrtårnet", typical_daily_users=6),
    ]
    for n in range(12):
        card = create_card(
            centres[n % 3],
            home_district_id=(inner if n < 8 else east).id,
            housing="own_home" if n % 2 else "homeless",
            first_came="own_initiative" if n % 3 else "psychiatry",
        )
        for day in range(4, 30, 2):
            moment = datetime(2024, 3, day, 9 + n % 5, tzinfo=UTC)
            # Cards 0-8 move between the centres, 9-11 stay at one.
            where = (n + day) % 3 if n < 9 else n % 3
            create_visit(centres[where], card, moment)


def report_tables(page) -> list[dict]:
    """Return every report table of the page: caption, headers, rows (text)."""
    return page.eval_on_selector_all(
        "table.report-table",
        """tables => tables.map(t => ({
            name: t.dataset.testid,
            caption: t.caption ? t.caption.textContent.trim() : "",
            columns: Array.from(t.tHead.rows[0].cells).map(c => c.dataset.column),
            headers: Array.from(t.tHead.rows[0].cells).map(c => c.textContent.trim()),
            rows: Array.from(t.tBodies[0].rows).map(r =>
                Array.from(r.cells).map(c => c.textContent.trim())),
        }))""",
    )


def picture_texts(page) -> list[str]:
    """Return the texts and tooltips drawn in the page's charts."""
    return page.eval_on_selector_all(
        "svg text, svg title, .report-summary dd, details.long-table > summary",
        "els => els.map(e => e.textContent.trim())",
    )


def check_page(page, locale: str) -> dict[str, dict]:
    """Check the page's tables and pictures in ``locale``; return its tables by name."""
    unknown = "Ukendt" if locale == "da" else "Unknown"
    tables = {t["name"].removeprefix("table-"): t for t in report_tables(page)}
    assert tables
    for name, table in tables.items():
        assert ".csv" not in table["caption"], name
        assert not SNAKE.match(table["caption"]), (name, table["caption"])
        for header in table["headers"]:
            assert header and "_" not in header, (name, header)
            assert not SNAKE.match(header), (name, header)
        for row in table["rows"]:
            if len(row) != len(table["columns"]):
                continue  # "No data in this period."
            for column, cell in zip(table["columns"], row, strict=True):
                assert cell not in CENTRES and cell not in DISTRICTS, (name, column)
                if column in CENTRE_COLUMNS:
                    assert cell in CENTRES.values(), (name, column, cell)
                if column in DISTRICT_COLUMNS:
                    assert cell in {*DISTRICTS.values(), unknown}, (name, column, cell)
                if column in ("date", "week", "start", "end"):
                    pattern = DANISH_DATE if locale == "da" else ENGLISH_DATE
                    assert pattern.match(cell), (name, column, cell)
    for text in picture_texts(page):
        for slug in CENTRES:
            assert not re.search(rf"\b{slug}\b", text), text
        assert ".csv" not in text and not SNAKE.match(text), text
    return tables


def column(table: dict, name: str) -> list[str]:
    i = table["columns"].index(name)
    return [r[i] for r in table["rows"] if len(r) == len(table["columns"])]


def test_report_pages_in_danish_and_english(page, live_server, db):
    language_world()
    create_user(role="admin", email="admin@example.org")
    db.session.commit()
    _login(page, live_server, "admin@example.org")
    seen = {}
    for locale in ("da", "en"):
        page.goto(f"{live_server}/reports/?{PERIOD}")
        page.get_by_test_id(f"lang-{locale}").click()
        expect(page.locator("html")).to_have_attribute("lang", locale)
        for report in ("dashboard", "visits", "coverage", "mobility"):
            page.goto(f"{live_server}/reports/{report}?{PERIOD}")
            expect(page.get_by_test_id("protection-note")).to_be_visible()
            seen[locale, report] = check_page(page, locale)
            if report == "mobility":  # the longest name is not cut off
                heat = page.get_by_test_id("mobility-heatmap")
                drawing = heat.bounding_box()
                for label in heat.locator("text.axis-label").all():
                    box = label.bounding_box()
                    assert box and drawing
                    assert box["x"] >= drawing["x"] - 1, label.text_content()
                    assert (
                        box["x"] + box["width"] <= drawing["x"] + drawing["width"] + 1
                    )

    # Danish: thousands with a dot, decimals with a comma, dates "4. mar. 2024".
    coverage = seen["da", "coverage"]["coverage"]
    assert column(coverage, "target_population") == ["29.707", "12.000"]
    # Two centres in Indre By: 29,707 / 2 = 14,853.5 per centre.
    assert column(coverage, "target_population_per_centre")[0] == "14.853,5"
    visits = seen["da", "visits"]["visits"]
    assert column(visits, "date")[0] == "4. mar. 2024"
    assert visits["caption"] == "Besøg pr. værested og dag"
    index = column(seen["da", "mobility"]["mobility_summary"], "mobility_index")[0]
    assert re.fullmatch(r"[01],\d\d", index), index  # about 9 / 12
    weeks = seen["da", "dashboard"]["dashboard_weeks"]
    assert weeks["caption"] == "Uger"
    assert column(weeks, "week")[0] == "4. mar. 2024"
    assert "Besøg uden kort" in seen["da", "dashboard"]["housing"]["headers"]
    assert set(column(seen["da", "dashboard"]["housing"], "housing")) >= {
        "Egen bolig",
        "Hjemløs (uden nærmere angivelse)",
        "Ukendt",
    }

    # English: thousands with a comma, decimals with a point, "Mar 4, 2024".
    coverage = seen["en", "coverage"]["coverage"]
    assert column(coverage, "target_population") == ["29,707", "12,000"]
    assert column(coverage, "target_population_per_centre")[0] == "14,853.5"
    visits = seen["en", "visits"]["visits"]
    assert column(visits, "date")[0] == "Mar 4, 2024"
    assert visits["caption"] == "Visits per centre and day"
    index = column(seen["en", "mobility"]["mobility_summary"], "mobility_index")[0]
    assert re.fullmatch(r"[01]\.\d\d", index), index
    assert seen["en", "dashboard"]["dashboard_weeks"]["caption"] == "Weeks"
    # The long visits table is folded under its title, not its file name.
    summary = page.locator("details.long-table > summary")
    for locale, text in (
        ("en", r"Visits per centre and day: show all \d+ rows"),
        ("da", r"Besøg pr. værested og dag: vis alle \d+ rækker"),
    ):
        page.get_by_test_id(f"lang-{locale}").click()
        page.goto(f"{live_server}/reports/visits?{PERIOD}")
        assert summary.count() == 1
        assert re.fullmatch(text, summary.inner_text().strip()), locale
