"""Clash warnings city-wide: the same target group anywhere in the municipality,
overlapping specific life phases in the same district (vaerested/activities/
queries.py ``audience_overlap``)."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.factories import (
    create_activity,
    create_centre,
    create_district,
    create_session,
    create_target_group,
)
from vaerested.activities.queries import session_warnings
from vaerested.models.base import utcnow

CPH = ZoneInfo("Europe/Copenhagen")
ALL_DAY = [(d, "00:00", "00:00") for d in range(7)]


def local_dt(day: date, at: time) -> datetime:
    return datetime.combine(day, at, CPH).astimezone(UTC)


@pytest.fixture
def monday() -> date:
    today = utcnow().astimezone(CPH).date()
    return today + timedelta(days=7 - today.weekday())


@pytest.fixture
def world(db, monday):
    """Centre "home" in district N; "near" in N too; "far" in district O of the
    same municipality; "frb" in another municipality. One planned session at
    home, Monday 10-12, for young people and life phases 2-3."""
    n = create_district(code="N", name="Nord")
    o = create_district(code="O", name="Øst")
    f = create_district(code="F", name="Frb", municipality="Frederiksberg")
    young = create_target_group(code="young", name_da="Unge", name_en="Young people")
    women = create_target_group(code="women", name_da="Kvinder", name_en="Women")
    home = create_centre(slug="home", name="Home", district=n, hours=ALL_DAY)
    near = create_centre(slug="near", name="Near", district=n, hours=ALL_DAY)
    far = create_centre(slug="far", name="Far", district=o, hours=ALL_DAY)
    frb = create_centre(slug="frb", name="Frb centre", district=f, hours=ALL_DAY)
    planned = create_activity(
        home,
        title="Youth club",
        category=1,
        target_group_id=young.id,
        life_phase_min=2,
        life_phase_max=3,
    )
    session = create_session(
        planned, local_dt(monday, time(10)), local_dt(monday, time(12))
    )
    db.session.commit()
    return {
        "home": home,
        "near": near,
        "far": far,
        "frb": frb,
        "young": young,
        "women": women,
        "session": session,
        "monday": monday,
    }


def warnings_of(w):
    found = session_warnings([w["session"]], CPH).get(w["session"].id, [])
    return [(x.kind, x.other.activity.title) for x in found]


def add(w, centre, title, start=10, end=12, **kwargs):
    kwargs.setdefault("category", 2)
    activity = create_activity(w[centre], title=title, **kwargs)
    create_session(
        activity, local_dt(w["monday"], time(start)), local_dt(w["monday"], time(end))
    )
    return activity


def test_same_target_group_elsewhere_in_the_city_warns(db, world):
    add(world, "far", "Young music", target_group_id=world["young"].id)
    db.session.commit()
    assert warnings_of(world) == [("audience", "Young music")]
    [warning] = session_warnings([world["session"]], CPH)[world["session"].id]
    assert warning.target_group.code == "young"
    # Default phases (1-4) at "far": no life-phase reason, the group is the reason.
    assert warning.phases is None


def test_overlapping_specific_phases_in_the_district_warn(db, world):
    add(world, "near", "Workshop", life_phase_min=3, life_phase_max=4)
    db.session.commit()
    [warning] = session_warnings([world["session"]], CPH)[world["session"].id]
    assert (warning.kind, warning.phases, warning.target_group) == (
        "audience",
        (3, 3),
        None,
    )


@pytest.mark.parametrize(
    "centre, kwargs",
    [
        # The same group, but in another municipality.
        ("frb", {"target_group": "young"}),
        # Another target group.
        ("far", {"target_group": "women"}),
        # Overlapping specific phases, but in another district (and no group).
        ("far", {"life_phase_min": 2, "life_phase_max": 3}),
        # The same district, but all life phases (the default) and no group.
        ("near", {}),
        # The same district, specific phases that do not overlap.
        ("near", {"life_phase_min": 4, "life_phase_max": 4}),
        # The same group, but not at the same time.
        ("far", {"target_group": "young", "start": 12, "end": 14}),
        # The same group, but cancelled.
        ("far", {"target_group": "young", "is_cancelled": True}),
        # The same group, but at the same centre (not another centre).
        ("home", {"target_group": "young"}),
    ],
)
def test_no_warning(db, world, centre, kwargs):
    kwargs = dict(kwargs)
    group = kwargs.pop("target_group", None)
    if group:
        kwargs["target_group_id"] = world[group].id
    start, end = kwargs.pop("start", 10), kwargs.pop("end", 12)
    cancelled = kwargs.pop("is_cancelled", False)
    activity = create_activity(world[centre], title="Other", category=2, **kwargs)
    create_session(
        activity,
        local_dt(world["monday"], time(start)),
        local_dt(world["monday"], time(end)),
        is_cancelled=cancelled,
    )
    db.session.commit()
    assert warnings_of(world) == []


def test_a_same_district_same_category_clash_is_a_collision_once(db, world):
    add(world, "near", "Club", category=1, target_group_id=world["young"].id)
    db.session.commit()
    assert warnings_of(world) == [("collision", "Club")]


def test_session_page_says_why(client, auth, db, world):
    add(world, "far", "Young music", target_group_id=world["young"].id)
    add(world, "near", "Workshop", life_phase_min=1, life_phase_max=2)
    db.session.commit()
    auth.login_as("leader", centres=[world["home"]])
    html = client.get(f"/activities/home/sessions/{world['session'].id}").get_data(
        as_text=True
    )
    assert html.count('data-testid="warn-audience"') == 2
    assert "Samtidig: Young music på Far (Øst), også for samme målgruppe (Unge)" in html
    assert "Samtidig: Workshop på Near (Nord), også for livsfase 2" in html
