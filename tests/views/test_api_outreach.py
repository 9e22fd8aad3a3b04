"""POST /api/v1/checkins/outreach: who accompanied the holder at today's visit."""

import uuid

import pytest
from sqlalchemy import select

from tests.factories import create_card, create_centre, create_user
from tests.views.test_api_checkins import assert_error, csrf_headers, local_today
from vaerested.api.tokens import create_access_token
from vaerested.checkin.codes import format_code
from vaerested.models import Visit

URL = "/api/v1/checkins/outreach"


@pytest.fixture
def setup(db):
    a = create_centre(slug="nabo")
    b = create_centre(slug="kontakten")
    _token, plaintext = create_access_token("kiosk", centre=a, label="door")
    card = create_card(a)
    other = create_card(a)
    db.session.commit()
    return {
        "a": a,
        "b": b,
        "code": format_code(card.code),
        "other": format_code(other.code),
        "kiosk": {"Authorization": f"Bearer {plaintext}"},
    }


def checkin(client, headers, code, centre="nabo"):
    body = {"centre": centre, "code": code, "idempotency_key": str(uuid.uuid4())}
    response = client.post("/api/v1/checkins", json=body, headers=headers)
    assert response.status_code == 200, response.json


def outreach_of(db, centre) -> list:
    return list(
        db.session.scalars(select(Visit.outreach).where(Visit.centre_id == centre.id))
    )


def test_sets_the_outreach_of_todays_visit_idempotently(client, setup, db):
    checkin(client, setup["kiosk"], setup["code"])
    body = {"centre": "nabo", "code": setup["code"], "outreach": "street_worker"}
    first = client.post(URL, json=body, headers=setup["kiosk"])
    assert first.status_code == 200
    assert first.json == {
        "ok": True,
        "data": {"outreach": "street_worker", "visit_date": local_today().isoformat()},
    }
    again = client.post(URL, json=body, headers=setup["kiosk"])
    assert again.json == first.json
    assert outreach_of(db, setup["a"]) == ["street_worker"]
    changed = client.post(URL, json={**body, "outreach": "skp"}, headers=setup["kiosk"])
    assert changed.status_code == 200
    assert outreach_of(db, setup["a"]) == ["skp"]
    cleared = client.post(URL, json={**body, "outreach": None}, headers=setup["kiosk"])
    assert cleared.json["data"]["outreach"] is None
    assert outreach_of(db, setup["a"]) == [None]
    # Only one visit, nothing new counted.
    assert len(outreach_of(db, setup["a"])) == 1


@pytest.mark.parametrize(
    "body, status, code",
    [
        ({"centre": "nabo", "code": "CODE", "outreach": "bus"}, 422, "invalid_field"),
        ({"centre": "nabo", "code": "CODE", "outreach": 3}, 422, "invalid_field"),
        ({"centre": "nabo", "code": "CODE", "outreach": ["skp"]}, 422, "invalid_field"),
        ({"centre": "nabo", "code": "CODE"}, 422, "missing_field"),
        ({"centre": "nabo", "outreach": "skp"}, 422, "missing_field"),
        ({"centre": "nabo", "code": 17, "outreach": "skp"}, 422, "invalid_field"),
        (
            {"centre": "nabo", "code": "not a code", "outreach": "skp"},
            422,
            "invalid_code",
        ),
        (
            {"centre": "nowhere", "code": "CODE", "outreach": "skp"},
            404,
            "unknown_centre",
        ),
        ({"code": "CODE", "outreach": "skp"}, 422, "missing_field"),
        ({"centre": "nabo", "code": "OTHER", "outreach": "skp"}, 404, "no_visit"),
    ],
)
def test_bad_input_is_a_json_client_error(client, setup, db, body, status, code):
    checkin(client, setup["kiosk"], setup["code"])
    body = {
        k: (setup["code"] if v == "CODE" else setup["other"] if v == "OTHER" else v)
        for k, v in body.items()
    }
    assert_error(client.post(URL, json=body, headers=setup["kiosk"]), status, code)
    assert outreach_of(db, setup["a"]) == [None]


@pytest.mark.parametrize("raw", [b"not json", b"[1, 2]", b"[" * 100000, b""])
def test_a_body_that_is_no_object_is_400(client, setup, raw):
    response = client.post(
        URL,
        data=raw,
        headers={**setup["kiosk"], "Content-Type": "application/json"},
    )
    assert_error(response, 400, "invalid_json")


def test_unknown_card(client, setup, db):
    from vaerested.checkin.codes import generate_code

    body = {"centre": "nabo", "code": generate_code(), "outreach": "skp"}
    assert_error(
        client.post(URL, json=body, headers=setup["kiosk"]), 404, "unknown_card"
    )


def test_needs_credentials(client, setup):
    body = {"centre": "nabo", "code": setup["code"], "outreach": "skp"}
    assert_error(client.post(URL, json=body), 401, "unauthorized")
    bad = {"Authorization": "Bearer nope"}
    assert_error(client.post(URL, json=body, headers=bad), 401, "unauthorized")


def test_another_centre_is_forbidden(client, setup, db):
    checkin(client, setup["kiosk"], setup["code"])
    body = {"centre": "kontakten", "code": setup["code"], "outreach": "skp"}
    assert_error(client.post(URL, json=body, headers=setup["kiosk"]), 403, "forbidden")
    staff = create_user(role="staff", centres=[setup["b"]])
    _t, plaintext = create_access_token("staff", user=staff)
    db.session.commit()
    headers = {"Authorization": f"Bearer {plaintext}"}
    body["centre"] = "nabo"
    assert_error(client.post(URL, json=body, headers=headers), 403, "forbidden")
    assert outreach_of(db, setup["a"]) == [None]


def test_staff_session_with_csrf(client, app, auth, setup, db):
    checkin(client, setup["kiosk"], setup["code"])
    auth.login_as("staff", centres=[setup["a"]])
    body = {"centre": "nabo", "code": setup["code"], "outreach": "home_guide"}
    assert_error(client.post(URL, json=body), 400, "csrf_failed")
    response = client.post(URL, json=body, headers=csrf_headers(client, app))
    assert response.status_code == 200
    assert outreach_of(db, setup["a"]) == ["home_guide"]


def test_a_tally_may_carry_the_outreach(client, setup, db):
    body = {
        "centre": "nabo",
        "idempotency_key": str(uuid.uuid4()),
        "outreach": "other",
    }
    response = client.post("/api/v1/tallies", json=body, headers=setup["kiosk"])
    assert response.status_code == 200
    assert outreach_of(db, setup["a"]) == ["other"]
    bad = {**body, "idempotency_key": str(uuid.uuid4()), "outreach": "taxi"}
    response = client.post("/api/v1/tallies", json=bad, headers=setup["kiosk"])
    assert_error(response, 422, "invalid_field")
