"""API contract: 405 with Allow, 500 with the envelope, the OpenAPI limits."""

import pytest

from tests.factories import create_centre
from vaerested.api.tokens import create_access_token


@pytest.fixture
def kiosk(db):
    centre = create_centre(slug="nabo")
    _token, plaintext = create_access_token("kiosk", centre=centre, label="door")
    db.session.commit()
    return {"Authorization": f"Bearer {plaintext}"}


@pytest.mark.parametrize(
    ("method", "url", "allow"),
    [
        ("get", "/api/v1/checkins", "OPTIONS, POST"),
        ("delete", "/api/v1/tallies", "OPTIONS, POST"),
        ("post", "/api/v1/centres/nabo/today", "GET, HEAD, OPTIONS"),
    ],
)
def test_405_has_allow_and_the_envelope(client, kiosk, method, url, allow):
    response = getattr(client, method)(url, headers=kiosk)
    assert response.status_code == 405
    assert response.headers["Allow"] == allow
    assert response.get_json() == {
        "ok": False,
        "error": {
            "status": 405,
            "code": "method_not_allowed",
            "message": response.get_json()["error"]["message"],
        },
    }


def test_404_outside_any_route_has_a_code(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_500_has_the_envelope_with_a_code(client, kiosk, monkeypatch):
    from vaerested.checkin import operations

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(operations, "today_counts", broken)
    response = client.get("/api/v1/centres/nabo/today", headers=kiosk)
    assert response.status_code == 500
    error = response.get_json()["error"]
    assert response.get_json()["ok"] is False
    assert (error["status"], error["code"]) == (500, "internal_error")
    assert "fire" not in error["message"]


def test_openapi_says_which_strings_may_not_be_empty(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    for name, field in [
        ("CheckinRequest", "centre"),
        ("CheckinRequest", "code"),
        ("TallyRequest", "centre"),
        ("CentreRequest", "centre"),
        ("RevokeRequest", "code"),
    ]:
        assert schemas[name]["properties"][field]["minLength"] == 1, (name, field)
    for field in ("age_band", "gender", "housing"):
        schema = schemas["TallyRequest"]["properties"][field]
        assert schema["type"] == "string" and None not in schema["enum"]


@pytest.mark.parametrize("field", ["centre", "code"])
def test_empty_required_strings_are_refused_as_documented(client, kiosk, field):
    body = {"centre": "nabo", "code": "ABCD", "idempotency_key": "x", field: ""}
    response = client.post("/api/v1/checkins", json=body, headers=kiosk)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "missing_field"
