"""API endpoint for housing statements (DOMAIN.md, "FLOW").

A staff member (token or logged-in session) records the housing situation a
card holder chose to state, at one of their own centres. The card is found
as at check-in: by its code's keyed hash; the code is never logged.
"""

from datetime import date, timedelta

from flask_babel import gettext as _

from vaerested.api import bp
from vaerested.api.auth import api_auth, resolve_centre
from vaerested.api.errors import ApiError, ok
from vaerested.api.views import _body, _text, _today
from vaerested.checkin import housing
from vaerested.checkin.codes import InvalidCode
from vaerested.extensions import db

#: How far back a statement may be dated (as a late-synced scan).
MAX_AGE = timedelta(days=30)


def _situation(data: dict):
    value = _text(data, "situation")
    try:
        return housing.parse_situation(value)
    except ValueError:
        raise ApiError(
            422, "invalid_field", _("situation is not valid."), field="situation"
        ) from None


def _stated_on(data: dict, today: date) -> date:
    text = _text(data, "stated_on", required=False)
    if text is None:
        return today
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is None or not today - MAX_AGE <= day <= today:
        raise ApiError(
            422,
            "invalid_field",
            _("stated_on must be a date within the last 30 days."),
            field="stated_on",
        )
    return day


@bp.post("/housing-statements")
@api_auth(allow_kiosk=False)
def create_housing_statement():
    """Record a card's housing statement; a repeat the same day replaces it."""
    data = _body()
    centre_id = resolve_centre(_text(data, "centre"))
    code = _text(data, "code")
    situation = _situation(data)
    day = _stated_on(data, _today())
    try:
        found = housing.card_id_for_code(code)
    except InvalidCode:
        raise ApiError(
            422, "invalid_code", _("This is not a valid card code.")
        ) from None
    if found is None:
        raise ApiError(404, "unknown_card", _("Unknown card."))
    card_id, revoked = found
    if revoked:
        raise ApiError(410, "revoked_card", _("This card has been revoked."))
    housing.record_statement(card_id, centre_id, day, situation)
    db.session.commit()
    return ok(
        {
            "stated_on": day.isoformat(),
            "situation": situation.value if situation else housing.UNKNOWN,
        }
    )
