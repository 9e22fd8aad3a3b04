"""City-wide opening hours: the grid counts, gaps, user-run intervals, exports.

The counts are checked against an independent computation: every interval is
expanded into the minutes of the week it covers (a plain loop over minutes,
wrapping at the end of the week), and an hour of a centre is open when any of
its 60 minutes is; staffed when any staffed minute is, else user-run. The
service under test works with second spans and interval intersection instead.
A few cells are also checked by hand (comments give the reasoning).
"""

import csv
import io
import re
from datetime import UTC, datetime, time
from itertools import product
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook

from tests.factories import create_centre, create_district
from vaerested.centres.queries import centre_open_state, city_hours
from vaerested.reports.tables import present
from vaerested.services import hours_grid
from vaerested.services.opening_hours import hour_states, open_state_at

NO_NAMES = present.Names()

WEEK_MINUTES = 7 * 24 * 60
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def _minutes(weekday: int, opens: str, closes: str) -> set[int]:
    """Return the minutes of the week an interval covers (independent code)."""
    oh, om = map(int, opens.split(":"))
    ch, cm = map(int, closes.split(":"))
    start = weekday * 1440 + oh * 60 + om
    length = (ch * 60 + cm) - (oh * 60 + om)
    if length <= 0:  # closes the next day; 00:00-00:00 is 24 hours
        length += 1440
    return {(start + m) % WEEK_MINUTES for m in range(length)}


def expected_counts(centres: list[list[tuple]]) -> dict[tuple[int, int], tuple]:
    """Return ``(weekday, hour) -> (staffed, user_run)`` by brute force."""
    result = {}
    for weekday, hour in product(range(7), range(24)):
        first = weekday * 1440 + hour * 60
        hour_minutes = set(range(first, first + 60))
        staffed = user_run = 0
        for intervals in centres:
            staffed_minutes = set().union(
                *(_minutes(*i[:3]) for i in intervals if not (len(i) > 3 and i[3]))
            )
            user_minutes = set().union(
                *(_minutes(*i[:3]) for i in intervals if len(i) > 3 and i[3])
            )
            if hour_minutes & staffed_minutes:
                staffed += 1
            elif hour_minutes & user_minutes:
                user_run += 1
        result[weekday, hour] = (staffed, user_run)
    return result


# Hand-made centres. District A and B lie in København, C in Frederiksberg.
A1 = [*((d, "09:00", "16:00") for d in range(5)), (MON, "16:00", "20:00", True)]
# Friday night past midnight (Saturday 00-02), and a user-run Sunday late morning.
A2 = [(FRI, "22:00", "02:00"), (SUN, "10:30", "12:15", True)]
# User-run Sunday 23:00-01:00 wraps into Monday; Wednesday round the clock.
B1 = [(SUN, "23:00", "01:00", True), (WED, "00:00", "00:00")]
C1 = [(TUE, "10:00", "14:00")]
INACTIVE = [(SAT, "10:00", "14:00")]


@pytest.fixture
def city(db):
    a = create_district(code="A", name="Aby")
    b = create_district(code="B", name="Bby")
    c = create_district(code="C", name="Cby", municipality="Frederiksberg")
    create_centre(slug="a1", name="A1", district=a, hours=A1)
    create_centre(slug="a2", name="A2", district=a, hours=A2)
    create_centre(slug="b1", name="B1", district=b, hours=B1)
    create_centre(slug="c1", name="C1", district=c, hours=C1)
    create_centre(slug="gone", district=a, hours=INACTIVE, is_active=False)
    db.session.commit()


def _as_times(intervals):
    return [
        (i[0], time.fromisoformat(i[1]), time.fromisoformat(i[2]), *i[3:])
        for i in intervals
    ]


def grid_of(centres):
    rows = [
        hours_grid.CentreHours(n, f"c{n}", "X", "X", "K", _as_times(intervals))
        for n, intervals in enumerate(centres)
    ]
    return hours_grid.count_grid(rows)


@pytest.mark.parametrize(
    "centres",
    [[A1], [A2], [B1], [A1, A2], [A1, A2, B1], [A1, A2, B1, C1]],
    ids=["a1", "a2", "b1", "district-a", "kobenhavn", "all"],
)
def test_grid_matches_an_independent_count(centres):
    grid = grid_of(centres)
    expected = expected_counts(centres)
    got = {
        (d, h): (grid[d][h].staffed, grid[d][h].user_run)
        for d, h in product(range(7), range(24))
    }
    assert got == expected


def test_cells_by_hand():
    grid = grid_of([A1, A2, B1])  # København's active centres
    # Monday 00-01: only B1's user-run Sunday 23:00-01:00 (it wraps the week).
    assert grid[MON][0] == (0, 1)
    # Monday 09: A1 staffed. Monday 16: A1's staffed day ended at 16:00, its
    # user-run evening 16:00-20:00 began: user-run. Monday 20: nobody (a gap).
    assert grid[MON][9] == (1, 0)
    assert grid[MON][16] == (0, 1) and grid[MON][19] == (0, 1)
    assert grid[MON][20].is_gap
    # Wednesday 10: A1 and B1 (round the clock) staffed; Wednesday 03: B1 only.
    assert grid[WED][10] == (2, 0) and grid[WED][3] == (1, 0)
    # Friday 22:00-02:00 (A2) opens Friday 22 and 23 and Saturday 00 and 01.
    assert [grid[FRI][h].open for h in (21, 22, 23)] == [0, 1, 1]
    assert [grid[SAT][h].staffed for h in (0, 1, 2)] == [1, 1, 0]
    # Sunday 10:30-12:15 user-run touches the hours 10, 11 and 12.
    assert [grid[SUN][h].user_run for h in (9, 10, 11, 12, 13)] == [0, 1, 1, 1, 0]
    assert grid[SUN][23] == (0, 1)


def test_staffed_wins_an_hour_shared_with_a_user_run_interval():
    # Staffed until 16:30, user-run from 16:30: the hour 16 had staff present.
    states = hour_states(
        _as_times([(MON, "10:00", "16:30"), (MON, "16:30", "19:00", 1)])
    )
    assert states[MON][15:20] == ["staffed", "staffed", "user_run", "user_run", None]


def test_open_state_at():
    intervals = _as_times([(MON, "10:00", "16:00"), (MON, "16:00", "20:00", True)])
    assert open_state_at(intervals, datetime(2026, 3, 2, 15, 59)) == "staffed"
    assert open_state_at(intervals, datetime(2026, 3, 2, 16, 0)) == "user_run"
    assert open_state_at(intervals, datetime(2026, 3, 2, 20, 0)) is None


def test_scopes_summaries_and_gaps(city):
    scopes = {s.key: s for s in hours_grid.scopes(city_hours())}
    # Municipalities first (most centres first), each followed by its districts;
    # the inactive centre is left out.
    assert list(scopes) == ["m:København", "d:A", "d:B", "m:Frederiksberg", "d:C"]
    assert [scopes[k].centres for k in scopes] == [3, 2, 1, 1, 1]
    expected = expected_counts([A1, A2, B1])
    cells = scopes["m:København"].cells
    for (d, h), counts in expected.items():
        assert (cells[d][h].staffed, cells[d][h].user_run) == counts
    # Saturday 10: only the inactive centre would be open: a gap.
    assert cells[SAT][10].is_gap
    # District B: Wednesday (24 h), Sunday 23 and Monday 00 (user-run) = 26 h.
    b = hours_grid.summarise(scopes["d:B"])
    assert (b.open_hours, b.user_run_only_hours, b.gap_hours) == (26, 2, 142)
    # Its gaps by band, counted independently: the weekend has 48 hours, less
    # Sunday 23; weekday nights 00-06 are 5 x 6 = 30 less Monday 00 and the 6
    # of Wednesday; evenings 18-24 are 5 x 6 = 30 less Wednesday's 6.
    assert b.gaps == {"day": 48, "evening": 24, "night": 23, "weekend": 47}
    assert sum(b.gaps.values()) == 142
    kbh = hours_grid.summarise(scopes["m:København"])
    gap_cells = [(d, h) for (d, h), c in expected.items() if c == (0, 0)]
    assert kbh.gap_hours == len(gap_cells)
    assert kbh.gaps["weekend"] == sum(d >= SAT for d, _ in gap_cells)
    only_user = [k for k, (s, u) in expected.items() if s == 0 and u > 0]
    assert kbh.user_run_only_hours == len(only_user)


def test_open_now_shows_user_run(city, db):
    from vaerested.models import Centre

    a1 = db.session.query(Centre).filter_by(slug="a1").one()
    tz = "Europe/Copenhagen"
    # Monday 2 March 2026, 17:00 in Copenhagen.
    at = datetime(2026, 3, 2, 17, tzinfo=ZoneInfo(tz)).astimezone(UTC)
    assert centre_open_state(a1, tz, at) == "user_run"
    at = datetime(2026, 3, 2, 11, tzinfo=ZoneInfo(tz)).astimezone(UTC)
    assert centre_open_state(a1, tz, at) == "staffed"


def test_page_shows_the_grid_as_a_table(client, auth, db, city):
    from vaerested.models import Centre

    auth.login_as(
        "staff", centres=[db.session.query(Centre).filter_by(slug="c1").one()]
    )
    html = client.get("/centres/hours/city").get_data(as_text=True)
    # The default scope is the municipality with most centres; a staff member
    # of another municipality's centre sees the city all the same.
    assert 'data-scope="m:København"' in html
    assert html.count('<th scope="col"') >= 8  # hour + 7 days
    assert (
        '<td class="band-night user-run-only" data-day="0" data-hour="0" data-open="1"'
        in html
    )
    assert 'data-day="0" data-hour="20" data-open="0"' in html
    assert 'data-testid="no-protection-note"' in html
    assert 'data-testid="district-summary"' in html
    html = client.get("/centres/hours/city?scope=d:B").get_data(as_text=True)
    assert 'data-scope="d:B"' in html
    assert 'data-testid="summary-open">26 / 168' in html
    # An unknown scope falls back to the default.
    html = client.get("/centres/hours/city?scope=d:nope").get_data(as_text=True)
    assert 'data-scope="m:København"' in html
    assert client.get("/centres/hours/city?format=pdf").status_code == 404


def _csv_rows(client) -> tuple[list[dict], list[str]]:
    response = client.get("/centres/hours/city?format=csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "opening_hours_city.csv" in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).splitlines()
    notes = [line for line in lines if line.startswith("#")]
    body = [line for line in lines if not line.startswith("#")]
    return list(csv.DictReader(io.StringIO("\n".join(body)))), notes


def test_csv_export(client, auth, db, city):
    auth.login_as("admin")
    rows, notes = _csv_rows(client)
    assert len(rows) == 5 * 168  # two municipalities, three districts
    assert notes and "not of persons" in notes[0]
    by_key = {(r["scope"], r["code"], r["weekday"], r["hour"]): r for r in rows}
    # Monday is weekday 1 in the file: B1's user-run Monday 00:00.
    mon0 = by_key["municipality", "København", "1", "00:00"]
    assert (mon0["open"], mon0["staffed"], mon0["user_run"], mon0["gap"]) == (
        "1",
        "0",
        "1",
        "0",
    )
    assert mon0["band"] == "night" and mon0["centres"] == "3"
    sat10 = by_key["municipality", "København", "6", "10:00"]
    assert (sat10["open"], sat10["gap"], sat10["band"]) == ("0", "1", "weekend")
    tue10 = by_key["district", "C", "2", "10:00"]
    assert (tue10["staffed"], tue10["municipality"]) == ("1", "Frederiksberg")
    # Every municipality row agrees with the independent count.
    expected = expected_counts([A1, A2, B1])
    for (d, h), (staffed, user_run) in expected.items():
        row = by_key["municipality", "København", str(d + 1), f"{h:02d}:00"]
        assert (int(row["staffed"]), int(row["user_run"])) == (staffed, user_run)
        assert int(row["open"]) == staffed + user_run
        assert row["gap"] == str(int(staffed + user_run == 0))


def test_xlsx_export_matches_the_csv(client, auth, db, city):
    auth.login_as("admin")
    rows, _ = _csv_rows(client)
    response = client.get("/centres/hours/city?format=xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Om udtrækket", "opening_hours_city", "notes"]
    sheet = list(book["opening_hours_city"].values)
    # The sheet is for people: Danish headers and labels, the CSV's figures.
    with force_locale("da"):
        assert list(sheet[0]) == [
            present.header("opening_hours_city", c) for c in hours_grid.COLUMNS
        ]
        expected = [
            [
                present.cell_value("opening_hours_city", c, want[c], NO_NAMES)
                for c in hours_grid.COLUMNS
            ]
            for want in rows
        ]
    assert "Ugedag" in sheet[0] and "Mandag" in {r[5] for r in sheet[1:]}
    assert len(sheet) - 1 == len(rows)
    for got, want in zip(sheet[1:], expected, strict=True):
        assert [("" if v is None else str(v)) for v in got] == [str(v) for v in want]
    assert "not of persons" in book["notes"]["A2"].value


def test_leader_sets_the_user_run_flag(client, auth, db):
    from vaerested.models import Centre

    centre = create_centre(slug="nabo", hours=[(MON, "10:00", "16:00")])
    db.session.commit()
    auth.login_as("leader", centres=[centre])
    form = client.get("/centres/nabo/hours").get_data(as_text=True)
    assert 'name="intervals-0-is_user_run"' in form
    response = client.post(
        "/centres/nabo/hours",
        data={
            "intervals-0-weekday": "0",
            "intervals-0-opens": "10:00",
            "intervals-0-closes": "16:00",
            "intervals-1-weekday": "0",
            "intervals-1-opens": "16:00",
            "intervals-1-closes": "21:00",
            "intervals-1-is_user_run": "y",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    centre = db.session.query(Centre).filter_by(slug="nabo").one()
    assert [(i.opens_at, i.is_user_run) for i in centre.opening_intervals] == [
        (time(10), False),
        (time(16), True),
    ]
    html = client.get("/centres/nabo").get_data(as_text=True)
    assert html.count('data-testid="user-run"') == 1
    # The edit form shows the flag again, on the second row only.
    form = client.get("/centres/nabo/hours").get_data(as_text=True)
    checked = re.findall(r'<input checked[^>]*name="intervals-(\d+)-is_user_run"', form)
    assert checked == ["1"]
