"""Secret key bootstrap and HTTP security headers."""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = (
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; "
    "script-src 'self'; style-src 'self'; connect-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def tile_source(url: str) -> str:
    """Return the CSP source of a map tile URL template ("" when there is none).

    ``https://{s}.tile.example.org/{z}/{x}/{y}.png`` gives
    ``https://*.tile.example.org`` (Leaflet's ``{s}`` is a subdomain).
    """
    parts = urlsplit((url or "").replace("{s}", "*"))
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return ""
    if any(c in parts.netloc for c in "{} ;,'\""):
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def load_or_create_secret(app: Flask, filename: str) -> str:
    """Return the secret kept in ``instance/filename``, creating it on first use.

    The file is created exclusively, so two workers starting at once agree on
    one key. It lives in ``instance/``, which is never committed.
    """
    path = Path(app.instance_path) / filename
    os.makedirs(app.instance_path, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32))
    return path.read_text().strip()


def configure_security(app: Flask) -> None:
    """Ensure a secret key and add security headers to every response."""
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = load_or_create_secret(app, "secret_key")
    if not app.config.get("LOGIN_HASH_KEY"):
        app.config["LOGIN_HASH_KEY"] = load_or_create_secret(app, "login_hash_key")
    hops = int(app.config.get("TRUSTED_PROXY_HOPS") or 0)
    tiles = tile_source(app.config.get("MAP_TILE_URL", ""))
    csp = CSP.replace("img-src 'self'", f"img-src 'self' {tiles}") if tiles else CSP
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    @app.after_request
    def set_security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", csp)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Permissions-Policy", "camera=(self), geolocation=()")
        if request.is_secure:
            headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        return response
