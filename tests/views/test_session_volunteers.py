"""A card scanned at a session can be recorded as a volunteer there."""

import re

from sqlalchemy import select

from tests.factories import create_activity, create_card, create_session
from tests.views.test_activities import centre  # noqa: F401  (the fixture)
from vaerested.models import SessionScan, Visit
from vaerested.models.base import utcnow


def test_staff_mark_a_card_as_volunteer_at_a_session(client, auth, db, centre):  # noqa: F811
    activity = create_activity(centre, category=1, title="Cooking")
    session = create_session(activity, utcnow())
    helper, guest = create_card(centre), create_card(centre)
    db.session.commit()
    auth.login_as("staff", centres=[centre])
    url = f"/activities/nabo/sessions/{session.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'name="is_volunteer"' in page
    client.post(url + "/scan", data={"code": guest.code})
    response = client.post(
        url + "/scan", data={"code": helper.code, "is_volunteer": "y"}
    )
    assert response.status_code == 302
    # A card registered before is marked by scanning it again with the box
    # ticked; a plain scan never unmarks.
    client.post(url + "/scan", data={"code": guest.code, "is_volunteer": "y"})
    client.post(url + "/scan", data={"code": helper.code})
    rows = db.session.execute(
        select(SessionScan.card_id, SessionScan.is_volunteer).order_by(SessionScan.id)
    ).all()
    assert rows == [(guest.id, True), (helper.id, True)]
    # Still one visit per card and day.
    assert len(db.session.scalars(select(Visit.id)).all()) == 2
    html = client.get(url).get_data(as_text=True)
    assert re.search(r'data-testid="volunteer-cards">2<', html)
    assert re.search(r'data-testid="scans">2<', html)


def test_a_plain_scan_is_no_volunteer(client, auth, db, centre):  # noqa: F811
    activity = create_activity(centre, category=1, title="Cooking")
    session = create_session(activity, utcnow())
    card = create_card(centre)
    db.session.commit()
    auth.login_as("staff", centres=[centre])
    client.post(
        f"/activities/nabo/sessions/{session.id}/scan", data={"code": card.code}
    )
    assert db.session.scalars(select(SessionScan.is_volunteer)).all() == [False]
