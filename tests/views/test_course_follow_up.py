"""Category-2 clarification courses: follow a card by its pseudonym only."""

import logging
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from tests.factories import create_activity, create_card, create_centre, create_session
from tests.views.test_activities import CPH  # noqa: F401  (same time zone)
from vaerested.models import CourseEnrolment, CourseFollowUp
from vaerested.models.base import utcnow


@pytest.fixture
def centre(db):
    centre = create_centre(slug="nabo", name="NABO")
    db.session.commit()
    return centre


def today():
    return utcnow().astimezone(CPH).date()


def test_clarification_course_follows_a_card_without_reference(
    client, auth, db, centre, caplog
):
    course = create_activity(centre, category=2, title="Afklaring")
    session = create_session(course, utcnow())
    card = create_card(centre)
    db.session.commit()
    auth.login_as("leader", centres=[centre])
    base = f"/activities/nabo/{course.id}/course"
    page = client.get(base)
    assert page.status_code == 200
    form = client.get(base + "/enrol").get_data(True)
    assert 'name="referral_ref"' not in form and 'data-testid="unregistered"' in form
    caplog.set_level(logging.DEBUG)
    ok = client.post(
        base + "/enrol",
        data={
            "code": card.code,
            # A smuggled reference is ignored: the form has no such field.
            "referral_ref": "BIF-2026-0042",
            "start_date": today().isoformat(),
        },
    )
    assert ok.status_code == 302
    enrolment = db.session.scalars(select(CourseEnrolment)).one()
    assert (enrolment.card_id, enrolment.referral_ref, enrolment.is_registered) == (
        card.id,
        None,
        False,
    )
    # The code is hashed to find the card, never logged in clear.
    assert card.code not in caplog.text
    client.post(
        f"/activities/nabo/sessions/{session.id}/scan", data={"code": card.code}
    )
    html = client.get(base).get_data(True)
    assert f"Deltager {enrolment.id}" in html and "BIF-" not in html
    assert 'data-testid="attended">1 / 1<' in html
    assert card.code not in html
    for outcome in ("continuing", "education"):
        response = client.post(
            f"{base}/{enrolment.id}/follow-up",
            data={"follow_up_date": today().isoformat(), "outcome": outcome},
        )
        assert response.status_code == 302
    assert sorted(db.session.scalars(select(CourseFollowUp.outcome))) == [
        "continuing",
        "education",
    ]
    # A free-text outcome is refused.
    bad = client.post(
        f"{base}/{enrolment.id}/follow-up",
        data={"follow_up_date": today().isoformat(), "outcome": "got a job at Netto"},
    )
    assert bad.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(CourseFollowUp)) == 2


def test_category_3_still_needs_a_reference_and_refuses_cpr(client, auth, db, centre):
    course = create_activity(centre, category=3, title="Job club")
    card = create_card(centre)
    db.session.commit()
    auth.login_as("staff", centres=[centre])
    base = f"/activities/nabo/{course.id}/course"
    for ref in ("", "010190-1234", "0101901234"):
        refused = client.post(
            base + "/enrol",
            data={"code": card.code, "referral_ref": ref, "start_date": "2026-01-05"},
        )
        assert refused.status_code == 200 and "field-error" in refused.get_data(True)
    assert db.session.scalar(select(func.count()).select_from(CourseEnrolment)) == 0


def test_category_1_has_no_course_page(client, auth, db, centre):
    plain = create_activity(centre, category=1)
    db.session.commit()
    auth.login_as("leader", centres=[centre])
    assert client.get(f"/activities/nabo/{plain.id}/course").status_code == 404


def test_registration_and_reference_go_together(db, centre):
    """The CHECK: registered with a reference, or unregistered without one."""
    course = create_activity(centre, category=2)
    card = create_card(centre)
    for registered, ref in ((False, "BIF-0001"), (True, None)):
        db.session.add(
            CourseEnrolment(
                activity_id=course.id,
                card_id=card.id,
                is_registered=registered,
                referral_ref=ref,
                start_date=date(2026, 1, 5),
            )
        )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()


def test_retention_unlinks_unregistered_enrolments(db, app):
    from vaerested.checkin.jobs import unlink_old_activity_cards

    centre = create_centre()
    course = create_activity(centre, category=2)
    card = create_card(centre)
    ended = CourseEnrolment(
        activity_id=course.id,
        card_id=card.id,
        is_registered=False,
        start_date=date(2025, 3, 1),
        end_date=date(2025, 6, 1),
    )
    db.session.add(ended)
    db.session.flush()
    assert unlink_old_activity_cards(date(2025, 10, 2)) == (0, 1)
    db.session.expire_all()
    assert ended.card_id is None
