"""Centre pages: list, create/edit, profile, opening hours, (de)activation."""

from datetime import UTC, datetime, time

import pytest
from sqlalchemy import select

from tests.factories import create_centre, create_district, create_target_group
from vaerested.centres.queries import is_centre_open, local_time
from vaerested.models import Centre, OpeningInterval, OperatorType


def centre_form(district_obj, **overrides) -> dict:
    data = {
        "slug": "nabo-amager",
        "name": "NABO",
        "district": str(district_obj.id),
        "address": "Amagerbrogade 1",
        "lat": "55.66",
        "lon": "12.6",
        "operator_type": "voluntary",
        "visitation": "unreferred",
        "typical_daily_users": "20",
        "is_cat1": "y",
        "is_cat2": "y",
        "life_phase_min": "1",
        "life_phase_max": "3",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def hours_form(rows) -> dict:
    """Turn ``[(weekday, opens, closes[, remove])]`` into the posted form."""
    data = {}
    for n, row in enumerate(rows):
        data[f"intervals-{n}-weekday"] = row[0]
        data[f"intervals-{n}-opens"] = row[1]
        data[f"intervals-{n}-closes"] = row[2]
        if len(row) > 3 and row[3]:
            data[f"intervals-{n}-remove"] = "y"
    return data


def stored_hours(db, centre) -> list[tuple[int, time, time]]:
    rows = db.session.scalars(
        select(OpeningInterval)
        .where(OpeningInterval.centre_id == centre.id)
        .order_by(OpeningInterval.weekday, OpeningInterval.opens_at)
    )
    return [(r.weekday, r.opens_at, r.closes_at) for r in rows]


def test_index_lists_and_filters(client, auth, db):
    create_centre(
        slug="open-one", name="Aktiv", hours=[(d, "00:00", "00:00") for d in range(7)]
    )
    create_centre(slug="gone", name="Lukket", is_active=False)
    auth.login_as("admin")
    active = client.get("/centres/").get_data(as_text=True)
    assert 'data-slug="open-one"' in active and 'data-slug="gone"' not in active
    assert 'data-testid="open-now"' in active  # open around the clock
    inactive = client.get("/centres/?status=inactive").get_data(as_text=True)
    assert 'data-slug="gone"' in inactive and 'data-slug="open-one"' not in inactive
    everything = client.get("/centres/?status=all").get_data(as_text=True)
    assert 'data-slug="gone"' in everything and 'data-slug="open-one"' in everything
    assert client.get("/centres/?status=bogus").status_code == 200


def test_index_empty_state(client, auth, db):
    auth.login_as("admin")
    page = client.get("/centres/").get_data(as_text=True)
    assert "empty-state" in page and "/centres/new" in page


def test_create_centre(client, auth, db):
    district = create_district(code="AM")
    young = create_target_group(code="young")
    create_target_group(code="retired", name_da="Pensionerede", is_active=False)
    auth.login_as("admin")
    page = client.get("/centres/new").get_data(as_text=True)
    assert young.name_da in page
    assert "Pensionerede" not in page
    response = client.post(
        "/centres/new", data=centre_form(district, target_groups=str(young.id))
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/centres/nabo-amager"
    centre = db.session.scalar(select(Centre).where(Centre.slug == "nabo-amager"))
    assert (centre.name, centre.district_id, centre.address) == (
        "NABO",
        district.id,
        "Amagerbrogade 1",
    )
    assert (centre.lat, centre.lon) == (55.66, 12.6)
    assert centre.operator_type == OperatorType.VOLUNTARY
    assert centre.categories == [1, 2]
    assert (centre.life_phase_min, centre.life_phase_max) == (1, 3)
    assert centre.typical_daily_users == 20
    assert [g.code for g in centre.target_groups] == ["young"]
    assert centre.is_active


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"slug": "Nabo Amager"}, "slug", "a-z"),
        ({"slug": "-nabo"}, "slug", "a-z"),
        ({"slug": "nabo--x"}, "slug", "a-z"),
        ({"slug": "taken"}, "slug", "bruger allerede"),
        ({"life_phase_min": "3", "life_phase_max": "2"}, "life_phase_max", "laveste"),
        ({"lat": "91"}, "lat", "90"),
        ({"lon": "-180.5"}, "lon", "180"),
        ({"lat": "north"}, "lat", ""),
        ({"typical_daily_users": "-1"}, "typical_daily_users", ""),
        ({"district": ""}, "district", ""),
        ({"name": ""}, "name", ""),
        ({"life_phase_min": "9"}, "life_phase_min", ""),
    ],
)
def test_create_centre_validation(client, auth, db, overrides, field, fragment):
    district = create_district()
    create_centre(slug="taken")
    auth.login_as("admin")
    before = db.session.scalars(select(Centre.slug)).all()
    response = client.post("/centres/new", data=centre_form(district, **overrides))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page
    assert fragment in page
    assert db.session.scalars(select(Centre.slug)).all() == before


def test_edit_centre_keeps_slug(client, auth, db):
    old, new = create_district(code="X"), create_district(code="Y")
    centre = create_centre(slug="kontakten", district=old, name="Kontakten")
    auth.login_as("admin")
    assert client.get("/centres/kontakten/edit").status_code == 200
    data = centre_form(new, slug="hijacked", name="Kontakten 2")
    response = client.post("/centres/kontakten/edit", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    assert (centre.slug, centre.name, centre.district_id) == (
        "kontakten",
        "Kontakten 2",
        new.id,
    )


def test_profile_edit_by_leader_cannot_change_slug_or_district(client, auth, db):
    district, other = create_district(), create_district()
    group = create_target_group()
    centre = create_centre(slug="offside", district=district, name="Offside")
    auth.login_as("leader", centres=[centre])
    data = centre_form(
        other,
        slug="renamed",
        name="Hacked",
        is_cat1=None,
        is_cat3="y",
        life_phase_min="2",
        life_phase_max="4",
        typical_daily_users="35",
        address="Nørrebrogade 2",
        target_groups=str(group.id),
    )
    data["is_active"] = ""
    response = client.post("/centres/offside/profile", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    assert (centre.slug, centre.name, centre.district_id, centre.is_active) == (
        "offside",
        "Offside",
        district.id,
        True,
    )
    assert centre.categories == [2, 3]
    assert (centre.life_phase_min, centre.life_phase_max) == (2, 4)
    assert centre.typical_daily_users == 35
    assert centre.address == "Nørrebrogade 2"
    assert [g.id for g in centre.target_groups] == [group.id]


def test_profile_life_phase_order(client, auth, db):
    centre = create_centre(slug="x")
    auth.login_as("leader", centres=[centre])
    response = client.post(
        "/centres/x/profile", data={"life_phase_min": "4", "life_phase_max": "1"}
    )
    assert response.status_code == 200
    assert 'id="life_phase_max-error"' in response.get_data(as_text=True)


def test_retired_target_group_stays_on_profile(client, auth, db):
    old = create_target_group(code="oldgroup", name_da="Gammel", is_active=False)
    centre = create_centre(slug="x")
    centre.target_groups = [old]
    auth.login_as("leader", centres=[centre])
    page = client.get("/centres/x/profile").get_data(as_text=True)
    assert "Gammel" in page
    response = client.post(
        "/centres/x/profile",
        data={
            "life_phase_min": "1",
            "life_phase_max": "4",
            "target_groups": str(old.id),
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert centre.target_groups == [old]


def test_hours_edit_replaces_intervals_exactly(client, auth, db):
    centre = create_centre(
        slug="x",
        hours=[(0, "10:00", "16:00"), (1, "10:00", "16:00"), (4, "22:00", "02:00")],
    )
    auth.login_as("leader", centres=[centre])
    page = client.get("/centres/x/hours").get_data(as_text=True)
    assert 'value="22:00"' in page and "intervals-5-weekday" in page  # 3 + 3 blank
    response = client.post(
        "/centres/x/hours",
        data=hours_form(
            [
                ("0", "10:00", "16:00", True),  # removed
                ("1", "09:30", "15:00"),  # changed
                ("4", "22:00", "02:00"),  # kept
                ("6", "00:00", "00:00"),  # new, 24 hours
                ("", "", ""),  # blank
                ("2", "18:00", "24:00"),  # until midnight
            ]
        ),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert stored_hours(db, centre) == [
        (1, time(9, 30), time(15, 0)),
        (2, time(18, 0), time(0, 0)),
        (4, time(22, 0), time(2, 0)),
        (6, time(0, 0), time(0, 0)),
    ]


def test_hours_can_all_be_removed(client, auth, db):
    centre = create_centre(slug="x", hours=[(0, "10:00", "16:00")])
    auth.login_as("admin")
    response = client.post(
        "/centres/x/hours", data=hours_form([("0", "10:00", "16:00", True)])
    )
    assert response.status_code == 302
    assert stored_hours(db, centre) == []


@pytest.mark.parametrize(
    ("rows", "errors"),
    [
        # Same day.
        (
            [("0", "10:00", "14:00"), ("0", "13:00", "18:00")],
            ["intervals-0-opens", "intervals-1-opens"],
        ),
        # Across midnight into the next day.
        (
            [("4", "22:00", "02:00"), ("5", "01:00", "08:00")],
            ["intervals-0-opens", "intervals-1-opens"],
        ),
        # Sunday night into Monday.
        (
            [("0", "00:00", "06:00"), ("6", "23:00", "00:30")],
            ["intervals-0-opens", "intervals-1-opens"],
        ),
        # A 24-hour day overlaps anything that day.
        (
            [("3", "00:00", "00:00"), ("3", "12:00", "13:00")],
            ["intervals-0-opens", "intervals-1-opens"],
        ),
        ([("3", "25:00", "26:00")], ["intervals-0-opens", "intervals-0-closes"]),
        ([("3", "9", "10:00")], ["intervals-0-opens"]),
        ([("", "10:00", "11:00")], ["intervals-0-weekday"]),
        ([("7", "10:00", "11:00")], ["intervals-0-weekday"]),
        ([("1", "10:00", "")], ["intervals-0-closes"]),
    ],
)
def test_hours_validation(client, auth, db, rows, errors):
    centre = create_centre(slug="x", hours=[(2, "10:00", "12:00")])
    auth.login_as("leader", centres=[centre])
    response = client.post("/centres/x/hours", data=hours_form(rows))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for field_id in errors:
        assert f'id="{field_id}-error"' in page
    assert page.count('class="field-error"') == len(errors)
    assert stored_hours(db, centre) == [(2, time(10), time(12))]


def test_touching_intervals_are_accepted(client, auth, db):
    centre = create_centre(slug="x")
    auth.login_as("leader", centres=[centre])
    rows = [("0", "10:00", "12:00"), ("0", "12:00", "14:00"), ("6", "20:00", "00:00")]
    assert client.post("/centres/x/hours", data=hours_form(rows)).status_code == 302
    assert len(stored_hours(db, centre)) == 3


def test_deactivate_needs_confirmation_and_keeps_data(client, auth, db):
    group = create_target_group()
    centre = create_centre(
        slug="x", hours=[(0, "10:00", "16:00")], typical_daily_users=50
    )
    centre.target_groups = [group]
    auth.login_as("admin")
    confirm = client.get("/centres/x/deactivate")
    assert confirm.status_code == 200 and b'data-testid="confirm"' in confirm.data
    db.session.expire_all()
    assert centre.is_active  # GET changes nothing
    assert client.post("/centres/x/deactivate").status_code == 302
    db.session.expire_all()
    kept = db.session.scalar(select(Centre).where(Centre.slug == "x"))
    assert kept is not None and not kept.is_active
    assert kept.typical_daily_users == 50
    assert kept.target_groups == [group]
    assert stored_hours(db, kept) == [(0, time(10), time(16))]
    assert b'data-testid="inactive"' in client.get("/centres/x").data
    assert client.post("/centres/x/reactivate").status_code == 302
    db.session.expire_all()
    assert kept.is_active


def test_detail_page_shows_profile_and_hours(client, auth, db):
    district = create_district(name="Nørrebro")
    group = create_target_group(name_da="Unge")
    centre = create_centre(
        slug="x",
        name="Værestedet",
        district=district,
        is_cat2=True,
        life_phase_min=2,
        life_phase_max=3,
        hours=[(4, "22:00", "02:00"), (0, "10:00", "16:00")],
    )
    centre.target_groups = [group]
    auth.login_as("staff", centres=[centre])
    page = client.get("/centres/x").get_data(as_text=True)
    assert "Værestedet" in page and "Nørrebro" in page and "Unge" in page
    assert "10:00–16:00" in page and "22:00–02:00" in page
    assert "cat1" in page and "cat2" in page and "cat3" not in page
    assert "2–3" in page
    # Staff see no editing links.
    assert "/centres/x/hours" not in page and "/centres/x/edit" not in page


def test_detail_links_for_leader_and_admin(client, auth, db):
    centre = create_centre(slug="x")
    auth.login_as("leader", centres=[centre])
    page = client.get("/centres/x").get_data(as_text=True)
    assert "/centres/x/hours" in page and "/centres/x/profile" in page
    assert "/centres/x/edit" not in page


def test_open_now_badge_uses_time_zone(app, db):
    # Monday 10:00-16:00 local time in Copenhagen (UTC+1 in January).
    centre = create_centre(hours=[(0, "10:00", "16:00")])
    tz = app.config["TIMEZONE"]
    assert is_centre_open(centre, tz, datetime(2024, 1, 1, 9, 0, tzinfo=UTC))  # 10:00
    assert not is_centre_open(centre, tz, datetime(2024, 1, 1, 8, 59, tzinfo=UTC))
    assert not is_centre_open(centre, tz, datetime(2024, 1, 1, 15, 0, tzinfo=UTC))
    assert is_centre_open(centre, "UTC", datetime(2024, 1, 1, 15, 0, tzinfo=UTC))
    # Summer time: UTC+2.
    summer = create_centre(hours=[(0, "10:00", "16:00")])
    assert is_centre_open(summer, tz, datetime(2024, 7, 1, 8, 0, tzinfo=UTC))
    assert not is_centre_open(summer, tz, datetime(2024, 7, 1, 7, 59, tzinfo=UTC))
    assert local_time(tz, datetime(2024, 7, 1, 8, 0, tzinfo=UTC)).hour == 10


def test_detail_badge_open_and_closed(client, auth, db):
    create_centre(slug="always", hours=[(d, "00:00", "00:00") for d in range(7)])
    create_centre(slug="never")
    auth.login_as("admin")
    assert b'data-testid="open-now"' in client.get("/centres/always").data
    assert b'data-testid="closed-now"' in client.get("/centres/never").data


def test_unknown_centre_is_404(client, auth, db):
    auth.login_as("admin")
    assert client.get("/centres/nope").status_code == 404
    assert client.get("/centres/nope/hours").status_code == 404


def test_too_many_hour_rows_are_refused(client, auth, db):
    centre = create_centre(slug="x", hours=[(0, "10:00", "11:00")])
    auth.login_as("leader", centres=[centre])
    rows = [(str(n % 7), f"{n // 7:02d}:00", f"{n // 7:02d}:30") for n in range(101)]
    response = client.post("/centres/x/hours", data=hours_form(rows))
    assert response.status_code == 200
    assert b"100" in response.data
    assert stored_hours(db, centre) == [(0, time(10), time(11))]
