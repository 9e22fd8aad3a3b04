"""Many concurrent scans: exactly one visit per card, centre and day, no lock errors.

Runs on the SQLite file database (WAL) and on PostgreSQL, through the real
operations and through the WSGI app with kiosk tokens.
"""

import random
import threading
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from tests.factories import create_card, create_centre
from tests.test_visit_chain import assert_exact
from vaerested.api.tokens import create_access_token
from vaerested.checkin.codes import format_code
from vaerested.checkin.operations import record_scan
from vaerested.extensions import db as _db
from vaerested.models import Visit
from vaerested.models.base import utcnow

THREADS = 8
SCANS_PER_THREAD = 50
REPLAY_SHARE = 0.2
CPH = ZoneInfo("Europe/Copenhagen")


def make_plan(rng, centre_ids, codes, start, minutes):
    """Per thread, a list of (centre_id, code, when) with about 20 % replays."""
    plan = []
    for _ in range(THREADS):
        scans = []
        for _ in range(SCANS_PER_THREAD):
            if scans and rng.random() < REPLAY_SHARE:
                scans.append(rng.choice(scans))
            else:
                when = start + timedelta(minutes=rng.randrange(minutes))
                scans.append((rng.choice(centre_ids), rng.choice(codes), when))
        plan.append(scans)
    return plan


def expected_visits(plan, card_ids):
    """Independently fold the plan: earliest time per (card, centre, local day)."""
    expected = {}
    for scans in plan:
        for centre_id, code, when in scans:
            k = (card_ids[code], centre_id, when.astimezone(CPH).date())
            expected[k] = min(expected.get(k, when), when)
    return expected


def run_threads(target, plan):
    errors = []
    barrier = threading.Barrier(THREADS)

    def worker(scans):
        try:
            barrier.wait()
            target(scans)
        except Exception as error:  # collected and asserted on below
            errors.append(repr(error))

    threads = [threading.Thread(target=worker, args=(s,)) for s in plan]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return errors


def stored_visits(db):
    db.session.expire_all()
    rows = db.session.execute(
        select(Visit.card_id, Visit.centre_id, Visit.visit_date, Visit.visited_dt)
    ).all()
    return {(r.card_id, r.centre_id, r.visit_date): r.visited_dt for r in rows}, len(
        rows
    )


def test_concurrent_operations(app, db):
    centres = [create_centre(), create_centre()]
    cards = [create_card(centres[0]) for _ in range(25)]
    db.session.commit()
    card_ids = {c.code: c.id for c in cards}
    start = datetime(2026, 11, 20, 5, 0, tzinfo=UTC)  # crosses local midnights
    plan = make_plan(
        random.Random(104), [c.id for c in centres], list(card_ids), start, 3 * 1440
    )

    def scan_all(scans):
        with app.app_context():
            for centre_id, code, when in scans:
                result = record_scan(centre_id, code, when)
                assert result.outcome in ("new", "duplicate")
                _db.session.commit()
            _db.session.remove()

    errors = run_threads(scan_all, plan)
    assert errors == []
    expected = expected_visits(plan, card_ids)
    stored, count = stored_visits(db)
    assert count == len(expected)
    assert stored == expected
    # Each card's chain of previous visits (kept by triggers) stays exact when
    # its visits at two centres are written at once.
    assert_exact(db)


def test_concurrent_api_checkins(app, db):
    centres = [create_centre(slug="a"), create_centre(slug="b")]
    tokens = {c.id: create_access_token("kiosk", centre=c)[1] for c in centres}
    cards = [create_card(centres[0]) for _ in range(20)]
    db.session.commit()
    card_ids = {c.code: c.id for c in cards}
    slugs = {c.id: c.slug for c in centres}
    start = utcnow() - timedelta(days=2)
    plan = make_plan(random.Random(2024), list(slugs), list(card_ids), start, 2 * 1440)
    results = []

    def post_all(scans):
        client = app.test_client()
        for centre_id, code, when in scans:
            response = client.post(
                "/api/v1/checkins",
                json={
                    "centre": slugs[centre_id],
                    "code": format_code(code),
                    "scanned_at": when.isoformat(),
                    "idempotency_key": str(uuid.uuid4()),
                },
                headers={"Authorization": f"Bearer {tokens[centre_id]}"},
            )
            assert response.status_code == 200, response.data
            results.append(response.json["data"]["result"])

    errors = run_threads(post_all, plan)
    assert errors == []
    expected = expected_visits(plan, card_ids)
    stored, count = stored_visits(db)
    assert count == len(expected)
    assert stored == expected
    assert results.count("new") == len(expected)
    assert len(results) == THREADS * SCANS_PER_THREAD
