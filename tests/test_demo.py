"""``flask seed demo``: the demo landscape mirrors Copenhagen's strategy."""

import math
from collections import Counter
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select

from tests.factories import create_centre
from vaerested.auth.passwords import verify_password
from vaerested.commands import demo as demo_cli
from vaerested.demo import DEMO_PASSWORD, LOGINS
from vaerested.models import (
    Activity,
    ActivityRule,
    ActivitySession,
    Card,
    Centre,
    District,
    LedBy,
    OperatorType,
    RuleKind,
    SessionAttendance,
    StaffUser,
    TargetGroup,
    Visit,
    VisitSource,
)
from vaerested.models.base import utcnow
from vaerested.models.cards import FirstCame, Housing
from vaerested.reports.tables import dashboard_queries as dq
from vaerested.reports.tables.queries import Scope

REAL_NAMES = ("nabo", "offside", "kontakten", "muhabet")


@pytest.fixture
def seeded(runner, db):
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 0, result.output
    db.session.rollback()  # read what was committed
    return result


def centres(db) -> list[Centre]:
    return db.session.scalars(select(Centre)).all()


def test_districts(seeded, db):
    districts = {
        d.code: d for d in db.session.scalars(select(District).order_by(District.id))
    }
    assert list(districts) == [*map(str, range(1, 11)), "FRB"]
    names = [districts[str(n)].name for n in range(1, 11)]
    assert names == [
        "Indre By",
        "Østerbro",
        "Nørrebro",
        "Vesterbro/Kongens Enghave",
        "Valby",
        "Vanløse",
        "Brønshøj-Husum",
        "Bispebjerg",
        "Amager Øst",
        "Amager Vest",
    ]
    assert districts["FRB"].municipality == "Frederiksberg"
    assert {d.municipality for c, d in districts.items() if c != "FRB"} == {"København"}
    for district in districts.values():
        assert 500 <= district.target_population <= 5000
        assert 55.6 < district.ref_lat < 55.73 and 12.45 < district.ref_lon < 12.65


def test_offer_profiles_mirror_the_strategy(seeded, db):
    profiles = Counter(
        (tuple(c.categories), (c.life_phase_min, c.life_phase_max)) for c in centres(db)
    )
    assert profiles == {
        ((1,), (1, 2)): 6,  # category 1 only
        ((1, 2), (1, 3)): 9,  # categories 1 and 2
        ((1, 2, 3), (1, 4)): 3,  # all life phases, with a category-3 box
        ((2, 3), (3, 4)): 1,  # employment focus, no category 1
    }
    operators = Counter(c.operator_type for c in centres(db))
    assert operators[OperatorType.MUNICIPAL] == 9  # "hvoraf de ni er kommunale"


def test_geographic_spread(seeded, db):
    by_district = Counter(c.district.code for c in centres(db))
    assert sum(by_district.values()) == 19
    assert by_district["3"] == 7
    assert all(n < by_district["3"] for code, n in by_district.items() if code != "3")
    assert (by_district["9"], by_district["10"]) == (1, 0)  # one on Amager
    assert by_district["FRB"] == 2
    outer = [c for c in centres(db) if c.district.code in ("6", "7", "8")]
    assert sorted(c.typical_daily_users for c in outer) == [20, 50, 50]
    # The employment centre is on Nørrebro; the category-3 boxes sit on Nørrebro
    # and right by its border.
    employment = [c for c in centres(db) if not c.is_cat1]
    assert [c.district.code for c in employment] == ["3"]
    assert sorted(c.district.code for c in centres(db) if c.is_cat3) == [
        "2",
        "3",
        "3",
        "3",
    ]


def test_frederiksberg_has_a_centre_for_other_ethnic_backgrounds(seeded, db):
    frb = [c for c in centres(db) if c.district.code == "FRB"]
    groups = [[g.code for g in c.target_groups] for c in frb]
    assert sum("ethnic_minority" in g for g in groups) == 1
    assert db.session.scalar(select(func.count(TargetGroup.id))) == 6


def km(lat1, lon1, lat2, lon2) -> float:
    """Equirectangular distance, fine at city scale."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6371 * math.hypot(x, math.radians(lat2 - lat1))


def test_centres_lie_in_their_district(seeded, db):
    districts = db.session.scalars(select(District)).all()
    for centre in centres(db):
        nearest = min(
            districts, key=lambda d: km(centre.lat, centre.lon, d.ref_lat, d.ref_lon)
        )
        assert nearest.code == centre.district.code, centre.slug
        assert km(centre.lat, centre.lon, nearest.ref_lat, nearest.ref_lon) < 2.5


def test_names_are_fictional(seeded, db):
    for centre in centres(db):
        assert not any(real in centre.name.lower() for real in REAL_NAMES)
        assert not any(real in centre.slug for real in REAL_NAMES)


def test_opening_hours(seeded, db):
    midnight = time(0)
    past_midnight = sorted(
        (c.slug, i.weekday, i.opens_at, i.closes_at)
        for c in centres(db)
        for i in c.opening_intervals
        if midnight < i.closes_at <= i.opens_at
    )
    # A night café every night, and one late Friday.
    assert past_midnight == [
        *[("nattergalen", day, time(22), time(2)) for day in range(7)],
        ("pilehuset", 4, time(18), time(2)),
    ]
    weekend = {
        c.slug for c in centres(db) for i in c.opening_intervals if i.weekday >= 5
    }
    assert len(weekend) >= 5
    for centre in centres(db):
        assert centre.opening_intervals, centre.slug


def test_logins_work_and_are_printed(seeded, db, auth):
    accounts = {u.email: u for u in db.session.scalars(select(StaffUser))}
    assert set(accounts) == {email for email, _, _ in LOGINS}
    for email, role, slug in LOGINS:
        user = accounts[email]
        assert user.role.value == role
        assert [c.slug for c in user.centres] == ([slug] if slug else [])
        assert f"  {email}\t{role}\t{slug or 'all centres'}\n" in seeded.stdout
        assert verify_password(user.password_hash, DEMO_PASSWORD)
    assert f"Password for every demo login: {DEMO_PASSWORD}\n" in seeded.stdout
    response = auth.login("leder.strandengen@demo.example.org", DEMO_PASSWORD)
    assert response.status_code == 302


def test_second_run_refuses_without_changes(seeded, runner, db):
    result = runner.invoke(args=["seed", "demo"])
    assert result.exit_code == 2
    assert result.stderr == (
        "Error: the database has 19 centre(s); demo data loads only into a "
        "database without centres.\n"
    )
    db.session.rollback()
    assert len(centres(db)) == 19
    assert db.session.scalar(select(func.count(StaffUser.id))) == len(LOGINS)


def test_if_empty_skips_when_a_centre_exists(runner, db):
    create_centre(slug="mine")
    db.session.commit()
    result = runner.invoke(args=["seed", "demo", "--if-empty"])
    assert result.exit_code == 0
    assert result.stdout == "1 centre(s) exist already: demo data not loaded.\n"
    db.session.rollback()
    assert [c.slug for c in centres(db)] == ["mine"]
    assert db.session.scalar(select(func.count(StaffUser.id))) == 0


def test_if_empty_loads_into_an_empty_database(runner, db):
    result = runner.invoke(args=["seed", "demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    assert len(centres(db)) == 19


def _counts(db) -> dict:
    from vaerested.models import CourseEnrolment, CourseFollowUp, SessionScan

    tables = (Centre, Card, Visit, Activity, ActivityRule, ActivitySession)
    courses = (CourseEnrolment, CourseFollowUp, SessionScan)
    counts = {
        t.__name__: db.session.scalar(select(func.count()).select_from(t))
        for t in (*tables, *courses, SessionAttendance, StaffUser)
    }
    counts["headcount"] = db.session.scalar(
        select(func.sum(SessionAttendance.headcount))
    )
    return counts


def test_seed_demo_with_visits_generates_them_once(runner, db):
    result = runner.invoke(args=["seed", "demo", "--if-empty", "--visits", "500"])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    before = _counts(db)
    # The 500 generated, and the course sessions' scans that were no visit yet.
    assert "Generated 500 visit(s)" in result.stdout
    assert 500 <= before["Visit"] < 1000
    assert before["Activity"] > 0 and before["SessionAttendance"] > 0
    again = runner.invoke(args=["seed", "demo", "--if-empty", "--visits", "500"])
    assert again.exit_code == 0
    assert again.stdout == "19 centre(s) exist already: demo data not loaded.\n"
    db.session.rollback()
    assert _counts(db) == before


# --- Generated visits: cards issued on their first visit, with attributes. ---


@pytest.fixture
def generated(seeded, runner, db):
    result = runner.invoke(
        args=["demo", "generate", "--visits", "6000", "--days", "200", "--seed", "7"]
    )
    assert result.exit_code == 0, result.output
    db.session.rollback()
    return result


def test_cards_are_issued_on_their_first_visit_day(generated, db, app):
    tz = ZoneInfo(app.config["TIMEZONE"])
    first = {}
    for card_id, day, moment, centre_id in db.session.execute(
        select(Visit.card_id, Visit.visit_date, Visit.visited_dt, Visit.centre_id)
        .where(Visit.card_id.is_not(None))
        .order_by(Visit.visited_dt)
    ):
        first.setdefault(card_id, (day, moment, centre_id))
    cards = db.session.scalars(select(Card)).all()
    assert len(cards) == len(first) > 100
    for card in cards:
        day, moment, centre_id = first[card.id]
        assert card.issued_dt.astimezone(tz).date() == day, card.id
        assert moment - timedelta(minutes=15) <= card.issued_dt < moment
        assert card.issued_centre_id == centre_id
    # New cards keep arriving: every month of the span has some.
    months = Counter(c.issued_dt.astimezone(tz).strftime("%Y-%m") for c in cards)
    today = datetime.now(tz).date()
    for back in (10, 40, 70, 100, 130, 160, 190):
        assert months[(today - timedelta(days=back)).strftime("%Y-%m")] > 0


def share(values, value) -> float:
    return sum(v == value for v in values) / len(values)


def test_card_attributes_have_plausible_shares(generated, db):
    cards = db.session.scalars(select(Card)).all()
    for name in ("age_band", "gender", "housing", "first_came"):
        values = [getattr(c, name) for c in cards]
        assert 0.2 <= share(values, None) <= 0.5, name
        assert len(set(values)) == len(demo_cli.ATTRIBUTES[name][1]) + 1
    housing = [c.housing for c in cards]
    assert max(Housing, key=lambda h: share(housing, h)) == Housing.OWN_HOME
    assert 0.05 <= share(housing, Housing.RESIDENTIAL_CENTRE) <= 0.16
    assert 0.02 <= share(housing, Housing.HOMELESS) <= 0.09
    first_came = [c.first_came for c in cards]
    assert max(FirstCame, key=lambda f: share(first_came, f)) == (
        FirstCame.OWN_INITIATIVE
    )
    assert share(first_came, FirstCame.OUTREACH_WORKER) > 0.04
    # Tallies: most without attributes, some with.
    tallies = db.session.scalars(select(Visit).where(Visit.card_id.is_(None))).all()
    assert len(tallies) == 900
    assert 0.45 <= share([t.housing for t in tallies], None) <= 0.85
    assert {t.source for t in tallies} == {VisitSource.TALLY}


def test_centres_naming_a_target_group_reach_it_more(generated, db):
    from vaerested.reports.tables.build import build_report

    end = db.session.scalar(select(func.max(Visit.visit_date)))
    tables = build_report("dashboard", end - timedelta(days=200), end, min_cell=1)
    rows = {t.name: t for t in tables}["dashboard_reach"].rows
    share = {(r["target_group"], r["centres"]): r["group_share"] for r in rows}
    assert all(r["centre_count"] > 0 for r in rows)
    assert share[("young", "named")] > share[("young", "other")] + 0.1
    assert share[("women", "named")] > share[("women", "other")] + 0.05
    reach = {t.name: t for t in build_report("reach", end, end, min_cell=1)}
    assert {r["value"] for r in reach["reach_centres"].rows if r["visits"]} > {
        "unknown"
    }


def _snapshot(db) -> tuple[list, list]:
    cards = db.session.execute(
        select(
            Card.id,
            Card.issued_centre_id,
            Card.issued_dt,
            Card.home_district_id,
            Card.age_band,
            Card.gender,
            Card.housing,
            Card.first_came,
        ).order_by(Card.id)
    ).all()
    visits = db.session.execute(
        select(
            Visit.card_id,
            Visit.centre_id,
            Visit.visit_date,
            Visit.visited_dt,
            Visit.source,
            Visit.idempotency_key,
            Visit.home_district_id,
            Visit.age_band,
            Visit.gender,
            Visit.housing,
        ).order_by(Visit.id)
    ).all()
    return cards, visits


def test_generated_chains_are_exact_and_kept_after(generated, db, app):
    from tests.factories import create_visit
    from tests.test_visit_chain import assert_exact

    got = assert_exact(db)
    assert sum(1 for prev in got.values() if prev[0] is not None) > 1000
    # The triggers are back: a visit before every other moves the chains.
    card = db.session.scalars(select(Card)).first()
    centre = db.session.scalars(select(Centre)).first()
    create_visit(centre, card, datetime(2000, 1, 3, 12, tzinfo=UTC))
    db.session.commit()
    assert_exact(db)


def test_generate_is_repeatable_with_a_seed(generated, runner, db):
    first = _snapshot(db)
    db.session.execute(delete(Visit))
    db.session.execute(delete(Card))
    db.session.commit()
    result = runner.invoke(
        args=["demo", "generate", "--visits", "6000", "--days", "200", "--seed", "7"]
    )
    assert result.exit_code == 0, result.output
    db.session.rollback()
    assert _snapshot(db) == first


# --- Demo activities. ---


def test_every_centre_has_activities_of_its_categories(seeded, db, app):
    from vaerested.demo_courses import CLARIFICATION, EMPLOYMENT

    today = datetime.now(ZoneInfo(app.config["TIMEZONE"])).date()
    course_titles = (EMPLOYMENT.title, CLARIFICATION.title)
    for centre in centres(db):
        all_activities = db.session.scalars(
            select(Activity).where(Activity.centre_id == centre.id)
        ).all()
        activities = [a for a in all_activities if a.title not in course_titles]
        courses = [a for a in all_activities if a.title in course_titles]
        assert 2 <= len(activities) <= 3, centre.slug
        assert {a.category for a in activities} == set(centre.categories)
        # The courses are planned even without visits (nobody enrolled then).
        assert {a.category for a in courses} <= {2, 3} & set(centre.categories)
        assert (3 in {a.category for a in courses}) == centre.is_cat3
        for activity in all_activities:
            assert centre.life_phase_min <= activity.life_phase_min
            assert activity.life_phase_max <= centre.life_phase_max
            assert activity.title and activity.led_by
            assert [r.kind for r in activity.rules] == [RuleKind.WEEKLY]
            # A year of past sessions.
            assert activity.rules[0].start_date <= today - timedelta(days=358)
    titles = {a.title for a in db.session.scalars(select(Activity))}
    assert {"Fællesspisning", "Gåtur", "Jobcafé"} <= titles


def test_past_sessions_have_attendance(seeded, db, app):
    now = utcnow()
    sessions = db.session.scalars(select(ActivitySession)).all()
    past = [s for s in sessions if s.end_dt <= now]
    future = [s for s in sessions if s.start_dt > now]
    assert len(past) > 19 * 2 * 11 and future
    held = [s for s in past if not s.is_cancelled]
    assert all(s.attendance is not None for s in held)
    cancelled = [s for s in past if s.is_cancelled]
    assert 0 < len(cancelled) < len(past) * 0.15
    assert all(s.attendance is None and s.change_reason for s in cancelled)
    assert all(s.attendance is None for s in sessions if s.end_dt > now)
    headcounts = [s.attendance.headcount for s in held]
    assert 4 < sum(headcounts) / len(headcounts) < 20
    for session in held:
        if session.activity.capacity:
            assert session.attendance.headcount <= session.activity.capacity
        if session.activity.led_by == LedBy.VOLUNTEER:
            assert session.attendance.volunteers >= 1
    # The dashboard's activities table is filled for the last 30 days.
    tz = ZoneInfo(app.config["TIMEZONE"])
    today = datetime.now(tz).date()
    rows = dq.activity_categories(
        db.session, Scope(today - timedelta(days=30), today), tz, now
    )
    by_category = {row[0]: row for row in rows}
    assert set(by_category) == {1, 2, 3}
    assert all(row[1] > 0 and row[2] > 0 and row[3] > 0 for row in rows)


# --- A year of data, courses with outcomes, user-run evenings. ---


def test_user_run_hours_and_gaps_in_the_city_grid(seeded, db):
    from vaerested.centres import queries as centre_queries
    from vaerested.services import hours_grid

    user_run = {
        c.slug for c in centres(db) for i in c.opening_intervals if i.is_user_run
    }
    assert len(user_run) >= 6
    assert all(any(not i.is_user_run for i in c.opening_intervals) for c in centres(db))
    scopes = {s.code: s for s in hours_grid.scopes(centre_queries.city_hours())}
    city = hours_grid.summarise(scopes["København"])
    # Users run some hours no staffed centre covers, and some hours stay gaps.
    assert city.user_run_only_hours >= 10
    assert city.gaps["night"] > 0 and city.gaps["evening"] > 0
    assert 0 < city.gap_hours < 7 * 24 - city.open_hours + 1
    assert hours_grid.summarise(scopes["FRB"]).user_run_only_hours > 0


@pytest.fixture
def year(runner, db):
    """The demo as ``make run`` loads it, with fewer visits."""
    result = runner.invoke(args=["seed", "demo", "--if-empty", "--visits", "30000"])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    return result


def test_demo_courses_with_a_year_of_data(year, db, app):
    from vaerested.activities.forms import REFERRAL_RE
    from vaerested.demo_courses import CLARIFICATION, EMPLOYMENT
    from vaerested.models import CourseEnrolment, CourseOutcome, SessionScan
    from vaerested.reports.tables.build import build_report
    from vaerested.services.cpr import looks_like_cpr

    tz = ZoneInfo(app.config["TIMEZONE"])
    today = datetime.now(tz).date()
    # A year of visits: every month of the last twelve has some at most centres.
    first, last = db.session.execute(
        select(func.min(Visit.visit_date), func.max(Visit.visit_date))
    ).one()
    assert first <= today - timedelta(days=364) and last >= today - timedelta(days=1)
    months = Counter(
        (d.strftime("%Y-%m"), c)
        for d, c in db.session.execute(
            select(Visit.visit_date, Visit.centre_id).distinct()
        )
    )
    for back in range(0, 365, 30):
        month = (today - timedelta(days=back)).strftime("%Y-%m")
        assert sum(1 for m, _ in months if m == month) >= 15, month
    # Courses: a Jobforløb at each category-3 centre, clarification elsewhere.
    courses = db.session.scalars(
        select(Activity).where(
            Activity.title.in_([EMPLOYMENT.title, CLARIFICATION.title])
        )
    ).all()
    by_title = Counter((a.title, a.category) for a in courses)
    assert by_title[(EMPLOYMENT.title, 3)] == 4
    assert by_title[(CLARIFICATION.title, 2)] >= 6
    assert all(a.centre.is_cat3 for a in courses if a.category == 3)
    enrolments = db.session.scalars(select(CourseEnrolment)).all()
    assert len(enrolments) > 100
    visits = {
        (card, centre): (lo, hi)
        for card, centre, lo, hi in db.session.execute(
            select(
                Visit.card_id,
                Visit.centre_id,
                func.min(Visit.visit_date),
                func.max(Visit.visit_date),
            )
            .where(Visit.card_id.is_not(None))
            .group_by(Visit.card_id, Visit.centre_id)
        )
    }
    outcomes = Counter()
    for e in enrolments:
        category = e.activity.category
        if category == 3:  # registered with a fictional job-centre reference
            assert e.is_registered and REFERRAL_RE.match(e.referral_ref)
            assert e.referral_ref.startswith("BIF-")
            assert not looks_like_cpr(e.referral_ref)
        else:  # clarification: the card's pseudonym only
            assert not e.is_registered and e.referral_ref is None
        # The card visited the centre before it was enrolled there.
        assert visits[(e.card_id, e.activity.centre_id)][0] < e.start_date
        assert e.end_date is None or e.start_date < e.end_date < today
        dates = [f.follow_up_date for f in e.follow_ups]
        assert dates == sorted(dates) and all(e.start_date < d <= today for d in dates)
        final = [f for f in e.follow_ups if f.outcome is not CourseOutcome.CONTINUING]
        if e.end_date is None:
            assert not final
        else:
            assert [(f.follow_up_date, f.outcome in CourseOutcome) for f in final] == [
                (e.end_date, True)
            ]
        outcomes.update((category, f.outcome) for f in e.follow_ups)
    for category in (2, 3):
        for outcome in CourseOutcome:
            assert outcomes[(category, outcome)] > 0, (category, outcome)
    # Enrolled cards attend their sessions: each scan is that day's visit there.
    scans = db.session.execute(
        select(SessionScan.card_id, SessionScan.scanned_dt, ActivitySession).join(
            ActivitySession, ActivitySession.id == SessionScan.session_id
        )
    ).all()
    assert len(scans) > 1000
    enrolled = {(e.activity_id, e.card_id): e for e in enrolments}
    day_visits = {
        (card, centre, day): moment
        for card, centre, day, moment in db.session.execute(
            select(
                Visit.card_id, Visit.centre_id, Visit.visit_date, Visit.visited_dt
            ).where(Visit.card_id.is_not(None))
        )
    }
    for card_id, scanned, session in scans:
        e = enrolled[(session.activity_id, card_id)]
        day = scanned.astimezone(tz).date()
        assert e.start_date <= day and (e.end_date is None or day <= e.end_date)
        moment = day_visits[(card_id, session.activity.centre_id, day)]
        assert moment <= scanned
    # The course outcomes report shows figures above the minimum cell.
    tables = build_report("courses", today - timedelta(days=364), today, min_cell=5)
    rows = {t.name: t for t in tables}["courses"].rows
    shown = [r for r in rows if isinstance(r["on_course"], int) and r["on_course"] >= 5]
    assert {r["category"] for r in shown} == {2, 3}
    assert any(isinstance(r["continuing"], int) and r["continuing"] >= 5 for r in rows)
    assert len({r["quarter"] for r in shown}) >= 4
