"""The check-in API: envelope, status codes, auth scoping, CSRF and OpenAPI."""

import re
import secrets
import uuid
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select, update

from tests.factories import create_card, create_centre, create_district, create_user
from vaerested.api.tokens import create_access_token, revoke_access_token
from vaerested.checkin.codes import format_code
from vaerested.models import AccessToken, Card, Visit
from vaerested.models.base import utcnow

CPH = ZoneInfo("Europe/Copenhagen")


def local_today():
    return utcnow().astimezone(CPH).date()


def key() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def setup(db):
    """Two centres, a kiosk token for the first, and a card."""
    a = create_centre(slug="nabo")
    b = create_centre(slug="kontakten")
    _token, plaintext = create_access_token("kiosk", centre=a, label="door")
    card = create_card(a)
    db.session.commit()
    return {
        "a": a,
        "b": b,
        "card": card,
        "kiosk": {"Authorization": f"Bearer {plaintext}"},
    }


def checkin(client, headers, centre="nabo", code=None, **extra):
    body = {"centre": centre, "code": code, "idempotency_key": key(), **extra}
    return client.post("/api/v1/checkins", json=body, headers=headers)


def csrf_headers(client, app) -> dict:
    """Put a CSRF secret in the client's session; return the signed header."""
    raw = secrets.token_hex(20)
    with client.session_transaction() as session:
        session["csrf_token"] = raw
    signed = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)
    return {"X-CSRFToken": signed}


def assert_error(response, status, code):
    assert response.status_code == status, response.json
    assert response.json["ok"] is False
    assert response.json["error"]["status"] == status
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"]


def test_checkin_new_then_duplicate(client, setup, db):
    code = format_code(setup["card"].code)
    first = checkin(client, setup["kiosk"], code=code)
    assert first.status_code == 200
    assert first.json == {
        "ok": True,
        "data": {
            "result": "new",
            "visit_date": local_today().isoformat(),
            "today_count": 1,
        },
    }
    again = checkin(client, setup["kiosk"], code=code.lower().replace("-", " "))
    assert again.json["data"] == {
        "result": "duplicate",
        "visit_date": local_today().isoformat(),
        "today_count": 1,
    }
    assert db.session.scalar(select(Visit.card_id)) == setup["card"].id


def test_late_synced_earlier_scan_moves_the_time(client, setup, db):
    today = local_today().isoformat()
    code = setup["card"].code
    checkin(client, setup["kiosk"], code=code, scanned_at=f"{today}T00:00:30")
    response = checkin(
        client, setup["kiosk"], code=code, scanned_at=f"{today}T00:00:10"
    )
    assert response.json["data"]["result"] == "duplicate"
    visited = db.session.scalar(select(Visit.visited_dt))
    assert visited == datetime.fromisoformat(f"{today}T00:00:10").replace(
        tzinfo=CPH
    ).astimezone(ZoneInfo("UTC"))


def test_yesterdays_offline_scan_counts_on_its_own_day(client, setup, db):
    yesterday = utcnow() - timedelta(days=1)
    response = checkin(
        client,
        setup["kiosk"],
        code=setup["card"].code,
        scanned_at=yesterday.isoformat(),
    )
    assert response.json["data"] == {
        "result": "new",
        "visit_date": yesterday.astimezone(CPH).date().isoformat(),
        "today_count": 0,
    }


def test_checkin_errors(client, setup, db):
    h, code = setup["kiosk"], setup["card"].code
    unknown = format_code(create_card(setup["a"]).code)
    db.session.rollback()
    assert_error(checkin(client, h, code=unknown), 404, "unknown_card")
    bad = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert_error(checkin(client, h, code=bad), 422, "invalid_code")
    assert_error(checkin(client, h, centre="nope", code=code), 404, "unknown_centre")
    too_old = (utcnow() - timedelta(days=31)).isoformat()
    assert_error(checkin(client, h, code=code, scanned_at=too_old), 422, "too_old")
    ahead = (utcnow() + timedelta(minutes=6)).isoformat()
    assert_error(checkin(client, h, code=code, scanned_at=ahead), 422, "in_future")
    assert_error(checkin(client, h, code=code, scanned_at="soon"), 422, "invalid_time")
    response = checkin(client, h, code=code, idempotency_key="1")
    assert_error(response, 422, "invalid_field")
    assert response.json["error"]["field"] == "idempotency_key"
    for field in ("centre", "code", "idempotency_key"):
        body = {"centre": "nabo", "code": code, "idempotency_key": key(), field: ""}
        response = client.post("/api/v1/checkins", json=body, headers=h)
        assert_error(response, 422, "missing_field")
        assert response.json["error"]["field"] == field
    response = checkin(client, h, code=["not", "text"])
    assert_error(response, 422, "invalid_field")
    for raw in (b"{not json", b"[1, 2]", b"", b'"text"'):
        response = client.post(
            "/api/v1/checkins",
            data=raw,
            headers={**h, "Content-Type": "application/json"},
        )
        assert_error(response, 400, "invalid_json")
    ops_card = db.session.get(Card, setup["card"].id)
    ops_card.is_revoked = True
    db.session.commit()
    assert_error(checkin(client, h, code=code), 410, "revoked_card")
    assert db.session.scalar(select(Visit.id)) is None


def test_inactive_centre(client, setup, db):
    setup["a"].is_active = False
    db.session.commit()
    assert_error(
        checkin(client, setup["kiosk"], code=setup["card"].code), 409, "centre_inactive"
    )


def test_wrong_method_is_json(client, setup):
    response = client.get("/api/v1/checkins", headers=setup["kiosk"])
    assert response.status_code == 405
    assert response.json["ok"] is False


def test_no_or_bad_credentials(client, setup, db):
    code = setup["card"].code
    assert_error(checkin(client, {}, code=code), 401, "unauthorized")
    bad = {"Authorization": "Bearer " + secrets.token_urlsafe(32)}
    assert_error(checkin(client, bad, code=code), 401, "unauthorized")
    assert_error(
        checkin(client, {"Authorization": "Basic x"}, code=code), 401, "unauthorized"
    )
    assert checkin(client, setup["kiosk"], code=code).status_code == 200
    revoke_access_token(db.session.scalars(select(AccessToken)).one())
    db.session.commit()
    assert_error(checkin(client, setup["kiosk"], code=code), 401, "unauthorized")


def test_kiosk_of_one_centre_cannot_post_to_another(client, setup):
    response = checkin(
        client, setup["kiosk"], centre="kontakten", code=setup["card"].code
    )
    assert_error(response, 403, "forbidden")
    response = client.get("/api/v1/centres/kontakten/today", headers=setup["kiosk"])
    assert_error(response, 403, "forbidden")


def test_staff_token_is_scoped_to_the_users_centres(client, setup, db):
    user = create_user("staff", centres=[setup["b"]])
    _t, plaintext = create_access_token("staff", user=user)
    db.session.commit()
    h = {"Authorization": f"Bearer {plaintext}"}
    code = setup["card"].code
    assert checkin(client, h, centre="kontakten", code=code).status_code == 200
    assert_error(checkin(client, h, centre="nabo", code=code), 403, "forbidden")
    user.is_active_account = False
    db.session.commit()
    from vaerested.api.tokens import clear_cache

    clear_cache()
    assert_error(checkin(client, h, centre="kontakten", code=code), 401, "unauthorized")


def test_session_needs_the_csrf_header(client, app, auth, setup):
    auth.login_as("staff", centres=[setup["a"]])
    code = setup["card"].code
    assert_error(checkin(client, {}, code=code), 400, "csrf_failed")
    assert_error(
        checkin(client, {"X-CSRFToken": "forged"}, code=code), 400, "csrf_failed"
    )
    headers = csrf_headers(client, app)
    assert checkin(client, headers, code=code).json["data"]["result"] == "new"
    assert_error(
        checkin(client, headers, centre="kontakten", code=code), 403, "forbidden"
    )


def test_admin_session_may_use_every_centre(client, app, auth, setup):
    auth.login_as("admin")
    headers = csrf_headers(client, app)
    for slug in ("nabo", "kontakten"):
        assert (
            checkin(client, headers, centre=slug, code=setup["card"].code).status_code
            == 200
        )


def test_token_last_used_is_written_once_a_minute(client, setup, db):
    token = db.session.scalars(select(AccessToken)).one()
    assert token.last_used_dt is None
    checkin(client, setup["kiosk"], code=setup["card"].code)
    db.session.expire_all()
    first = token.last_used_dt
    assert first is not None and utcnow() - first < timedelta(seconds=30)
    from vaerested.api.tokens import clear_cache

    clear_cache()
    client.get("/api/v1/centres/nabo/today", headers=setup["kiosk"])
    db.session.expire_all()
    assert token.last_used_dt == first
    db.session.execute(
        update(AccessToken).values(last_used_dt=first - timedelta(minutes=2))
    )
    db.session.commit()
    clear_cache()
    client.get("/api/v1/centres/nabo/today", headers=setup["kiosk"])
    db.session.expire_all()
    assert token.last_used_dt > first


def tally(client, headers, centre="nabo", idempotency_key=None, **extra):
    body = {"centre": centre, "idempotency_key": idempotency_key or key(), **extra}
    return client.post("/api/v1/tallies", json=body, headers=headers)


def test_tallies(client, setup, db):
    district = create_district(code="NB")
    db.session.commit()
    h = setup["kiosk"]
    k = key()
    first = tally(client, h, idempotency_key=k, home_district="NB", age_band="60_plus")
    assert first.json == {"ok": True, "data": {"result": "new", "today_count": 1}}
    replay = tally(client, h, idempotency_key=k)
    assert replay.json == {
        "ok": True,
        "data": {"result": "duplicate", "today_count": 1},
    }
    checkin(client, h, code=setup["card"].code)
    assert tally(client, h).json["data"]["today_count"] == 3
    visit = db.session.scalars(select(Visit).where(Visit.idempotency_key == k)).one()
    assert (visit.home_district_id, visit.age_band, visit.card_id) == (
        district.id,
        "60_plus",
        None,
    )
    today = client.get("/api/v1/centres/nabo/today", headers=h)
    assert today.json == {
        "ok": True,
        "data": {
            "date": local_today().isoformat(),
            "centre_name": setup["a"].name,
            "visits": 3,
            "card_visits": 1,
            "tally_visits": 2,
        },
    }


def test_tally_errors(client, setup, db, auth, app):
    h = setup["kiosk"]
    response = tally(client, h, gender="unknown")
    assert_error(response, 422, "invalid_field")
    assert response.json["error"]["field"] == "gender"
    assert_error(tally(client, h, home_district="XX"), 422, "invalid_field")
    assert_error(tally(client, h, idempotency_key="abc"), 422, "invalid_field")
    k = key()
    tally(client, h, idempotency_key=k)
    auth.login_as("admin")
    response = tally(
        client, csrf_headers(client, app), centre="kontakten", idempotency_key=k
    )
    assert_error(response, 409, "idempotency_conflict")


def test_undo_tally(client, setup, db):
    h = setup["kiosk"]
    k = key()
    tally(client, h, idempotency_key=k)
    tally(client, h)
    response = client.post(
        f"/api/v1/tallies/{k}/undo", json={"centre": "nabo"}, headers=h
    )
    assert response.json == {"ok": True, "data": {"today_count": 1}}
    response = client.post(
        f"/api/v1/tallies/{k}/undo", json={"centre": "nabo"}, headers=h
    )
    assert_error(response, 404, "unknown_tally")
    old = key()
    tally(client, h, idempotency_key=old)
    db.session.execute(
        update(Visit)
        .where(Visit.idempotency_key == old)
        .values(created_dt=utcnow() - timedelta(minutes=15, seconds=1))
    )
    db.session.commit()
    response = client.post(
        f"/api/v1/tallies/{old}/undo", json={"centre": "nabo"}, headers=h
    )
    assert_error(response, 409, "undo_expired")
    response = client.post(
        "/api/v1/tallies/nope/undo", json={"centre": "nabo"}, headers=h
    )
    assert_error(response, 422, "invalid_field")


def test_revoke_card(client, app, auth, setup, db):
    code = format_code(setup["card"].code)
    response = client.post(
        "/api/v1/cards/revoke", json={"code": code}, headers=setup["kiosk"]
    )
    assert_error(response, 403, "forbidden")
    auth.login_as("staff", centres=[setup["b"]])
    headers = csrf_headers(client, app)
    response = client.post("/api/v1/cards/revoke", json={"code": code}, headers=headers)
    assert response.json == {"ok": True, "data": {"revoked": True}}
    db.session.expire_all()
    assert db.session.get(Card, setup["card"].id).is_revoked
    assert_error(checkin(client, setup["kiosk"], code=code), 410, "revoked_card")
    unknown = create_card().code
    db.session.rollback()
    response = client.post(
        "/api/v1/cards/revoke", json={"code": unknown}, headers=headers
    )
    assert_error(response, 404, "unknown_card")
    response = client.post(
        "/api/v1/cards/revoke", json={"code": "XXXX"}, headers=headers
    )
    assert_error(response, 422, "invalid_code")
    response = client.post("/api/v1/cards/revoke", json={}, headers=headers)
    assert_error(response, 422, "missing_field")


def test_api_never_returns_codes(client, setup):
    code = setup["card"].code
    bodies = [
        checkin(client, setup["kiosk"], code=code).data,
        client.get("/api/v1/centres/nabo/today", headers=setup["kiosk"]).data,
    ]
    assert not any(code.encode() in body for body in bodies)


def test_openapi_lists_every_api_route(client, app):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json
    assert document["openapi"] == "3.1.0"
    paths = document["paths"]
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule[len("/api/v1") :])
            assert path in paths, path
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                assert method.lower() in paths[path], (path, method)
