"""API authentication: a bearer token, or a logged-in session with a CSRF header."""

from collections.abc import Callable
from functools import wraps

from flask import Flask, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError

from vaerested.api.errors import ApiError
from vaerested.api.tokens import Caller, caller_for_token, find_centre, user_centre_ids

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def is_bearer_api_request(req) -> bool:
    """Return whether ``req`` is an API request authenticated by a Bearer token."""
    return req.path.startswith("/api/") and req.headers.get(
        "Authorization", ""
    ).lower().startswith("bearer ")


class BearerAwareSessionInterface(SecureCookieSessionInterface):
    """The signed-cookie session, except for Bearer-token API requests.

    A token caller has no cookie to read and needs none set: such a request
    gets Flask's null session, which is neither parsed, signed nor saved (no
    ``Set-Cookie``, no ``Vary: Cookie``), and no login is loaded for it. Any
    cookie it sends is ignored, as :func:`_authenticate` ignores the login
    once an ``Authorization`` header is present.
    """

    def open_session(self, app: Flask, request):
        if is_bearer_api_request(request):
            return self.make_null_session(app)
        return super().open_session(app, request)


def _authenticate() -> Caller:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _sep, token = header.partition(" ")
        token = token.strip()
        caller = (
            caller_for_token(token) if scheme.lower() == "bearer" and token else None
        )
        if caller is None:
            raise ApiError(401, "unauthorized", _("Invalid or revoked access token."))
        return caller
    if current_user.is_authenticated:
        # Reads are safe (no CORS, so another site cannot read the answer).
        if request.method not in SAFE_METHODS:
            try:
                validate_csrf(request.headers.get("X-CSRFToken", ""))
            except ValidationError as error:
                raise ApiError(
                    400, "csrf_failed", _("Missing or invalid CSRF token.")
                ) from error
        return Caller(
            "session",
            None,
            current_user.id,
            user_centre_ids(current_user.id, current_user.role),
        )
    raise ApiError(401, "unauthorized", _("Authentication required."))


def api_auth(allow_kiosk: bool = True) -> Callable:
    """Require an API caller; put it in ``g.api_caller``.

    Kiosk tokens are refused with 403 where ``allow_kiosk`` is false.
    """

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            caller = _authenticate()
            if caller.is_kiosk and not allow_kiosk:
                raise ApiError(403, "forbidden", _("Not allowed for a kiosk."))
            g.api_caller = caller
            return view(*args, **kwargs)

        return wrapped

    return decorator


def resolve_centre(slug) -> int:
    """Return the id of centre ``slug`` if the caller may check in there.

    :raises ApiError: 404 ``unknown_centre``, 403 ``forbidden`` or 409
        ``centre_inactive``.
    """
    ref = find_centre(slug) if isinstance(slug, str) and slug else None
    if ref is None:
        raise ApiError(404, "unknown_centre", _("Unknown centre."))
    if not g.api_caller.may_use(ref.id):
        raise ApiError(403, "forbidden", _("You may not act for this centre."))
    if not ref.is_active:
        raise ApiError(409, "centre_inactive", _("This centre is inactive."))
    return ref.id
