"""Check-in operations: deduplication, local days, tallies, undo, retention, privacy."""

import logging
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text

from tests.factories import (
    create_card,
    create_centre,
    create_course_world,
    create_district,
    create_session,
    create_visit,
)
from vaerested.checkin import operations as ops
from vaerested.checkin.codes import format_code
from vaerested.checkin.jobs import retention_cutoff, run_retention, unlink_old_visits
from vaerested.models import Card, Visit, VisitSource

CPH = ZoneInfo("Europe/Copenhagen")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def visits_of(db, centre=None):
    query = select(Visit).order_by(Visit.id)
    if centre is not None:
        query = query.where(Visit.centre_id == centre.id)
    db.session.expire_all()
    return db.session.scalars(query).all()


def test_same_card_twice_a_day_is_one_visit(db):
    centre = create_centre()
    card = create_card(centre)
    first = ops.record_scan(centre, card.code, utc(2026, 11, 20, 9, 0))
    second = ops.record_scan(centre, format_code(card.code), utc(2026, 11, 20, 12, 0))
    assert first == ops.ScanResult("new", date(2026, 11, 20), card.id)
    assert second == ops.ScanResult("duplicate", date(2026, 11, 20), card.id)
    [visit] = visits_of(db)
    assert visit.visited_dt == utc(2026, 11, 20, 9, 0)
    assert visit.source == VisitSource.SCAN and visit.card_id == card.id


def test_scans_out_of_order_keep_the_earliest_time(db):
    centre = create_centre()
    card = create_card(centre)
    for hour in (14, 9, 11, 8, 16):
        ops.record_scan(centre, card.code, utc(2026, 11, 20, hour, 30))
    [visit] = visits_of(db)
    assert visit.visited_dt == utc(2026, 11, 20, 8, 30)


def test_two_centres_same_day_are_two_visits(db):
    a, b = create_centre(), create_centre()
    card = create_card(a)
    ops.record_scan(a, card.code, utc(2026, 11, 20, 9))
    ops.record_scan(b, card.code, utc(2026, 11, 20, 13))
    ops.record_scan(b, card.code, utc(2026, 11, 20, 15))
    assert [(v.centre_id, v.visited_dt.hour) for v in visits_of(db)] == [
        (a.id, 9),
        (b.id, 13),
    ]


@pytest.mark.parametrize(
    ("last_of_day", "first_of_next", "day"),
    [
        # Winter, CET (UTC+1): local midnight is 23:00 UTC.
        (utc(2026, 11, 21, 22, 59, 59), utc(2026, 11, 21, 23, 0), date(2026, 11, 21)),
        # Summer, CEST (UTC+2): local midnight is 22:00 UTC.
        (utc(2026, 7, 1, 21, 59, 59), utc(2026, 7, 1, 22, 0), date(2026, 7, 1)),
        # Spring DST day (23 hours): begins 23:00 UTC the day before, ends 22:00 UTC.
        (utc(2026, 3, 29, 21, 59, 59), utc(2026, 3, 29, 22, 0), date(2026, 3, 29)),
        # Autumn DST day (25 hours): begins 22:00 UTC the day before, ends 23:00 UTC.
        (utc(2026, 10, 25, 22, 59, 59), utc(2026, 10, 25, 23, 0), date(2026, 10, 25)),
    ],
)
def test_local_midnight_splits_days(db, last_of_day, first_of_next, day):
    centre = create_centre()
    card = create_card(centre)
    assert ops.record_scan(centre, card.code, last_of_day).visit_date == day
    result = ops.record_scan(centre, card.code, first_of_next)
    assert result == ops.ScanResult("new", day + timedelta(days=1), card.id)
    assert [v.visit_date for v in visits_of(db)] == [day, day + timedelta(days=1)]


def test_dst_days_are_whole_local_days(db):
    centre = create_centre()
    card = create_card(centre)
    # 2026-03-29 00:00 local is 23:00 UTC on the 28th; 2026-10-25 00:00 is 22:00 UTC.
    assert ops.record_scan(centre, card.code, utc(2026, 3, 28, 23, 0)).outcome == "new"
    assert ops.record_scan(centre, card.code, utc(2026, 3, 29, 21, 0)).outcome == (
        "duplicate"
    )
    assert ops.record_scan(centre, card.code, utc(2026, 10, 24, 22, 0)).outcome == "new"
    assert ops.record_scan(centre, card.code, utc(2026, 10, 25, 22, 30)).outcome == (
        "duplicate"
    )
    assert [v.visit_date for v in visits_of(db)] == [
        date(2026, 3, 29),
        date(2026, 10, 25),
    ]


def test_unknown_revoked_and_invalid_cards_record_nothing(db):
    centre = create_centre()
    card = create_card(centre)
    db.session.commit()
    other = ops.issue_card(None)[1]
    db.session.rollback()  # forget the second card: its code is now unknown
    when = utc(2026, 11, 20, 9)
    assert ops.record_scan(centre, other, when) == ops.ScanResult("unknown")
    bad = card.code[:-1] + ("0" if card.code[-1] != "0" else "1")
    assert ops.record_scan(centre, bad, when) == ops.ScanResult("invalid")
    assert ops.revoke_card(format_code(card.code).lower()).id == card.id
    assert ops.record_scan(centre, card.code, when) == ops.ScanResult(
        "revoked", card_id=card.id
    )
    assert ops.revoke_card(other) is None
    assert visits_of(db) == []


def test_card_attributes_are_kept(db):
    district = create_district()
    centre = create_centre()
    card, code = ops.issue_card(
        centre,
        {"home_district_id": district.id, "age_band": "25_39", "housing": "homeless"},
    )
    db.session.expire_all()
    card = db.session.get(Card, card.id)
    assert (card.home_district_id, card.age_band, card.housing) == (
        district.id,
        "25_39",
        "homeless",
    )
    assert card.gender is None and card.first_came is None
    assert card.issued_centre_id == centre.id and not card.is_revoked
    with pytest.raises(ValueError):
        ops.issue_card(centre, {"name": "x"})


def test_tally_is_idempotent_per_key(db):
    district = create_district()
    a, b = create_centre(), create_centre()
    key = str(uuid.uuid4())
    when = utc(2026, 11, 20, 10)
    attrs = {"home_district_id": district.id, "gender": "woman"}
    assert ops.record_tally(a, when, key, attrs) == ops.TallyResult(
        "new", date(2026, 11, 20)
    )
    assert ops.record_tally(a, when + timedelta(hours=1), key, attrs).outcome == (
        "duplicate"
    )
    with pytest.raises(ops.IdempotencyConflict):
        ops.record_tally(b, when, key)
    assert ops.record_tally(a, when, str(uuid.uuid4())).outcome == "new"
    tallies = visits_of(db)
    assert [(v.card_id, v.source, v.home_district_id, v.gender) for v in tallies] == [
        (None, VisitSource.TALLY, district.id, "woman"),
        (None, VisitSource.TALLY, None, None),
    ]
    assert tallies[0].visited_dt == when


def test_undo_tally_within_fifteen_minutes(db):
    a, b = create_centre(), create_centre()
    key = str(uuid.uuid4())
    ops.record_tally(a, utc(2026, 11, 20, 10), key)
    created = visits_of(db)[0].created_dt
    with pytest.raises(ops.UnknownTally):
        ops.undo_tally(b, key, created)
    with pytest.raises(ops.UnknownTally):
        ops.undo_tally(a, str(uuid.uuid4()), created)
    with pytest.raises(ops.UndoExpired):
        ops.undo_tally(a, key, created + timedelta(minutes=15))
    assert ops.undo_tally(a, key, created + timedelta(minutes=14, seconds=59)) == date(
        2026, 11, 20
    )
    assert visits_of(db) == []
    with pytest.raises(ops.UnknownTally):
        ops.undo_tally(a, key, created)


def test_card_visits_cannot_be_undone_as_tallies(db):
    centre = create_centre()
    visit = create_visit(centre, create_card(centre), idempotency_key=str(uuid.uuid4()))
    with pytest.raises(ops.UnknownTally):
        ops.undo_tally(centre, visit.idempotency_key, visit.created_dt)


def test_today_counts(db):
    a, b = create_centre(), create_centre()
    day = utc(2026, 11, 20, 10)
    for _ in range(3):
        ops.record_scan(a, create_card(a).code, day)
    ops.record_tally(a, day, str(uuid.uuid4()))
    ops.record_tally(b, day, str(uuid.uuid4()))
    ops.record_tally(a, day + timedelta(days=1), str(uuid.uuid4()))
    assert ops.today_counts(a, date(2026, 11, 20)) == {
        "visits": 4,
        "card_visits": 3,
        "tally_visits": 1,
    }
    assert ops.count_today(a, date(2026, 11, 21)) == 1
    assert ops.today_counts(b, date(2026, 11, 19))["visits"] == 0


NOW = utc(2026, 11, 22, 12, 0)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-22T10:15:00", utc(2026, 11, 22, 9, 15)),  # local CET
        ("2026-11-22 10:15", utc(2026, 11, 22, 9, 15)),
        ("2026-11-22T10:15:00Z", utc(2026, 11, 22, 10, 15)),
        ("2026-11-22T10:15:00+02:00", utc(2026, 11, 22, 8, 15)),
        ("2026-11-22T12:04:59+00:00", utc(2026, 11, 22, 12, 4, 59)),
        ("2026-10-23T12:00:01Z", utc(2026, 10, 23, 12, 0, 1)),
    ],
)
def test_parse_scanned_at(text, expected):
    assert ops.parse_scanned_at(text, CPH, NOW) == expected


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("yesterday", ops.InvalidTime),
        ("2026-11-22", ops.InvalidTime),
        ("2026-13-01T10:00", ops.InvalidTime),
        ("", ops.InvalidTime),
        (None, ops.InvalidTime),
        ("2026-10-23T11:59:59Z", ops.TooOld),
        ("2026-11-22T12:05:01Z", ops.InFuture),
    ],
)
def test_parse_scanned_at_rejects(text, error):
    with pytest.raises(error) as info:
        ops.parse_scanned_at(text, CPH, NOW)
    assert info.type is error


def test_parse_scanned_at_survives_dst_changes():
    # 02:30 happens twice on 2026-10-25: fold=0 takes the first (CEST, UTC+2).
    now = utc(2026, 10, 26, 12)
    assert ops.parse_scanned_at("2026-10-25T02:30", CPH, now) == utc(
        2026, 10, 25, 0, 30
    )
    # 02:30 never happens on 2026-03-29: read with the offset before the jump (CET).
    now = utc(2026, 3, 30, 12)
    assert ops.parse_scanned_at("2026-03-29T02:30", CPH, now) == utc(2026, 3, 29, 1, 30)


def test_retention_unlinks_cards_and_keeps_counts(db, app):
    centre = create_centre()
    card = create_card(centre)
    old = create_visit(centre, card, utc(2025, 10, 1, 10))
    edge = create_visit(centre, card, utc(2025, 10, 2, 10))
    tally = create_visit(centre, None, utc(2025, 9, 1, 10))
    assert unlink_old_visits(date(2025, 10, 2)) == 1
    db.session.expire_all()
    assert (old.card_id, edge.card_id, tally.card_id) == (None, card.id, None)
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 3
    assert retention_cutoff(date(2026, 11, 2), 396) == date(2025, 10, 2)
    db.session.commit()
    app.config["VISIT_CARD_RETENTION_DAYS"] = 1
    recent = create_visit(centre, card)
    db.session.commit()
    assert run_retention(app) == 1  # the edge visit; today's stays linked
    db.session.expire_all()
    assert (edge.card_id, recent.card_id) == (None, card.id)
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 4


def test_codes_never_logged_nor_stored_in_clear(db, caplog):
    caplog.set_level(logging.DEBUG)
    centre = create_centre()
    card = create_card(centre)
    ops.record_scan(centre, card.code, utc(2026, 11, 20, 9))
    ops.record_scan(centre, card.code, utc(2026, 11, 20, 8))
    ops.revoke_card(card.code)
    ops.record_scan(centre, card.code, utc(2026, 11, 21, 9))
    db.session.commit()
    forms = {card.code, format_code(card.code), card.code[:16]}
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert not any(f in logged for f in forms)
    assert f"card {card.id}" in logged  # ids are logged, codes never
    for table in ("cards", "visits"):
        rows = db.session.execute(text(f"SELECT * FROM {table}")).all()
        dump = repr(rows).upper().replace("-", "")
        assert rows and not any(f.replace("-", "") in dump for f in forms)


def test_retention_unlinks_old_session_scans_and_course_enrolments(db, app):
    from vaerested.checkin.jobs import unlink_old_activity_cards
    from vaerested.models import CourseEnrolment, SessionScan

    centre = create_centre()
    world = create_course_world(centre)
    card = create_card(centre)
    old_session = create_session(world.activity, utc(2025, 9, 1, 10))
    old_scan = SessionScan(
        session_id=old_session.id, card_id=card.id, scanned_dt=utc(2025, 9, 1, 10)
    )
    new_scan = SessionScan(
        session_id=world.session.id, card_id=card.id, scanned_dt=utc(2025, 10, 2, 9)
    )
    ended = CourseEnrolment(
        activity_id=world.activity.id,
        card_id=card.id,
        referral_ref="BIF-0002",
        start_date=date(2025, 3, 1),
        end_date=date(2025, 10, 1),
    )
    running = CourseEnrolment(
        activity_id=world.activity.id,
        card_id=card.id,
        referral_ref="BIF-0003",
        start_date=date(2025, 3, 2),
        end_date=date(2025, 10, 2),
    )
    db.session.add_all([old_scan, new_scan, ended, running])
    db.session.flush()
    # Cut-off 2 October 2025 (local): 09:00 UTC that day is 11:00 local, kept.
    assert unlink_old_activity_cards(date(2025, 10, 2)) == (1, 1)
    db.session.expire_all()
    assert (old_scan.card_id, new_scan.card_id) == (None, card.id)
    assert (ended.card_id, running.card_id) == (None, card.id)
    # The course started 2026-01-05 with no end: it stays linked.
    assert world.enrolment.card_id is not None
    assert db.session.scalar(select(func.count()).select_from(SessionScan)) == 2
