"""API endpoints for check-ins, tallies, today's counts and card revocation."""

import logging
import uuid
from datetime import date

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from vaerested.api import bp
from vaerested.api.auth import api_auth, resolve_centre
from vaerested.api.errors import ApiError, ok
from vaerested.api.openapi import openapi_document
from vaerested.checkin import operations as ops
from vaerested.checkin.codes import InvalidCode
from vaerested.extensions import db
from vaerested.models import AgeBand, Centre, District, Gender, Housing, Outreach
from vaerested.models.base import utcnow

logger = logging.getLogger(__name__)

_TIME_ERRORS = {
    "too_old": lambda: _("The scan time is more than 30 days ago."),
    "in_future": lambda: _("The scan time is in the future."),
    "invalid_time": lambda: _("The scan time is not an ISO 8601 date and time."),
}
_CHOICES = {
    "age_band": AgeBand,
    "gender": Gender,
    "housing": Housing,
    "outreach": Outreach,
}


def _body() -> dict:
    try:
        data = request.get_json(force=True, silent=True)
    except RecursionError:  # a body nested 200,000 deep
        data = None
    if not isinstance(data, dict):
        raise ApiError(400, "invalid_json", _("The body must be a JSON object."))
    return data


def _text(data: dict, field: str, required: bool = True) -> str | None:
    value = data.get(field)
    if value is None or value == "":
        if required:
            raise ApiError(
                422,
                "missing_field",
                _("%(field)s is required.", field=field),
                field=field,
            )
        return None
    if not isinstance(value, str) or len(value) > 200 or "\x00" in value:
        raise ApiError(
            422, "invalid_field", _("%(field)s is not valid.", field=field), field=field
        )
    return value


def _key(value: str | None, field: str = "idempotency_key") -> str:
    try:
        return str(uuid.UUID(value))
    except (TypeError, ValueError, AttributeError):
        raise ApiError(
            422,
            "invalid_field",
            _("%(field)s must be a UUID.", field=field),
            field=field,
        ) from None


def _scanned_at(data: dict, now):
    """Return the aware UTC scan time (now when the client sends none)."""
    text = _text(data, "scanned_at", required=False)
    if text is None:
        return now
    try:
        return ops.parse_scanned_at(text, ops.local_tz(), now)
    except ops.InvalidTime as error:
        raise ApiError(422, error.code, _TIME_ERRORS[error.code]()) from None


def _today() -> date:
    return ops.local_date(utcnow(), ops.local_tz())


def _scan_engine():
    """Return the engine the check-in writes with (built once, sharing the pool).

    On PostgreSQL in autocommit mode: the scan is one statement, atomic on
    its own, so it needs no BEGIN and COMMIT round trips. SQLite keeps its
    transaction (autocommit there means a commit per statement and an
    isolation-level switch per checkout: slower).
    """
    app = current_app._get_current_object()
    engine = app.extensions.get("vaerested.scan_engine")
    if engine is None:
        engine = db.engine
        if engine.dialect.name == "postgresql":
            engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        app.extensions["vaerested.scan_engine"] = engine
    return engine


def _record_scan(centre_id: int, code: str, scanned_at, today: date):
    """Record the scan; once more on a fresh connection if the connection was lost.

    A plain Core connection: no ORM session work on the hot path. The session
    holds no write here (a token's last-used time is committed at once), so
    this connection never waits on a lock of its own request. The pool does
    not ping before use, so a connection the server dropped fails on its first
    statement; nothing was committed then, and the scan is idempotent anyway,
    so it is safe to send again.
    """
    for attempt in (1, 2):
        try:
            with _scan_engine().connect() as conn:
                result = ops.record_scan(
                    centre_id, code, scanned_at, conn=conn, count_date=today
                )
                conn.commit()
            return result
        except DBAPIError as error:
            if attempt == 2 or not error.connection_invalidated:
                raise
            logger.warning("Database connection lost during a check-in; retrying")
    raise AssertionError("unreachable")


@bp.post("/checkins")
@api_auth()
def create_checkin():
    """Record a card scan: one visit per card, centre and local day."""
    data = _body()
    centre_id = resolve_centre(_text(data, "centre"))
    code = _text(data, "code")
    _key(_text(data, "idempotency_key"))
    now = utcnow()
    scanned_at = _scanned_at(data, now)
    today = ops.local_date(now, ops.local_tz())
    result = _record_scan(centre_id, code, scanned_at, today)
    if result.outcome == "invalid":
        raise ApiError(422, "invalid_code", _("This is not a valid card code."))
    if result.outcome == "unknown":
        raise ApiError(404, "unknown_card", _("Unknown card."))
    if result.outcome == "revoked":
        raise ApiError(410, "revoked_card", _("This card has been revoked."))
    return ok(
        {
            "result": result.outcome,
            "visit_date": result.visit_date.isoformat(),
            "today_count": result.day_count,
        }
    )


@bp.post("/checkins/outreach")
@api_auth()
def set_checkin_outreach():
    """Record who accompanied the card's holder at today's visit (or clear it).

    ``outreach`` is one of the Outreach codes, or null for "not stated / came
    alone". Setting the same value again answers the same (idempotent).
    """
    data = _body()
    centre_id = resolve_centre(_text(data, "centre"))
    code = _text(data, "code")
    if "outreach" not in data:
        raise ApiError(
            422,
            "missing_field",
            _("%(field)s is required.", field="outreach"),
            field="outreach",
        )
    value = data["outreach"]
    try:
        outreach = None if value is None else Outreach(value)
    except (TypeError, ValueError):
        raise ApiError(
            422,
            "invalid_field",
            _("%(field)s is not valid.", field="outreach"),
            field="outreach",
        ) from None
    today = _today()
    try:
        outcome = ops.set_outreach(centre_id, code, today, outreach)
    except InvalidCode:
        raise ApiError(
            422, "invalid_code", _("This is not a valid card code.")
        ) from None
    if outcome == "unknown":
        raise ApiError(404, "unknown_card", _("Unknown card."))
    if outcome == "revoked":
        raise ApiError(410, "revoked_card", _("This card has been revoked."))
    if outcome == "no_visit":
        raise ApiError(
            404, "no_visit", _("This card has no visit here today: check it in first.")
        )
    db.session.commit()
    return ok(
        {
            "outreach": outreach.value if outreach else None,
            "visit_date": today.isoformat(),
        }
    )


def _tally_attributes(data: dict) -> dict:
    attributes = {}
    district_code = _text(data, "home_district", required=False)
    if district_code is not None:
        district_id = db.session.scalar(
            select(District.id).where(District.code == district_code)
        )
        if district_id is None:
            raise ApiError(
                422, "invalid_field", _("Unknown district."), field="home_district"
            )
        attributes["home_district_id"] = district_id
    for field, choices in _CHOICES.items():
        value = _text(data, field, required=False)
        if value is not None:
            try:
                attributes[field] = choices(value)
            except ValueError:
                raise ApiError(
                    422,
                    "invalid_field",
                    _("%(field)s is not valid.", field=field),
                    field=field,
                ) from None
    return attributes


@bp.post("/tallies")
@api_auth()
def create_tally():
    """Record an anonymous visit; a replayed idempotency key counts once."""
    data = _body()
    centre_id = resolve_centre(_text(data, "centre"))
    key = _key(_text(data, "idempotency_key"))
    attributes = _tally_attributes(data)
    now = utcnow()
    try:
        result = ops.record_tally(centre_id, _scanned_at(data, now), key, attributes)
    except ops.IdempotencyConflict:
        raise ApiError(
            409,
            "idempotency_conflict",
            _("This idempotency key was used for another centre."),
        ) from None
    today_count = ops.count_today(centre_id, ops.local_date(now, ops.local_tz()))
    db.session.commit()
    return ok({"result": result.outcome, "today_count": today_count})


@bp.post("/tallies/<key>/undo")
@api_auth()
def undo_tally(key: str):
    """Delete a tally recorded at this centre in the last 15 minutes."""
    data = _body()
    centre_id = resolve_centre(_text(data, "centre"))
    key = _key(key, "key")
    now = utcnow()
    try:
        ops.undo_tally(centre_id, key, now)
    except ops.UnknownTally:
        raise ApiError(
            404, "unknown_tally", _("No such tally at this centre.")
        ) from None
    except ops.UndoExpired:
        raise ApiError(
            409, "undo_expired", _("A tally can only be undone for 15 minutes.")
        ) from None
    today_count = ops.count_today(centre_id, ops.local_date(now, ops.local_tz()))
    db.session.commit()
    return ok({"today_count": today_count})


@bp.get("/centres/<slug>/today")
@api_auth()
def get_today(slug: str):
    """Return today's visit counts at a centre."""
    centre_id = resolve_centre(slug)
    day = _today()
    counts = ops.today_counts(centre_id, day)
    name = db.session.scalar(select(Centre.name).where(Centre.id == centre_id))
    return ok({"date": day.isoformat(), "centre_name": name, **counts})


@bp.post("/cards/revoke")
@api_auth(allow_kiosk=False)
def revoke_card():
    """Revoke a lost or passed-on card by its code."""
    data = _body()
    try:
        card = ops.revoke_card(_text(data, "code"))
    except InvalidCode:
        raise ApiError(
            422, "invalid_code", _("This is not a valid card code.")
        ) from None
    if card is None:
        raise ApiError(404, "unknown_card", _("Unknown card."))
    db.session.commit()
    return ok({"revoked": True})


@bp.get("/openapi.json")
def get_openapi():
    """Return the OpenAPI 3.1 description of this API."""
    return jsonify(openapi_document())
