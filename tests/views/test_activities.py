"""Activity pages: planning, materialising, rule edits, attendance, courses."""

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from tests.factories import (
    create_activity,
    create_card,
    create_centre,
    create_district,
    create_session,
    create_target_group,
)
from vaerested.activities.jobs import run_materialise_sessions
from vaerested.activities.operations import (
    materialise_activity,
    record_attendance,
)
from vaerested.models import (
    Activity,
    ActivitySession,
    CourseEnrolment,
    CourseFollowUp,
    SessionAttendance,
    SessionScan,
    Visit,
)
from vaerested.models.base import utcnow

CPH = ZoneInfo("Europe/Copenhagen")
HORIZON = 20
ALL_DAY = [(d, "00:00", "00:00") for d in range(7)]


@pytest.fixture
def app_config(app_config):
    return {**app_config, "SESSION_HORIZON_DAYS": HORIZON}


@pytest.fixture
def centre(db):
    centre = create_centre(slug="nabo", name="NABO", hours=ALL_DAY)
    db.session.commit()
    return centre


def today() -> date:
    return utcnow().astimezone(CPH).date()


def local_dt(day: date, at: time) -> datetime:
    return datetime.combine(day, at, CPH).astimezone(UTC)


def sessions_of(db, activity_id):
    return db.session.scalars(
        select(ActivitySession)
        .where(ActivitySession.activity_id == activity_id)
        .order_by(ActivitySession.start_dt)
    ).all()


def activity_form(**overrides) -> dict:
    data = {
        "title": "Morning walk",
        "description": "A walk around the lakes.",
        "category": "1",
        "life_phase_min": "1",
        "life_phase_max": "3",
        "target_group_id": "",
        "led_by": "staff",
        "partner": "",
        "place": "Front door",
        "capacity": "",
        "is_open_to_other_centres": "y",
        "kind": "weekly",
        "weekday": str(today().weekday()),
        "interval_weeks": "1",
        "nth": "1",
        "start_date": today().isoformat(),
        "end_date": "",
        "start_time": "10:00",
        "end_time": "12:00",
        "exception_dates": "",
    }
    return {**data, **overrides}


def test_leader_creates_weekly_activity_and_sessions_materialise(
    client, auth, db, centre, app
):
    auth.login_as("leader", centres=[centre])
    response = client.post("/activities/nabo/new", data=activity_form())
    assert response.status_code == 302, response.data[:2000]
    activity = db.session.scalars(select(Activity)).one()
    assert (activity.title, activity.category, activity.centre_id) == (
        "Morning walk",
        1,
        centre.id,
    )
    # Days today..today+HORIZON on today's weekday: every 7th day from today.
    expected = [today() + timedelta(days=n) for n in range(0, HORIZON + 1, 7)]
    got = sessions_of(db, activity.id)
    assert [s.start_dt.astimezone(CPH).date() for s in got] == expected
    assert {s.start_dt.astimezone(CPH).time() for s in got} == {time(10)}
    assert {s.end_dt.astimezone(CPH).time() for s in got} == {time(12)}
    # The job and a second save create nothing new.
    assert run_materialise_sessions(app) == 0
    assert len(sessions_of(db, activity.id)) == len(expected)


def test_job_materialises_through_the_cli(db, centre, runner):
    create_activity(
        centre,
        rules=[
            {
                "weekday": today().weekday(),
                "start_date": today(),
                "start_time": time(9),
                "end_time": time(10),
                "valid_from_dt": local_dt(today(), time(0)),
            }
        ],
    )
    db.session.commit()
    result = runner.invoke(args=["scheduler", "run-job", "materialise-sessions"])
    assert result.exit_code == 0, result.output
    assert f"materialise-sessions: {HORIZON // 7 + 1}" in result.output
    result = runner.invoke(args=["scheduler", "run-job", "materialise-sessions"])
    assert "materialise-sessions: 0" in result.output


def test_invalid_form_shows_errors_not_500(client, auth, db, centre):
    auth.login_as("leader", centres=[centre])
    response = client.post(
        "/activities/nabo/new",
        data=activity_form(
            title="",
            life_phase_min="3",
            life_phase_max="2",
            end_date=(today() - timedelta(days=1)).isoformat(),
            led_by="partner",
            exception_dates="christmas",
        ),
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert html.count('class="field-error"') == 5
    assert db.session.scalar(select(func.count()).select_from(Activity)) == 0


def test_editing_a_rule_never_rewrites_the_past(client, auth, db, centre):
    first = today() - timedelta(days=21)
    activity = create_activity(
        centre,
        rules=[
            {
                "weekday": today().weekday(),
                "start_date": first,
                "start_time": time(10),
                "end_time": time(12),
                "valid_from_dt": local_dt(first, time(0)),
            }
        ],
    )
    since = local_dt(first, time(0))
    until = local_dt(today() + timedelta(days=HORIZON + 1), time(0))
    assert materialise_activity(activity, since, until, CPH) == 3 + HORIZON // 7 + 1
    sessions = sessions_of(db, activity.id)
    past = [s for s in sessions if s.start_dt < utcnow()]
    future = [s for s in sessions if s.start_dt > utcnow() + timedelta(days=1)]
    assert len(past) in (3, 4) and len(future) >= 2  # 4 once today's has begun
    record_attendance(past[0], 4, 1, None)
    attended, cancelled = future[0], future[1]
    record_attendance(attended, 0, 2, None)
    cancelled.is_cancelled = True
    before = {s.id: (s.start_dt, s.end_dt) for s in past + [attended, cancelled]}
    rule = activity.rules[0]
    db.session.commit()

    auth.login_as("leader", centres=[centre])
    response = client.post(
        f"/activities/nabo/{activity.id}/rules/{rule.id}",
        data={
            "kind": "weekly",
            "weekday": str(today().weekday()),
            "interval_weeks": "1",
            "nth": "1",
            "start_date": first.isoformat(),
            "end_date": "",
            "start_time": "14:00",
            "end_time": "15:30",
            "exception_dates": "",
        },
    )
    assert response.status_code == 302, response.data[:2000]
    db.session.expire_all()
    after = sessions_of(db, activity.id)
    by_id = {s.id: s for s in after}
    for sid, times in before.items():  # kept, unchanged
        assert (by_id[sid].start_dt, by_id[sid].end_dt) == times
    now = utcnow()
    untouched_future = [s for s in after if s.start_dt >= now and s.id not in before]
    assert untouched_future
    for s in untouched_future:
        assert s.start_dt.astimezone(CPH).time() == time(14)
        assert s.end_dt.astimezone(CPH).time() == time(15, 30)
    # No new session before the change, and nothing from the old rule remains
    # in the future except the kept ones.
    assert all(s.start_dt >= now or s.id in before for s in after)
    old_future = [
        s
        for s in after
        if s.start_dt >= now
        and s.start_dt.astimezone(CPH).time() == time(10)
        and s.id not in before
    ]
    assert old_future == []


def make_session_world(db, centre, start=None, category=1):
    activity = create_activity(centre, category=category, title="Cooking")
    session = create_session(activity, start or utcnow())
    db.session.commit()
    return activity, session


def test_attendance_counts_headcount_scans_and_volunteers(client, auth, db, centre):
    activity, session = make_session_world(db, centre)
    other = create_session(activity, session.start_dt + timedelta(minutes=1))
    cards = [create_card(centre) for _ in range(3)]
    revoked = create_card(centre)
    revoked.is_revoked = True
    db.session.commit()
    auth.login_as("staff", centres=[centre])
    url = f"/activities/nabo/sessions/{session.id}"
    assert (
        client.post(
            url + "/attendance", data={"headcount": "5", "volunteers": "2"}
        ).status_code
        == 302
    )
    for code in [cards[0].code, cards[1].code, cards[0].code, "nonsense", revoked.code]:
        assert client.post(url + "/scan", data={"code": code}).status_code == 302
    # The same card at another session the same day: a new session scan, no new visit.
    client.post(
        f"/activities/nabo/sessions/{other.id}/scan", data={"code": cards[0].code}
    )
    scans = db.session.execute(
        select(SessionScan.session_id, SessionScan.card_id).order_by(SessionScan.id)
    ).all()
    assert scans == [
        (session.id, cards[0].id),
        (session.id, cards[1].id),
        (other.id, cards[0].id),
    ]
    visits = db.session.execute(select(Visit.card_id, Visit.centre_id)).all()
    assert sorted(visits) == sorted(
        [(cards[0].id, centre.id), (cards[1].id, centre.id)]
    )
    html = client.get(url).get_data(as_text=True)
    # Attendees = 5 counted heads + 2 distinct cards; volunteers apart.
    assert re.search(r'data-testid="attendees">7<', html)
    assert re.search(r'data-testid="scans">2<', html)
    assert re.search(r'data-testid="volunteers">2<', html)
    # The week view shows the same numbers.
    week = client.get("/activities/nabo/").get_data(as_text=True)
    assert "7 fremmødte" in week and "2 frivillige" in week


def test_bad_attendance_input_is_a_form_error(client, auth, db, centre):
    _, session = make_session_world(db, centre)
    auth.login_as("staff", centres=[centre])
    url = f"/activities/nabo/sessions/{session.id}/attendance"
    response = client.post(url, data={"headcount": "-1", "volunteers": "x"})
    assert response.status_code == 400
    assert response.get_data(as_text=True).count('class="field-error"') == 2


def test_no_attendance_before_the_sessions_day(client, auth, db, centre):
    _, session = make_session_world(db, centre, start=utcnow() + timedelta(days=3))
    card = create_card(centre)
    db.session.commit()
    auth.login_as("staff", centres=[centre])
    url = f"/activities/nabo/sessions/{session.id}"
    client.post(url + "/scan", data={"code": card.code})
    client.post(url + "/attendance", data={"headcount": "3", "volunteers": "0"})
    assert db.session.scalar(select(func.count()).select_from(SessionScan)) == 0
    assert db.session.scalar(select(func.count()).select_from(Visit)) == 0
    assert session.attendance is None


def test_leader_cancels_and_moves_one_session(client, auth, db, centre):
    _, session = make_session_world(db, centre, start=local_dt(today(), time(10)))
    auth.login_as("leader", centres=[centre])
    url = f"/activities/nabo/sessions/{session.id}/change"
    response = client.post(url, data={"action": "cancel", "reason": ""})
    assert response.status_code == 200 and "field-error" in response.get_data(True)
    client.post(url, data={"action": "cancel", "reason": "staff_illness"})
    db.session.refresh(session)
    assert session.is_cancelled and session.change_reason == "staff_illness"
    client.post(url, data={"action": "reinstate", "reason": ""})
    db.session.refresh(session)
    assert not session.is_cancelled
    new_day = today() + timedelta(days=2)
    client.post(
        url,
        data={
            "action": "move",
            "reason": "room_unavailable",
            "day": new_day.isoformat(),
            "start_time": "13:00",
            "end_time": "14:30",
        },
    )
    db.session.refresh(session)
    assert session.is_moved
    assert session.start_dt == local_dt(new_day, time(13))
    assert session.end_dt == local_dt(new_day, time(14, 30))
    assert session.occurrence_dt == local_dt(today(), time(10))


def test_staff_may_not_change_sessions(client, auth, db, centre):
    _, session = make_session_world(db, centre)
    auth.login_as("staff", centres=[centre])
    response = client.post(
        f"/activities/nabo/sessions/{session.id}/change",
        data={"action": "cancel", "reason": "holiday"},
    )
    assert response.status_code == 403


def test_warnings_for_opening_hours_and_nearby_collisions(client, auth, db):
    district, other_district = create_district(), create_district()
    centre = create_centre(slug="a", district=district, hours=[(0, "10:00", "16:00")])
    nearby = create_centre(slug="b", district=district, name="Nearby")
    far = create_centre(slug="c", district=other_district, name="Far")
    monday = today() + timedelta(days=7 - today().weekday())
    act = create_activity(centre, category=2, title="Choir")
    inside = create_session(act, local_dt(monday, time(10)), local_dt(monday, time(12)))
    outside = create_session(
        act, local_dt(monday, time(15)), local_dt(monday, time(17))
    )
    clash = create_activity(nearby, category=2, title="Clash")
    create_session(clash, local_dt(monday, time(11)), local_dt(monday, time(13)))
    same_cat_far = create_activity(far, category=2)
    create_session(same_cat_far, local_dt(monday, time(10)), local_dt(monday, time(12)))
    other_cat = create_activity(nearby, category=1)
    create_session(other_cat, local_dt(monday, time(16)), local_dt(monday, time(17)))
    db.session.commit()
    auth.login_as("leader", centres=[centre])
    html = client.get(f"/activities/a/sessions/{inside.id}").get_data(as_text=True)
    assert 'data-testid="warn-hours"' not in html
    assert html.count('data-testid="warn-collision"') == 1 and "Nearby" in html
    html = client.get(f"/activities/a/sessions/{outside.id}").get_data(as_text=True)
    assert 'data-testid="warn-hours"' in html
    # The cat-2 clash ends at 13:00; the overlapping 16-17 session is category 1.
    assert 'data-testid="warn-collision"' not in html


def test_leader_of_another_centre_cannot_touch(client, auth, db, centre):
    _, session = make_session_world(db, centre)
    other = create_centre(slug="other")
    db.session.commit()
    activity_id = session.activity_id
    auth.login_as("leader", centres=[other])
    assert client.get(f"/activities/nabo/{activity_id}").status_code == 403
    # Through the own centre's slug, another centre's objects do not exist.
    assert client.get(f"/activities/other/{activity_id}").status_code == 404
    assert client.get(f"/activities/other/sessions/{session.id}").status_code == 404
    assert (
        client.post(
            f"/activities/other/sessions/{session.id}/attendance",
            data={"headcount": "3", "volunteers": "0"},
        ).status_code
        == 404
    )
    assert session.attendance is None


def test_course_enrolment_attendance_and_follow_up(client, auth, db, centre):
    course, session = make_session_world(db, centre, category=3)
    card, stranger = create_card(centre), create_card(centre)
    plain, _ = make_session_world(db, centre, category=1)
    db.session.commit()
    auth.login_as("staff", centres=[centre])
    base = f"/activities/nabo/{course.id}/course"
    assert client.get(f"/activities/nabo/{plain.id}/course").status_code == 404
    bad = client.post(
        base + "/enrol",
        data={
            "code": card.code,
            "referral_ref": "Jens Hansen",
            "start_date": today().isoformat(),
        },
    )
    assert bad.status_code == 200 and "field-error" in bad.get_data(True)
    for cpr in ("010190-1234", "0101901234"):  # refused, and told why (Danish)
        refused = client.post(
            base + "/enrol",
            data={
                "code": card.code,
                "referral_ref": cpr,
                "start_date": today().isoformat(),
            },
        )
        assert "Det ligner et CPR-nummer" in refused.get_data(True)
    assert db.session.scalar(select(func.count()).select_from(CourseEnrolment)) == 0
    ok = client.post(
        base + "/enrol",
        data={
            "code": card.code,
            "referral_ref": "bif-2026-0042",
            "start_date": today().isoformat(),
            "planned_sessions": "10",
        },
    )
    assert ok.status_code == 302
    enrolment = db.session.scalars(select(CourseEnrolment)).one()
    assert (enrolment.card_id, enrolment.referral_ref) == (card.id, "BIF-2026-0042")
    dup = client.post(
        base + "/enrol",
        data={
            "code": card.code,
            "referral_ref": "BIF-1",
            "start_date": today().isoformat(),
        },
    )
    assert db.session.scalar(select(func.count()).select_from(CourseEnrolment)) == 1
    assert dup.status_code == 200
    for code in (card.code, stranger.code):
        client.post(f"/activities/nabo/sessions/{session.id}/scan", data={"code": code})
    html = client.get(base).get_data(as_text=True)
    assert "BIF-2026-0042" in html
    assert re.search(r'data-testid="attended">1 / 1<', html)
    response = client.post(
        f"{base}/{enrolment.id}/follow-up",
        data={"follow_up_date": today().isoformat(), "outcome": "employment"},
    )
    assert response.status_code == 302
    assert db.session.scalars(select(CourseFollowUp.outcome)).all() == ["employment"]
    bad = client.post(
        f"{base}/{enrolment.id}/follow-up",
        data={"follow_up_date": today().isoformat(), "outcome": "fired"},
    )
    assert bad.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(CourseFollowUp)) == 1


def test_landscape_figure_and_delivered_numbers(client, auth, db):
    district = create_district()
    a = create_centre(
        slug="a",
        name="Alfa",
        district=district,
        is_cat1=True,
        is_cat2=True,
        is_cat3=True,
    )
    b = create_centre(slug="b", name="Beta", district=district, life_phase_max=3)
    gone = create_centre(slug="gone", name="Gone", is_active=False)
    day = today() - timedelta(days=2)
    c1 = create_activity(a, category=1)
    c3 = create_activity(a, category=3)
    b1 = create_activity(b, category=1)
    s1 = create_session(c1, local_dt(day, time(10)), local_dt(day, time(12)))
    s2 = create_session(c3, local_dt(day, time(13)), local_dt(day, time(14)))
    s3 = create_session(b1, local_dt(day, time(10)), local_dt(day, time(13)))
    cancelled = create_session(b1, local_dt(day, time(15)), local_dt(day, time(20)))
    cancelled.is_cancelled = True
    create_session(create_activity(gone), local_dt(day, time(10)))
    record_attendance(s1, 6, 1, None)
    record_attendance(s2, 2, 0, None)
    record_attendance(s3, 3, 0, None)
    # Record keys 0: the attendance cells get no noise, only suppression (<5).
    db.session.execute(update(SessionAttendance).values(record_key=0))
    create_target_group()
    db.session.commit()
    auth.login_as("staff", centres=[a])
    url = f"/activities/landscape?from={(day - timedelta(days=1)).isoformat()}&to={today().isoformat()}"
    response = client.get(url)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "style=" not in html and "<script" not in html
    assert (
        'data-testid="landscape-svg"' in html and 'data-testid="delivered-svg"' in html
    )
    assert html.count('data-testid="cat3-box"') == 1
    assert 'data-centre="gone"' not in html
    row_a = html.split('<tr data-centre="a">')[1].split("</tr>")[0]
    row_b = html.split('<tr data-centre="b">')[1].split("</tr>")[0]
    cells = lambda row: re.findall(r'<td class="num">([^<]+?) <small>\((\d+) %\)', row)  # noqa: E731
    # Alfa: cat 1 2 h (67 %), cat 3 1 h (33 %); attendance 6 and 2, protected
    # at min-cell 5: the 2 is shown as <5 and left out of the shares. Hours in
    # the page's locale (Danish by default: decimal comma).
    assert cells(row_a) == [
        ("2,0", "67"),
        ("0,0", "0"),
        ("1,0", "33"),
        ("6", "100"),
        ("0", "0"),
        ("&lt;5", "0"),
    ]
    # Beta: the cancelled session counts for nothing; 3 is shown as <5.
    assert cells(row_b) == [
        ("3,0", "100"),
        ("0,0", "0"),
        ("0,0", "0"),
        ("&lt;5", "0"),
        ("0", "0"),
        ("0", "0"),
    ]
    assert 'data-testid="protection-note"' in html
