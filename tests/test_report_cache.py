"""The report cache: pages reuse figures per period, and changes reach them.

A period in the past (2024) is kept until visits of its days change through an
import or the retention job; a period ending in the last 31 days expires after
``REPORT_CACHE_SECONDS`` or on "Recompute now". Outside a page (CLI and
scheduled exports) nothing is cached.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from tests.factories import create_card, create_centre, create_district, create_visit
from tests.views.test_reports_pages import table_rows
from vaerested.admin.operations import delete_district
from vaerested.centres.operations import ADMIN_FIELDS, PROFILE_FIELDS, update_centre
from vaerested.checkin.jobs import run_retention
from vaerested.models import ReportCacheEntry, Visit
from vaerested.reports.pages.warm import warm_cache
from vaerested.reports.tables import cache, queries
from vaerested.reports.tables.build import build_report
from vaerested.reports.tables.queries import Scope

PERIOD = "start=2024-03-01&end=2024-03-31"


def _visits(centre, n, day=date(2024, 3, 5)):
    for _ in range(n):
        create_visit(
            centre, visited_dt=datetime(day.year, day.month, day.day, 10, tzinfo=UTC)
        )


def _visits_total(html: str) -> int:
    # At min-cell 2 with no noise (record keys 0), "<2" can only be 1.
    cells = [row[2] for row in table_rows(html, "visits") if len(row) > 2]
    return sum(1 if cell == "<2" else int(cell) for cell in cells)


def _entries(db) -> int:
    return db.session.scalar(select(func.count()).select_from(ReportCacheEntry))


@pytest.fixture
def world(app, db):
    # This is about caching: the lowest min-cell pages allow, and the factories'
    # record keys (0: no noise), so every count from 2 up shows as it is.
    app.config["EXPORT_MIN_CELL"] = app.config["EXPORT_MIN_CELL_FLOOR"] = 2
    district = create_district("1", target_population=100)
    return create_centre("alpha", district), create_centre("beta", district)


def test_a_past_period_is_computed_once_and_reused(client, auth, db, world):
    alpha, _ = world
    _visits(alpha, 6)
    auth.login_as("admin")
    assert (
        _visits_total(client.get(f"/reports/visits?{PERIOD}").get_data(as_text=True))
        == 6
    )
    entries = _entries(db)
    assert entries >= 1
    # A visit written behind the cache's back (no import) is not seen yet…
    _visits(alpha, 2)
    html = client.get(f"/reports/visits?{PERIOD}").get_data(as_text=True)
    assert _visits_total(html) == 6
    assert 'data-testid="computed-note"' in html
    assert _entries(db) == entries
    # …and the download offered on the page has the page's numbers.
    csv = client.get(f"/reports/download?report=visits&format=csv&{PERIOD}")
    assert "2024-03-05,alpha,6," in csv.get_data(as_text=True)
    # An export outside the pages always counts afresh.
    fresh = build_report("visits", date(2024, 3, 1), date(2024, 3, 31), min_cell=1)
    assert fresh[0].rows[0]["visits"] == 8
    # Dropping the entries (as imports and retention do) shows the new count.
    cache.invalidate(db.session, since=date(2024, 3, 5))
    db.session.commit()
    assert (
        _visits_total(client.get(f"/reports/visits?{PERIOD}").get_data(as_text=True))
        == 8
    )


def test_import_invalidates_the_periods_it_reaches(
    client, auth, runner, db, world, tmp_path
):
    alpha, _ = world
    _visits(alpha, 5)
    auth.login_as("admin")
    march = f"/reports/visits?{PERIOD}"
    february = "/reports/visits?start=2024-02-01&end=2024-02-29"
    assert _visits_total(client.get(march).get_data(as_text=True)) == 5
    assert _visits_total(client.get(february).get_data(as_text=True)) == 0
    path = tmp_path / "visits.csv"
    path.write_text(
        "centre,visited_at\nalpha,2024-03-20T10:00:00\nalpha,2024-03-21T10:00:00\n"
    )
    # The import is older than 30 days only for the CSV reader's "now": use the CLI.
    result = runner.invoke(args=["visits", "import", str(path)])
    if result.exit_code != 0:  # too old for the reader: import through the function
        pytest.fail(result.output)
    db.session.execute(update(Visit).values(record_key=0))  # no noise, as above
    db.session.commit()
    assert _visits_total(client.get(march).get_data(as_text=True)) == 7
    # February's entry ends before the imported days: it was kept.
    remaining = db.session.scalars(select(ReportCacheEntry.period_end)).all()
    assert date(2024, 2, 29) in remaining


def test_retention_drops_only_periods_before_its_cutoff(app, db, world):
    alpha, _ = world
    card = create_card()
    create_visit(alpha, card=card, visited_dt=datetime(2024, 3, 5, 10, tzinfo=UTC))
    today = date.today()
    recent = Scope(today - timedelta(days=3), today)
    old = Scope(date(2024, 3, 1), date(2024, 3, 31))
    with cache.caching(db.session, today):
        queries.daily_visits(db.session, recent)
        queries.daily_visits(db.session, old)
    assert _entries(db) == 2
    assert run_retention(app) == 1
    assert db.session.scalars(select(ReportCacheEntry.period_end)).all() == [today]


def test_live_periods_expire_and_can_be_recomputed(app, client, auth, db, world):
    alpha, _ = world
    today = datetime.now(UTC)
    create_visit(alpha, visited_dt=today - timedelta(hours=1))
    auth.login_as("admin")
    url = "/reports/visits"  # the default period: the last 30 days
    assert _visits_total(client.get(url).get_data(as_text=True)) == 1
    entry = db.session.scalars(select(ReportCacheEntry)).one()
    assert entry.expires_dt is not None
    assert (
        timedelta(minutes=14)
        < entry.expires_dt - entry.computed_dt
        <= timedelta(minutes=15)
    )
    create_visit(alpha, visited_dt=today - timedelta(minutes=30))
    assert _visits_total(client.get(url).get_data(as_text=True)) == 1
    html = client.get(url).get_data(as_text=True)
    token = html.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post(
        "/reports/recompute", data={"csrf_token": token, "next": "/reports/visits"}
    )
    assert response.status_code == 302 and response.location.endswith("/reports/visits")
    assert _visits_total(client.get(url).get_data(as_text=True)) == 2
    # "next" can only lead back to a report page.
    response = client.post(
        "/reports/recompute",
        data={"csrf_token": token, "next": "https://evil.example/"},
    )
    assert response.location.endswith("/reports/")
    app.config["WTF_CSRF_ENABLED"] = True  # off in tests, on in the app
    assert client.post("/reports/recompute", data={}).status_code == 400


def test_scopes_do_not_share_entries(client, auth, db, world):
    alpha, beta = world
    _visits(alpha, 7)
    _visits(beta, 5)
    auth.login_as("admin")
    assert (
        _visits_total(client.get(f"/reports/visits?{PERIOD}").get_data(as_text=True))
        == 12
    )
    auth.logout()
    auth.login_as("leader", centres=[beta])
    html = client.get(f"/reports/visits?{PERIOD}").get_data(as_text=True)
    assert _visits_total(html) == 5
    assert "alpha" not in html


def test_warm_up_job_fills_the_default_pages(client, auth, db, world, monkeypatch):
    alpha, beta = world
    now = datetime.now(UTC)
    for centre, card in ((alpha, create_card()), (beta, create_card())):
        create_visit(centre, card=card, visited_dt=now - timedelta(hours=2))
    written = warm_cache()
    assert written >= 4  # at least one aggregate per report
    db.session.commit()

    def refuse(*args, **kwargs):
        raise AssertionError("computed although the warm-up job computed it")

    for name in (
        "_daily_visits",
        "_coverage_aggregates",
        "_mobility_counts",
        "_mobility_matrix",
        "_mobility_months",
        "_centre_visits",
    ):
        monkeypatch.setattr(queries, name, refuse)
    auth.login_as("admin")
    for page in ("dashboard", "visits", "coverage", "mobility"):
        response = client.get(f"/reports/{page}")
        assert response.status_code == 200, page


def test_no_cache_when_switched_off(app, client, auth, db, world):
    alpha, _ = world
    _visits(alpha, 3)
    app.config["REPORT_CACHE_SECONDS"] = 0
    auth.login_as("admin")
    client.get(f"/reports/visits?{PERIOD}")
    assert _entries(db) == 0
    _visits(alpha, 1)
    assert (
        _visits_total(client.get(f"/reports/visits?{PERIOD}").get_data(as_text=True))
        == 4
    )


def test_rows_round_trip_dates_and_none(db):
    scope = Scope(date(2024, 1, 1), date(2024, 1, 31), (3, 1))
    rows = [(date(2024, 1, 2), 1, None, "x"), (date(2024, 1, 3), 2, 5, "")]
    with cache.caching(db.session, date(2026, 1, 1)) as state:
        assert cache.cached_rows(db.session, "q", scope, lambda: rows) == rows
    assert len(state.pending) == 1
    with cache.caching(db.session, date(2026, 1, 1)) as state:
        assert cache.cached_rows(db.session, "q", scope, lambda: []) == rows
        # Another scope or extra key is another entry.
        other = Scope(scope.start, scope.end, (1,))
        assert cache.cached_rows(db.session, "q", other, lambda: []) == []
        assert cache.cached_rows(db.session, "q", scope, lambda: [], extra="e") == []
    assert state.hits == 1


def test_deleting_a_district_drops_the_cached_figures(client, auth, db, world):
    alpha, _ = world
    elsewhere = create_district("9")
    card = create_card(home_district_id=elsewhere.id)
    create_visit(alpha, card=card, visited_dt=datetime(2024, 3, 5, 10, tzinfo=UTC))
    auth.login_as("admin")
    html = client.get(f"/reports/coverage?{PERIOD}").get_data(as_text=True)
    # The page names the district (the file keeps its code).
    assert [row[0] for row in table_rows(html, "flows")] == [elsewhere.name]
    assert _entries(db) > 0
    delete_district(elsewhere)
    db.session.commit()
    assert _entries(db) == 0
    html = client.get(f"/reports/coverage?{PERIOD}").get_data(as_text=True)
    assert [row[0] for row in table_rows(html, "flows")] == ["Ukendt"]


def test_moving_a_centre_to_another_district_drops_the_cached_figures(
    client, auth, db, world
):
    alpha, _ = world
    other = create_district("2")
    _visits(alpha, 3)
    auth.login_as("admin")
    html = client.get(f"/reports/coverage?{PERIOD}").get_data(as_text=True)
    first = alpha.district.name
    assert [(r[1], r[-1]) for r in table_rows(html, "flows")] == [(first, "3")]
    assert _entries(db) > 0
    data = {name: getattr(alpha, name) for name in ADMIN_FIELDS + PROFILE_FIELDS}
    update_centre(alpha, {**data, "district": other.id}, [])
    db.session.commit()
    assert _entries(db) == 0
    html = client.get(f"/reports/coverage?{PERIOD}").get_data(as_text=True)
    assert [(r[1], r[-1]) for r in table_rows(html, "flows")] == [(other.name, "3")]
