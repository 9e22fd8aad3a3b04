"""The API's response envelope and its errors."""

from flask import jsonify
from werkzeug.exceptions import HTTPException

from vaerested.api import bp
from vaerested.errors import HTTP_CODES
from vaerested.extensions import db


class ApiError(Exception):
    """An error answered as ``{"ok": false, "error": {status, code, message}}``."""

    def __init__(self, status: int, code: str, message: str, **extra) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


def ok(data: dict, status: int = 200):
    """Return the success envelope ``{"ok": true, "data": data}``."""
    return jsonify({"ok": True, "data": data}), status


def error_response(status: int, code: str, message: str, **extra):
    """Return the error envelope with HTTP ``status``."""
    error = {"status": status, "code": code, "message": str(message), **extra}
    return jsonify({"ok": False, "error": error}), status


@bp.errorhandler(ApiError)
def handle_api_error(error: ApiError):
    db.session.rollback()
    return error_response(error.status, error.code, error.message, **error.extra)


@bp.errorhandler(HTTPException)
def handle_http_error(error: HTTPException):
    db.session.rollback()
    status = error.code or 500
    return error_response(
        status, HTTP_CODES.get(status, "http_error"), error.description or ""
    )
