"""The public city-wide calendar and its iCalendar feeds."""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from tests.factories import (
    create_activity,
    create_card,
    create_centre,
    create_district,
    create_session,
    create_target_group,
    create_user,
)
from vaerested.activities.operations import record_attendance
from vaerested.models import CourseEnrolment
from vaerested.models.base import utcnow

CPH = ZoneInfo("Europe/Copenhagen")
ALL_DAY = [(d, "00:00", "00:00") for d in range(7)]


@pytest.fixture
def world(db):
    north, south = create_district(name="North"), create_district(name="South")
    women = create_target_group(code="women", name_da="Kvinder", name_en="Women")
    open_c = create_centre(
        slug="nabo", name="NABO", district=north, hours=ALL_DAY, address="Street 1"
    )
    closed_c = create_centre(slug="kontakten", name="Kontakten", district=south)
    gone = create_centre(
        slug="gone", name="Gone Centre", district=north, is_active=False
    )
    now = utcnow()
    # Both sessions must fall on today's local date: close to midnight the
    # course (five minutes later) would land on tomorrow.
    local = now.astimezone(CPH)
    if local.hour == 23 and local.minute >= 50:
        now -= timedelta(minutes=15)
    walk = create_activity(open_c, title="Lake walk", category=1, place="Door")
    course = create_activity(closed_c, title="Job club", category=3, target_group=women)
    hidden = create_activity(gone, title="Secret knitting")
    archived = create_activity(open_c, title="Old chess", is_active=False)
    s_walk = create_session(walk, now)
    s_course = create_session(course, now + timedelta(minutes=5))
    s_cancel = create_session(walk, now + timedelta(days=1), is_cancelled=True)
    create_session(hidden, now)
    create_session(archived, now)
    card = create_card(closed_c)
    record_attendance(s_walk, 17, 3, None)
    db.session.add(
        CourseEnrolment(
            activity_id=course.id,
            card_id=card.id,
            referral_ref="BIF-SECRET-1",
            start_date=now.date(),
        )
    )
    create_user(role="staff", centres=[open_c], display_name="Hanne Staffsen")
    db.session.commit()
    return {
        "walk": s_walk,
        "course": s_course,
        "cancelled": s_cancel,
        "card": card,
        "north": north,
        "women": women,
    }


def titles(html: str) -> list[str]:
    return re.findall(
        r'data-testid="public-session">.*?<strong>([^<]+)</strong>', html, re.S
    )


def test_public_calendar_needs_no_login_and_shows_no_personal_data(client, world):
    response = client.get("/calendar/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    today = html.split('data-testid="today"')[1].split("</ul>")[0]
    assert titles(today) == ["Lake walk", "Job club"]
    assert "Secret knitting" not in html and "Gone Centre" not in html
    assert "Old chess" not in html
    for secret in ("BIF-SECRET-1", world["card"].code, "Hanne Staffsen", "Log out"):
        assert secret not in html
    assert "style=" not in html and "<script" not in html
    assert "attended" not in html and "volunteer" not in html.lower()
    # Open now: NABO is open around the clock, Kontakten has no hours.
    row = html.split('<tr data-centre="nabo">')[1].split("</tr>")[0]
    assert 'data-testid="open-now"' in row
    row = html.split('<tr data-centre="kontakten">')[1].split("</tr>")[0]
    assert 'data-testid="open-now"' not in row


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("category=1", ["Lake walk"]),
        ("category=3", ["Job club"]),
        ("target=everyone", ["Lake walk"]),
        ("target={women}", ["Job club"]),
        ("district={north}", ["Lake walk"]),
        ("category=9&district=x&target=';--", ["Lake walk", "Job club"]),
    ],
)
def test_filters(client, world, query, expected):
    query = query.format(women=world["women"].id, north=world["north"].id)
    html = client.get(f"/calendar/?{query}").get_data(as_text=True)
    today = html.split('data-testid="today"')[1].split("</ul>")[0]
    assert titles(today) == expected


def _events(data: bytes):
    cal = Calendar.from_ical(data)
    assert str(cal["VERSION"]) == "2.0" and cal.get("PRODID")
    return list(cal.walk("VEVENT"))


def test_city_feed_parses_back(client, world):
    response = client.get("/calendar/city.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    events = _events(response.data)
    assert sorted(str(e["SUMMARY"]) for e in events) == [
        "Job club",
        "Lake walk",
        "Lake walk",
    ]
    walk = world["walk"]
    event = next(e for e in events if str(e["UID"]).startswith(f"session-{walk.id}@"))
    assert event.decoded("DTSTART") == walk.start_dt.replace(microsecond=0)
    assert event.decoded("DTEND") - event.decoded("DTSTART") == timedelta(hours=2)
    assert str(event["LOCATION"]) == "Door, NABO, Street 1"
    assert str(event["STATUS"]) == "CONFIRMED"
    cancelled = next(
        e
        for e in events
        if str(e["UID"]).startswith(f"session-{world['cancelled'].id}@")
    )
    assert str(cancelled["STATUS"]) == "CANCELLED"
    text = response.data.decode()
    for secret in ("Secret knitting", "Old chess", "BIF-SECRET-1", "Hanne"):
        assert secret not in text


def test_centre_feed_and_inactive_centre(client, world):
    events = _events(client.get("/calendar/kontakten.ics").data)
    assert [str(e["SUMMARY"]) for e in events] == ["Job club"]
    assert client.get("/calendar/gone.ics").status_code == 404
    assert client.get("/calendar/nope.ics").status_code == 404


def test_open_now_says_when_a_centre_is_user_run(client, db):
    """A centre open now only by its users shows "user-run", as on /centres/."""
    district = create_district(name="East")
    create_centre(
        slug="brugerhuset",
        name="Brugerhuset",
        district=district,
        hours=[(d, "00:00", "00:00", True) for d in range(7)],
    )
    create_centre(slug="bemandet", name="Bemandet", district=district, hours=ALL_DAY)
    db.session.commit()
    html = client.get("/calendar/").get_data(as_text=True)
    user_run = html.split('<tr data-centre="brugerhuset">')[1].split("</tr>")[0]
    staffed = html.split('<tr data-centre="bemandet">')[1].split("</tr>")[0]
    assert 'data-testid="open-now"' in user_run and "data-user-run" in user_run
    assert 'data-testid="open-now"' in staffed and "data-user-run" not in staffed
