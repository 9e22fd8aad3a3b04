"""Activities: planning, sessions, attendance, courses and the offer landscape."""

from flask import Blueprint

bp = Blueprint("activities", __name__)

from vaerested.activities import course_views, session_views, views  # noqa: E402,F401,I001
