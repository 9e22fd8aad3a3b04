"""The dashboard report: tables, ratios, suppression, scopes and ``flask export``.

The data set (``dashboard_world``), period Mon 2024-02-26 .. Sun 2024-03-10
(two ISO weeks), time zone Europe/Copenhagen (UTC+1: 23:30 UTC is 00:30 the
next local day). Districts "1", "2". Centres (district, typical daily users):
north (1, 25), south (1, none), east (2, 50), closed (2, inactive, no visits).
Cards (housing, first came, issued at, issued UTC):
  A (own_home, own_initiative, north, Feb 27)   B (own_home, own_initiative, north, Feb 27)
  C (homeless, outreach_worker, north, Mar 2)   D (none, none, north, Feb 29 23:30 = Mar 1)
  E (residential_centre, psychiatry, east, Mar 5)
  F (none, other, no centre, Feb 25 23:30 = Feb 26)  inside
  G (none, own_initiative, north, Feb 25 22:59 = Feb 25 23:59)  outside
  H (none, own_initiative, east, Mar 10 23:30 = Mar 11)  outside
Visits (UTC 10:00 unless said):
  north  Feb 26: A, B, tally (residential_centre), tally (none); Feb 27: A;
         Mar 4: A, B, C, 3 tallies (homeless); outside: A Feb 25 22:00 (= 23:00)
  south  Mar 8: D, tally (own_home), tally (none)
  east   Feb 28: 6 tallies (none); Mar 1: A, E; Mar 10: E;
         outside: E Mar 10 23:30 (= Mar 11)
Activity sessions (UTC 10:00 unless said):
  north "Cafe" cat 1: Feb 27 headcount 4, 2 volunteers, scans A, B; Mar 5
         cancelled (headcount 3); Mar 6 nothing recorded (past, so held)
  north "Course" cat 2: Mar 1 headcount 3
  east "Club" cat 2: Feb 25 23:30 (= Feb 26) headcount 1; Mar 7 headcount 5;
         Mar 10 23:30 (= Mar 11, outside) headcount 7
"""

import csv
from datetime import UTC, date, datetime, timedelta

from tests.factories import (
    create_activity,
    create_card,
    create_centre,
    create_district,
    create_session,
    create_statement,
    create_visit,
)
from vaerested.models import SessionAttendance, SessionScan
from vaerested.models.base import utcnow
from vaerested.reports.tables.build import REPORTS, build_report

START, END = date(2024, 2, 26), date(2024, 3, 10)


def utc(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2024, month, day, hour, minute, tzinfo=UTC)


def dashboard_world(db) -> dict:
    """Create the data set described in the module docstring."""
    d1, d2 = create_district("1"), create_district("2")
    north = create_centre("north", d1, typical_daily_users=25)
    south = create_centre("south", d1)
    east = create_centre("east", d2, typical_daily_users=50)
    closed = create_centre("closed", d2, is_active=False, typical_daily_users=10)
    cards = {}
    for name, centre, issued, attributes in [
        ("A", north, utc(2, 27), {"housing": "own_home", "first_came": "own_initiative"}),
        ("B", north, utc(2, 27), {"housing": "own_home", "first_came": "own_initiative"}),
        ("C", north, utc(3, 2), {"housing": "homeless", "first_came": "outreach_worker"}),
        ("D", north, utc(2, 29, 23, 30), {}),
        ("E", east, utc(3, 5), {"housing": "residential_centre", "first_came": "psychiatry"}),
        ("F", None, utc(2, 25, 23, 30), {"first_came": "other"}),
        ("G", north, utc(2, 25, 22, 59), {"first_came": "own_initiative"}),
        ("H", east, utc(3, 10, 23, 30), {"first_came": "own_initiative"}),
    ]:  # fmt: skip
        card = create_card(centre, **attributes)
        card.issued_dt = issued
        cards[name] = card
    A, B, C, D, E = (cards[k] for k in "ABCDE")
    for centre, card, moment, housing in [
        (north, A, utc(2, 26), None),
        (north, B, utc(2, 26), None),
        (north, None, utc(2, 26), "residential_centre"),
        (north, None, utc(2, 26, 11), None),
        (north, A, utc(2, 27), None),
        (north, A, utc(3, 4), None),
        (north, B, utc(3, 4), None),
        (north, C, utc(3, 4), None),
        (north, A, utc(2, 25, 22), None),  # outside
        (south, D, utc(3, 8), None),
        (south, None, utc(3, 8), "own_home"),
        (south, None, utc(3, 8, 11), None),
        (east, A, utc(3, 1), None),
        (east, E, utc(3, 1), None),
        (east, E, utc(3, 10), None),
        (east, E, utc(3, 10, 23, 30), None),  # outside (Mar 11 local)
    ]:
        create_visit(centre, card, moment, housing=housing)
    for _ in range(3):
        create_visit(north, None, utc(3, 4), housing="homeless")
    for _ in range(6):
        create_visit(east, None, utc(2, 28))
    cafe = create_activity(north, category=1, title="Cafe")
    course = create_activity(north, category=2, title="Course")
    club = create_activity(east, category=2, title="Club")
    sessions = [
        (cafe, utc(2, 27), 4, False),
        (cafe, utc(3, 5), 3, True),
        (cafe, utc(3, 6), None, False),
        (course, utc(3, 1), 3, False),
        (club, utc(2, 25, 23, 30), 1, False),
        (club, utc(3, 7), 5, False),
        (club, utc(3, 10, 23, 30), 7, False),
    ]
    made = []
    for activity, start, headcount, cancelled in sessions:
        session = create_session(activity, start, is_cancelled=cancelled)
        if headcount is not None:
            db.session.add(
                SessionAttendance(
                    session_id=session.id,
                    headcount=headcount,
                    volunteers=2 if activity is cafe else 0,
                    record_key=0,  # no noise, as the factories' cards and visits
                )
            )
        made.append(session)
    db.session.add_all(SessionScan(session_id=made[0].id, card_id=c.id) for c in (A, B))
    db.session.flush()
    return {
        "north": north,
        "south": south,
        "east": east,
        "closed": closed,
        "cards": cards,
    }


# Raw expectations, worked out by hand from the docstring.
# north: 4 + 1 + 6 = 11 visits on 3 days: 11 / 3 = 3.67 -> 3.7; / 25 -> 0.15.
# south: 3 visits on 1 day: 3.0; no typical. east: 6 + 2 + 1 = 9 on 3 days: 3.0;
# / 50 = 0.06. closed: inactive without visits, not listed.
CENTRES = [
    ["east", "2", 50, 3, 9, 3.0, 0.06],
    ["north", "1", 25, 3, 11, 3.7, 0.15],
    ["south", "1", "", 1, 3, 3.0, ""],
]
# District 1: north + south, typical 25 (south has none), days Feb 26, 27,
# Mar 4, 8 = 4, visits 14: 3.5; 3.5 / 25 = 0.14. District 2: east only.
DISTRICTS = [
    ["1", 2, 25, 4, 14, 3.5, 0.14],
    ["2", 1, 50, 3, 9, 3.0, 0.06],
]
# The period is two whole ISO weeks (Mon Feb 26 .. Sun Mar 10): every week has
# 7 days in the period and is not partial (last two columns: days_in_period,
# partial).
WEEKS = [
    ["2024-02-26", "east", "2", 8, 7, 0],
    ["2024-02-26", "north", "1", 5, 7, 0],
    ["2024-03-04", "east", "2", 1, 7, 0],
    ["2024-03-04", "north", "1", 6, 7, 0],
    ["2024-03-04", "south", "1", 3, 7, 0],
]
# Both months are partial: February 2024 (29 days, a leap year) has Feb 26..29
# = 4 days in the period, March (31 days) Mar 1..10 = 10.
FEB, MAR = [4, 1], [10, 1]
NEW_CARDS = [
    ["2024-02", "own_initiative", 2, *FEB],
    ["2024-02", "other", 1, *FEB],
    ["2024-03", "outreach_worker", 1, *MAR],
    ["2024-03", "psychiatry", 1, *MAR],
    ["2024-03", "unknown", 1, *MAR],
]
# Cards with a visit: A, B (own_home), C (homeless), D (unknown), E
# (residential). Tallies: north residential 1, unknown 1, homeless 3; south
# own_home 1, unknown 1; east unknown 6.
#: The housing situations nobody in this world has (rows of zeros).
NEW_SITUATIONS = [
    "shelter",
    "night_shelter",
    "street",
    "family_friends",
    "hotel_camping",
    "transitional",
    "awaiting_release",
]


def housing_rows(own, residential, homeless, unknown) -> list[list]:
    """Return the housing table in its order (legacy "homeless" after "other")."""
    return [
        ["own_home", *own],
        ["residential_centre", *residential],
        *([s, 0, 0] for s in NEW_SITUATIONS),
        ["other", 0, 0],
        ["homeless", *homeless],
        ["unknown", *unknown],
    ]


HOUSING = housing_rows([2, 1], [1, 1], [1, 3], [1, 8])
# Cat 1: Cafe Feb 27 (4 + 2 scans) and Mar 6 (0); Mar 5 cancelled.
# Cat 2: Course Mar 1 (3), Club Feb 26 local (1) and Mar 7 (5).
ACTIVITIES = [[1, 2, 6, 1], [2, 3, 9, 2], [3, 0, 0, 0]]


def rows(tables, name: str) -> list[list]:
    table = {t.name: t for t in tables}[name]
    return [[r[c] for c in table.columns] for r in table.rows]


def test_tables_at_min_cell_1(app, db):
    dashboard_world(db)
    tables = build_report("dashboard", START, END, min_cell=1)
    assert [t.name for t in tables] == REPORTS["dashboard"]
    assert rows(tables, "dashboard_centres") == CENTRES
    assert rows(tables, "dashboard_districts") == DISTRICTS
    assert rows(tables, "dashboard_weeks") == WEEKS
    assert rows(tables, "new_cards") == NEW_CARDS
    assert rows(tables, "housing") == HOUSING
    assert rows(tables, "activity_categories") == ACTIVITIES


def test_cards_count_by_their_situation_at_the_periods_end(app, db):
    """A card counts by its latest housing statement on or before the period's
    last day; later statements do not count; without any, its housing at issue."""
    world = dashboard_world(db)
    a, b, c = world["cards"]["A"], world["cards"]["B"], world["cards"]["C"]
    create_statement(a, date(2024, 2, 20), "residential_centre")  # issue: own home
    create_statement(a, END, "shelter")  # on the last day: counts
    create_statement(b, date(2024, 3, 1), None)  # "unknown" since March 1st
    create_statement(c, END + timedelta(days=1), "own_home")  # after P: not yet
    db.session.commit()
    tables = build_report("dashboard", START, END, min_cell=1)
    table = {r[0]: r[1:] for r in rows(tables, "housing")}
    # A: shelter; B: unknown; C: still homeless (at issue); D unknown; E residential.
    assert table["own_home"] == [0, 1]
    assert table["shelter"] == [1, 0]
    assert table["residential_centre"] == [1, 1]
    assert table["homeless"] == [1, 3]
    assert table["unknown"] == [2, 8]
    assert sum(n for n, _ in table.values()) == 5


def test_suppressed_at_five(app, db):
    dashboard_world(db)
    tables = build_report("dashboard", START, END, min_cell=5)
    # south's 3 visits are suppressed, and so are its ratios.
    assert rows(tables, "dashboard_centres") == [
        ["east", "2", 50, 3, 9, 3.0, 0.06],
        ["north", "1", 25, 3, 11, 3.7, 0.15],
        ["south", "1", "", 1, "<5", "", ""],
    ]
    assert rows(tables, "dashboard_districts") == DISTRICTS  # 14 and 9
    assert [r[3] for r in rows(tables, "dashboard_weeks")] == [8, 5, "<5", 6, "<5"]
    assert [r[2] for r in rows(tables, "new_cards")] == ["<5"] * 5
    assert rows(tables, "housing") == housing_rows(
        ["<5", "<5"], ["<5", "<5"], ["<5", "<5"], ["<5", 8]
    )
    # Sessions and activities are not counts of persons; attendance is.
    assert rows(tables, "activity_categories") == [
        [1, 2, 6, 1],
        [2, 3, 9, 2],
        [3, 0, 0, 0],
    ]


def test_centre_scope(app, db):
    world = dashboard_world(db)
    tables = build_report(
        "dashboard", START, END, min_cell=1, centre_ids=[world["north"].id]
    )
    assert rows(tables, "dashboard_centres") == [CENTRES[1]]
    assert rows(tables, "dashboard_districts") == [["1", 1, 25, 3, 11, 3.7, 0.15]]
    assert rows(tables, "dashboard_weeks") == [
        ["2024-02-26", "north", "1", 5, 7, 0],
        ["2024-03-04", "north", "1", 6, 7, 0],
    ]
    # Only cards issued at north (D: unknown, Mar 1 local).
    assert rows(tables, "new_cards") == [
        ["2024-02", "own_initiative", 2, *FEB],
        ["2024-03", "outreach_worker", 1, *MAR],
        ["2024-03", "unknown", 1, *MAR],
    ]
    assert rows(tables, "housing") == housing_rows([2, 0], [0, 1], [1, 3], [0, 1])
    assert rows(tables, "activity_categories") == [
        [1, 2, 6, 1],
        [2, 1, 3, 1],
        [3, 0, 0, 0],
    ]


def test_district_filter_and_inactive_centre_with_visits(app, db):
    world = dashboard_world(db)
    create_visit(world["closed"], None, utc(3, 9))
    tables = build_report("dashboard", START, END, min_cell=1, district_code="2")
    # closed is listed once it has a visit; its typical users count in the sum.
    assert rows(tables, "dashboard_centres") == [
        ["closed", "2", 10, 1, 1, 1.0, 0.1],
        CENTRES[0],
    ]
    assert rows(tables, "dashboard_districts") == [["2", 2, 60, 4, 10, 2.5, 0.04]]
    assert rows(tables, "new_cards") == [["2024-03", "psychiatry", 1, *MAR]]
    assert rows(tables, "activity_categories")[1] == [2, 2, 6, 1]


def test_held_means_started_or_recorded(app, db):
    centre = create_centre("here", create_district("1"))
    activity = create_activity(centre, category=3)
    soon = utcnow() + timedelta(days=2)
    create_session(activity, utcnow() - timedelta(hours=1))  # started: held
    create_session(activity, soon)  # not yet: not held
    later = create_session(activity, soon + timedelta(hours=3))
    db.session.add(SessionAttendance(session_id=later.id, headcount=2))
    db.session.flush()  # recorded ahead (unusual, but it says it happened)
    today = utcnow().date()
    tables = build_report(
        "dashboard", today - timedelta(days=1), today + timedelta(days=5), min_cell=1
    )
    assert rows(tables, "activity_categories")[2] == [3, 2, 2, 1]


def test_empty_period(app, db):
    dashboard_world(db)
    day = date(2023, 6, 1)
    tables = build_report("dashboard", day, day, min_cell=5)
    assert rows(tables, "dashboard_centres") == [
        ["east", "2", 50, 0, 0, "", ""],
        ["north", "1", 25, 0, 0, "", ""],
        ["south", "1", "", 0, 0, "", ""],
    ]
    assert rows(tables, "dashboard_weeks") == rows(tables, "new_cards") == []
    assert [r[1:] for r in rows(tables, "housing")] == [[0, 0]] * 12


def test_flask_export_dashboard(app, db, runner, tmp_path):
    dashboard_world(db)
    db.session.commit()
    result = runner.invoke(
        args=[
            "export", "dashboard", "--from", "2024-02-26", "--to", "2024-03-10",
            "--format", "csv", "--out", str(tmp_path), "--min-cell", "5",
            "--centre", "north",
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        str(tmp_path / f"{name}.csv") for name in REPORTS["dashboard"]
    ]
    with (tmp_path / "dashboard_centres.csv").open(encoding="utf-8") as fh:
        lines = list(csv.reader(fh))
        assert lines.pop()[0].startswith("# ")  # the protection note
        assert lines == [
            [
                "centre", "district", "typical_daily_users", "open_days", "visits",
                "visits_per_open_day", "visits_vs_typical",
            ],
            ["north", "1", "25", "3", "11", "3.7", "0.15"],
        ]  # fmt: skip
    assert (
        (tmp_path / "housing.csv")
        .read_text(encoding="utf-8")
        .startswith(
            "housing,cards,tally_visits\nown_home,<5,0\nresidential_centre,0,<5\n"
            + "".join(f"{s},0,0\n" for s in NEW_SITUATIONS)
            + "other,0,0\nhomeless,<5,<5\nunknown,0,<5\n# Tallene er beskyttede: "
        )
    )
