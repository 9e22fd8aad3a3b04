"""Kiosk links: the kiosk page's URL with the token in its fragment."""

from urllib.parse import urlencode

from flask import current_app, has_request_context, url_for


def kiosk_link(plaintext: str, slug: str, base_url: str = "") -> str:
    """Return the kiosk link for a token of centre ``slug``.

    The token rides in the fragment (``#token=…&centre=…``), which browsers never
    send to a server. The host is ``base_url`` (the configured ``BASE_URL``) when
    given, else the current request's; with neither, the link is a bare path.
    """
    fragment = "#" + urlencode({"token": plaintext, "centre": slug})
    if base_url:
        with current_app.test_request_context(base_url=base_url):
            return url_for("checkin.kiosk", _external=True) + fragment
    if has_request_context():
        return url_for("checkin.kiosk", _external=True) + fragment
    with current_app.test_request_context():
        return url_for("checkin.kiosk") + fragment
