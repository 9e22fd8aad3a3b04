"""Out-of-range input answers 400/422 with a message, never 500 (issue #11)."""

import json
import uuid
from datetime import date, time

import pytest

from tests.factories import create_activity, create_centre, create_district
from vaerested.api.tokens import create_access_token

HUGE = str(2**63)


@pytest.fixture
def world(db):
    centre = create_centre(slug="nabo", name="NABO")
    activity = create_activity(
        centre,
        rules=[
            {
                "weekday": 0,
                "start_date": date(2026, 1, 5),
                "start_time": time(10),
                "end_time": time(12),
            }
        ],
    )
    _token, plaintext = create_access_token("kiosk", centre=centre, label="door")
    db.session.commit()
    return {
        "centre": centre,
        "activity": activity,
        "kiosk": {"Authorization": f"Bearer {plaintext}"},
    }


@pytest.mark.parametrize(
    "query",
    ["week=9999-12-31", "week=0001-01-01", f"district={HUGE}", "district=" + "9" * 40],
)
def test_public_calendar_refuses_out_of_range(client, query):
    response = client.get(f"/calendar/?{query}")
    assert response.status_code == 400
    assert "mellem" in response.get_data(as_text=True)


def test_public_calendar_still_answers_a_normal_week(client):
    assert client.get("/calendar/?week=2026-03-02").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/activities/nabo/?week=0001-01-01",
        "/activities/nabo/?week=9999-12-31",
        "/activities/landscape?to=9999-12-31",
        "/activities/landscape?from=0001-01-01",
        "/reports/dashboard?start=9999-12-30&end=9999-12-31",
        "/reports/mobility?start=9999-12-30&end=9999-12-31",
        "/reports/visits?start=0001-01-01&end=0001-01-02",
        "/reports/download?report=visits&start=9999-12-30&end=9999-12-31",
        "/reports/runs?page=1e23",
        f"/reports/runs?page={HUGE}",
        f"/reports/runs?schedule={HUGE}",
    ],
)
def test_pages_refuse_out_of_range(client, auth, world, url):
    auth.login_as("admin")
    response = client.get(url)
    assert response.status_code in (400, 422), url
    assert "mellem" in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/admin/districts/{}/edit", "/admin/users/{}/edit"])
def test_huge_ids_in_paths_are_not_found(client, auth, world, url):
    auth.login_as("admin")
    assert client.get(url.format(HUGE)).status_code == 404


def test_district_population_beyond_the_column_is_a_form_error(client, auth, db):
    auth.login_as("admin")
    data = {"code": "X1", "name": "Big", "municipality": "København"}
    for population in (str(2**31), HUGE, "1e23"):
        response = client.post(
            "/admin/districts/new", data={**data, "target_population": population}
        )
        assert response.status_code == 200, population
        assert 'class="field-error"' in response.get_data(as_text=True)
    ok = client.post(
        "/admin/districts/new", data={**data, "target_population": str(2**31 - 1)}
    )
    assert ok.status_code == 302


def test_rule_with_empty_interval_means_every_week(client, auth, db, world):
    auth.login_as("admin")
    activity = world["activity"]
    rule = activity.rules[0]
    response = client.post(
        f"/activities/nabo/{activity.id}/rules/{rule.id}",
        data={
            "kind": "weekly",
            "weekday": "0",
            "interval_weeks": "",
            "nth": "1",
            "start_date": "2026-01-05",
            "end_date": "",
            "start_time": "10:00",
            "end_time": "12:00",
            "exception_dates": "",
        },
    )
    assert response.status_code == 302, response.data[:2000]
    db.session.expire_all()
    assert {r.interval_weeks for r in activity.rules} == {1}


@pytest.mark.parametrize(
    ("scanned_at", "code"),
    [
        ("0001-01-01T00:00:00", "too_old"),
        ("0001-01-01T00:00:00+14:00", "too_old"),
        ("9999-12-31T23:59:59-12:00", "in_future"),
        ("9999-12-31T23:59:59", "in_future"),
    ],
)
def test_api_scan_time_extremes(client, world, scanned_at, code):
    body = {
        "centre": "nabo",
        "code": "ABCD-EFGH-JKLM",
        "idempotency_key": str(uuid.uuid4()),
        "scanned_at": scanned_at,
    }
    response = client.post("/api/v1/checkins", json=body, headers=world["kiosk"])
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == code


def test_api_deeply_nested_body(client, world):
    body = "[" * 200_000 + "]" * 200_000
    response = client.post(
        "/api/v1/checkins",
        data=body,
        headers={**world["kiosk"], "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "invalid_json"
    assert json.loads(response.data)["ok"] is False


def test_district_filter_of_existing_district_still_works(client, db):
    district = create_district(name="North")
    db.session.commit()
    assert client.get(f"/calendar/?district={district.id}").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/calendar/?target=a%00b",
        "/centres/a%00b",
        "/admin/audit?actor=a%00b",
        "/reports/visits?centre=%00",
        "/calendar/?target=" + "9" * 40,
        "/calendar/?district=%C2%B2",
    ],
)
def test_nul_bytes_and_odd_digits_in_queries_are_refused(client, auth, world, url):
    auth.login_as("admin")
    assert client.get(url).status_code in (200, 400, 404), url


def test_nul_bytes_in_forms_and_api_fields_are_refused(client, auth, world):
    auth.login_as("admin")
    response = client.post(
        "/admin/districts/new",
        data={"code": "X\x00", "name": "N", "municipality": "København"},
    )
    assert response.status_code == 400
    body = {"centre": "na\x00bo", "code": "x", "idempotency_key": str(uuid.uuid4())}
    response = client.post("/api/v1/checkins", json=body, headers=world["kiosk"])
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid_field"


def test_control_characters_in_names_are_a_form_error(client, auth, world):
    auth.login_as("admin")
    response = client.post(
        "/admin/districts/new",
        data={"code": "X1", "name": "Nørre\x1bbro", "municipality": "København"},
    )
    assert response.status_code == 200
    assert "kontroltegn" in response.get_data(as_text=True)
