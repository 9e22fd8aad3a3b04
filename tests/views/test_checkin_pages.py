"""Check-in pages: scanner, kiosk, kiosk links, issuing and blocking cards."""

import base64
import re
from html import unescape

import pytest
from sqlalchemy import func, select

from tests.factories import create_card, create_centre, create_district, create_visit
from vaerested.api.tokens import create_access_token, hash_token
from vaerested.checkin.codes import format_code, generate_code, normalise_code
from vaerested.checkin.operations import card_hasher
from vaerested.models import AccessToken, AgeBand, Card, FirstCame, Gender, Housing

CODE_RE = re.compile(r'data-testid="card-code">([^<]+)<')


@pytest.fixture
def centre(db):
    centre = create_centre(slug="solsikken", name="Solsikken")
    db.session.commit()
    return centre


def card_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Card))


@pytest.mark.parametrize("role", ["staff", "leader", "admin"])
def test_scanner_renders_for_allowed_roles(client, auth, db, centre, role):
    create_visit(centre, create_card(centre))
    create_visit(centre)
    auth.login_as(role, centres=[centre] if role != "admin" else [])
    response = client.get("/checkin/solsikken/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-centre="solsikken"' in html
    assert 'data-api="/api/v1"' in html
    assert '<meta name="csrf-token" content="' in html
    assert re.search(r'data-testid="today-count">2<', html)
    assert 'data-testid="tally"' in html and 'data-testid="code-input"' in html
    assert "html5-qrcode.min.js" in html and "checkin-scanner.js" in html
    # Translated feedback texts reach the script through data- attributes.
    assert 'data-msg-new="' in html and 'data-msg-revoked="' in html
    assert "<script>" not in html and "style=" not in html
    assert ("/checkin/solsikken/kiosks" in html) == (role != "staff")


def test_scanner_offers_district_codes_and_unknown_attributes(client, auth, db):
    district = create_district(code="NB", name="Nørrebro")
    centre = create_centre(slug="nabo", district=district)
    auth.login_as("staff", centres=[centre])
    html = client.get("/checkin/nabo/").get_data(as_text=True)
    assert '<option value="NB">Nørrebro</option>' in html
    for attr in ("home_district", "age_band", "gender", "housing"):
        select_html = html.split(f'data-tally-attr="{attr}"')[1].split("</select>")[0]
        assert re.search(r'<option value="">[^<]+</option>', select_html), attr


def test_scanner_of_inactive_centre_takes_no_checkins(client, auth, db):
    centre = create_centre(slug="lukket", is_active=False)
    auth.login_as("staff", centres=[centre])
    html = client.get("/checkin/lukket/").get_data(as_text=True)
    assert 'role="alert"' in html
    assert 'data-testid="code-input"' not in html
    assert "checkin-scanner.js" not in html


def test_nav_has_check_in_entry_for_staff(client, auth, db, centre):
    auth.login_as("staff", centres=[centre])
    html = client.get("/centres/solsikken").get_data(as_text=True)
    assert 'href="/checkin/solsikken/"' in html


def test_staff_of_another_centre_is_refused(client, auth, db, centre):
    other = create_centre(slug="andet")
    auth.login_as("staff", centres=[other])
    for url in ("/checkin/solsikken/", "/checkin/solsikken/cards/new"):
        assert client.get(url).status_code == 403
    assert client.get("/checkin/andet/kiosks").status_code == 403  # staff, not leader


def _issue(client, **data):
    form = {
        "count": "1",
        "home_district": "",
        "age_band": "",
        "gender": "",
        "housing": "",
        "first_came": "",
        **data,
    }
    return client.post("/checkin/solsikken/cards/new", data=form)


def test_issue_cards_creates_exactly_n_with_attributes(client, auth, db, centre):
    district = create_district(code="VB", name="Vesterbro")
    db.session.commit()
    auth.login_as("staff", centres=[centre])
    assert client.get("/checkin/solsikken/cards/new").status_code == 200
    response = _issue(
        client,
        count="7",
        home_district=str(district.id),
        age_band="25_39",
        gender="woman",
        housing="shelter",
        first_came="outreach_worker",
    )
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    html = response.get_data(as_text=True)
    codes = CODE_RE.findall(html)
    assert len(codes) == 7 and len(set(codes)) == 7
    assert all(format_code(c) == c for c in codes)  # grouped, valid check symbol
    assert html.count('<svg version="1.1" viewBox=') == 7  # one QR per card
    assert html.count("Solsikken") >= 7

    db.session.rollback()
    cards = db.session.scalars(select(Card)).all()
    assert len(cards) == 7
    hasher = card_hasher()
    assert {hasher(normalise_code(c)) for c in codes} == {c.code_hash for c in cards}
    for card in cards:
        assert card.issued_centre_id == centre.id
        assert card.home_district_id == district.id
        assert card.age_band == AgeBand.FROM_25_TO_39
        assert card.gender == Gender.WOMAN
        assert card.housing == Housing.SHELTER
        assert card.first_came == FirstCame.OUTREACH_WORKER
        assert card.is_revoked is False

    # The downloadable sheet holds the same codes.
    data_url = unescape(
        re.search(r'href="(data:image/svg\+xml;base64,[^"]+)"', html)[1]
    )
    svg = base64.b64decode(data_url.split(",", 1)[1]).decode()
    assert svg.startswith("<svg") and svg.count("<path") == 7
    for code in codes:
        assert code[:9] in svg and code[10:] in svg


def test_issue_card_attributes_default_to_unknown(client, auth, db, centre):
    auth.login_as("staff", centres=[centre])
    response = _issue(client)
    assert len(CODE_RE.findall(response.get_data(as_text=True))) == 1
    db.session.rollback()
    card = db.session.scalars(select(Card)).one()
    assert (
        card.home_district_id,
        card.age_band,
        card.gender,
        card.housing,
        card.first_came,
    ) == (None, None, None, None, None)


@pytest.mark.parametrize(
    "data",
    [
        {"count": "0"},
        {"count": "101"},
        {"count": "abc"},
        {"count": ""},
        {"age_band": "teen"},
        {"gender": "x"},
        {"home_district": "999999"},
        {"home_district": "nope"},
    ],
)
def test_issue_cards_rejects_bad_input(client, auth, db, centre, data):
    auth.login_as("staff", centres=[centre])
    response = _issue(client, **data)
    assert response.status_code == 200
    assert 'class="field-error"' in response.get_data(as_text=True)
    db.session.rollback()
    assert card_count(db) == 0


def test_issue_one_hundred_cards(client, auth, db, centre):
    auth.login_as("staff", centres=[centre])
    codes = CODE_RE.findall(_issue(client, count="100").get_data(as_text=True))
    assert len(set(codes)) == 100
    db.session.rollback()
    assert card_count(db) == 100


def app_session_text(cookie: str) -> str:
    """Return the readable payload of a Flask session cookie (signed, not secret)."""
    import base64
    import zlib

    payload = cookie.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return (zlib.decompress(raw) if cookie.startswith(".") else raw).decode()


def test_revoke_card_flow(client, auth, db, centre):
    card = create_card(centre)
    auth.login_as("staff", centres=[centre])
    url = "/checkin/solsikken/cards/revoke"
    assert client.get(url).status_code == 200
    code = format_code(card.code)

    # Typed sloppily: lower case, spaces; the first step only asks to confirm.
    step1 = client.post(url, data={"code": code.lower().replace("-", " ")})
    assert step1.status_code == 200
    html = step1.get_data(as_text=True)
    assert f'data-testid="card-code">{code}<' in html
    assert 'name="confirm" value="yes"' in html
    db.session.rollback()
    assert db.session.get(Card, card.id).is_revoked is False

    done = client.post(url, data={"code": code, "confirm": "yes"})
    assert done.status_code == 302
    db.session.rollback()
    assert db.session.get(Card, card.id).is_revoked is True
    # The flash message travels in the session cookie: it names no code.
    assert "Kortet er spærret" in client.get(url).get_data(as_text=True)

    again = client.post(url, data={"code": code})
    assert again.status_code == 302
    cookie = client.get_cookie("session").value
    page = client.get(url).get_data(as_text=True)
    assert "flash-info" in page and code not in page
    assert "Kortet er allerede spærret" in page
    decoded = app_session_text(cookie)
    assert card.code not in decoded and code not in decoded


def test_revoke_card_unknown_and_invalid_codes(client, auth, db, centre):
    create_card(centre)
    auth.login_as("staff", centres=[centre])
    url = "/checkin/solsikken/cards/revoke"
    unknown = client.post(url, data={"code": generate_code(), "confirm": "yes"})
    assert unknown.status_code == 200
    assert 'class="field-error"' in unknown.get_data(as_text=True)
    code = generate_code()
    wrong_check = code[:16] + ("0" if code[16] != "0" else "1")
    for bad in (wrong_check, "hello", ""):
        response = client.post(url, data={"code": bad, "confirm": "yes"})
        assert response.status_code == 200
        assert 'class="field-error"' in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).where(Card.is_revoked)) == 0


def test_kiosk_token_create_list_and_revoke(client, auth, db, centre):
    other = create_centre(slug="andet")
    auth.login_as("leader", centres=[centre, other])
    assert "empty-state" in client.get("/checkin/solsikken/kiosks").get_data(
        as_text=True
    )
    response = client.post("/checkin/solsikken/kiosks", data={"label": "Tablet"})
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    html = unescape(response.get_data(as_text=True))
    link = re.search(r'value="(http://[^"]+/checkin/kiosk#[^"]+)"', html)[1]
    fragment = dict(p.split("=", 1) for p in link.split("#", 1)[1].split("&"))
    assert fragment["centre"] == "solsikken"
    plaintext = fragment["token"]

    db.session.rollback()
    token = db.session.scalars(select(AccessToken)).one()
    assert token.token_hash == hash_token(plaintext)
    assert (token.kind.value, token.centre_id, token.label) == (
        "kiosk",
        centre.id,
        "Tablet",
    )
    listing = client.get("/checkin/solsikken/kiosks").get_data(as_text=True)
    assert "Tablet" in listing and plaintext not in listing
    api = {"Authorization": f"Bearer {plaintext}"}
    assert client.get("/api/v1/centres/solsikken/today", headers=api).status_code == 200

    # A token of this centre cannot be revoked through another centre's URL.
    wrong = client.post(f"/checkin/andet/kiosks/{token.id}/revoke")
    assert wrong.status_code == 302
    db.session.rollback()
    assert db.session.get(AccessToken, token.id).revoked_dt is None

    url = f"/checkin/solsikken/kiosks/{token.id}/revoke"
    assert 'data-testid="confirm"' in client.get(url).get_data(as_text=True)
    assert client.post(url).status_code == 302
    db.session.rollback()
    assert db.session.get(AccessToken, token.id).revoked_dt is not None
    assert client.get("/api/v1/centres/solsikken/today", headers=api).status_code == 401


def test_kiosk_label_is_required(client, auth, db, centre):
    auth.login_as("leader", centres=[centre])
    response = client.post("/checkin/solsikken/kiosks", data={"label": ""})
    assert 'class="field-error"' in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(AccessToken)) == 0


def test_kiosk_page_without_token_explains(client, db):
    response = client.get("/checkin/kiosk")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-testid="kiosk-missing"' in html
    assert re.search(r'id="checkin-app"[^>]*\bhidden\b', html, re.S)
    assert 'data-auth="bearer"' in html and "checkin-kiosk.js" in html
    # A kiosk shows no navigation to anything else.
    assert "/auth/login" not in html and "/centres" not in html
    assert "<nav" not in html


def test_service_worker_is_served_from_the_checkin_scope(client):
    response = client.get("/checkin/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    body = response.get_data(as_text=True)
    # It must never cache what is marked no-store (card sheets, kiosk links).
    assert 'indexOf("no-store") === -1' in body


@pytest.mark.parametrize(
    "url, data, danish",
    [
        ("/checkin/solsikken/cards/new", {"count": "0"}, "Tallet skal være mellem"),
        ("/checkin/solsikken/cards/new", {"count": ""}, "Feltet skal udfyldes."),
        ("/checkin/solsikken/kiosks", {"label": ""}, "Feltet skal udfyldes."),
        ("/checkin/solsikken/cards/revoke", {"code": ""}, "Feltet skal udfyldes."),
    ],
)
def test_check_in_forms_speak_danish(client, auth, db, centre, url, data, danish):
    auth.login_as("leader", centres=[centre])
    html = unescape(client.post(url, data=data).get_data(as_text=True))
    error = re.search(r'class="field-error">([^<]+)<', html)
    assert error and danish in error[1], error
    assert "This field is required" not in html and "Number must be" not in html


def test_kiosk_today_names_the_centre(client, db, centre):
    _token, plaintext = create_access_token("kiosk", centre=centre, label="Door")
    db.session.commit()
    api = {"Authorization": f"Bearer {plaintext}"}
    data = client.get("/api/v1/centres/solsikken/today", headers=api).get_json()
    assert data["data"]["centre_name"] == centre.name
