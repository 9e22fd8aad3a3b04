"""App-wide error handlers: the same errors as HTML pages or JSON."""

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, InternalServerError, MethodNotAllowed

from vaerested.extensions import db

logger = logging.getLogger(__name__)


def wants_json_response() -> bool:
    """Return whether the client prefers JSON (API clients, fetch calls)."""
    if request.path.startswith("/api/"):
        return True
    accept = request.accept_mimetypes
    return accept["application/json"] > accept["text/html"]


#: Machine-readable codes of plain HTTP errors in the JSON envelope.
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "too_many_requests",
    500: "internal_error",
    503: "service_unavailable",
}


def error_payload(status: int, message: str, code: str | None = None) -> dict:
    """Return the API's error envelope."""
    code = code or HTTP_CODES.get(status, "http_error")
    return {"ok": False, "error": {"status": status, "code": code, "message": message}}


def init_error_handlers(app: Flask) -> None:
    """Register handlers for HTTP errors, CSRF failures and unexpected ones."""

    @app.errorhandler(CSRFError)
    def handle_csrf(error: CSRFError):
        message = _("Your form expired. Please reload the page and try again.")
        return _render(400, message, code="csrf_failed")

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException):
        response = _render(error.code or 500, error.description or "")
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            allow = ", ".join(sorted(error.valid_methods))
            return (*response, {"Allow": allow})
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return handle_http(error)
        db.session.rollback()
        if isinstance(error, DBAPIError) and error.connection_invalidated:
            # A dropped database connection (restart, pg_terminate_backend):
            # SQLAlchemy has invalidated it and the pool, so a retry connects
            # afresh. No pre-ping per checkout, so this one request says so.
            logger.warning(
                "Database connection lost on %s %s", request.method, request.path
            )
            message = _("The database connection was interrupted. Please try again.")
            response = _render(503, message, code="database_unavailable")
            return (*response, {"Retry-After": "1"})
        logger.exception("Unhandled error on %s %s", request.method, request.path)
        return _render(500, InternalServerError.description)


def _render(status: int, message: str, code: str | None = None):
    if wants_json_response():
        return jsonify(error_payload(status, message, code)), status
    template = (
        f"errors/{status}.html" if status in (403, 404, 500) else "errors/generic.html"
    )
    return render_template(template, status=status, message=message), status
