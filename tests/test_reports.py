"""Reports: golden files on a hand-checked data set, and property tests.

The golden data set (``golden_world``), period Mon 2024-01-08 .. Wed 2024-01-10,
time zone Europe/Copenhagen (UTC+1 in January, so 09:00 UTC is 10:00 local).

Districts: "1" (target 1000, has a boundary), "2" (target 300), "3" (no target,
no centres). Centres (slug, district, categories, weekly hours, active):
  alpha  1  cat 1+2  Mon 10-16, Wed 10-14 = 10 h   active
  beta   1  cat 1    Tue 22-02 (past midnight) = 4 h   active
  gamma  2  cat 2+3  Mon-Fri 09-17 = 40 h   active
  delta  2  cat 1    Mon 10-12 = 2 h   INACTIVE (still has a visit in the period)
Cards (home district, age band, gender): c1 (1, under_25, woman), c2 (1, 25_39,
man), c3 (2, under_25, -), c4 (3, -, woman), c5 (none, 60_plus, other), c6 (2,
40_59, woman); "-" is not given (unknown).
Target groups named: alpha "young"; gamma and delta "women"; beta none.

Visits (UTC) in the period:
  Jan 8: c1 alpha 09:00, c1 beta 13:00; c2 alpha 09:00, c2 gamma 09:00 (a tie);
         c3 gamma 10:00; c4 beta Jan 7 23:30 UTC (= Jan 8 00:30 local, inside);
         tallies: alpha (home 2, under_25, woman), alpha (no home, nothing),
         delta (home 1, gender man)
  Jan 9: c1 gamma 08:00; c2 gamma 10:00; c3 alpha 10:00; c5 beta 11:00;
         c6 gamma 12:00; tally gamma (home 3, 40_59, woman)
  Jan 10: c1 alpha 09:00, c1 beta 09:00 (a tie); c2 beta 14:00; c3 gamma 10:00;
         c4 beta 10:00
Outside: c6 alpha Jan 7 10:00; c5 beta Jan 10 23:30 UTC (= Jan 11 local);
         c3 beta Jan 11 10:00; a tally at gamma Jan 7 (under_25).
Courses (no sessions, so no other report changes):
  gamma "Job club" (category 3, registered): c2 2023-11-01..2024-01-09,
         follow-up Jan 9 employment; c3 from Jan 8 (no end), Jan 10 continuing;
         c6 from Jan 15 (after the period); c1 2023-10-01..2023-12-20,
         follow-up Jan 8 completed.
  alpha "Afklaring" (category 2, unregistered): c1 Jan 8..10, follow-ups
         Jan 10 education and Jan 9 continuing; c4 from Jan 9, follow-up Jan 11
         other (after the period); an enrolment unlinked by retention (no card)
         from Jan 8; c5 Jan 8..8 and again from Jan 10.
Outreach (who came along) on visits: alpha c1 Jan 8 street_worker, alpha's
  under_25 tally Jan 8 other, gamma c3 Jan 8 skp, gamma c1 Jan 9
  street_worker, beta c5 Jan 9 home_guide; alpha c6 Jan 7 skp (outside).
Sessions "Café" with card scans (v = as a volunteer):
  alpha Jan 10 09:00 (cat 1): c1 v; beta Jan 10 14:00 (cat 1): c1 v, c2 v, c4;
  gamma Jan 9 10:00 (cat 2): c2 v, c1; gamma Jan 10 (cat 2) CANCELLED: c3 v;
  beta Jan 11 10:00 (cat 1, outside): c3 v.
"""

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, insert

from tests.factories import (
    create_activity,
    create_card,
    create_centre,
    create_district,
    create_session,
    create_statement,
    create_target_group,
    create_visit,
)
from vaerested.exports.formats import write_report
from vaerested.models import Visit, VisitSource
from vaerested.reports.tables.build import COUNT_COLUMNS, REPORTS, build_report

GOLDEN = Path(__file__).parent / "data" / "golden"
START, END = date(2024, 1, 8), date(2024, 1, 10)
BOUNDARY = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]}


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2024, 1, day, hour, minute, tzinfo=UTC)


def golden_world() -> dict:
    """Create the data set described in the module docstring."""
    d1 = create_district(
        "1", target_population=1000, boundary_geojson=json.dumps(BOUNDARY)
    )
    d2 = create_district("2", target_population=300)
    d3 = create_district("3")
    # Created in reverse slug order: ids must not decide ties.
    delta = create_centre("delta", d2, hours=[(0, "10:00", "12:00")], is_active=False)
    gamma = create_centre(
        "gamma",
        d2,
        hours=[(wd, "09:00", "17:00") for wd in range(5)],
        is_cat1=False,
        is_cat2=True,
        is_cat3=True,
    )
    beta = create_centre("beta", d1, hours=[(1, "22:00", "02:00")])
    alpha = create_centre(
        "alpha", d1, hours=[(0, "10:00", "16:00"), (2, "10:00", "14:00")], is_cat2=True
    )
    young, women = create_target_group("young"), create_target_group("women")
    alpha.target_groups = [young]
    gamma.target_groups = [women]
    delta.target_groups = [women]
    c1 = create_card(home_district_id=d1.id, age_band="under_25", gender="woman")
    c2 = create_card(home_district_id=d1.id, age_band="25_39", gender="man")
    c3 = create_card(home_district_id=d2.id, age_band="under_25")
    c4 = create_card(home_district_id=d3.id, gender="woman")
    c5 = create_card(age_band="60_plus", gender="other")
    c6 = create_card(home_district_id=d2.id, age_band="40_59", gender="woman")
    for centre, card, moment in [
        (alpha, c1, utc(8, 9)),
        (beta, c1, utc(8, 13)),
        (alpha, c2, utc(8, 9)),
        (gamma, c2, utc(8, 9)),
        (gamma, c3, utc(8, 10)),
        (beta, c4, utc(7, 23, 30)),
        (gamma, c1, utc(9, 8)),
        (gamma, c2, utc(9, 10)),
        (alpha, c3, utc(9, 10)),
        (beta, c5, utc(9, 11)),
        (gamma, c6, utc(9, 12)),
        (alpha, c1, utc(10, 9)),
        (beta, c1, utc(10, 9)),
        (beta, c2, utc(10, 14)),
        (gamma, c3, utc(10, 10)),
        (beta, c4, utc(10, 10)),
        # outside the period
        (alpha, c6, utc(7, 10)),
        (beta, c5, utc(10, 23, 30)),
        (beta, c3, utc(11, 10)),
    ]:
        create_visit(centre, card, moment)
    create_visit(
        alpha, None, utc(8, 10), home_district_id=d2.id, age_band="under_25",
        gender="woman",
    )  # fmt: skip
    create_visit(alpha, None, utc(8, 11))
    create_visit(delta, None, utc(8, 10), home_district_id=d1.id, gender="man")
    create_visit(
        gamma, None, utc(9, 14), home_district_id=d3.id, age_band="40_59",
        gender="woman",
    )  # fmt: skip
    create_visit(gamma, None, utc(7, 14), age_band="under_25")
    golden_courses(alpha, gamma, c1, c2, c3, c4, c5, c6)
    # Housing statements (the FLOW report): c1 residential centre -> own home
    # on the 9th at beta (a move home and out of a residential centre at beta;
    # its visits from the 9th on count: gamma 9th, alpha and beta 10th); c2
    # shelter -> own home on the 8th at gamma (a move home only); c3 only one
    # statement; c4 own home -> unknown (no move); c5 moved home before the
    # period, its beta visit on the 9th counts.
    for card, day, situation, centre in [
        (c1, date(2023, 12, 1), "residential_centre", alpha),
        (c1, date(2024, 1, 9), "own_home", beta),
        (c2, date(2023, 12, 15), "shelter", gamma),
        (c2, date(2024, 1, 8), "own_home", gamma),
        (c3, date(2024, 1, 8), "residential_centre", gamma),
        (c4, date(2023, 11, 1), "own_home", None),
        (c4, date(2024, 1, 9), None, beta),
        (c5, date(2023, 6, 1), "residential_centre", beta),
        (c5, date(2023, 12, 1), "own_home", beta),
    ]:
        create_statement(card, day, situation, centre)
    golden_volunteers(alpha, beta, gamma, c1, c2, c3, c4, c5, c6)
    return {"alpha": alpha, "beta": beta, "gamma": gamma, "delta": delta}


def golden_courses(alpha, gamma, c1, c2, c3, c4, c5, c6) -> None:
    """The courses of the module docstring (no sessions: no other report changes)."""
    from vaerested.extensions import db
    from vaerested.models import CourseEnrolment, CourseFollowUp

    job_club = create_activity(gamma, category=3, title="Job club")
    clarify = create_activity(alpha, category=2, title="Afklaring")
    d = date

    def enrol(course, card, start, end=None, ref=None, follow=()):
        enrolment = CourseEnrolment(
            activity_id=course.id,
            card_id=card.id if card else None,
            is_registered=ref is not None,
            referral_ref=ref,
            start_date=start,
            end_date=end,
        )
        db.session.add(enrolment)
        db.session.flush()
        for day, outcome in follow:
            db.session.add(
                CourseFollowUp(
                    enrolment_id=enrolment.id, follow_up_date=day, outcome=outcome
                )
            )

    enrol(
        job_club,
        c2,
        d(2023, 11, 1),
        d(2024, 1, 9),
        "BIF-0001",
        [(d(2024, 1, 9), "employment")],
    )
    enrol(
        job_club, c3, d(2024, 1, 8), None, "BIF-0002", [(d(2024, 1, 10), "continuing")]
    )
    enrol(job_club, c6, d(2024, 1, 15), None, "BIF-0003")
    enrol(
        job_club,
        c1,
        d(2023, 10, 1),
        d(2023, 12, 20),
        "BIF-0004",
        [(d(2024, 1, 8), "completed")],
    )
    enrol(
        clarify,
        c1,
        d(2024, 1, 8),
        d(2024, 1, 10),
        follow=[(d(2024, 1, 10), "education"), (d(2024, 1, 9), "continuing")],
    )
    enrol(clarify, c4, d(2024, 1, 9), follow=[(d(2024, 1, 11), "other")])
    enrol(clarify, None, d(2024, 1, 8))  # unlinked by retention
    enrol(clarify, c5, d(2024, 1, 8), d(2024, 1, 8))
    enrol(clarify, c5, d(2024, 1, 10))


def golden_volunteers(alpha, beta, gamma, c1, c2, c3, c4, c5, c6) -> None:
    """Outreach on some visits and volunteers at sessions (module docstring)."""
    from sqlalchemy import select

    from vaerested.extensions import db
    from vaerested.models import SessionScan, Visit

    def came_with(centre, card, day, outreach, *where):
        visit = db.session.scalar(
            select(Visit).where(
                Visit.centre_id == centre.id,
                Visit.card_id == card.id if card else Visit.card_id.is_(None),
                Visit.visit_date == date(2024, 1, day),
                *where,
            )
        )
        visit.outreach = outreach

    came_with(alpha, c1, 8, "street_worker")
    came_with(alpha, None, 8, "other", Visit.age_band == "under_25")
    came_with(gamma, c3, 8, "skp")
    came_with(gamma, c1, 9, "street_worker")
    came_with(beta, c5, 9, "home_guide")
    came_with(alpha, c6, 7, "skp")  # outside the period

    def session(centre, start, scans, category=1, **kwargs):
        activity = create_activity(centre, category=category, title="Café")
        held = create_session(activity, start, **kwargs)
        for card, is_volunteer in scans:
            db.session.add(
                SessionScan(
                    session_id=held.id,
                    card_id=card.id,
                    scanned_dt=start,
                    is_volunteer=is_volunteer,
                )
            )
        db.session.flush()

    session(alpha, utc(10, 9), [(c1, True)])
    session(beta, utc(10, 14), [(c1, True), (c2, True), (c4, False)])
    session(gamma, utc(9, 10), [(c2, True), (c1, False)], category=2)
    session(gamma, utc(10, 10), [(c3, True)], category=2, is_cancelled=True)
    session(beta, utc(11, 10), [(c3, True)])  # outside the period


def read_csv(path: Path) -> list[dict]:
    """Return the rows of a CSV file; a protected file's note line is left out."""
    with path.open(encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return list(csv.DictReader(lines))


# Raw figures, worked out by hand from the docstring.
# visits: per day and centre. Jan 8 alpha = c1, c2 + 2 tallies -> 4 (2 card, 2 tally);
# beta = c1, c4 (00:30 local) -> 2; delta = 1 tally; gamma = c2, c3 -> 2.
# Jan 9 gamma = c1, c2, c6 + tally -> 4 (3, 1). Jan 10 beta = c1, c2, c4 -> 3.
# coverage: district 1 = alpha + beta, both active; cat1 2, cat2 1 (alpha);
# target 1000 / 2 = 500.0; hours 10 + 4 = 14.0; visits alpha 6 + beta 6 = 12;
# unique cards at alpha/beta {c1..c5} = 5; residents c1, c2 = 2.
# District 2: gamma active (delta is not): cat2 + cat3; 300 / 1; 40 h; visits
# gamma 7 + delta 1 = 8; cards at gamma {c1, c2, c3, c6} = 4; residents c3, c6.
# District 3: no centres: target and per-centre empty; resident c4 = 1.
# Evening hours: beta's Tue 22-24 (its Wed 00-02 is not evening) = 2; no
# weekend hours. Per 1,000: district 1 14 h and 12 visits per 1000 -> 14.0,
# 12.0, residents 2 / 1000 = 0.002; district 2 40 / 300 -> 133.33, 8 / 300 ->
# 26.67, 2 / 300 -> 0.0067 (empty at min-cell 3: resident_cards suppressed).
# coverage_centres: alpha 6 visits (4 + 1 + 1), cards c1-c3; beta 6, c1 c2 c4
# c5; delta (inactive, listed) 1 tally, 0 cards; gamma 7, c1 c2 c3 c6.
# flows (home, centre district): (1,1) c1 x4 + c2 x2 = 6 visits, 2 cards;
# (1,2) c2 x2, c1, tally at delta = 4, 2; (2,1) c3 + tally = 2, 1;
# (2,2) c3 x2, c6 = 3, 2; (3,1) c4 x2 = 2, 1; (3,2) tally = 1, 0;
# (unknown,1) tally + c5 = 2, 1.
# mobility: c1 alpha, beta | gamma | alpha, beta (tie: alpha < beta) ->
# a>b, b>g, g>a, a>b; c2 alpha, gamma (tie) | gamma | beta -> a>g, g>b;
# c3 gamma | alpha | gamma -> g>a, a>g; c4, c5, c6: one centre in the period.
# Cells: a>b 1 card 2 transitions; a>g 2, 2; b>g 1, 1; g>a 2, 2; g>b 1, 1.
# Centres: alpha {c1, c2, c3} all multi; beta {c1, c2, c4, c5} 2 multi;
# gamma {c1, c2, c3, c6} 3 multi. Summary 6 active, 3 multi, index 0.5.
# Shares: alpha 3/3 = 1.0, beta 2/4 = 0.5 (empty at min-cell 3: 2 is
# suppressed), gamma 3/4 = 0.75. Months: one, 2024-01 clipped to the period,
# the same as the summary.
# Partial periods (columns days_in_period, partial): the period Mon Jan 8 ..
# Wed Jan 10 holds 3 of the 7 days of the ISO week of Jan 8 and 3 of the 31
# days of January: every dashboard_weeks and mobility_months row ends "3,1";
# new_cards has no rows (no card was issued in the period), only the header.
# reach (one month, 2024-01): a card visit counts by the card's attributes, a
# tally by its own. alpha: c1 x2, c2, c3, tally (under_25, woman), tally (-):
# age under_25 c1 x2 + c3 + tally = 4 visits, cards {c1, c3} = 2; 25_39 c2 1/1;
# unknown the bare tally 1/0. Gender woman c1 x2 + tally = 3, {c1}; man c2 1/1;
# unknown c3 + bare tally = 2, {c3}. beta: c1 x2, c4 x2, c5, c2: under_25 2/1,
# 25_39 1/1, 60_plus 1/1, unknown c4 2/1; woman c1 x2 + c4 x2 = 4/2, man 1/1,
# other 1/1. delta: the tally (gender man): age unknown 1/0, man 1/0. gamma:
# c2 x2, c3 x2, c1, c6, tally (40_59, woman): under_25 c3 x2 + c1 = 3/2, 25_39
# 2/1, 40_59 c6 + tally 2/1; woman c1 + c6 + tally 3/2, man 2/1, unknown c3
# 2/1. Districts: 1 = alpha + beta, visits add up, cards once: under_25 6/2
# ({c1, c3}), 25_39 2/1, 60_plus 1/1, unknown 3/1 ({c4}); woman 7/2 ({c1, c4}),
# man 2/1, other 1/1, unknown 2/1. 2 = gamma + delta: under_25 3/2, 25_39 2/1,
# 40_59 2/1, unknown 1/0; woman 3/2, man 3/1, unknown 2/1.
# dashboard_reach: young named = alpha: 5 visits with an age band, 4 under 25
# -> 0.8; other = beta 4 known (2 young) + gamma 7 (3) + delta 0 -> 5 / 11 =
# 0.4545. Women named = gamma 5 known (3 women) + delta 1 (0) -> 3 / 6 = 0.5;
# other = alpha 4 (3) + beta 6 (4) -> 7 / 10 = 0.7. Record keys are 0, whose
# noise is 0 for every count, so at min-cell 3 only 1 and 2 change (to <3).
# courses (one quarter, 2024-Q1 clipped to Jan 8..10; rows by centre slug):
# alpha Afklaring: enrolled (start in Jan 8..10) c1, c4, c5 (twice, once) = 3;
# on course the same 3 (the unlinked enrolment has no card); continuing c1 (Jan 9)
# = 1, education c1 = 1; c4's "other" is Jan 11, outside -> 0.
# gamma Job club: enrolled c3 = 1 (c2, c1 started before, c6 after); active
# (on course) c2 (ends Jan 9) + c3 = 2 (c1 ended in December, c6 starts Jan 15);
# continuing c3 1, completed c1 1 (a follow-up after the end counts),
# employment c2 1. At min-cell 3: 3 stays, 1 and 2 -> <3, 0 stays.
# housing (dashboard): each active card by its latest statement on or before
# Jan 10: c1, c2, c5 own home; c3 residential centre; c4 unknown (its Jan 9
# statement), c6 none (unknown at issue); tallies: 4 unknown.
# activity_categories: category 1 holds alpha's and beta's sessions (2),
# attendance 1 + 3 scans = 4, 2 activities; category 2 gamma's Jan 9 session
# (the cancelled one is not held), attendance 2, 1 activity.
# volunteers: home centres in the period (most visits, ties by slug): c1 alpha
# 2, beta 2, gamma 1 -> alpha; c2 gamma 2 -> gamma. alpha: c1 (1 card, 1
# record, at home: 0 away); beta: c1, c2 (2, 2, both away: 2); gamma: c2 (1, 1,
# at home: 0); the cancelled and the Jan 11 session do not count.
# outreach_arrivals (2024-01; centres with a visit): alpha 6 visits = street 1,
# other 1, none 4; beta 6 = home_guide 1, none 5; delta 1 = none 1; gamma 7 =
# street 1, skp 1, none 5 (c6's skp on Jan 7 is outside).


@pytest.mark.parametrize("min_cell", [1, 3])
@pytest.mark.parametrize("report", list(REPORTS))
def test_golden_csv(app, db, runner, tmp_path, report, min_cell):
    golden_world()
    db.session.commit()
    result = runner.invoke(
        args=[
            "export", report, "--from", "2024-01-08", "--to", "2024-01-10",
            "--format", "csv", "--out", str(tmp_path), "--min-cell", str(min_cell),
        ]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    for name in REPORTS[report]:
        written = (tmp_path / f"{name}.csv").read_text(encoding="utf-8")
        expected = (GOLDEN / f"min_cell_{min_cell}" / f"{name}.csv").read_text(
            encoding="utf-8"
        )
        assert written == expected, name
        assert str(tmp_path / f"{name}.csv") in result.output


def test_golden_suppressed_at_five(app, db):
    # At the default min-cell 5 the multi-centre count 3 is suppressed, so the
    # mobility index built from it is empty.
    golden_world()
    tables = build_report("mobility", START, END, min_cell=5)
    summary = {t.name: t for t in tables}["mobility_summary"]
    assert summary.rows == [
        {"active_cards": 6, "multi_centre_cards": "<5", "mobility_index": ""}
    ]


def test_filtered_mobility_protected_as_the_city(app, db):
    """At the default min-cell a filtered view shows the city's protected cells:
    the same count with the same cell key, so the same perturbed figure, and
    a centre's own summary equals its row (its cards, the same keys)."""
    import random

    rng = random.Random(14)
    district = create_district("1")
    centres = [create_centre(s, district) for s in ("ka", "lo", "mu", "ny")]
    for _ in range(60):
        card = create_card()
        for day in rng.sample(range(8, 11), rng.randint(1, 3)):
            create_visit(rng.choice(centres), card, utc(day, rng.randint(8, 18)))
    city = {t.name: t.rows for t in build_report("mobility", START, END, min_cell=5)}
    raw = {t.name: t.rows for t in build_report("mobility", START, END, min_cell=1)}
    assert city["mobility_matrix"] != raw["mobility_matrix"]  # perturbed
    ka = centres[0]
    got = {
        t.name: t.rows
        for t in build_report("mobility", START, END, min_cell=5, centre_ids=[ka.id])
    }
    assert got["mobility_matrix"] == [
        r for r in city["mobility_matrix"] if "ka" in (r["from_centre"], r["to_centre"])
    ]
    assert got["mobility_matrix"]  # ka has links to every other centre
    [row] = got["mobility_centres"]
    assert row in city["mobility_centres"]
    assert got["mobility_summary"] == [
        {
            "active_cards": row["active_cards"],
            "multi_centre_cards": row["multi_centre_cards"],
            "mobility_index": row["share_multi_centre"],
        }
    ]
    for table in ("mobility_matrix", "mobility_centres"):
        for r in got[table]:
            for column in COUNT_COLUMNS[table]:
                assert r[column] == "<5" or r[column] == 0 or r[column] >= 5


def test_golden_json_and_geojson(app, db, tmp_path):
    golden_world()
    tables = build_report("coverage", START, END, min_cell=3)
    paths = write_report(tables, "json", tmp_path, basename_prefix="jan_")
    assert [p.name for p in paths] == [
        "jan_coverage.json",
        "jan_coverage_centres.json",
        "jan_flows.json",
        "jan_NOTE.txt",
        "jan_coverage.geojson",
    ]
    rows = json.loads((tmp_path / "jan_coverage.json").read_text("utf-8"))
    assert rows[2] == {
        "district": "3",
        "centres": 0,
        "cat1_centres": 0,
        "cat2_centres": 0,
        "cat3_centres": 0,
        "target_population": None,
        "target_population_per_centre": None,
        "opening_hours_per_week": 0.0,
        "evening_hours_per_week": 0.0,
        "weekend_hours_per_week": 0.0,
        "opening_hours_per_1000_target": None,
        "visits": 0,
        "unique_cards": 0,
        "resident_cards": "<3",
        "visits_per_1000_target": None,
        "resident_share": None,
    }
    expected = [
        {k: (None if v == "" else v) for k, v in row.items()}
        for row in read_csv(GOLDEN / "min_cell_3" / "flows.csv")
    ]
    flows = json.loads((tmp_path / "jan_flows.json").read_text("utf-8"))
    assert [{k: str(v) for k, v in r.items()} for r in flows] == expected
    geo = json.loads((tmp_path / "jan_coverage.geojson").read_text("utf-8"))
    assert geo["type"] == "FeatureCollection"
    assert [f["id"] for f in geo["features"]] == ["1"]  # only district 1 has one
    assert geo["features"][0]["geometry"] == BOUNDARY
    assert geo["features"][0]["properties"]["visits"] == 12


def _cell(value):
    """Normalise a cell for comparison: numbers as floats, None as ""."""
    if value is None:
        return ""
    try:
        return float(value)
    except ValueError:
        return value


@pytest.mark.parametrize("report", list(REPORTS))
def test_xlsx_reads_back(app, db, tmp_path, report):
    # The XLSX is for people (Danish headers, names, labels; tests/
    # test_export_files_da.py): here each sheet's numbers must be the golden
    # CSV's, cell by cell, and counts numeric cells (or the "<3" text).
    from openpyxl import load_workbook

    from vaerested.reports.tables.present import (
        CENTRE_COLUMNS,
        DISTRICT_COLUMNS,
        is_snake_case,
    )

    golden_world()
    tables = build_report(report, START, END, min_cell=3)
    paths = write_report(tables, "xlsx", tmp_path)
    assert paths[0].name == f"{report}.xlsx"
    workbook = load_workbook(paths[0], read_only=True)
    # First "Om udtrækket" (period, protection: the note), then a sheet a table.
    assert workbook.sheetnames == ["Om udtrækket", *REPORTS[report]]
    about = " ".join(
        str(v) for r in workbook["Om udtrækket"].iter_rows(values_only=True)
        for v in r if v is not None
    )  # fmt: skip
    assert "Tallene er beskyttede" in about
    for name in REPORTS[report]:
        sheet = [list(r) for r in workbook[name].iter_rows(values_only=True)]
        golden = list(
            csv.reader(io.StringIO((GOLDEN / "min_cell_3" / f"{name}.csv").read_text()))
        )[:-1]  # the note is on the sheet "Om udtrækket"
        header, columns = sheet[0], golden[0]
        assert len(header) == len(columns)
        assert not any(is_snake_case(h) for h in header), header
        assert len(sheet) == len(golden), name
        for row, expected in zip(sheet[1:], golden[1:], strict=True):
            for column, value, want in zip(columns, row, expected, strict=True):
                if want == "":
                    assert value is None, (column, value)
                elif column in CENTRE_COLUMNS:
                    assert value.startswith("Centre "), (column, value)  # a name
                elif column in DISTRICT_COLUMNS and want != "unknown":
                    assert value.startswith("District "), (column, value)
                elif isinstance(value, datetime):
                    assert value.date().isoformat() == want
                elif isinstance(value, int | float) and _cell(want) != want:
                    assert _cell(value) == _cell(want), (column, value, want)
                else:  # "<3", a month or a label
                    assert isinstance(value, str), (column, value)
            for column in COUNT_COLUMNS[name]:
                value = row[columns.index(column)]
                assert isinstance(value, int) or value == "<3", (column, value)


def _mobility(**filters) -> dict:
    tables = build_report("mobility", START, END, min_cell=1, **filters)
    return {t.name: t.rows for t in tables}


def _link(a: str, b: str, cards: int, transitions: int) -> dict:
    return {
        "from_centre": a,
        "to_centre": b,
        "cards": cards,
        "transitions": transitions,
    }


def test_filters(app, db):
    world = golden_world()
    alpha, beta, gamma = (world[s].id for s in ("alpha", "beta", "gamma"))
    # Mobility filters choose cells and rows, never visits (DOMAIN.md): the
    # city-wide cells (see above) a>b 1/2, a>g 2/2, b>g 1/1, g>a 2/2, g>b 1/1.
    # Alpha and gamma: every cell has alpha or gamma at one end, so all five
    # are shown with their city-wide figures. Active cards at alpha or gamma:
    # c1, c2, c3, c6; of these c1, c2, c3 visited two or more centres.
    got = _mobility(centre_ids=[alpha, gamma])
    assert got["mobility_matrix"] == [
        _link("alpha", "beta", 1, 2),
        _link("alpha", "gamma", 2, 2),
        _link("beta", "gamma", 1, 1),
        _link("gamma", "alpha", 2, 2),
        _link("gamma", "beta", 1, 1),
    ]
    assert [
        (r["centre"], r["active_cards"], r["multi_centre_cards"])
        for r in got["mobility_centres"]
    ] == [("alpha", 3, 3), ("gamma", 4, 3)]
    assert got["mobility_summary"] == [
        {"active_cards": 4, "multi_centre_cards": 3, "mobility_index": 0.75}
    ]
    # Beta alone (a leader's view): its row and column, the other centres
    # named; beta's cards c1, c2, c4, c5, of which c1 and c2 multi-centre
    # (city-wide, not 0 as when only beta's visits counted).
    got = _mobility(centre_ids=[beta])
    assert got["mobility_matrix"] == [
        _link("alpha", "beta", 1, 2),
        _link("beta", "gamma", 1, 1),
        _link("gamma", "beta", 1, 1),
    ]
    assert got["mobility_centres"] == [
        {
            "centre": "beta",
            "active_cards": 4,
            "multi_centre_cards": 2,
            "share_multi_centre": 0.5,
        }
    ]
    assert got["mobility_summary"] == [
        {"active_cards": 4, "multi_centre_cards": 2, "mobility_index": 0.5}
    ]
    assert [
        (r["month"], r["active_cards"], r["multi_centre_cards"])
        for r in got["mobility_months"]
    ] == [("2024-01", 4, 2)]
    # District 2: gamma and the inactive delta (no card visits, no row).
    got = _mobility(district_code="2")
    assert got["mobility_matrix"] == [
        _link("alpha", "gamma", 2, 2),
        _link("beta", "gamma", 1, 1),
        _link("gamma", "alpha", 2, 2),
        _link("gamma", "beta", 1, 1),
    ]
    assert [r["centre"] for r in got["mobility_centres"]] == ["gamma"]
    assert got["mobility_summary"][0]["active_cards"] == 4
    # No centres: nothing shown.
    got = _mobility(centre_ids=[])
    assert got["mobility_matrix"] == got["mobility_centres"] == []
    assert got["mobility_summary"][0]["active_cards"] == 0
    # Visits and coverage still count only the chosen centres' visits.
    # District 2: gamma and the inactive delta.
    visits = build_report("visits", START, END, min_cell=1, district_code="2")[0].rows
    assert [(r["date"], r["centre"], r["visits"]) for r in visits] == [
        ("2024-01-08", "delta", 1),
        ("2024-01-08", "gamma", 2),
        ("2024-01-09", "gamma", 4),
        ("2024-01-10", "gamma", 1),
    ]
    coverage = build_report("coverage", START, END, min_cell=1, district_code="2")
    assert [r["district"] for r in coverage[0].rows] == ["2"]
    assert build_report("visits", START, END, min_cell=1, centre_ids=[])[0].rows == []


def test_a_filter_never_invents_transitions(app, db):
    """A card going beta -> alfa -> gamma makes no beta -> gamma under a filter
    to beta and gamma (issue #14), and the leader's share is city-wide."""
    district = create_district("1")
    alfa, beta, gamma = (create_centre(s, district) for s in ("alfa", "beta", "gamma"))
    x, y, z = create_card(), create_card(), create_card()
    raw = [
        (x, beta, utc(8, 9)),
        (x, alfa, utc(8, 12)),
        (x, gamma, utc(9, 9)),
        (y, beta, utc(8, 10)),
        (y, gamma, utc(10, 9)),
        (z, alfa, utc(9, 10)),
    ]
    for card, centre, moment in raw:
        create_visit(centre, card, moment)
    # The expectations by a plain walk over the raw visits, city-wide.
    sequences: dict[int, list] = {}
    for card, centre, _ in sorted(raw, key=lambda v: (v[2], v[1].slug)):
        sequences.setdefault(card.id, []).append(centre.slug)
    cells: dict[tuple, list] = {}
    for card, seq in sequences.items():
        for a, b in zip(seq, seq[1:], strict=False):
            if a != b:
                cells.setdefault((a, b), []).append(card)
    shown = {"beta", "gamma"}
    expected = [
        _link(a, b, len(set(found)), len(found))
        for (a, b), found in sorted(cells.items())
        if a in shown or b in shown
    ]
    assert expected == [  # and by hand: x b>a, a>g; y b>g
        _link("alfa", "gamma", 1, 1),
        _link("beta", "alfa", 1, 1),
        _link("beta", "gamma", 1, 1),
    ]
    got = _mobility(centre_ids=[beta.id, gamma.id])
    assert got["mobility_matrix"] == expected
    # Beta's cards x, y: both seen at another centre; gamma's x, y likewise.
    assert [
        (r["centre"], r["active_cards"], r["multi_centre_cards"])
        for r in got["mobility_centres"]
    ] == [("beta", 2, 2), ("gamma", 2, 2)]
    # The summary: cards of beta or gamma (x, y), both multi-centre; z (alfa
    # only) is not among them.
    assert got["mobility_summary"][0] == {
        "active_cards": 2,
        "multi_centre_cards": 2,
        "mobility_index": 1.0,
    }
    city = _mobility()
    assert city["mobility_summary"][0]["active_cards"] == 3
    # Each shown cell is the city's cell, figure for figure.
    assert all(c in city["mobility_matrix"] for c in got["mobility_matrix"])


# --- property tests: the SQL reports against a straightforward computation ---

SLUGS = ["mid", "alp", "zed"]  # created in this order: id order != slug order
DAY0 = date(2024, 3, 4)

visit_strategy = st.tuples(
    st.one_of(st.none(), st.integers(0, 4)),  # card index, None = tally
    st.integers(0, 2),  # centre index
    st.integers(0, 3),  # day
    st.sampled_from([8, 9, 9, 9]),  # UTC hour: repeats make ties likely
    st.one_of(st.none(), st.integers(0, 1)),  # tally home district index
)


def reference(world, visits, start, end):
    """Compute every report the plain way from the deduplicated visit list."""
    rows = [v for v in visits if start <= v["visit_date"] <= end]
    slug = {c.id: c.slug for c in world["centres"]}
    district_of = {c.id: world["codes"][c.district_id] for c in world["centres"]}
    home = {card.id: card.home_district_id for card in world["cards"]}
    out = {}
    daily = {}
    for v in rows:
        key = (v["visit_date"].isoformat(), slug[v["centre_id"]])
        n, c = daily.get(key, (0, 0))
        daily[key] = (n + 1, c + (v["card_id"] is not None))
    out["visits"] = [
        {"date": d, "centre": s, "visits": n, "card_visits": c, "tally_visits": n - c}
        for (d, s), (n, c) in sorted(daily.items())
    ]
    cov = []
    for code in sorted(world["codes"].values()):
        here = [v for v in rows if district_of[v["centre_id"]] == code]
        residents = {
            v["card_id"]
            for v in rows
            if v["card_id"] is not None
            and world["codes"].get(home[v["card_id"]]) == code
        }
        cov.append(
            (
                code,
                len(here),
                len({v["card_id"] for v in here if v["card_id"] is not None}),
                len(residents),
            )
        )
    out["coverage"] = cov
    flows = {}
    for v in rows:
        h = home[v["card_id"]] if v["card_id"] is not None else v["home_district_id"]
        key = (world["codes"].get(h, "unknown"), district_of[v["centre_id"]])
        cards, n = flows.get(key, (set(), 0))
        if v["card_id"] is not None:
            cards = cards | {v["card_id"]}
        flows[key] = (cards, n + 1)
    out["flows"] = sorted((h, c, len(cs), n) for (h, c), (cs, n) in flows.items())
    out.update(reference_mobility(slug, rows))
    return out


def reference_mobility(slug: dict, rows: list[dict], shown=None) -> dict:
    """Compute the mobility tables the plain way: each card's visits at every
    centre in time order (ties by slug); a filter (``shown`` slugs) keeps the
    cells with a shown centre at either end, the shown centres' rows, and as
    the summary the cards with a visit at a shown centre."""
    by_card = {}
    for v in rows:
        if v["card_id"] is not None:
            by_card.setdefault(v["card_id"], []).append(
                (v["visited_dt"], slug[v["centre_id"]])
            )
    cells = {}
    for card, seq in by_card.items():
        seq.sort()
        for (_, a), (_, b) in zip(seq, seq[1:], strict=False):
            if a != b:
                cards, n = cells.get((a, b), (set(), 0))
                cells[a, b] = (cards | {card}, n + 1)
    out = {}
    out["mobility_matrix"] = [
        {"from_centre": a, "to_centre": b, "cards": len(cs), "transitions": n}
        for (a, b), (cs, n) in sorted(cells.items())
        if shown is None or a in shown or b in shown
    ]
    multi = {card for card, seq in by_card.items() if len({s for _, s in seq}) > 1}
    per_centre = {}
    for card, seq in by_card.items():
        for s in {s for _, s in seq}:
            per_centre.setdefault(s, set()).add(card)
    out["mobility_centres"] = [
        {
            "centre": s,
            "active_cards": len(cs),
            "multi_centre_cards": len(cs & multi),
            "share_multi_centre": round(len(cs & multi) / len(cs), 4),
        }
        for s, cs in sorted(per_centre.items())
        if shown is None or s in shown
    ]
    active = {
        card
        for card, seq in by_card.items()
        if shown is None or {s for _, s in seq} & set(shown)
    }
    out["mobility_summary"] = (len(active), len(active & multi))
    return out


@pytest.fixture
def prop_world(app, db):
    districts = [create_district("1"), create_district("2")]
    centres = [create_centre(s, districts[i % 2]) for i, s in enumerate(SLUGS)]
    cards = [
        create_card(home_district_id=[None, districts[0].id, districts[1].id][i % 3])
        for i in range(5)
    ]
    db.session.commit()
    return {
        "centres": centres,
        "cards": cards,
        "districts": districts,
        "codes": {d.id: d.code for d in districts},
    }


def insert_visits(session, world, raw) -> list[dict]:
    """Insert the drawn visits (deduplicated as the scanner does); return them."""
    session.execute(delete(Visit.__table__))
    kept = {}
    for i, (card_i, centre_i, day, hour, home_i) in enumerate(raw):
        card = world["cards"][card_i] if card_i is not None else None
        centre = world["centres"][centre_i]
        visit_date = DAY0 + timedelta(days=day)
        moment = datetime.combine(visit_date, datetime.min.time(), UTC).replace(
            hour=hour
        )
        row = {
            "centre_id": centre.id,
            "card_id": card.id if card else None,
            "visit_date": visit_date,
            "visited_dt": moment,
            "source": VisitSource.SCAN if card else VisitSource.TALLY,
            "home_district_id": (
                world["districts"][home_i].id
                if card is None and home_i is not None
                else None
            ),
            "created_dt": moment,
        }
        key = (row["card_id"], centre.id, visit_date) if card else ("tally", i)
        if key not in kept or moment < kept[key]["visited_dt"]:
            kept[key] = row  # dedup: one card visit per centre and day, earliest
    visits = list(kept.values())
    if visits:
        session.execute(insert(Visit.__table__), visits)
    return visits


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@example(  # a tie between "mid" (lower id) and "alp" (earlier slug)
    raw=[(0, 0, 0, 9, None), (0, 1, 0, 9, None), (0, 2, 1, 8, 0)], span=(0, 1)
)
@given(
    raw=st.lists(visit_strategy, max_size=30),
    span=st.tuples(st.integers(0, 3), st.integers(0, 3)),
)
def test_reports_match_reference(app, db, prop_world, raw, span):
    world = prop_world
    visits = insert_visits(db.session, world, raw)
    start = DAY0 + timedelta(days=min(span))
    end = DAY0 + timedelta(days=max(span))
    expected = reference(world, visits, start, end)

    got = {
        t.name: t.rows
        for name in REPORTS
        for t in build_report(name, start, end, min_cell=1)
    }
    assert got["visits"] == expected["visits"]
    assert [
        (r["district"], r["visits"], r["unique_cards"], r["resident_cards"])
        for r in got["coverage"]
    ] == expected["coverage"]
    assert [
        (r["home_district"], r["centre_district"], r["cards"], r["visits"])
        for r in got["flows"]
    ] == expected["flows"]
    assert got["mobility_matrix"] == expected["mobility_matrix"]
    assert got["mobility_centres"] == expected["mobility_centres"]
    active, multi = expected["mobility_summary"]
    assert got["mobility_summary"] == [
        {
            "active_cards": active,
            "multi_centre_cards": multi,
            "mobility_index": round(multi / active, 4) if active else "",
        }
    ]
    # All days fall in March 2024: one month, the same figures as the summary;
    # at most 4 of March's 31 days are in the period, so the month is partial.
    assert got["mobility_months"] == [
        {
            "month": "2024-03",
            "start": start.isoformat(),
            "end": end.isoformat(),
            **got["mobility_summary"][0],
            "days_in_period": (end - start).days + 1,
            "partial": 1,
        }
    ]
    db.session.rollback()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@example(  # zed -> mid -> alp: a filter to zed and alp makes no zed -> alp
    raw=[(0, 2, 0, 8, None), (0, 0, 0, 9, None), (0, 1, 1, 8, None)],
    span=(0, 1),
    picked=frozenset({1, 2}),
)
@given(
    raw=st.lists(visit_strategy, max_size=30),
    span=st.tuples(st.integers(0, 3), st.integers(0, 3)),
    picked=st.frozensets(st.integers(0, 2)),
)
def test_filtered_mobility_matches_reference(app, db, prop_world, raw, span, picked):
    """Under a filter the mobility tables equal the plain walk over every visit,
    with the cells, rows and summary the filter chooses (DOMAIN.md)."""
    world = prop_world
    visits = insert_visits(db.session, world, raw)
    start = DAY0 + timedelta(days=min(span))
    end = DAY0 + timedelta(days=max(span))
    slug = {c.id: c.slug for c in world["centres"]}
    rows = [v for v in visits if start <= v["visit_date"] <= end]
    shown = {world["centres"][i].slug for i in picked}
    expected = reference_mobility(slug, rows, shown)
    got = {
        t.name: t.rows
        for t in build_report(
            "mobility",
            start,
            end,
            min_cell=1,
            centre_ids=[world["centres"][i].id for i in picked],
        )
    }
    assert got["mobility_matrix"] == expected["mobility_matrix"]
    assert got["mobility_centres"] == expected["mobility_centres"]
    active, multi = expected["mobility_summary"]
    summary = {
        "active_cards": active,
        "multi_centre_cards": multi,
        "mobility_index": round(multi / active, 4) if active else "",
    }
    assert got["mobility_summary"] == [summary]
    assert got["mobility_months"] == [
        {"month": "2024-03", "start": start.isoformat(), "end": end.isoformat()}
        | summary
        | {"days_in_period": (end - start).days + 1, "partial": 1}
    ]
    db.session.rollback()
