"""The course outcomes report: exact at min-cell 1 against figures computed
here from the raw rows, protected at the default min-cell, a leader's view,
the page, the downloads and a scheduled export (the job centre's file).

The data set (``course_world``, fixed seed): districts "1" (centres a, b) and
"2" (centre c); a category-3 course at a (registered), category-2 clarification
courses at b and c (unregistered), and an activity of category 1 at a; 50
cards with random record keys; random enrolments (some unlinked by retention,
some without an end date, some of a card twice) and follow-ups with random
outcomes, before, inside and after the period, which cuts three quarters.
"""

import csv
import io
import random
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.factories import create_activity, create_card, create_centre, create_district
from tests.presented import download_rows, run_schedule, shown_rows
from tests.views.test_reports_pages import table_rows
from vaerested.extensions import db as _db
from vaerested.models import (
    Activity,
    Card,
    Centre,
    CourseEnrolment,
    CourseFollowUp,
    CourseOutcome,
)
from vaerested.reports.tables.build import REPORTS, build_report
from vaerested.services.protection import noise

START, END = date(2024, 2, 10), date(2024, 8, 20)
#: The quarters of the period, clipped, written out by hand.
QUARTERS = [
    ("2024-Q1", date(2024, 2, 10), date(2024, 3, 31)),
    ("2024-Q2", date(2024, 4, 1), date(2024, 6, 30)),
    ("2024-Q3", date(2024, 7, 1), date(2024, 8, 20)),
]
OUTCOMES = {
    "continuing": "continuing",
    "completed": "completed",
    "employment": "employment",
    "education": "education",
    "stopped": "stopped",
    "other": "other_outcome",
}
COUNTS = ["enrolled", "on_course", *OUTCOMES.values()]


def course_world(seed: int = 14) -> dict:
    rng = random.Random(seed)
    d1, d2 = create_district("1"), create_district("2")
    centres = {
        "a": create_centre("a", d1, is_cat3=True),
        "b": create_centre("b", d1, is_cat2=True),
        "c": create_centre("c", d2, is_cat2=True),
    }
    courses = [
        create_activity(centres["a"], category=3, title="Job club"),
        create_activity(centres["b"], category=2, title="Afklaring"),
        create_activity(centres["c"], category=2, title="Afklaring"),
    ]
    plain = create_activity(centres["a"], category=1, title="Cooking")
    cards = [create_card(record_key=rng.randrange(256)) for _ in range(50)]
    first = date(2023, 10, 1)
    n = 0
    taken = set()
    for course in [*courses, plain]:
        for _ in range(45 if course is not plain else 3):
            card = rng.choice(cards) if rng.random() > 0.1 else None
            start = first + timedelta(days=rng.randrange(400))
            if card is not None and (course.id, card.id, start) in taken:
                continue  # one enrolment per card, course and start day
            taken.add((course.id, card.id if card else None, start))
            end = (
                None
                if rng.random() < 0.3
                else start + timedelta(days=rng.randrange(0, 120))
            )
            n += 1
            registered = course.category == 3
            enrolment = CourseEnrolment(
                activity_id=course.id,
                card_id=card.id if card else None,
                is_registered=registered,
                referral_ref=f"BIF-{n:04d}" if registered else None,
                start_date=start,
                end_date=end,
            )
            _db.session.add(enrolment)
            _db.session.flush()
            for _ in range(rng.randint(0, 3)):
                _db.session.add(
                    CourseFollowUp(
                        enrolment_id=enrolment.id,
                        follow_up_date=start + timedelta(days=rng.randrange(150)),
                        outcome=rng.choice(list(CourseOutcome)),
                    )
                )
    return centres


@pytest.fixture
def world(app, db):
    centres = course_world()
    db.session.commit()
    return centres


def expected(db, quarters=QUARTERS, slugs=None) -> dict:
    """Return ``{(quarter, slug, course_id): {column: (count, key)}}`` from the
    raw rows: plain Python over every enrolment and follow-up."""
    keys = dict(db.session.execute(select(Card.id, Card.record_key)).all())
    courses = {
        a.id: (slug, a.category)
        for a, slug in db.session.execute(
            select(Activity, Centre.slug).join(Centre, Centre.id == Activity.centre_id)
        )
    }
    sets: dict = defaultdict(lambda: defaultdict(set))
    for e in db.session.scalars(select(CourseEnrolment)):
        slug, category = courses[e.activity_id]
        if category not in (2, 3) or e.card_id is None:
            continue
        if slugs is not None and slug not in slugs:
            continue
        for label, first, last in quarters:
            row = (label, slug, e.activity_id)
            if first <= e.start_date <= last:
                sets[row]["enrolled"].add(e.card_id)
            if e.start_date <= last and (e.end_date is None or e.end_date >= first):
                sets[row]["on_course"].add(e.card_id)
            for f in e.follow_ups:
                if first <= f.follow_up_date <= last:
                    sets[row][OUTCOMES[f.outcome.value]].add(e.card_id)
    return {
        row: {c: (len(found[c]), sum(keys[i] for i in found[c]) % 256) for c in COUNTS}
        for row, found in sets.items()
        if any(found.values())
    }


def report_rows(tables) -> dict:
    [table] = tables
    return {
        (r["quarter"], r["centre"], r["course_id"]): {c: r[c] for c in COUNTS}
        for r in table.rows
    }


def raw_of(figures) -> dict:
    return {row: {c: v[0] for c, v in cells.items()} for row, cells in figures.items()}


def test_exact_at_min_cell_1(app, db, world):
    tables = build_report("courses", START, END, min_cell=1)
    assert REPORTS["courses"] == [t.name for t in tables]
    want = raw_of(expected(db))
    got = report_rows(tables)
    assert got == want
    assert {k[0] for k in got} == {"2024-Q1", "2024-Q2", "2024-Q3"}
    # Every outcome occurs; the category-1 activity is never a course.
    assert all(any(v[c] for v in got.values()) for c in COUNTS)
    rows = tables[0].rows
    assert {(r["centre"], r["category"], r["course"]) for r in rows} == {
        ("a", 3, "Job club"),
        ("b", 2, "Afklaring"),
        ("c", 2, "Afklaring"),
    }
    # Ordered by quarter, centre, course; no referral reference anywhere.
    assert [(r["quarter"], r["centre"]) for r in rows] == sorted(
        (r["quarter"], r["centre"]) for r in rows
    )
    assert "BIF-" not in repr(rows)


def test_filters_keep_the_chosen_centres(app, db, world):
    tables = build_report(
        "courses", START, END, min_cell=1, centre_ids=[world["a"].id, world["c"].id]
    )
    assert report_rows(tables) == raw_of(expected(db, slugs={"a", "c"}))
    tables = build_report("courses", START, END, min_cell=1, district_code="2")
    assert report_rows(tables) == raw_of(expected(db, slugs={"c"}))
    # One quarter cut on both sides.
    short = [("2024-Q2", date(2024, 5, 3), date(2024, 5, 30))]
    tables = build_report("courses", date(2024, 5, 3), date(2024, 5, 30), min_cell=1)
    assert report_rows(tables) == raw_of(expected(db, short))


def _protected(n: int, key: int, min_cell: int):
    shown = n + noise(n, key)
    return f"<{min_cell}" if 1 <= shown < min_cell else shown


def test_protected_at_default_min_cell(app, db, world):
    min_cell = app.config["EXPORT_MIN_CELL"]
    assert min_cell == 5
    tables = build_report("courses", START, END, min_cell=min_cell)
    got = report_rows(tables)
    figures = expected(db)
    assert set(got) == set(figures)
    changed = suppressed = 0
    for row, cells in figures.items():
        want = {c: _protected(n, k, min_cell) for c, (n, k) in cells.items()}
        assert got[row] == want, row
        changed += sum(want[c] != cells[c][0] for c in COUNTS)
        suppressed += sum(want[c] == "<5" for c in COUNTS)
    assert changed > 10 and suppressed > 10  # noise and suppression both happen
    assert all(t.min_cell == min_cell for t in tables)


PERIOD = f"start={START.isoformat()}&end={END.isoformat()}"


def test_page_shows_the_file_rows(app, client, auth, db, world):
    auth.login_as("admin")
    response = client.get(f"/reports/courses?{PERIOD}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = download_rows(client, "courses", "courses", PERIOD)
    assert rows and table_rows(html, "courses") == shown_rows("courses", rows)
    assert 'data-testid="protection-note"' in html
    assert "BIF-" not in html and "style=" not in html
    index = client.get("/reports/").get_data(as_text=True)
    assert 'data-testid="report-courses"' in index
    for fmt in ("xlsx", "csv_da", "json"):
        url = f"/reports/download?report=courses&format={fmt}&{PERIOD}"
        if fmt != "xlsx":
            url += "&table=courses"
        response = client.get(url)
        assert response.status_code == 200, fmt
        assert b"BIF-" not in response.data


def test_leader_sees_only_own_centre(app, client, auth, db, world):
    auth.login_as("leader", centres=[world["b"]])
    html = client.get(f"/reports/courses?{PERIOD}").get_data(as_text=True)
    rows = table_rows(html, "courses")
    assert rows and {r[1] for r in rows} == {world["b"].name}
    got = {
        (r[0], r[1], int(r[2])): r[5:]
        for r in download_rows(client, "courses", "courses", PERIOD)
    }
    want = {
        k: [str(_protected(n, key, 5)) for n, key in (cells[c] for c in COUNTS)]
        for k, cells in expected(db, slugs={"b"}).items()
    }
    assert got == want
    assert client.get(f"/reports/courses?{PERIOD}&centre=a").status_code == 403
    url = f"/reports/download?report=courses&format=csv&{PERIOD}&centre=c"
    assert client.get(url).status_code == 403


def test_staff_are_refused(app, client, auth, db, world):
    auth.login_as("staff", centres=[world["a"]])
    assert client.get(f"/reports/courses?{PERIOD}").status_code == 403
    url = f"/reports/download?report=courses&format=csv&{PERIOD}"
    assert client.get(url).status_code == 403


def test_staff_of_another_centre_cannot_open_a_course(app, client, auth, db, world):
    course = db.session.scalar(
        select(Activity).where(Activity.centre_id == world["b"].id)
    )
    auth.login_as("staff", centres=[world["c"]])
    base = f"/activities/b/{course.id}/course"
    assert client.get(base).status_code == 403
    assert client.get(base + "/enrol").status_code == 403
    # Through the own centre's slug another centre's course does not exist.
    assert client.get(f"/activities/c/{course.id}/course").status_code == 404


def test_scheduled_export(app, db, world, monkeypatch):
    """A quarterly schedule of the course report runs through the registry:
    the file the job centre receives."""
    from pathlib import Path

    run = run_schedule(
        app, monkeypatch, "courses", "quarterly", datetime(2024, 7, 3, 10, tzinfo=UTC)
    )
    assert (run.period_start, run.period_end) == (date(2024, 4, 1), date(2024, 6, 30))
    assert [Path(f).name for f in run.files] == ["2024-04-01_2024-06-30_courses.csv"]
    path = Path(app.instance_path) / "exports" / run.files[0]
    text = path.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["quarter", "centre", "course_id", "course", "category"]
    assert {r[0] for r in rows[1:-1]} == {"2024-Q2"}
    assert rows[-1][0].startswith("# ") and "BIF-" not in text
