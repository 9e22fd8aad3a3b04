"""The FLOW report's page, downloads, access, scheduled export and command; the
dashboard's FLOW trend; the scanner's housing tap markup."""

from datetime import UTC, date, datetime
from pathlib import Path

from tests.presented import download_rows, run_schedule, shown_rows
from tests.test_flow_report import (  # noqa: F401  (fixture)
    COUNTS,
    END,
    START,
    _protected,
    expected,
    world,
)
from tests.views.test_reports_pages import table_rows

PERIOD = f"start={START.isoformat()}&end={END.isoformat()}"


def test_page_shows_the_file_rows(app, client, auth, db, world):  # noqa: F811
    auth.login_as("admin")
    response = client.get(f"/reports/flow?{PERIOD}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for table in ("flow", "flow_months"):
        rows = download_rows(client, "flow", table, PERIOD)
        assert rows and table_rows(html, table) == shown_rows(table, rows)
    assert 'data-testid="protection-note"' in html
    assert 'data-testid="flow-chart"' in html and "style=" not in html
    index = client.get("/reports/").get_data(as_text=True)
    assert 'data-testid="report-flow"' in index
    for fmt in ("xlsx", "csv_da", "json"):
        url = f"/reports/download?report=flow&format={fmt}&{PERIOD}"
        if fmt != "xlsx":
            url += "&table=flow"
        assert client.get(url).status_code == 200, fmt


def test_leader_sees_only_own_centre(app, client, auth, db, world):  # noqa: F811
    auth.login_as("leader", centres=[world["b"]])
    html = client.get(f"/reports/flow?{PERIOD}").get_data(as_text=True)
    rows = table_rows(html, "flow")
    assert rows and {r[1] for r in rows} == {world["b"].name}
    per_centre, per_month = expected(db, slugs={"b"})
    got = {(r[0], r[1]): r[2:] for r in download_rows(client, "flow", "flow", PERIOD)}
    assert got == {
        k: [str(_protected(n, key, 5)) for n, key in (cells[c] for c in COUNTS)]
        for k, cells in per_centre.items()
    }
    got = {r[0]: r[1:] for r in download_rows(client, "flow", "flow_months", PERIOD)}
    assert got == {
        k: [str(_protected(n, key, 5)) for n, key in (cells[c] for c in COUNTS)]
        for k, cells in per_month.items()
    }
    assert client.get(f"/reports/flow?{PERIOD}&centre=a").status_code == 403
    url = f"/reports/download?report=flow&format=csv&{PERIOD}&centre=c"
    assert client.get(url).status_code == 403


def test_staff_are_refused(app, client, auth, db, world):  # noqa: F811
    auth.login_as("staff", centres=[world["a"]])
    assert client.get(f"/reports/flow?{PERIOD}").status_code == 403
    url = f"/reports/download?report=flow&format=csv&{PERIOD}"
    assert client.get(url).status_code == 403


def test_dashboard_shows_the_flow_trend(app, client, auth, db, world):  # noqa: F811
    auth.login_as("admin")
    html = client.get(f"/reports/dashboard?{PERIOD}").get_data(as_text=True)
    assert 'id="flow-title"' in html
    rows = download_rows(client, "flow", "flow_months", PERIOD)
    assert table_rows(html, "flow_months") == shown_rows("flow_months", rows)


def test_scheduled_export_and_command(app, db, runner, tmp_path, monkeypatch, world):  # noqa: F811
    run = run_schedule(
        app, monkeypatch, "flow", "monthly", datetime(2024, 5, 3, 10, tzinfo=UTC)
    )
    assert (run.period_start, run.period_end) == (date(2024, 4, 1), date(2024, 4, 30))
    names = [Path(f).name for f in run.files]
    assert names == [f"2024-04-01_2024-04-30_{t}.csv" for t in ("flow", "flow_months")]
    text = (Path(app.instance_path) / "exports" / run.files[0]).read_text("utf-8")
    assert text.startswith("month,centre,moved_to_own_home,")
    result = runner.invoke(
        args=[
            "export", "flow", "--from", START.isoformat(), "--to", END.isoformat(),
            "--format", "csv", "--out", str(tmp_path), "--min-cell", "1",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (tmp_path / "flow_months.csv").read_text("utf-8").startswith("month,")


def test_scanner_offers_the_situations_but_not_the_legacy_one(client, auth, db, world):  # noqa: F811
    auth.login_as("staff", centres=[world["a"]])
    html = client.get("/checkin/a/").get_data(as_text=True)
    assert 'data-testid="housing-tap"' in html and "checkin-housing.js" in html
    for value in (
        "own_home",
        "residential_centre",
        "shelter",
        "transitional",
        "unknown",
    ):
        assert f'data-testid="housing-{value}"' in html
    assert 'data-testid="housing-homeless"' not in html
    assert 'value="homeless"' not in html  # nor in the tally's select
    form = client.get("/checkin/a/cards/new").get_data(as_text=True)
    assert 'value="street"' in form and 'value="homeless"' not in form
