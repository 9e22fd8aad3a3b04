"""Report print views in Chromium's print emulation at A4 width.

The printed page shows a header (report, period, filters, protection); the
coverage map is fitted to the printed width (every district and centre inside
the map, the map inside the page); no table column is cut (each header cell
lies within the page width); tables of 9 columns or more go onto landscape
pages. ``page.pdf()`` at A4 is checked to print a landscape page too.
"""

import re
from datetime import date, timedelta

import pytest
from babel.dates import format_date
from playwright.sync_api import expect

from tests.browser.test_activities import _login
from tests.browser.test_report_accessibility import report_world

#: A4 portrait less the 12 mm margins of print.css (210 - 24 = 186 mm) in CSS px.
PRINT_WIDTH = round(186 / 25.4 * 96)
#: Every header cell of every table: its right edge and width (px).
COLUMNS_JS = """() => [...document.querySelectorAll('table')].flatMap(t =>
  [...t.querySelectorAll('thead th, tr:first-child th')].map(th => {
    const r = th.getBoundingClientRect();
    return [t.dataset.testid || '', th.textContent.trim(), r.left, r.right, r.width];
  }))"""
#: Every district and centre of the map, and the map: their boxes.
MAP_JS = """() => {
  const map = document.querySelector('#coverage-map').getBoundingClientRect();
  const shapes = [...document.querySelectorAll('#coverage-map path.district,'
    + ' #coverage-map path.centre')].map(p => p.getBoundingClientRect().toJSON());
  return {map: map.toJSON(), shapes};
}"""


def _period() -> tuple[date, date]:
    """Return a period from the Wednesday of last week to today (a partial week)."""
    today = date.today()
    last_week = today - timedelta(days=7)
    return last_week - timedelta(days=last_week.weekday() - 2), today


def _print_view(page, url: str) -> None:
    page.set_viewport_size({"width": PRINT_WIDTH, "height": 1100})
    page.goto(url)
    page.emulate_media(media="print")


def _assert_header(page, start: date, end: date, min_cell: int = 5) -> None:
    header = page.get_by_test_id("print-header")
    expect(header).to_be_visible()
    period = f"{format_date(start, 'medium', locale='da')} – "
    period += format_date(end, "medium", locale="da")
    expect(page.get_by_test_id("print-period")).to_have_text(period)
    expect(page.get_by_test_id("print-centres")).to_have_text("Alle væresteder")
    expect(page.get_by_test_id("print-district")).to_have_text("Alle bydele")
    protection = page.get_by_test_id("print-protection")
    expect(protection).to_contain_text(f"{min_cell}")
    expect(protection).to_contain_text("Totaler kan afvige lidt")


def _assert_no_column_cut(page) -> None:
    columns = page.evaluate(COLUMNS_JS)
    assert columns
    cut = [c for c in columns if c[2] < -0.5 or c[3] > PRINT_WIDTH + 0.5 or c[4] < 8]
    assert cut == []


@pytest.fixture
def printing(app, db, launch_browser, live_server):
    report_world(app, db)
    page = launch_browser().pages[0]
    page.set_default_timeout(15_000)
    _login(page, live_server, "admin@example.org")
    return page


def test_coverage_prints_header_whole_map_and_every_column(printing, live_server):
    page = printing
    start, end = _period()
    query = f"start={start}&end={end}"
    _print_view(page, f"{live_server}/reports/coverage?{query}")
    expect(page.get_by_test_id("coverage-map")).to_have_attribute("data-ready", "1")
    _assert_header(page, start, end)
    box = page.evaluate(MAP_JS)
    m = box["map"]
    assert m["left"] >= -0.5 and m["right"] <= PRINT_WIDTH + 0.5
    assert len(box["shapes"]) == 7  # 4 districts, 3 centres with coordinates
    outside = [
        s
        for s in box["shapes"]
        if s["left"] < m["left"] - 0.5
        or s["right"] > m["right"] + 0.5
        or s["top"] < m["top"] - 0.5
        or s["bottom"] > m["bottom"] + 0.5
    ]
    assert outside == []
    _assert_no_column_cut(page)
    # The 25-column coverage table is printed on a landscape page of its own.
    wide = page.locator(".table-wrap:has([data-testid='table-coverage'])")
    assert wide.evaluate("e => getComputedStyle(e).page") == "wide"
    # And printed to a PDF at A4 from a desktop window: portrait pages and at
    # least one landscape page.
    page.emulate_media(media="no-override")  # "screen" would hold during pdf()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server}/reports/coverage?{query}")
    expect(page.get_by_test_id("coverage-map")).to_have_attribute("data-ready", "1")
    pdf = page.pdf(format="A4", prefer_css_page_size=True)
    assert pdf.startswith(b"%PDF")
    sizes = re.findall(rb"/MediaBox \[0 0 ([\d.]+) ([\d.]+)\]", pdf)
    assert any(float(w) < float(h) for w, h in sizes), sizes  # portrait
    assert any(float(w) > float(h) for w, h in sizes), sizes  # landscape
    # The map was refitted for the PDF's page width, not left at screen width.
    fitted = page.get_by_test_id("coverage-map").get_attribute("data-print-width")
    assert fitted is not None and int(fitted) <= PRINT_WIDTH


def test_dashboard_prints_header_and_marks_the_partial_week(printing, live_server):
    page = printing
    start, end = _period()
    _print_view(page, f"{live_server}/reports/dashboard?start={start}&end={end}")
    _assert_header(page, start, end)
    _assert_no_column_cut(page)
    chart = page.get_by_test_id("time-chart")
    # The first week has Wednesday to Sunday (5 of 7 days) in the period.
    first = chart.locator("rect.bar").first
    expect(first).to_have_class(re.compile(r"\bpartial\b"))
    expect(first.locator("title")).to_contain_text("5 af 7 dage")
    expect(chart.get_by_test_id("partial-mark").first).to_have_text("delvis uge")
    expect(page.get_by_test_id("partial-week").first).to_have_text(
        "(delvis uge: 5 af 7 dage i perioden)"
    )
    expect(page.get_by_test_id("time-chart-partial-note")).to_contain_text("× 7")
    # A hatched overlay is drawn over each partial bar; charts fit the page.
    assert (
        chart.locator("rect.partial-hatch").count()
        == chart.locator("rect.bar.partial").count()
    )
    assert chart.bounding_box()["width"] <= PRINT_WIDTH + 0.5
