"""``flask seed demo``: the demo landscape mirrors Copenhagen's strategy."""

import math
from collections import Counter
from datetime import time

import pytest
from sqlalchemy import func, select

from tests.factories import create_centre
from vaerested.auth.passwords import verify_password
from vaerested.demo import DEMO_PASSWORD, LOGINS
from vaerested.models import Centre, District, OperatorType, StaffUser, TargetGroup

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
    round_the_clock = [
        c.slug
        for c in centres(db)
        if sorted((i.weekday, i.opens_at, i.closes_at) for i in c.opening_intervals)
        == [(day, midnight, midnight) for day in range(7)]
    ]
    assert len(round_the_clock) == 1
    past_midnight = [
        (c.slug, i.weekday, i.opens_at, i.closes_at)
        for c in centres(db)
        for i in c.opening_intervals
        if midnight < i.closes_at <= i.opens_at
    ]
    assert past_midnight == [("pilehuset", 4, time(18), time(2))]
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


def test_seed_demo_with_visits_generates_them_once(runner, db):
    from sqlalchemy import func, select

    from vaerested.models import Visit

    result = runner.invoke(args=["seed", "demo", "--if-empty", "--visits", "500"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 500
    again = runner.invoke(args=["seed", "demo", "--if-empty", "--visits", "500"])
    assert again.exit_code == 0
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 500
