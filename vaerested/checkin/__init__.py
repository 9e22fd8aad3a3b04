"""Check-in: QR cards, the staff scanner, the kiosk and anonymous tallies."""

from flask import Blueprint

bp = Blueprint("checkin", __name__)

from vaerested.checkin import views  # noqa: E402,F401
