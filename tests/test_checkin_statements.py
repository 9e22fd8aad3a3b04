"""What a check-in costs the database: statements per scan, no cookie session for
Bearer requests, and a dropped connection that fails at most one request.

Statements are counted with a ``before_cursor_execute`` listener on the engine,
on SQLite and PostgreSQL. Targets (issue 15): a repeat scan in at most two
statements, the day's count in the same ones.
"""

import uuid
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import psycopg
import pytest
from sqlalchemy import event, func, select, text

from tests.factories import create_card, create_centre
from vaerested.api.tokens import create_access_token
from vaerested.checkin import operations as ops
from vaerested.models import Visit
from vaerested.models.base import utcnow

CPH = ZoneInfo("Europe/Copenhagen")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@contextmanager
def statements(engine):
    """Collect the SQL of every statement sent to ``engine`` inside the block."""
    seen: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", listener)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", listener)


def visits_on(db, centre, day) -> int:
    """Count the centre's visits on ``day`` independently of the operations."""
    db.session.expire_all()
    return db.session.scalar(
        select(func.count(Visit.id)).where(
            Visit.centre_id == centre.id, Visit.visit_date == day
        )
    )


def is_postgres(db) -> bool:
    return db.engine.dialect.name == "postgresql"


def test_scan_statements_and_the_count_they_return(db):
    centre = create_centre()
    other_centre = create_centre()
    card, second, revoked = (create_card(centre) for _ in range(3))
    revoked.is_revoked = True
    day = utc(2026, 11, 20, 9).astimezone(CPH).date()
    ops.record_scan(other_centre, second.code, utc(2026, 11, 20, 8))  # elsewhere
    db.session.commit()
    conn = db.session.connection()
    centre_id = centre.id  # read before counting (a commit expired it)
    codes = {"card": card.code, "second": second.code, "revoked": revoked.code}
    # PostgreSQL answers every outcome with one statement; SQLite reads first
    # and writes only a new visit or an earlier time.
    new = earlier = 1 if is_postgres(db) else 2
    repeat = refused = 1
    cases = [
        ("first scan", codes["card"], utc(2026, 11, 20, 9), "new", new),
        ("repeat, later", codes["card"], utc(2026, 11, 20, 12), "duplicate", repeat),
        ("repeat, earlier", codes["card"], utc(2026, 11, 20, 7), "duplicate", earlier),
        ("repeat, same", codes["card"], utc(2026, 11, 20, 7), "duplicate", repeat),
        ("second card", codes["second"], utc(2026, 11, 20, 10), "new", new),
        ("revoked", codes["revoked"], utc(2026, 11, 20, 10), "revoked", refused),
        ("invalid", "not a code!", utc(2026, 11, 20, 10), None, None),
    ]
    for name, code, when, outcome, n_statements in cases:
        with statements(db.engine) as seen:
            result = ops.record_scan(centre_id, code, when, conn=conn, count_date=day)
        if outcome is None:  # not a valid code at all: no statement
            assert result.outcome == "invalid" and seen == [], name
            continue
        assert result.outcome == outcome, name
        assert len(seen) == n_statements, (name, seen)
        if outcome in ("new", "duplicate"):
            assert result.day_count == visits_on(db, centre, day), name
    assert visits_on(db, centre, day) == 2
    assert visits_on(db, other_centre, day) == 1
    [first] = db.session.scalars(select(Visit).where(Visit.card_id == card.id)).all()
    assert first.visited_dt == utc(2026, 11, 20, 7)
    assert 0 <= first.record_key <= 255


def test_unknown_card_statements(db):
    centre_id = create_centre().id
    db.session.commit()
    code = ops.generate_code()
    with statements(db.engine) as seen:
        result = ops.record_scan(centre_id, code, utcnow(), count_date=utcnow().date())
    assert result == ops.ScanResult("unknown")
    assert len(seen) == 1


def test_count_is_of_the_day_asked_for_not_the_scan_day(db):
    centre = create_centre()
    yesterday_card, card = create_card(centre), create_card(centre)
    today = utc(2026, 11, 21, 9).astimezone(CPH).date()
    ops.record_scan(centre, card.code, utc(2026, 11, 21, 8))
    # An offline scan of yesterday synced today: counted on its own day.
    late = ops.record_scan(
        centre, yesterday_card.code, utc(2026, 11, 20, 15), count_date=today
    )
    assert late.outcome == "new"
    assert late.visit_date == today - timedelta(days=1)
    assert late.day_count == 1 == visits_on(db, centre, today)
    again = ops.record_scan(
        centre, yesterday_card.code, utc(2026, 11, 20, 16), count_date=today
    )
    assert (again.outcome, again.day_count) == ("duplicate", 1)
    # Without count_date nothing is counted.
    assert ops.record_scan(centre, card.code, utc(2026, 11, 21, 9)).day_count is None


@pytest.fixture
def kiosk(db):
    centre = create_centre(slug="nabo")
    _token, plaintext = create_access_token("kiosk", centre=centre, label="door")
    cards = [create_card(centre) for _ in range(3)]
    db.session.commit()
    return centre, {"Authorization": f"Bearer {plaintext}"}, cards


def post_checkin(client, headers, code):
    body = {"centre": "nabo", "code": code, "idempotency_key": str(uuid.uuid4())}
    return client.post("/api/v1/checkins", json=body, headers=headers)


def test_bearer_checkin_statements_and_no_cookie_session(client, db, kiosk):
    centre, headers, cards = kiosk
    warm = post_checkin(client, headers, cards[0].code)  # fills the token cache
    assert warm.status_code == 200
    new = 1 if is_postgres(db) else 2
    today = utcnow().astimezone(CPH).date()
    for code, outcome, expected in (
        (cards[1].code, "new", new),
        (cards[1].code, "duplicate", 1),
        (cards[2].code, "new", new),
    ):
        with statements(db.engine) as seen:
            response = post_checkin(client, headers, code)
        assert response.status_code == 200, response.json
        assert response.json["data"]["result"] == outcome
        assert response.json["data"]["today_count"] == visits_on(db, centre, today)
        assert len(seen) == expected, seen
        assert not any("staff_sessions" in sql for sql in seen)
        assert "Set-Cookie" not in response.headers
        assert "Cookie" not in response.headers.get("Vary", "")


def test_bearer_tally_statements(client, db, kiosk):
    _centre, headers, cards = kiosk
    assert post_checkin(client, headers, cards[0].code).status_code == 200
    body = {"centre": "nabo", "idempotency_key": str(uuid.uuid4())}
    with statements(db.engine) as seen:
        response = client.post("/api/v1/tallies", json=body, headers=headers)
    assert response.status_code == 200 and response.json["data"]["result"] == "new"
    assert len(seen) == 2, seen  # the insert, the day's count
    assert "Set-Cookie" not in response.headers
    with statements(db.engine) as seen:
        response = client.post("/api/v1/tallies", json=body, headers=headers)
    assert response.json["data"]["result"] == "duplicate"
    assert len(seen) == 3, seen  # the insert that does nothing, the key, the count


def test_bearer_request_ignores_a_login_cookie(client, db, auth, kiosk):
    _centre, headers, cards = kiosk
    auth.login_as("staff", centres=[kiosk[0]])
    cookie = client.get_cookie("session")
    assert cookie is not None
    with statements(db.engine) as seen:
        response = post_checkin(client, headers, cards[0].code)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert not any("staff_sessions" in sql for sql in seen)
    assert client.get_cookie("session").value == cookie.value
    # The web session itself is untouched: still logged in, still a cookie.
    page = client.get(f"/checkin/{kiosk[0].slug}/")
    assert page.status_code == 200


def test_web_login_still_sets_its_cookie(client, db, auth):
    create_centre(slug="nabo")
    db.session.commit()
    response = client.get("/auth/login")
    assert response.status_code == 200
    assert "session=" in response.headers.get("Set-Cookie", "")


def _terminate(db, pids: set[int]) -> None:
    """End the given PostgreSQL backends from a connection outside the pool."""
    url = db.engine.url.set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False)) as admin:
        for pid in pids:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_dropped_connection_fails_at_most_one_request(client, db, kiosk, caplog):
    _centre, headers, cards = kiosk
    # No test query per checkout; connections are recycled instead.
    assert db.engine.pool._pre_ping is False
    assert db.engine.pool._recycle == 1800
    pids: set[int] = set()

    def remember(dbapi_conn, record, proxy):
        pids.add(dbapi_conn.info.backend_pid)

    event.listen(db.engine, "checkout", remember)
    assert post_checkin(client, headers, cards[0].code).status_code == 200
    assert client.get("/api/v1/centres/nabo/today", headers=headers).status_code == 200
    assert client.get("/healthz").status_code == 200
    event.remove(db.engine, "checkout", remember)
    # The test's own session holds a pooled connection too: give it back.
    db.session.remove()

    # Between two requests the server drops every pooled connection.
    _terminate(db, pids)
    # A check-in retries once on a fresh connection: no error at all.
    response = post_checkin(client, headers, cards[1].code)
    assert response.status_code == 200, response.json
    assert response.json["data"]["result"] == "new"
    assert "connection lost during a check-in; retrying" in caplog.text

    _terminate(db, _pooled_pids(db))
    # Any other request answers one clean 503, then works again.
    response = client.get("/api/v1/centres/nabo/today", headers=headers)
    assert response.status_code == 503, response.json
    assert response.json["error"]["code"] == "database_unavailable"
    assert response.headers["Retry-After"] == "1"
    for _ in range(3):
        response = client.get("/api/v1/centres/nabo/today", headers=headers)
        assert response.status_code == 200, response.json
    assert response.json["data"]["visits"] == 2


def _pooled_pids(db) -> set[int]:
    """Return the backend pids of the connections now idle in the pool."""
    pids = set()
    held = []
    pool = db.engine.pool
    for _ in range(pool.checkedin()):
        conn = db.engine.raw_connection()
        held.append(conn)
        pids.add(conn.driver_connection.info.backend_pid)
    for conn in held:
        conn.close()
    return pids


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_repeat_that_is_not_earlier_writes_nothing(db):
    centre = create_centre()
    card = create_card(centre)
    db.session.commit()
    ops.record_scan(centre.id, card.code, utc(2026, 11, 20, 9))
    db.session.commit()
    xmax = text("SELECT xmax::text FROM visits WHERE card_id = :c")
    assert db.session.execute(xmax, {"c": card.id}).scalar_one() == "0"
    later = ops.record_scan(centre.id, card.code, utc(2026, 11, 20, 12))
    assert later.outcome == "duplicate"
    db.session.commit()
    # Not even a row lock (which ON CONFLICT DO UPDATE takes, and logs).
    assert db.session.execute(xmax, {"c": card.id}).scalar_one() == "0"
    earlier = ops.record_scan(centre.id, card.code, utc(2026, 11, 20, 8))
    assert earlier.outcome == "duplicate"
    db.session.commit()
    assert db.session.execute(xmax, {"c": card.id}).scalar_one() != "0"
