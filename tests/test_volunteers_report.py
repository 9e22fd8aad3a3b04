"""The outreach and volunteering report: exact at min-cell 1 against figures
computed here in plain Python from the raw rows, protected at the default
min-cell, filters, the page, the downloads, the command line and a scheduled
export.

The data set (``volunteer_world``, fixed seed): districts "1" (centres a, b)
and "2" (centre c); 60 cards with random record keys; random card visits
(one per card, centre and day; few at a small centre d, also in district
"2") and tallies before, in and after the period,
a share of them with a random outreach kind; an activity per centre with
sessions on random days (some cancelled, one starting 23:30 UTC on the last
day, i.e. the next local day), card scans at them, a share of them as
volunteers, and volunteer scans unlinked by retention (no card).
"""

import csv
import io
import random
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests.factories import (
    create_activity,
    create_card,
    create_centre,
    create_district,
    create_session,
    create_visit,
)
from tests.presented import download_rows, run_schedule, shown_rows
from tests.views.test_reports_pages import table_rows
from vaerested.models import (
    Activity,
    ActivitySession,
    Card,
    Centre,
    Outreach,
    SessionScan,
    Visit,
)
from vaerested.reports.tables.build import REPORTS, build_report
from vaerested.services.protection import noise

CPH = ZoneInfo("Europe/Copenhagen")
START, END = date(2024, 3, 10), date(2024, 5, 20)
#: The months of the period, clipped, written out by hand.
MONTHS = [
    ("2024-03", date(2024, 3, 10), date(2024, 3, 31)),
    ("2024-04", date(2024, 4, 1), date(2024, 4, 30)),
    ("2024-05", date(2024, 5, 1), date(2024, 5, 20)),
]
KINDS = ["street_worker", "home_guide", "skp", "other", "none"]
VOL_COUNTS = ["volunteer_cards", "volunteer_sessions", "away_volunteers"]


def volunteer_world(seed: int = 14) -> dict:
    rng = random.Random(seed)
    d1, d2 = create_district("1"), create_district("2")
    centres = {
        "a": create_centre("a", d1),
        "b": create_centre("b", d1),
        "c": create_centre("c", d2),
    }
    slugs = list(centres)
    # A small centre: few visits and volunteers, so small cells occur.
    centres["d"] = create_centre("d", d2)
    cards = [
        create_card(centres["a"], record_key=rng.randrange(256)) for _ in range(60)
    ]
    days = [START + timedelta(days=n) for n in range(-10, (END - START).days + 10)]
    kinds = [*Outreach, None, None, None]
    seen = set()
    for _ in range(700):
        card = rng.choice(cards)
        # Each card has a favourite centre, so home centres differ.
        slug = rng.choice([slugs[card.id % 3]] * 3 + slugs)
        day = rng.choice(days)
        if (card.id, slug, day) in seen:
            continue
        seen.add((card.id, slug, day))
        at = datetime(day.year, day.month, day.day, 9, rng.randrange(60), tzinfo=UTC)
        create_visit(
            centres[slug],
            card,
            at,
            record_key=rng.randrange(256),
            outreach=rng.choice(kinds),
        )
    for card in rng.sample(cards, 14):
        day = rng.choice(days)
        if (card.id, "d", day) not in seen:
            seen.add((card.id, "d", day))
            create_visit(
                centres["d"],
                card,
                datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
                record_key=rng.randrange(256),
                outreach=rng.choice(kinds),
            )
    for _ in range(80):
        day = rng.choice(days)
        create_visit(
            centres[rng.choice(slugs)],
            None,
            datetime(day.year, day.month, day.day, 11, tzinfo=UTC),
            record_key=rng.randrange(256),
            outreach=rng.choice(kinds),
        )
    for slug, centre in centres.items():
        activity = create_activity(centre, title=f"Café {slug}")
        session_days = rng.sample(days, 25 if slug != "d" else 3)
        starts = [
            datetime(d.year, d.month, d.day, 10, tzinfo=UTC) for d in session_days
        ]
        if slug == "b":  # Local day END + 1: outside the period.
            starts.append(datetime(END.year, END.month, END.day, 23, 30, tzinfo=UTC))
        for start in starts:
            session = create_session(activity, start, is_cancelled=rng.random() < 0.1)
            for card in rng.sample(cards, rng.randint(0, 6) if slug != "d" else 2):
                create_scan(session, card.id, slug == "d" or rng.random() < 0.4)
            if rng.random() < 0.2:
                create_scan(session, None, True)  # unlinked by retention
    return centres


def create_scan(session, card_id, is_volunteer):
    from vaerested.extensions import db

    db.session.add(
        SessionScan(
            session_id=session.id,
            card_id=card_id,
            scanned_dt=session.start_dt,
            is_volunteer=is_volunteer,
        )
    )
    db.session.flush()


@pytest.fixture
def world(app, db):
    centres = volunteer_world()
    db.session.commit()
    return centres


def expected(db, start=START, end=END, slugs=None) -> dict:
    """Return ``{table: {row: {column: (count, key)}}}`` from the raw rows."""
    keys = dict(db.session.execute(select(Card.id, Card.record_key)).all())
    slug_of = dict(db.session.execute(select(Centre.id, Centre.slug)).all())
    # Home centres: most visits in the period at every centre, ties by slug.
    per_card: dict = defaultdict(Counter)
    outreach: dict = defaultdict(lambda: [0, 0])
    months = [(m, f, last) for m, f, last in MONTHS if f <= end and last >= start]
    months = [(m, max(f, start), min(last, end)) for m, f, last in months]
    for v in db.session.scalars(select(Visit)):
        if not start <= v.visit_date <= end:
            continue
        if v.card_id is not None:
            per_card[v.card_id][slug_of[v.centre_id]] += 1
        slug = slug_of[v.centre_id]
        if slugs is not None and slug not in slugs:
            continue
        [month] = [m for m, f, last in months if f <= v.visit_date <= last]
        kind = v.outreach.value if v.outreach else "none"
        outreach[(month, slug, kind)][0] += 1
        outreach[(month, slug, kind)][1] += v.record_key
    home = {
        card: min(counts, key=lambda s: (-counts[s], s))
        for card, counts in per_card.items()
    }
    active = {(m, s) for m, s, _k in outreach}
    outreach_rows = {
        (m, s, kind): {"visits": tuple(outreach.get((m, s, kind), (0, 0)))}
        for m, s in active
        for kind in KINDS
    }
    volunteer_cards: dict = defaultdict(set)
    records: dict = defaultdict(list)
    for scan, session, centre_id in db.session.execute(
        select(SessionScan, ActivitySession, Activity.centre_id)
        .join(ActivitySession, ActivitySession.id == SessionScan.session_id)
        .join(Activity, Activity.id == ActivitySession.activity_id)
    ):
        day = session.start_dt.astimezone(CPH).date()
        slug = slug_of[centre_id]
        if not scan.is_volunteer or session.is_cancelled or not start <= day <= end:
            continue
        if slugs is not None and slug not in slugs:
            continue
        records[slug].append(scan.card_id)
        if scan.card_id is not None:
            volunteer_cards[slug].add(scan.card_id)
    volunteer_rows = {}
    for slug, found in records.items():
        linked = volunteer_cards[slug]
        away = {c for c in linked if c in home and home[c] != slug}
        volunteer_rows[(slug,)] = {
            "volunteer_cards": (len(linked), sum(keys[c] for c in linked) % 256),
            "volunteer_sessions": (
                len(found),
                sum(keys[c] for c in found if c is not None) % 256,
            ),
            "away_volunteers": (len(away), sum(keys[c] for c in away) % 256),
        }
    for row in outreach_rows.values():
        row["visits"] = (row["visits"][0], row["visits"][1] % 256)
    return {"volunteers": volunteer_rows, "outreach_arrivals": outreach_rows}


LABELS = {
    "volunteers": ("centre",),
    "outreach_arrivals": ("month", "centre", "outreach"),
}
COUNTS = {"volunteers": VOL_COUNTS, "outreach_arrivals": ["visits"]}


def report_rows(tables) -> dict:
    return {
        t.name: {
            tuple(r[c] for c in LABELS[t.name]): {c: r[c] for c in COUNTS[t.name]}
            for r in t.rows
        }
        for t in tables
    }


def raw_of(figures) -> dict:
    return {
        table: {row: {c: v[0] for c, v in cells.items()} for row, cells in rows.items()}
        for table, rows in figures.items()
    }


def test_exact_at_min_cell_1(app, db, world):
    tables = build_report("volunteers", START, END, min_cell=1)
    assert REPORTS["volunteers"] == [t.name for t in tables]
    want = raw_of(expected(db))
    got = report_rows(tables)
    assert got == want
    # The data exercise every count: volunteers away from home, every kind.
    volunteers = got["volunteers"]
    assert set(volunteers) == {("a",), ("b",), ("c",), ("d",)}
    assert all(volunteers[(s,)]["away_volunteers"] > 0 for s in "abc")
    assert any(v["volunteer_cards"] > v["away_volunteers"] for v in volunteers.values())
    assert all(
        any(v["visits"] for k, v in got["outreach_arrivals"].items() if k[2] == kind)
        for kind in KINDS
    )
    # Ordered by month then centre, every kind listed; districts named.
    rows = tables[1].rows
    assert [(r["month"], r["centre"]) for r in rows] == sorted(
        (r["month"], r["centre"]) for r in rows
    )
    assert [r["outreach"] for r in rows[:5]] == KINDS
    assert {r["centre"]: r["district"] for r in tables[0].rows} == {
        "a": "1",
        "b": "1",
        "c": "2",
        "d": "2",
    }


def test_filters_choose_centres_and_home_stays_city_wide(app, db, world):
    tables = build_report(
        "volunteers", START, END, min_cell=1, centre_ids=[world["a"].id]
    )
    assert report_rows(tables) == raw_of(expected(db, slugs={"a"}))
    tables = build_report("volunteers", START, END, min_cell=1, district_code="2")
    assert report_rows(tables) == raw_of(expected(db, slugs={"c", "d"}))
    short = (date(2024, 4, 3), date(2024, 4, 20))
    tables = build_report("volunteers", *short, min_cell=1)
    assert report_rows(tables) == raw_of(expected(db, *short))


def _protected(n: int, key: int, min_cell: int):
    shown = n + noise(n, key)
    return f"<{min_cell}" if 1 <= shown < min_cell else shown


def test_protected_at_default_min_cell(app, db, world):
    min_cell = app.config["EXPORT_MIN_CELL"]
    assert min_cell == 5
    tables = build_report("volunteers", START, END, min_cell=min_cell)
    got = report_rows(tables)
    figures = expected(db)
    changed = suppressed = 0
    for table, rows in figures.items():
        assert set(got[table]) == set(rows)
        for row, cells in rows.items():
            want = {c: _protected(n, k, min_cell) for c, (n, k) in cells.items()}
            assert got[table][row] == want, (table, row)
            changed += sum(want[c] != cells[c][0] for c in cells)
            suppressed += sum(want[c] == "<5" for c in cells)
    assert changed > 10 and suppressed > 5  # noise and suppression both happen
    assert all(t.min_cell == min_cell for t in tables)


PERIOD = f"start={START.isoformat()}&end={END.isoformat()}"


def test_page_shows_the_file_rows(app, client, auth, db, world):
    auth.login_as("admin")
    response = client.get(f"/reports/volunteers?{PERIOD}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for table in REPORTS["volunteers"]:
        rows = download_rows(client, "volunteers", table, PERIOD)
        assert rows and table_rows(html, table) == shown_rows(table, rows)
    assert 'data-testid="protection-note"' in html
    index = client.get("/reports/").get_data(as_text=True)
    assert 'data-testid="report-volunteers"' in index
    for fmt in ("xlsx", "csv_da", "json"):
        url = f"/reports/download?report=volunteers&format={fmt}&{PERIOD}"
        if fmt != "xlsx":
            url += "&table=volunteers"
        assert client.get(url).status_code == 200, fmt


def test_leader_sees_only_own_centre(app, client, auth, db, world):
    auth.login_as("leader", centres=[world["b"]])
    got = {
        tuple(r[:1]): r[2:]
        for r in download_rows(client, "volunteers", "volunteers", PERIOD)
    }
    want = {
        k: [str(_protected(n, key, 5)) for n, key in (cells[c] for c in VOL_COUNTS)]
        for k, cells in expected(db, slugs={"b"})["volunteers"].items()
    }
    assert got == want
    assert client.get(f"/reports/volunteers?{PERIOD}&centre=a").status_code == 403


def test_staff_are_refused(app, client, auth, db, world):
    auth.login_as("staff", centres=[world["a"]])
    assert client.get(f"/reports/volunteers?{PERIOD}").status_code == 403
    url = f"/reports/download?report=volunteers&format=csv&{PERIOD}"
    assert client.get(url).status_code == 403


def test_command_line_export(app, db, world, runner, tmp_path):
    tmp_path = tmp_path / "out"
    result = runner.invoke(
        args=[
            "export",
            "volunteers",
            "--from",
            START.isoformat(),
            "--to",
            END.isoformat(),
            "--min-cell",
            "1",
            "--out",
            str(tmp_path),
        ]
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["outreach_arrivals.csv", "volunteers.csv"]
    with (tmp_path / "volunteers.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if not r["centre"].startswith("#")]
    want = raw_of(expected(db))["volunteers"]
    assert {(r["centre"],): {c: int(r[c]) for c in VOL_COUNTS} for r in rows} == want


def test_scheduled_export(app, db, world, monkeypatch):
    from pathlib import Path

    run = run_schedule(
        app, monkeypatch, "volunteers", "monthly", datetime(2024, 5, 3, 10, tzinfo=UTC)
    )
    assert sorted(Path(f).name for f in run.files) == [
        "2024-04-01_2024-04-30_outreach_arrivals.csv",
        "2024-04-01_2024-04-30_volunteers.csv",
    ]
    path = Path(app.instance_path) / "exports" / sorted(run.files)[1]
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    assert rows[0] == [
        "centre",
        "district",
        "volunteer_cards",
        "volunteer_sessions",
        "away_volunteers",
    ]
    assert rows[-1][0].startswith("# ")
