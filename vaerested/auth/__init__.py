"""Staff login and logout; role and centre access decorators."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from vaerested.auth import views  # noqa: E402,F401
