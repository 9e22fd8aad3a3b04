"""Check-in: QR cards, the staff scanner, the kiosk and anonymous tallies."""

from flask import Blueprint

bp = Blueprint("checkin", __name__)
