"""The public city-wide activity calendar and its iCalendar feeds (no login)."""

from flask import Blueprint

bp = Blueprint("calendar", __name__)

from vaerested.calendar import views  # noqa: E402,F401
