"""Health check, language switch and error pages."""


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"ok": True, "database": "up"}


def test_default_language_is_danish(client):
    response = client.get("/auth/login")
    assert b'<html lang="da"' in response.data


def test_switch_language_to_english_and_back(client):
    response = client.post("/language", data={"lang": "en", "next": "/auth/login"})
    assert response.headers["Location"] == "/auth/login"
    assert b'<html lang="en"' in client.get("/auth/login").data
    client.post("/language", data={"lang": "da"})
    assert b'<html lang="da"' in client.get("/auth/login").data


def test_unknown_language_is_ignored(client):
    client.post("/language", data={"lang": "xx"})
    assert b'<html lang="da"' in client.get("/auth/login").data


def test_404_page_html_and_json(client):
    html = client.get("/no-such-page")
    assert html.status_code == 404
    assert b"<main" in html.data
    js = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert js.status_code == 404
    assert js.json["ok"] is False and js.json["error"]["status"] == 404


def test_form_fields_have_no_empty_aria_attributes(client):
    page = client.get("/auth/login").get_data(as_text=True)
    assert '="None"' not in page
    assert "aria-invalid" not in page


def test_field_errors_are_linked_to_their_input(client):
    page = client.post("/auth/login", data={"email": "", "password": ""}).get_data(
        as_text=True
    )
    assert 'aria-invalid="true"' in page
    assert 'aria-describedby="email-error"' in page
    assert 'id="email-error"' in page


def test_forwarded_headers_are_ignored_without_trusted_proxy(client):
    response = client.get(
        "/healthz", headers={"X-Forwarded-Proto": "https"}, base_url="http://app"
    )
    assert "Strict-Transport-Security" not in response.headers


def test_trusted_proxy_makes_requests_https(app_config, tmp_path, monkeypatch):
    from vaerested import create_app

    monkeypatch.setenv("VAERESTED_INSTANCE_PATH", str(tmp_path / "inst"))
    from vaerested.extensions import db

    proxied = create_app({**app_config, "TRUSTED_PROXY_HOPS": 1})
    try:
        response = proxied.test_client().get(
            "/healthz",
            headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"},
        )
    finally:
        with proxied.app_context():
            db.engine.dispose()  # close its pooled connection now, not at GC
    assert response.status_code == 200
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
