"""A hand-written OpenAPI 3.1 description of /api/v1."""

from functools import cache

from vaerested.models import Housing
from vaerested.models.cards import HOUSING_CHOICES


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
        },
    }


def _ok(description: str, data_ref: str) -> dict:
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["ok", "data"],
                    "properties": {
                        "ok": {"const": True},
                        "data": {"$ref": f"#/components/schemas/{data_ref}"},
                    },
                }
            }
        },
    }


def _body(ref: str) -> dict:
    return {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}
        },
    }


AUTH_ERRORS = {
    "400": _error("invalid_json, or csrf_failed for a session without X-CSRFToken."),
    "401": _error("unauthorized: no, unknown or revoked credentials."),
    "403": _error("forbidden: the caller may not act for this centre."),
    "404": _error("unknown_centre."),
    "409": _error("centre_inactive."),
    "422": _error("missing_field or invalid_field (the error names the field)."),
    "405": _error("method_not_allowed; the Allow header lists the methods."),
    "500": _error("internal_error: a fault of the server, logged; retry later."),
}
OUTREACH = ("street_worker", "home_guide", "skp", "other")
ATTRIBUTES = {
    "home_district": {
        "type": "string",
        "maxLength": 200,
        "description": "District code.",
    },
    # A string from the list; null is not a value (leave the field out instead).
    "age_band": {"type": "string", "enum": ["under_25", "25_39", "40_59", "60_plus"]},
    "gender": {"type": "string", "enum": ["woman", "man", "other"]},
    "housing": {
        "type": "string",
        "enum": [m.value for m in Housing],
    },
    "outreach": {"type": "string", "enum": list(OUTREACH)},
}
#: The situations a housing statement may give ("unknown" included).
SITUATIONS = [*(m.value for m in HOUSING_CHOICES), "unknown"]
#: A text field the API refuses when empty (422 missing_field) or over 200 long.
REQUIRED_TEXT = {"type": "string", "minLength": 1, "maxLength": 200}
SCANNED_AT = {
    "type": "string",
    "maxLength": 200,
    "description": (
        "ISO 8601 time of the scan. Without an offset it is local time in the "
        "server's TIMEZONE (an ambiguous or skipped DST time is read with "
        "fold=0). Omitted: now. More than 30 days ago: 422 too_old; more than "
        "5 minutes ahead: 422 in_future; unreadable: 422 invalid_time."
    ),
}
KEY = {
    "type": "string",
    "format": "uuid",
    "minLength": 1,
    "description": "Client-made UUID; a replay is answered, never counted twice.",
}


@cache
def openapi_document() -> dict:
    """Return the OpenAPI document as a dict."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Værested API",
            "version": "1",
            "description": (
                "Anonymous check-in for drop-in centres. Every answer is "
                '{"ok": true, "data": ...} or {"ok": false, "error": {"status", '
                '"code", "message"}}. Authenticate with "Authorization: Bearer '
                '<token>" (a kiosk token acts only for its centre, a staff token '
                "for its user's centres) or with a logged-in session plus the "
                "X-CSRFToken header. Card codes are never returned."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}, {"session": []}],
        "paths": {
            "/checkins": {
                "post": {
                    "operationId": "create_checkin",
                    "summary": "Record a card scan (one visit per card, centre, day).",
                    "requestBody": _body("CheckinRequest"),
                    "responses": {
                        "200": _ok("new or duplicate", "CheckinResult"),
                        **AUTH_ERRORS,
                        "404": _error("unknown_centre or unknown_card."),
                        "410": _error("revoked_card."),
                        "422": _error(
                            "invalid_code (bad check symbol), invalid_time, too_old, "
                            "in_future, missing_field or invalid_field."
                        ),
                    },
                }
            },
            "/checkins/outreach": {
                "post": {
                    "operationId": "set_checkin_outreach",
                    "summary": "Record who accompanied the card's holder today.",
                    "requestBody": _body("OutreachRequest"),
                    "responses": {
                        "200": _ok(
                            "set (the same again is answered the same)",
                            "OutreachResult",
                        ),
                        **AUTH_ERRORS,
                        "404": _error(
                            "unknown_centre, unknown_card or no_visit (not checked in here today)."
                        ),
                        "410": _error("revoked_card."),
                        "422": _error("invalid_code, missing_field or invalid_field."),
                    },
                }
            },
            "/tallies": {
                "post": {
                    "operationId": "create_tally",
                    "summary": "Record an anonymous visitor (+1).",
                    "requestBody": _body("TallyRequest"),
                    "responses": {
                        "200": _ok("new or duplicate", "TallyResult"),
                        **AUTH_ERRORS,
                        "409": _error("centre_inactive or idempotency_conflict."),
                    },
                }
            },
            "/tallies/{key}/undo": {
                "post": {
                    "operationId": "undo_tally",
                    "summary": "Undo a tally recorded here less than 15 minutes ago.",
                    "parameters": [
                        {
                            "name": "key",
                            "in": "path",
                            "required": True,
                            "schema": KEY,
                        }
                    ],
                    "requestBody": _body("CentreRequest"),
                    "responses": {
                        "200": _ok("undone", "Count"),
                        **AUTH_ERRORS,
                        "404": _error("unknown_centre or unknown_tally."),
                        "409": _error("centre_inactive or undo_expired."),
                    },
                }
            },
            "/centres/{slug}/today": {
                "get": {
                    "operationId": "get_today",
                    "summary": "Today's visit counts at a centre.",
                    "parameters": [
                        {
                            "name": "slug",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": _ok("counts", "TodayCounts"),
                        **AUTH_ERRORS,
                    },
                }
            },
            "/cards/revoke": {
                "post": {
                    "operationId": "revoke_card",
                    "summary": "Revoke a card (staff session or staff token).",
                    "requestBody": _body("RevokeRequest"),
                    "responses": {
                        "200": _ok("revoked", "Revoked"),
                        **AUTH_ERRORS,
                        "403": _error("forbidden (kiosk tokens may not revoke)."),
                        "404": _error("unknown_card."),
                        "422": _error("invalid_code or missing_field."),
                    },
                }
            },
            "/housing-statements": {
                "post": {
                    "operationId": "create_housing_statement",
                    "summary": "Record the housing situation a card holder stated "
                    "(staff session or staff token; a repeat that day replaces it).",
                    "requestBody": _body("HousingStatementRequest"),
                    "responses": {
                        "200": _ok("recorded", "HousingStatement"),
                        **AUTH_ERRORS,
                        "403": _error("forbidden (another centre, or a kiosk token)."),
                        "404": _error("unknown_card or unknown_centre."),
                        "410": _error("revoked_card."),
                        "422": _error("invalid_code, invalid_field or missing_field."),
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "get_openapi",
                    "summary": "This document.",
                    "security": [],
                    "responses": {"200": {"description": "OpenAPI 3.1 document"}},
                }
            },
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"},
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["ok", "error"],
                    "properties": {
                        "ok": {"const": False},
                        "error": {
                            "type": "object",
                            "required": ["status", "code", "message"],
                            "properties": {
                                "status": {"type": "integer"},
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                                "field": {"type": "string"},
                            },
                        },
                    },
                },
                "CentreRequest": {
                    "type": "object",
                    "required": ["centre"],
                    "properties": {"centre": REQUIRED_TEXT},
                },
                "CheckinRequest": {
                    "type": "object",
                    "required": ["centre", "code", "idempotency_key"],
                    "properties": {
                        "centre": {**REQUIRED_TEXT, "description": "Centre slug."},
                        "code": {
                            **REQUIRED_TEXT,
                            "description": "Card code as printed, e.g. "
                            "K7Q2-9XMD-F3AB-CD5E-Q (case, spaces, hyphens, O/I/L "
                            "are forgiven; the check symbol is verified).",
                        },
                        "scanned_at": SCANNED_AT,
                        "idempotency_key": KEY,
                    },
                },
                "CheckinResult": {
                    "type": "object",
                    "properties": {
                        "result": {"enum": ["new", "duplicate"]},
                        "visit_date": {"type": "string", "format": "date"},
                        "today_count": {"type": "integer"},
                    },
                },
                "OutreachRequest": {
                    "type": "object",
                    "required": ["centre", "code", "outreach"],
                    "properties": {
                        "centre": {**REQUIRED_TEXT, "description": "Centre slug."},
                        "code": REQUIRED_TEXT,
                        "outreach": {
                            "enum": [*OUTREACH, None],
                            "description": "Who came along; null: not stated or alone.",
                        },
                    },
                },
                "OutreachResult": {
                    "type": "object",
                    "properties": {
                        "outreach": {"enum": [*OUTREACH, None]},
                        "visit_date": {"type": "string", "format": "date"},
                    },
                },
                "TallyRequest": {
                    "type": "object",
                    "required": ["centre", "idempotency_key"],
                    "properties": {
                        "centre": REQUIRED_TEXT,
                        "scanned_at": SCANNED_AT,
                        "idempotency_key": KEY,
                        **ATTRIBUTES,
                    },
                },
                "TallyResult": {
                    "type": "object",
                    "properties": {
                        "result": {"enum": ["new", "duplicate"]},
                        "today_count": {"type": "integer"},
                    },
                },
                "Count": {
                    "type": "object",
                    "properties": {"today_count": {"type": "integer"}},
                },
                "TodayCounts": {
                    "type": "object",
                    "properties": {
                        "date": {"type": "string", "format": "date"},
                        "centre_name": {"type": "string"},
                        "visits": {"type": "integer"},
                        "card_visits": {"type": "integer"},
                        "tally_visits": {"type": "integer"},
                    },
                },
                "RevokeRequest": {
                    "type": "object",
                    "required": ["code"],
                    "properties": {"code": REQUIRED_TEXT},
                },
                "HousingStatementRequest": {
                    "type": "object",
                    "required": ["centre", "code", "situation"],
                    "properties": {
                        "centre": REQUIRED_TEXT,
                        "code": REQUIRED_TEXT,
                        "situation": {"type": "string", "enum": SITUATIONS},
                        "stated_on": {
                            "type": "string",
                            "format": "date",
                            "description": "Local day, at most 30 days ago "
                            "(default today).",
                        },
                    },
                },
                "HousingStatement": {
                    "type": "object",
                    "properties": {
                        "stated_on": {"type": "string", "format": "date"},
                        "situation": {"type": "string", "enum": SITUATIONS},
                    },
                },
                "Revoked": {
                    "type": "object",
                    "properties": {"revoked": {"const": True}},
                },
            },
        },
    }
