"""Housing statements: the API (auth, scoping, validation, idempotent same-day
repeat), the statement at card issue, the situation on a day and retention."""

import logging
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import create_card, create_centre, create_statement, create_user
from tests.views.test_api_checkins import assert_error, local_today
from vaerested.api.tokens import create_access_token
from vaerested.checkin.codes import format_code
from vaerested.checkin.housing import situation_on
from vaerested.checkin.jobs import delete_old_housing_statements, run_retention
from vaerested.models import Housing, HousingStatement

URL = "/api/v1/housing-statements"


@pytest.fixture
def setup(db):
    """Centres nabo and kontakten; a staff token for nabo only, a kiosk token, a card."""
    a = create_centre(slug="nabo")
    b = create_centre(slug="kontakten")
    user = create_user(role="staff", centres=[a])
    _t, staff = create_access_token("staff", user=user)
    _k, kiosk = create_access_token("kiosk", centre=a, label="door")
    card = create_card(a)
    db.session.commit()
    return {
        "a": a,
        "b": b,
        "card": card,
        "staff": {"Authorization": f"Bearer {staff}"},
        "kiosk": {"Authorization": f"Bearer {kiosk}"},
    }


def post(client, headers, **body):
    return client.post(URL, json=body, headers=headers)


def statements(db) -> list[tuple]:
    db.session.expire_all()
    return [
        (s.stated_on, s.situation, s.centre_id)
        for s in db.session.scalars(
            select(HousingStatement).order_by(HousingStatement.stated_on)
        )
    ]


def test_statement_recorded_and_same_day_repeat_replaces(client, setup, db, caplog):
    caplog.set_level(logging.DEBUG)
    code = format_code(setup["card"].code)
    first = post(client, setup["staff"], centre="nabo", code=code, situation="shelter")
    assert first.status_code == 200, first.json
    today = local_today()
    assert first.json == {
        "ok": True,
        "data": {"stated_on": today.isoformat(), "situation": "shelter"},
    }
    again = post(client, setup["staff"], centre="nabo", code=code, situation="own_home")
    assert again.status_code == 200
    same = post(client, setup["staff"], centre="nabo", code=code, situation="own_home")
    assert same.json == again.json
    assert statements(db) == [(today, Housing.OWN_HOME, setup["a"].id)]
    earlier = (today - timedelta(days=3)).isoformat()
    unknown = post(
        client,
        setup["staff"],
        centre="nabo",
        code=code,
        situation="unknown",
        stated_on=earlier,
    )
    assert unknown.json["data"] == {"stated_on": earlier, "situation": "unknown"}
    assert statements(db)[0] == (today - timedelta(days=3), None, setup["a"].id)
    assert situation_on(setup["card"].id, today - timedelta(days=1)) is None
    assert situation_on(setup["card"].id, today) == Housing.OWN_HOME
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert setup["card"].code not in logged and code not in logged
    assert code.encode() not in first.data


def test_no_token_other_centre_and_kiosk_refused(client, setup, db):
    code = setup["card"].code
    body = {"centre": "nabo", "code": code, "situation": "street"}
    assert_error(client.post(URL, json=body), 401, "unauthorized")
    bad = {"Authorization": "Bearer nope"}
    assert_error(client.post(URL, json=body, headers=bad), 401, "unauthorized")
    other = {**body, "centre": "kontakten"}
    assert_error(post(client, setup["staff"], **other), 403, "forbidden")
    assert_error(post(client, setup["kiosk"], **body), 403, "forbidden")
    assert statements(db) == []


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"situation": "street"}, 422, "missing_field"),  # no code
        ({"code": "C", "situation": "mansion"}, 422, "invalid_field"),
        ({"code": "C", "situation": "homeless"}, 422, "invalid_field"),  # legacy
        ({"code": "C", "situation": 7}, 422, "invalid_field"),
        ({"code": "C"}, 422, "missing_field"),
        ({"code": "C", "situation": "street", "stated_on": "9999-12-31"}, 422, None),
        ({"code": "C", "situation": "street", "stated_on": "0001-01-01"}, 422, None),
        ({"code": "C", "situation": "street", "stated_on": "yesterday"}, 422, None),
        ({"code": "C", "situation": "street", "stated_on": "2024-02-30"}, 422, None),
        ({"code": "ABCD", "situation": "street"}, 422, "invalid_code"),
        ({"code": "C", "situation": "street", "centre": "nowhere"}, 404, None),
    ],
)
def test_bad_input_is_a_json_4xx(client, setup, db, body, status, code):
    body = {"centre": "nabo", **body}
    if body.get("code") == "C":
        body["code"] = setup["card"].code
    response = post(client, setup["staff"], **body)
    assert response.status_code == status, response.json
    assert response.json["ok"] is False
    if code:
        assert response.json["error"]["code"] == code
    assert statements(db) == []


def test_bad_json_unknown_and_revoked_cards(client, setup, db):
    headers = {**setup["staff"], "Content-Type": "application/json"}
    assert_error(client.post(URL, data="{", headers=headers), 400, "invalid_json")
    assert_error(client.post(URL, data="[1]", headers=headers), 400, "invalid_json")
    deep = "[" * 100000 + "]" * 100000
    assert_error(client.post(URL, data=deep, headers=headers), 400, "invalid_json")
    stranger = "K7Q2-9XMD-F3AB-CD5E-Q"
    response = post(
        client, setup["staff"], centre="nabo", code=stranger, situation="street"
    )
    assert response.status_code in (404, 422)
    other = create_card(setup["a"])
    from vaerested.checkin import operations as ops

    ops.revoke_card(other.code)
    db.session.commit()
    revoked = post(
        client, setup["staff"], centre="nabo", code=other.code, situation="street"
    )
    assert_error(revoked, 410, "revoked_card")


def test_housing_given_at_issue_is_the_first_statement(db, app):
    centre = create_centre()
    card = create_card(centre, housing="residential_centre")
    plain = create_card(centre)
    db.session.commit()
    found = db.session.scalars(select(HousingStatement)).all()
    assert [(s.card_id, s.situation, s.centre_id) for s in found] == [
        (card.id, Housing.RESIDENTIAL_CENTRE, centre.id)
    ]
    assert found[0].stated_on == local_today()
    assert situation_on(plain.id, local_today()) is None


def test_retention_deletes_old_statements(db, app):
    centre = create_centre()
    card = create_card(centre)
    create_statement(card, date(2025, 9, 1), Housing.RESIDENTIAL_CENTRE, centre)
    create_statement(card, date(2025, 10, 2), Housing.OWN_HOME, centre)
    assert delete_old_housing_statements(date(2025, 10, 2)) == 1
    assert statements(db) == [(date(2025, 10, 2), Housing.OWN_HOME, centre.id)]
    db.session.commit()
    app.config["VISIT_CARD_RETENTION_DAYS"] = 1
    create_statement(card, local_today(), Housing.STREET, centre)
    db.session.commit()
    run_retention(app)
    assert statements(db) == [(local_today(), Housing.STREET, centre.id)]
    count = db.session.scalar(select(func.count()).select_from(HousingStatement))
    assert count == 1
