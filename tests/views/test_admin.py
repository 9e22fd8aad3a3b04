"""Administration: districts, staff accounts (sessions end), target groups."""

import pytest
from sqlalchemy import func, select

from tests.factories import (
    DEFAULT_PASSWORD,
    create_centre,
    create_district,
    create_target_group,
    create_user,
)
from vaerested.auth.passwords import MIN_PASSWORD_LENGTH, verify_password
from vaerested.models import District, Role, StaffUser, TargetGroup

NEW_PASSWORD = "a brand new passphrase"


def fresh(db, model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


# Districts


def test_district_list_counts_active_centres(client, auth, db):
    nor = create_district(
        code="3", name="Nørrebro", target_population=1200, area_km2=1234.5
    )
    create_district(code="9", name="Amager Øst")
    create_centre(district=nor)
    create_centre(district=nor)
    create_centre(district=nor, is_active=False)
    auth.login_as("admin")
    page = client.get("/admin/districts").get_data(as_text=True)
    row = page.split('data-code="3"')[1].split("</tr>")[0]
    assert "Nørrebro" in row and "1200" in row
    assert 'data-testid="active-centres">2<' in row
    other = page.split('data-code="9"')[1].split("</tr>")[0]
    assert 'data-testid="active-centres">0<' in other
    # Area with Danish separators (Danish is the default language).
    assert 'data-testid="area">1.234,5<' in row
    assert 'data-testid="area">–<' in other


def test_district_empty_state(client, auth, db):
    auth.login_as("admin")
    assert b"empty-state" in client.get("/admin/districts").data


def test_create_and_edit_district(client, auth, db):
    auth.login_as("admin")
    response = client.post(
        "/admin/districts/new",
        data={
            "code": " 5 ",
            "name": "Valby",
            "municipality": "København",
            "target_population": "800",
            "ref_lat": "55.66",
            "ref_lon": "12.51",
        },
    )
    assert response.status_code == 302
    district = db.session.scalar(select(District).where(District.code == "5"))
    assert (district.name, district.target_population) == ("Valby", 800)
    assert (district.ref_lat, district.ref_lon) == (55.66, 12.51)
    response = client.post(
        f"/admin/districts/{district.id}/edit",
        data={
            "code": "5",
            "name": "Valby",
            "municipality": "København",
            "target_population": "",
            "ref_lat": "",
            "ref_lon": "",
        },
    )
    assert response.status_code == 302
    district = fresh(db, District, district.id)
    assert district.target_population is None and district.ref_lat is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"code": "taken"}, "code"),
        ({"target_population": "-1"}, "target_population"),
        ({"target_population": "1.5"}, "target_population"),
        ({"ref_lat": "100"}, "ref_lat"),
        ({"ref_lon": "east"}, "ref_lon"),
        ({"name": ""}, "name"),
    ],
)
def test_district_validation(client, auth, db, overrides, field):
    create_district(code="taken")
    auth.login_as("admin")
    data = {"code": "new", "name": "X", "municipality": "København", **overrides}
    response = client.post("/admin/districts/new", data=data)
    assert response.status_code == 200
    assert f'id="{field}-error"'.encode() in response.data
    assert db.session.scalar(select(func.count()).select_from(District)) == 1


def test_district_code_may_stay_the_same_on_edit(client, auth, db):
    district = create_district(code="7")
    auth.login_as("admin")
    response = client.post(
        f"/admin/districts/{district.id}/edit",
        data={"code": "7", "name": "Ny", "municipality": "København"},
    )
    assert response.status_code == 302
    assert fresh(db, District, district.id).name == "Ny"


def test_district_with_centres_cannot_be_deleted(client, auth, db):
    district = create_district()
    create_centre(district=district, name="Kontakten", is_active=False)
    auth.login_as("admin")
    page = client.get(f"/admin/districts/{district.id}/delete").get_data(as_text=True)
    assert 'data-testid="delete-refused"' in page and "Kontakten" in page
    assert 'data-testid="confirm"' not in page
    response = client.post(f"/admin/districts/{district.id}/delete")
    assert response.status_code == 302
    assert fresh(db, District, district.id) is not None


def test_empty_district_is_deleted_after_confirmation(client, auth, db):
    district = create_district()
    district_id = district.id
    auth.login_as("admin")
    assert (
        b'data-testid="confirm"'
        in client.get(f"/admin/districts/{district.id}/delete").data
    )
    assert fresh(db, District, district.id) is not None
    assert client.post(f"/admin/districts/{district.id}/delete").status_code == 302
    db.session.expire_all()
    assert db.session.scalars(select(District.id)).all() == []
    assert client.get(f"/admin/districts/{district_id}/edit").status_code == 404


# Staff accounts


def user_form(**overrides) -> dict:
    data = {
        "email": "New.Person@Example.org",
        "display_name": "Ny Person",
        "role": "staff",
        "password": "long enough password",
        "confirm": "long enough password",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_create_user(client, auth, db):
    centre = create_centre()
    auth.login_as("admin")
    response = client.post("/admin/users/new", data=user_form(centres=str(centre.id)))
    assert response.status_code == 302
    user = db.session.scalar(
        select(StaffUser).where(StaffUser.email == "new.person@example.org")
    )
    assert user.role == Role.STAFF and user.centres == [centre]
    assert user.is_active_account
    assert verify_password(user.password_hash, "long enough password")
    auth.logout()
    assert (
        auth.login("NEW.person@example.org", "long enough password").status_code == 302
    )


def test_create_admin_needs_no_centre(client, auth, db):
    centre = create_centre()
    auth.login_as("admin")
    data = user_form(role="admin", centres=str(centre.id))
    assert client.post("/admin/users/new", data=data).status_code == 302
    user = db.session.scalar(
        select(StaffUser)
        .where(StaffUser.role == Role.ADMIN)
        .order_by(StaffUser.id.desc())
    )
    assert user.centres == []  # administration sees every centre anyway


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"email": "TAKEN@example.org"}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"password": "short", "confirm": "short"}, "password"),
        ({"confirm": "something else entirely"}, "confirm"),
        ({"centres": None}, "centres"),
        ({"role": "leader", "centres": None}, "centres"),
        ({"role": "superuser"}, "role"),
        ({"display_name": ""}, "display_name"),
    ],
)
def test_create_user_validation(client, auth, db, overrides, field):
    centre = create_centre()
    create_user(email="taken@example.org")
    auth.login_as("admin")
    before = db.session.scalar(select(func.count()).select_from(StaffUser))
    data = user_form(centres=str(centre.id))
    data.update({k: v for k, v in overrides.items() if v is not None})
    for k in [k for k, v in overrides.items() if v is None]:
        data.pop(k, None)
    response = client.post("/admin/users/new", data=data)
    assert response.status_code == 200
    assert f'id="{field}-error"'.encode() in response.data
    assert db.session.scalar(select(func.count()).select_from(StaffUser)) == before


def test_short_password_message_names_the_minimum(client, auth, db):
    centre = create_centre()
    auth.login_as("admin")
    short = "x" * (MIN_PASSWORD_LENGTH - 1)
    data = user_form(centres=str(centre.id), password=short, confirm=short)
    page = client.post("/admin/users/new", data=data).get_data(as_text=True)
    assert str(MIN_PASSWORD_LENGTH) in page.split('id="password-error"')[1][:200]
    ok = "x" * MIN_PASSWORD_LENGTH
    data = user_form(centres=str(centre.id), password=ok, confirm=ok)
    assert client.post("/admin/users/new", data=data).status_code == 302


def test_user_list_shows_accounts(client, auth, db):
    centre = create_centre(name="NABO")
    create_user(email="s@example.org", role="staff", centres=[centre])
    create_user(email="old@example.org", is_active_account=False)
    auth.login_as("admin")
    page = client.get("/admin/users").get_data(as_text=True)
    row = page.split('data-email="s@example.org"')[1].split("</tr>")[0]
    assert "NABO" in row
    old = page.split('data-email="old@example.org"')[1].split("</tr>")[0]
    assert "badge inactive" in old


def test_edit_user(client, auth, db):
    a, b = create_centre(), create_centre()
    user = create_user(role="staff", centres=[a])
    auth.login_as("admin")
    assert client.get(f"/admin/users/{user.id}/edit").status_code == 200
    response = client.post(
        f"/admin/users/{user.id}/edit",
        data={
            "display_name": "Leder",
            "role": "leader",
            "centres": [str(b.id)],
            "is_active": "y",
        },
    )
    assert response.status_code == 302
    user = fresh(db, StaffUser, user.id)
    assert (user.display_name, user.role, user.centres) == ("Leder", Role.LEADER, [b])


def test_password_reset_ends_sessions(app, client, auth, db):
    centre = create_centre(slug="x")
    staff = create_user(email="staff@example.org", role="staff", centres=[centre])
    db.session.commit()
    other = app.test_client()  # the staff member's own browser
    assert (
        other.post(
            "/auth/login",
            data={"email": "staff@example.org", "password": DEFAULT_PASSWORD},
        ).status_code
        == 302
    )
    assert other.get("/centres/x").status_code == 200
    old_login_id = staff.login_id

    auth.login_as("admin")
    response = client.post(
        f"/admin/users/{staff.id}/password",
        data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    staff = fresh(db, StaffUser, staff.id)
    assert staff.login_id != old_login_id
    assert verify_password(staff.password_hash, NEW_PASSWORD)
    assert other.get("/centres/x").status_code == 302  # logged out
    assert (
        other.post(
            "/auth/login", data={"email": "staff@example.org", "password": NEW_PASSWORD}
        ).status_code
        == 302
    )


def test_own_password_reset_keeps_this_session(client, auth, db):
    admin = auth.login_as("admin")
    response = client.post(
        f"/admin/users/{admin.id}/password",
        data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert client.get("/admin/users").status_code == 200


def test_password_reset_validation(client, auth, db):
    user = create_user()
    auth.login_as("admin")
    old = user.login_id
    response = client.post(
        f"/admin/users/{user.id}/password",
        data={"password": "short", "confirm": "short"},
    )
    assert response.status_code == 200 and b'id="password-error"' in response.data
    assert fresh(db, StaffUser, user.id).login_id == old


def test_deactivate_user_ends_sessions(app, client, auth, db):
    centre = create_centre(slug="x")
    staff = create_user(email="staff@example.org", role="staff", centres=[centre])
    db.session.commit()
    other = app.test_client()
    other.post(
        "/auth/login", data={"email": "staff@example.org", "password": DEFAULT_PASSWORD}
    )
    assert other.get("/centres/x").status_code == 200
    old = staff.login_id

    auth.login_as("admin")
    assert client.get(f"/admin/users/{staff.id}/deactivate").status_code == 200
    assert fresh(db, StaffUser, staff.id).is_active_account  # GET changes nothing
    assert client.post(f"/admin/users/{staff.id}/deactivate").status_code == 302
    staff = fresh(db, StaffUser, staff.id)
    assert not staff.is_active_account and staff.login_id != old
    assert other.get("/centres/x").status_code == 302
    login = {"email": "staff@example.org", "password": DEFAULT_PASSWORD}
    assert other.post("/auth/login", data=login).status_code == 401


def test_deactivate_via_edit_ends_sessions(client, auth, db):
    centre = create_centre()
    staff = create_user(role="staff", centres=[centre])
    old = staff.login_id
    auth.login_as("admin")
    response = client.post(
        f"/admin/users/{staff.id}/edit",
        data={"display_name": "X", "role": "staff", "centres": str(centre.id)},
    )
    assert response.status_code == 302
    staff = fresh(db, StaffUser, staff.id)
    assert not staff.is_active_account and staff.login_id != old


def test_admin_cannot_deactivate_or_demote_themself(client, auth, db):
    admin = auth.login_as("admin")
    old = admin.login_id
    response = client.post(f"/admin/users/{admin.id}/deactivate")
    assert response.status_code == 302
    response = client.post(
        f"/admin/users/{admin.id}/edit",
        data={"display_name": "Me", "role": "staff", "is_active": "y"},
    )
    assert response.status_code == 200 and b'id="role-error"' in response.data
    response = client.post(
        f"/admin/users/{admin.id}/edit", data={"display_name": "Me", "role": "admin"}
    )
    assert response.status_code == 200 and b'id="is_active-error"' in response.data
    admin = fresh(db, StaffUser, admin.id)
    assert admin.is_active_account and admin.role == Role.ADMIN
    assert admin.login_id == old
    assert client.get("/admin/users").status_code == 200


def test_unknown_ids_are_404(client, auth, db):
    auth.login_as("admin")
    for url in (
        "/admin/users/999/edit",
        "/admin/users/999/password",
        "/admin/districts/999/delete",
        "/admin/target-groups/999/edit",
    ):
        assert client.get(url).status_code == 404


# Target groups


def test_target_group_lifecycle(client, auth, db):
    auth.login_as("admin")
    assert b"empty-state" in client.get("/admin/target-groups").data
    data = {"code": "women", "name_da": "Kvinder", "name_en": "Women", "is_active": "y"}
    assert client.post("/admin/target-groups/new", data=data).status_code == 302
    group = db.session.scalar(select(TargetGroup).where(TargetGroup.code == "women"))
    assert (group.name_da, group.name_en, group.is_active) == ("Kvinder", "Women", True)
    assert client.get(f"/admin/target-groups/{group.id}/deactivate").status_code == 200
    assert fresh(db, TargetGroup, group.id).is_active
    assert client.post(f"/admin/target-groups/{group.id}/deactivate").status_code == 302
    group = fresh(db, TargetGroup, group.id)
    assert not group.is_active and group.name_da == "Kvinder"
    data = {**data, "name_da": "Kvindedag"}
    assert (
        client.post(f"/admin/target-groups/{group.id}/edit", data=data).status_code
        == 302
    )
    group = fresh(db, TargetGroup, group.id)
    assert group.is_active and group.name_da == "Kvindedag"


@pytest.mark.parametrize("code", ["Women", "kvinder dag", "taken", ""])
def test_target_group_code_validation(client, auth, db, code):
    create_target_group(code="taken")
    auth.login_as("admin")
    data = {"code": code, "name_da": "X", "name_en": "X"}
    response = client.post("/admin/target-groups/new", data=data)
    assert response.status_code == 200 and b'id="code-error"' in response.data


def test_success_is_flashed(client, auth, db):
    auth.login_as("admin")
    response = client.post(
        "/admin/districts/new",
        data={"code": "1", "name": "Indre By", "municipality": "København"},
    )
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "flash-success" in page and "Indre By" in page.split("flash-success")[1]
