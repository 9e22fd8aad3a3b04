"""App-wide error handlers: the same errors as HTML pages or JSON."""

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from vaerested.extensions import db

logger = logging.getLogger(__name__)


def wants_json_response() -> bool:
    """Return whether the client prefers JSON (API clients, fetch calls)."""
    if request.path.startswith("/api/"):
        return True
    accept = request.accept_mimetypes
    return accept["application/json"] > accept["text/html"]


def error_payload(status: int, message: str) -> dict:
    """Return the API's error envelope."""
    return {"ok": False, "error": {"status": status, "message": message}}


def init_error_handlers(app: Flask) -> None:
    """Register handlers for HTTP errors, CSRF failures and unexpected ones."""

    @app.errorhandler(CSRFError)
    def handle_csrf(error: CSRFError):
        message = _("Your form expired. Please reload the page and try again.")
        return _render(400, message)

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException):
        return _render(error.code or 500, error.description or "")

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        if isinstance(error, HTTPException):
            return handle_http(error)
        logger.exception("Unhandled error on %s %s", request.method, request.path)
        db.session.rollback()
        return _render(500, InternalServerError.description)


def _render(status: int, message: str):
    if wants_json_response():
        return jsonify(error_payload(status, message)), status
    template = (
        f"errors/{status}.html" if status in (403, 404, 500) else "errors/generic.html"
    )
    return render_template(template, status=status, message=message), status
